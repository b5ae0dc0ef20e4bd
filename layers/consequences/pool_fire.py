"""Pool fire: circles at heat-flux thresholds. Wind tilt of the flame is ignored (zones stay centred
on the pool): conservative upwind, slightly short downwind."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast  # `float ** float` is typed Any (it may be complex); bases here are > 0

from layers.consequences.base import (
    G_M_S2,
    HEAT_FLUX_MIN_KW_M2,
    LEVELS,
    ThreatZone,
    Weather,
    atmospheric_transmissivity,
    check_decreasing,
    circle_zones,
    fmt,
    outer_distance,
    param,
)

#: Thomas (1963) flame height H = 42 D [m''/(ρ_a √(g D))]^0.61 (CCPS 2000 §2.2.3).
THOMAS_COEFF, THOMAS_EXPONENT = 42.0, 0.61
#: The Chinese textbook form h = 84 r [m''/(ρ₀ √(2 g r))]^0.6 (docs/domain.md §6).
CN_THOMAS_COEFF, CN_THOMAS_EXPONENT = 84.0, 0.6


@dataclass(frozen=True)
class PoolFireParams:
    """Pool fire.

    Burning rate: ``burning_rate_method="zabetakis"`` m'' = m''∞ (1 − exp(−kβ D)) (Burgess &
    Zabetakis; defaults are benzene's m''∞ = 0.085 kg/(m²·s), kβ = 2.7 m⁻¹ from Babrauskas, Fire
    Technology 19 (1983) 251, SFPE Handbook table of large-pool burning rates), or
    ``"burgess_thermo"`` m'' = 0.001 ΔH_c / [c_p (T_b − T₀) + ΔH_v] (Burgess, as in the Chinese
    texts; defaults benzene, CRC Handbook).
    Radiation: ``radiation_model="point_source"`` (CCPS 2000 §2.2.3): q = τ χ m'' (π D²/4) ΔH_c /
    (4π L²), the point at half the Thomas flame height above the pool centre; or ``"cn_textbook"``:
    Q = (π r² + 2π r h) m'' η ΔH_c / (72 m''^0.61 + 1), I = Q / (4π x²) (docs/domain.md §6).
    Wind tilt is ignored: the zones are circles centred on the pool. Distances are from the pool
    centre; a threshold not reached at the pool edge is omitted."""

    pool_diameter_m: float = param(unit="m", lo=0.0, lo_open=True, hi=500.0, zh="液池（等效）直径 D")
    heat_of_combustion_kj_kg: float = param(40_100.0, unit="kJ/kg", lo=1_000.0, hi=150_000.0,
                                            zh="燃烧热 ΔH_c（默认苯 40 100 kJ/kg，Babrauskas 1983）")
    burning_rate_method: str = param("zabetakis", unit="", choices=("zabetakis", "burgess_thermo"),
                                     zh="燃烧速度算法：zabetakis（m''∞(1−e^(−kβD))）或 burgess_thermo"
                                        "（0.001ΔH_c/[c_p(T_b−T₀)+ΔH_v]）")
    burning_rate_inf_kg_m2_s: float = param(0.085, unit="kg/(m2·s)", lo=0.001, hi=0.5,
                                            zh="大池极限燃烧速度 m''∞，默认苯 0.085（Babrauskas 1983）")
    k_beta_per_m: float = param(2.7, unit="1/m", lo=0.01, hi=100.0,
                                zh="消光系数×平均光程修正 kβ，默认苯 2.7 m⁻¹（Babrauskas 1983）")
    boiling_point_c: float = param(80.1, unit="°C", lo=-200.0, hi=500.0,
                                   zh="常压沸点 T_b（burgess_thermo），默认苯 80.1 °C")
    specific_heat_kj_kg_k: float = param(1.74, unit="kJ/(kg·K)", lo=0.1, hi=10.0,
                                         zh="液体比定压热容 c_p（burgess_thermo），默认苯 1.74")
    heat_of_vaporization_kj_kg: float = param(394.0, unit="kJ/kg", lo=10.0, hi=5_000.0,
                                              zh="沸点下汽化热 ΔH_v（burgess_thermo），默认苯 394 kJ/kg")
    radiation_model: str = param("point_source", unit="", choices=("point_source", "cn_textbook"),
                                 zh="辐射模型：point_source（CCPS 点源）或 cn_textbook（安全评价教材）")
    # χ 0.15–0.35 for hydrocarbon pool fires (CCPS 2000 §2.2.3); the upper value, conservative.
    radiative_fraction: float = param(0.35, unit="", lo=0.05, hi=0.6,
                                      zh="辐射热比例 χ（point_source），默认 0.35")
    # η 0.13–0.35, the Chinese texts take the mean 0.24 (docs/domain.md §6).
    cn_efficiency: float = param(0.24, unit="", lo=0.05, hi=0.6,
                                 zh="效率因子 η（cn_textbook），默认 0.24")
    red_threshold: float = param(10.0, unit="kW/m2", lo=HEAT_FLUX_MIN_KW_M2, hi=500.0,
                                 zh="红色区热通量阈值，默认 10 kW/m²（ALOHA）")
    orange_threshold: float = param(5.0, unit="kW/m2", lo=HEAT_FLUX_MIN_KW_M2, hi=500.0,
                                    zh="橙色区热通量阈值，默认 5 kW/m²（ALOHA）")
    yellow_threshold: float = param(2.0, unit="kW/m2", lo=HEAT_FLUX_MIN_KW_M2, hi=500.0,
                                    zh="黄色区热通量阈值，默认 2 kW/m²（ALOHA）")


def pool_burning_rate_kg_m2_s(p: PoolFireParams, weather: Weather) -> float:
    if p.burning_rate_method == "burgess_thermo":
        dt = max(p.boiling_point_c - weather.ambient_temp_c, 0.0)  # liquefied gases: ΔH_v alone
        return 0.001 * p.heat_of_combustion_kj_kg / (p.specific_heat_kj_kg_k * dt + p.heat_of_vaporization_kj_kg)
    return p.burning_rate_inf_kg_m2_s * (1.0 - math.exp(-p.k_beta_per_m * p.pool_diameter_m))


def pool_fire_heat_release_kw(p: PoolFireParams, weather: Weather) -> float:
    """Heat release rate Q = m'' · (π D²/4) · ΔH_c, kW."""
    return pool_burning_rate_kg_m2_s(p, weather) * math.pi * p.pool_diameter_m**2 / 4.0 * p.heat_of_combustion_kj_kg


def thomas_flame_height_m(diameter_m: float, burning_rate: float, air_density: float,
                          form: str = "thomas") -> float:
    """Thomas (1963): H = 42 D [m''/(ρ_a √(g D))]^0.61; ``form="cn"``: h = 84 r [m''/(ρ₀ √(2 g r))]^0.6."""
    if form == "cn":
        r = diameter_m / 2.0
        return cast(float, CN_THOMAS_COEFF * r
                    * (burning_rate / (air_density * math.sqrt(2.0 * G_M_S2 * r))) ** CN_THOMAS_EXPONENT)
    return cast(float, THOMAS_COEFF * diameter_m
                * (burning_rate / (air_density * math.sqrt(G_M_S2 * diameter_m))) ** THOMAS_EXPONENT)


def cn_pool_fire_total_radiation_w(radius_m: float, flame_height_m: float, burning_rate: float,
                                   heat_of_combustion_kj_kg: float, efficiency: float) -> float:
    """Q = (π r² + 2π r h) m'' η ΔH_c / (72 m''^0.61 + 1), W (ΔH_c taken in J/kg; docs/domain.md §6)."""
    area = math.pi * radius_m**2 + 2.0 * math.pi * radius_m * flame_height_m
    return cast(float, area * burning_rate * efficiency * heat_of_combustion_kj_kg * 1e3
                / (72.0 * burning_rate**0.61 + 1.0))


def pool_fire_flux_kw_m2(distance_m: float, p: PoolFireParams, weather: Weather) -> float:
    """Incident heat flux (kW/m²) at a ground distance from the pool centre."""
    x = max(distance_m, 1e-6)
    m = pool_burning_rate_kg_m2_s(p, weather)
    rho = weather.air_density_kg_m3
    if p.radiation_model == "cn_textbook":
        h = thomas_flame_height_m(p.pool_diameter_m, m, rho, form="cn")
        q_w = cn_pool_fire_total_radiation_w(p.pool_diameter_m / 2.0, h, m, p.heat_of_combustion_kj_kg,
                                            p.cn_efficiency)
        return q_w / (4.0 * math.pi * x**2) / 1e3
    h = thomas_flame_height_m(p.pool_diameter_m, m, rho)
    q_rad_kw = p.radiative_fraction * pool_fire_heat_release_kw(p, weather)
    length = math.hypot(x, h / 2.0)
    tau = atmospheric_transmissivity(max(length - p.pool_diameter_m / 2.0, 0.0), weather)
    return tau * q_rad_kw / (4.0 * math.pi * length**2)


def pool_fire_zones(p: PoolFireParams, weather: Weather) -> list[ThreatZone]:
    check_decreasing(p)
    names = {"red": "60 s 内可能致死", "orange": "60 s 内二度烧伤", "yellow": "60 s 内疼痛"}
    edge = p.pool_diameter_m / 2.0
    reach = []
    for level in LEVELS:
        thr = getattr(p, f"{level}_threshold")
        r = (outer_distance(lambda x: pool_fire_flux_kw_m2(x, p, weather), thr, r_min=edge)
             if pool_fire_flux_kw_m2(edge, p, weather) >= thr else None)
        reach.append((level, thr, r, f"热通量 ≥ {fmt(thr)} kW/m²：{names[level]}"))
    return circle_zones(reach, "kW/m2")
