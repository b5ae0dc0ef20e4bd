"""BLEVE fireball: circles at heat-flux thresholds (or at the thermal-dose probit fluxes of the
Chinese 安全评价 texts)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast  # `float ** float` is typed Any (it may be complex); bases here are > 0

from layers.consequences.base import (
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

#: Fireball diameter D = 5.8 M^(1/3) m (CCPS QRA 2nd ed. 2000 §2.2.4; TNO Yellow Book).
FIREBALL_DIAMETER_COEFF = 5.8
#: Duration t = 0.45 M^(1/3) s below 30 000 kg, 2.6 M^(1/6) s above (CCPS 2000 §2.2.4).
FIREBALL_DURATION_SMALL = (0.45, 1.0 / 3.0)
FIREBALL_DURATION_LARGE = (2.6, 1.0 / 6.0)
FIREBALL_MASS_SPLIT_KG = 30_000.0
#: Fireball centre height H = 0.75 D (CCPS 2000 §2.2.4).
FIREBALL_CENTRE_HEIGHT_FACTOR = 0.75
#: Thermal-dose probits Pr = a + b ln(t · q^(4/3)), q in W/m², t in s, as in the Chinese 安全评价
#: texts (docs/domain.md §6): death (Eisenberg 1975), second- and first-degree burns.
PROBITS = {"red": (-37.23, 2.56, "50% 死亡"), "orange": (-43.14, 3.0188, "50% 二度烧伤（重伤）"),
           "yellow": (-39.83, 3.0186, "50% 一度烧伤（轻伤）")}


@dataclass(frozen=True)
class BleveFireballParams:
    """BLEVE fireball.

    ``method="ccps"`` (default, CCPS QRA 2nd ed. 2000 §2.2.4): D = 5.8 M^(1/3), t = 0.45 M^(1/3)
    (M < 30 t) or 2.6 M^(1/6), centre at 0.75 D, surface emissive power E = f_rad · M · ΔH_c /
    (π D² t), view factor (D/2)²/L² for a target facing the fireball (L centre-to-target),
    transmissivity 2.02 (P_w x)^-0.09 over the path outside the fireball.
    ``method="cn_textbook"`` (安全评价 texts, docs/domain.md §6): R = 2.9 W^(1/3), t = 0.45 W^(1/3),
    q(r) = q₀ R² r (1 − 0.058 ln r) / (R² + r²)^(3/2), q₀ = 270 kW/m² (a vertical target, fireball
    centre at height R, transmissivity 1 − 0.058 ln r).
    ``criterion="flux"``: zones at the thresholds (ALOHA 10 / 5 / 2 kW/m²); ``"probit"``: at the
    fluxes where the thermal-dose probits for death / 2nd-degree / 1st-degree burns reach 50 % over
    the fireball's duration (the thresholds are then not used)."""

    # At most 1 000 t: the largest LPG spheres hold about that; one hazard source's inventory scale.
    mass_kg: float = param(unit="kg", lo=0.0, lo_open=True, hi=1e6, zh="火球中燃料质量 M（不超过 1 000 t）")
    heat_of_combustion_kj_kg: float = param(46_350.0, unit="kJ/kg", lo=1_000.0, hi=150_000.0,
                                            zh="燃烧热 ΔH_c（默认丙烷 46 350 kJ/kg）")
    # f_rad 0.25–0.4 (CCPS 2000 §2.2.4); 0.3 for vessels failing below the relief set pressure (Hymes 1983).
    radiative_fraction: float = param(0.3, unit="", lo=0.05, hi=0.6,
                                      zh="辐射热比例 f_rad（ccps 方法），默认 0.3")
    method: str = param("ccps", unit="", choices=("ccps", "cn_textbook"),
                        zh="计算方法：ccps（CCPS 2000）或 cn_textbook（安全评价教材，q₀ = 270 kW/m²）")
    cn_emissive_power_kw_m2: float = param(270.0, unit="kW/m2", lo=50.0, hi=500.0,
                                           zh="火球表面辐射热通量 q₀（cn_textbook 方法），默认 270 kW/m²")
    criterion: str = param("flux", unit="", choices=("flux", "probit"),
                           zh="分区准则：flux（热通量阈值）或 probit（热剂量概率：死亡/二度/一度烧伤 50%）")
    red_threshold: float = param(10.0, unit="kW/m2", lo=HEAT_FLUX_MIN_KW_M2, hi=500.0,
                                 zh="红色区热通量阈值，默认 10 kW/m²（ALOHA：60 s 内可能致死）")
    orange_threshold: float = param(5.0, unit="kW/m2", lo=HEAT_FLUX_MIN_KW_M2, hi=500.0,
                                    zh="橙色区热通量阈值，默认 5 kW/m²（ALOHA：60 s 内二度烧伤）")
    yellow_threshold: float = param(2.0, unit="kW/m2", lo=HEAT_FLUX_MIN_KW_M2, hi=500.0,
                                    zh="黄色区热通量阈值，默认 2 kW/m²（ALOHA：60 s 内疼痛）")


