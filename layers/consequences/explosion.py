"""Vapour cloud explosion, TNT equivalent: circles at overpressure thresholds."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import cast  # `float ** float` is typed Any (it may be complex); bases here are > 0

from layers.consequences.base import (
    LEVELS,
    P_ATM_PA,
    PSI_KPA,
    ThreatZone,
    Weather,
    check_decreasing,
    circle_zones,
    fmt,
    outer_distance,
    param,
)

#: The lowest overpressure threshold, kPa: 1 kPa (0.15 psi) is where windows begin to break (CCPS QRA
#: 2nd ed. 2000, table 2.18), below every level the domain uses (docs/domain.md §6: 55.2 / 24.1 / 6.9
#: kPa of ALOHA, 44 / 17 kPa of the Chinese texts).
OVERPRESSURE_MIN_KPA = 1.0


@dataclass(frozen=True)
class VceTntParams:
    """Vapour cloud explosion, TNT-equivalent method.

    W_TNT = β · α · W_f · ΔH_c / Q_TNT, then the peak side-on overpressure from a published
    correlation of scaled distance; zones at the overpressure thresholds (defaults ALOHA's 8.0 /
    3.5 / 1.0 psi = 55.2 / 24.1 / 6.9 kPa)."""

    # At most 1 000 t: the whole inventory of a large LPG storage, far more than one release puts in a
    # cloud; one hazard source holds no more (GB 18218 grades LPG from 50 t).
    fuel_mass_kg: float = param(unit="kg", lo=0.0, lo_open=True, hi=1e6,
                                zh="蒸气云中可燃物质量 W_f（不超过 1 000 t）")
    # Propane (LPG): lower heat of combustion 2043 kJ/mol / 44.10 g/mol (NIST Chemistry WebBook).
    heat_of_combustion_kj_kg: float = param(46_350.0, unit="kJ/kg", lo=1_000.0, hi=150_000.0,
                                            zh="燃烧热 ΔH_c（默认丙烷/液化石油气 46 350 kJ/kg）")
    # α = 0.04: the "蒸气云当量系数，统计平均值 0.04" of Chinese 安全评价 practice (docs/domain.md §6); CCPS
    # and Crowl & Louvar quote 1–10 % (2 % in their examples).
    yield_factor: float = param(0.04, unit="", lo=0.0, lo_open=True, hi=1.0,
                                zh="蒸气云爆炸效率因子（当量系数）α，默认 0.04")
    # β = 1.8 "地面爆炸系数" (ground reflection) of the Chinese textbook form W = 1.8 α W_f Q_f / Q_TNT;
    # published reports apply it inconsistently (docs/domain.md §6): set 1.0 to leave it out.
    ground_reflection_factor: float = param(1.8, unit="", lo=1.0, hi=2.0,
                                            zh="地面爆炸系数（地面反射），默认 1.8；不计时取 1")
    # Q_TNT = 4 520 kJ/kg, the TNT explosion heat of the Chinese texts (docs/domain.md §6). CCPS (2000)
    # and Crowl & Louvar use 4 686 kJ/kg (1 120 cal/g).
    tnt_blast_energy_kj_kg: float = param(4_520.0, unit="kJ/kg", lo=4_000.0, hi=5_000.0,
                                          zh="TNT 爆热 Q_TNT，默认 4 520 kJ/kg")
    correlation: str = param("kinney_graham", unit="", choices=("kinney_graham", "cn_sachs"),
                             zh="超压关联式：kinney_graham（Kinney & Graham 1985）或 cn_sachs"
                                "（安全评价教材 ΔP = 0.137Z⁻³+0.119Z⁻²+0.269Z⁻¹−0.019）")
    red_threshold: float = param(8.0 * PSI_KPA, unit="kPa", lo=OVERPRESSURE_MIN_KPA, hi=1_000.0,
                                 zh="红色区超压阈值，默认 55.2 kPa（8.0 psi，ALOHA：建筑物摧毁）")
    orange_threshold: float = param(3.5 * PSI_KPA, unit="kPa", lo=OVERPRESSURE_MIN_KPA, hi=1_000.0,
                                    zh="橙色区超压阈值，默认 24.1 kPa（3.5 psi，ALOHA：可能重伤）")
    yellow_threshold: float = param(1.0 * PSI_KPA, unit="kPa", lo=OVERPRESSURE_MIN_KPA, hi=1_000.0,
                                    zh="黄色区超压阈值，默认 6.9 kPa（1.0 psi，ALOHA：玻璃破碎）")


def tnt_equivalent_kg(p: VceTntParams) -> float:
    """W_TNT = β · α · W_f · ΔH_c / Q_TNT, kg."""
    return (p.ground_reflection_factor * p.yield_factor * p.fuel_mass_kg * p.heat_of_combustion_kj_kg
            / p.tnt_blast_energy_kj_kg)


def kinney_graham_overpressure_ratio(z: float) -> float:
    """Peak side-on overpressure / ambient pressure at scaled distance z = R / W_TNT^(1/3)
    (m/kg^(1/3)), TNT in free air: Kinney & Graham, Explosive Shocks in Air, 2nd ed. (1985); the
    same formula is Crowl & Louvar, Chemical Process Safety, eq. 6-25."""
    return (1616.0 * (1.0 + (z / 4.5) ** 2)
            / (math.sqrt(1.0 + (z / 0.048) ** 2) * math.sqrt(1.0 + (z / 0.32) ** 2)
               * math.sqrt(1.0 + (z / 1.35) ** 2)))


def cn_sachs_overpressure_ratio(z: float) -> float:
    """ΔP/P₀ = 0.137 Z⁻³ + 0.119 Z⁻² + 0.269 Z⁻¹ − 0.019 with the energy-scaled (Sachs) distance
    Z = R (P₀/E)^(1/3), E = W_TNT · Q_TNT in J: the correlation of the Chinese 安全评价 textbooks
    (docs/domain.md §6), stated for 0.3 ≤ Z ≤ 12."""
    return 0.137 / z**3 + 0.119 / z**2 + 0.269 / z - 0.019


def vce_overpressure_kpa(distance_m: float, p: VceTntParams) -> float:
    """Peak side-on overpressure (kPa) at ``distance_m`` from the cloud centre."""
    w = tnt_equivalent_kg(p)
    r = max(distance_m, 1e-6)
    if p.correlation == "cn_sachs":
        energy_j = w * p.tnt_blast_energy_kj_kg * 1e3
        z = r * (P_ATM_PA / energy_j) ** (1.0 / 3.0)
        return cn_sachs_overpressure_ratio(z) * P_ATM_PA / 1e3
    return kinney_graham_overpressure_ratio(r / w ** (1.0 / 3.0)) * P_ATM_PA / 1e3


def cn_death_radius_m(w_tnt_kg: float) -> float:
    """死亡半径 R₀.₅ = 13.6 (W_TNT/1000)^0.37 m (Chinese 安全评价 texts, docs/domain.md §6)."""
    return cast(float, 13.6 * (w_tnt_kg / 1000.0) ** 0.37)


#: K_II = 5.6, the 二级破坏 (property damage) coefficient of the Chinese texts (docs/domain.md §6).
CN_PROPERTY_DAMAGE_K = 5.6


def cn_property_damage_radius_m(w_tnt_kg: float, k: float = CN_PROPERTY_DAMAGE_K) -> float:
    """财产损失半径 R = K · W_TNT^(1/3) / [1 + (3175/W_TNT)²]^(1/6) m (docs/domain.md §6)."""
    return cast(float, k * w_tnt_kg ** (1.0 / 3.0) / (1.0 + (3175.0 / w_tnt_kg) ** 2) ** (1.0 / 6.0))


def vce_zones(p: VceTntParams, weather: Weather) -> list[ThreatZone]:
    check_decreasing(p)
    names = {"red": "建筑物摧毁", "orange": "可能造成重伤", "yellow": "玻璃破碎"}
    reach = []
    for level in LEVELS:
        thr = getattr(p, f"{level}_threshold")
        r = outer_distance(lambda d: vce_overpressure_kpa(d, p), thr, r_min=1e-2)
        reach.append((level, thr, r, f"超压 ≥ {fmt(thr)} kPa（{fmt(thr / PSI_KPA)} psi）：{names[level]}"))
    return circle_zones(reach, "kPa")