def fireball_diameter_m(mass_kg: float) -> float:
    return cast(float, FIREBALL_DIAMETER_COEFF * mass_kg ** (1.0 / 3.0))


def fireball_duration_s(mass_kg: float, method: str = "ccps") -> float:
    """CCPS: 0.45 M^(1/3) below 30 000 kg, 2.6 M^(1/6) above; the Chinese texts use 0.45 W^(1/3)
    at every mass."""
    a, b = FIREBALL_DURATION_SMALL
    if method == "ccps" and mass_kg >= FIREBALL_MASS_SPLIT_KG:
        a, b = FIREBALL_DURATION_LARGE
    return cast(float, a * mass_kg**b)


def fireball_view_factor(ground_distance_m: float, diameter_m: float, centre_height_m: float,
                         target: str = "facing") -> float:
    """View factor of a sphere: ``facing`` a target whose normal points at the centre, (D/2)²/L²;
    ``vertical`` a vertical target, (D/2)² x / L³ (L the centre-to-target distance)."""
    r2 = (diameter_m / 2.0) ** 2
    l2 = ground_distance_m**2 + centre_height_m**2
    if target == "vertical":
        return cast(float, r2 * ground_distance_m / l2**1.5)
    return min(1.0, r2 / l2)


def fireball_emissive_power_kw_m2(p: BleveFireballParams) -> float:
    """E = f_rad · M · ΔH_c / (π D² t), kW/m² (CCPS 2000 §2.2.4)."""
    d = fireball_diameter_m(p.mass_kg)
    t = fireball_duration_s(p.mass_kg, "ccps")
    return p.radiative_fraction * p.mass_kg * p.heat_of_combustion_kj_kg / (math.pi * d**2 * t)


def fireball_flux_kw_m2(ground_distance_m: float, p: BleveFireballParams, weather: Weather) -> float:
    """Incident heat flux (kW/m²) at a ground distance from the point below the fireball centre."""
    x = max(ground_distance_m, 1e-6)
    d = fireball_diameter_m(p.mass_kg)
    if p.method == "cn_textbook":
        r = d / 2.0  # R = 2.9 W^(1/3)
        tau = max(0.0, 1.0 - 0.058 * math.log(x)) if x > 1.0 else 1.0
        return cast(float, p.cn_emissive_power_kw_m2 * r**2 * x * tau / (r**2 + x**2) ** 1.5)
    h = FIREBALL_CENTRE_HEIGHT_FACTOR * d
    length = math.hypot(x, h)
    tau = atmospheric_transmissivity(max(length - d / 2.0, 0.0), weather)
    return tau * fireball_emissive_power_kw_m2(p) * fireball_view_factor(x, d, h)


def probit_flux_kw_m2(a: float, b: float, duration_s: float, probit: float = 5.0) -> float:
    """The flux q (kW/m²) at which a + b ln(t q^(4/3)) = probit (q in W/m² inside the probit)."""
    q_w = cast(float, (math.exp((probit - a) / b) / duration_s) ** 0.75)
    return q_w / 1e3


def bleve_zones(p: BleveFireballParams, weather: Weather) -> list[ThreatZone]:
    duration = fireball_duration_s(p.mass_kg, p.method)
    reach = []
    if p.criterion == "probit":
        for level in LEVELS:
            a, b, what = PROBITS[level]
            thr = probit_flux_kw_m2(a, b, duration)
            r = outer_distance(lambda x: fireball_flux_kw_m2(x, p, weather), thr, r_min=0.5)
            reach.append((level, thr, r, f"热通量 ≥ {fmt(thr)} kW/m²（火球持续 {duration:.1f} s：{what}）"))
    else:
        check_decreasing(p)
        names = {"red": "60 s 内可能致死", "orange": "60 s 内二度烧伤", "yellow": "60 s 内疼痛"}
        for level in LEVELS:
            thr = getattr(p, f"{level}_threshold")
            r = outer_distance(lambda x: fireball_flux_kw_m2(x, p, weather), thr, r_min=0.5)
            reach.append((level, thr, r, f"热通量 ≥ {fmt(thr)} kW/m²：{names[level]}"))
    return circle_zones(reach, "kW/m2")
