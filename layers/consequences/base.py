"""Consequence models for emergency planning: ALOHA-style threat zones (DOMAIN.md §6, issue 7).

Four models, each turning a release (and the weather) into up to three threat zones — red, orange,
yellow, red the most severe — as shapely polygons in LOCAL METRES: the source at (0, 0), x east,
y north. Placing them on the map (and storing them) is the scenario layer's business.

* ``vce_tnt`` — vapour cloud explosion, TNT equivalent; circles at overpressure thresholds.
* ``bleve_fireball`` — BLEVE fireball; circles at heat-flux thresholds (or at the thermal-dose
  probit fluxes of the Chinese 安全评价 texts).
* ``pool_fire`` — pool fire; circles at heat-flux thresholds. Wind tilt of the flame is ignored
  (zones stay centred on the pool): conservative upwind, slightly short downwind.
* ``gaussian_plume`` — continuous toxic release, Gaussian plume with Pasquill–Gifford dispersion;
  the footprint where the ground-level concentration reaches the level of concern, pointing
  downwind.

Every constant is either a named parameter of a model (its default documented in the params
dataclass and in :func:`params_schema`) or a named module constant, each with its source.

Use::

    zones = threat_zones("gaussian_plume", {"release_rate_kg_s": 1.0},
                         Weather(wind_speed_m_s=3, wind_from_deg=45, stability="D"))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

import numpy as np
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from layers.errors import InvalidInput
from layers.levels import PALETTE

# ---------------------------------------------------------------------------------------------------
# Physical constants

#: Standard atmosphere, Pa.
P_ATM_PA = 101_325.0
#: Molar gas constant, J/(mol·K) (CODATA 2018, exact).
R_GAS = 8.314_462_618
#: Standard gravity, m/s² (CGPM 1901).
G_M_S2 = 9.806_65
#: Molar mass of dry air, kg/mol (ICAO standard atmosphere).
M_AIR_KG_MOL = 0.028_964_4
#: 1 psi in kPa (exact: 0.45359237 kg·9.80665 m/s² / 0.0254² m²).
PSI_KPA = 6.894_757_293
#: Zone levels, most severe first.
LEVELS: tuple[str, ...] = ("red", "orange", "yellow")
LEVEL_ZH = {"red": "红色区", "orange": "橙色区", "yellow": "黄色区"}
#: Zone level → the risk level whose palette colour draws it (layers/levels.py is the one palette).
LEVEL_PALETTE_KEY = {"red": "major", "orange": "significant", "yellow": "general"}
#: The farthest distance the distance solvers look at, m. Beyond it a model says "out of range".
MAX_RANGE_M = 1_000_000.0


# ---------------------------------------------------------------------------------------------------
# Public types


@dataclass(frozen=True)
class Weather:
    """The weather of a scenario.

    ``wind_speed_m_s`` is measured at the reference height (10 m unless the model says otherwise);
    ``wind_from_deg`` is meteorological: the direction the wind blows FROM, degrees clockwise from
    north (0 = a north wind, the plume goes south); ``stability`` the Pasquill–Gifford class A
    (very unstable) … F (moderately stable); ``relative_humidity`` a fraction 0–1; ``terrain``
    "rural" or "urban" (selects the Briggs dispersion formulas and wind-profile exponents)."""

    wind_speed_m_s: float = 2.0
    wind_from_deg: float = 0.0
    stability: str = "D"
    ambient_temp_c: float = 20.0
    relative_humidity: float = 0.7
    terrain: str = "rural"

    @property
    def ambient_temp_k(self) -> float:
        return self.ambient_temp_c + 273.15

    @property
    def air_density_kg_m3(self) -> float:
        """Dry air at 1 atm and the ambient temperature (ideal gas)."""
        return P_ATM_PA * M_AIR_KG_MOL / (R_GAS * self.ambient_temp_k)

    @property
    def water_vapour_pressure_pa(self) -> float:
        """Partial pressure of water vapour, Pa: P_w = 101325 · RH · exp(14.4114 − 5328/T) (CCPS,
        Guidelines for Chemical Process Quantitative Risk Analysis, 2nd ed. 2000, §2.2.3, the
        saturation-pressure fit used with the transmissivity formula)."""
        return P_ATM_PA * self.relative_humidity * math.exp(14.4114 - 5328.0 / self.ambient_temp_k)


@dataclass(frozen=True)
class ThreatZone:
    """One level of concern: the area where the effect reaches ``threshold``.

    ``geometry`` is a shapely Polygon (a MultiPolygon only if the footprint is really in pieces) in
    local metres, source at (0, 0), x east, y north. ``distance_m`` is the farthest reach from the
    source. ``truncated`` is True when the zone was cut at the model's maximum distance."""

    level: str
    threshold: float
    threshold_unit: str
    threshold_zh: str
    distance_m: float
    geometry: BaseGeometry
    truncated: bool = False

    @property
    def level_zh(self) -> str:
        return LEVEL_ZH[self.level]

    @property
    def colour(self) -> str:
        return PALETTE.colour(LEVEL_PALETTE_KEY[self.level])


@dataclass(frozen=True)
class ModelSpec:
    """A consequence model: its name, its parameters (a frozen dataclass whose fields carry unit,
    range and Chinese description in their metadata) and the function computing the zones."""

    name: str
    name_zh: str
    params: type
    function: Callable[[Any, Weather], list[ThreatZone]]
    description_zh: str


def _param(default: Any = MISSING, *, unit: str, zh: str, lo: float | None = None, hi: float | None = None,
           lo_open: bool = False, choices: tuple[str, ...] | None = None) -> Any:
    """A documented parameter: unit, allowed range [lo, hi] ((lo, hi] if lo_open) or choices."""
    meta = {"unit": unit, "description_zh": zh, "min": lo, "max": hi, "min_exclusive": lo_open,
            "choices": choices}
    if default is MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


# ---------------------------------------------------------------------------------------------------
# Helpers: circles, distance solvers


def _circle(radius_m: float) -> Polygon:
    # 64 segments a quarter: the polygon's area is 0.9999 of π r².
    return Point(0.0, 0.0).buffer(radius_m, quad_segs=64)


def outer_distance(f: Callable[[float], float], threshold: float, r_min: float,
                   r_max: float = MAX_RANGE_M) -> float | None:
    """The largest r in [r_min, r_max] where f(r) ≥ threshold, or None if f stays below it.

    f need not be monotonic (a fireball's flux on a vertical target first rises): a log-spaced scan
    finds the last sample at or above the threshold, bisection refines the crossing after it."""
    rs = np.geomspace(max(r_min, 1e-3), r_max, 600)
    vals = np.array([f(float(r)) for r in rs])
    above = np.nonzero(vals >= threshold)[0]
    if above.size == 0:
        return None
    i = int(above[-1])
    if i == rs.size - 1:
        return float(r_max)
    lo, hi = float(rs[i]), float(rs[i + 1])
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if f(mid) >= threshold:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-9 * hi:
            break
    return lo


def _fmt(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _circle_zones(reach: list[tuple[str, float, float | None, str]], unit: str) -> list[ThreatZone]:
    """Zones from (level, threshold, radius or None, text) — None (never reached) is omitted."""
    zones = []
    for level, thr, radius, text in reach:
        if radius is None or radius <= 0:
            continue
        truncated = radius >= MAX_RANGE_M
        zones.append(ThreatZone(level, thr, unit, text, radius, _circle(radius), truncated))
    return zones


def atmospheric_transmissivity(path_length_m: float, weather: Weather) -> float:
    """τ = 2.02 (P_w · x)^-0.09, P_w in Pa, x the path length in m (Pietersen & Huerta 1985, as in
    CCPS QRA 2nd ed. 2000 §2.2.3); capped at 1 (the fit exceeds 1 at very short paths)."""
    pw_x = weather.water_vapour_pressure_pa * max(path_length_m, 1e-6)
    if pw_x <= 0.0:  # dry air: no absorption by water vapour
        return 1.0
    return min(1.0, 2.02 * pw_x ** -0.09)


def _check_decreasing(p: Any, names: tuple[str, str, str] = ("red_threshold", "orange_threshold",
                                                            "yellow_threshold")) -> None:
    vals = [getattr(p, n) for n in names]
    if not (vals[0] > vals[1] > vals[2]):
        raise InvalidInput(
            f"阈值须满足 {names[0]} > {names[1]} > {names[2]}，现为 {vals[0]} / {vals[1]} / {vals[2]} "
            "(thresholds must decrease: red > orange > yellow)",
            errors=[{"field": names[1], "message": "红 > 橙 > 黄 (red > orange > yellow)"}])


# ---------------------------------------------------------------------------------------------------
# 1. Vapour cloud explosion, TNT equivalent


@dataclass(frozen=True)
class VceTntParams:
    """Vapour cloud explosion, TNT-equivalent method.

    W_TNT = β · α · W_f · ΔH_c / Q_TNT, then the peak side-on overpressure from a published
    correlation of scaled distance; zones at the overpressure thresholds (defaults ALOHA's 8.0 /
    3.5 / 1.0 psi = 55.2 / 24.1 / 6.9 kPa)."""

    fuel_mass_kg: float = _param(unit="kg", lo=0.0, lo_open=True, hi=1e8,
                                 zh="蒸气云中可燃物质量 W_f")
    # Propane (LPG): lower heat of combustion 2043 kJ/mol / 44.10 g/mol (NIST Chemistry WebBook).
    heat_of_combustion_kj_kg: float = _param(46_350.0, unit="kJ/kg", lo=1_000.0, hi=150_000.0,
                                             zh="燃烧热 ΔH_c（默认丙烷/液化石油气 46 350 kJ/kg）")
    # α = 0.04: the "蒸气云当量系数，统计平均值 0.04" of Chinese 安全评价 practice (DOMAIN.md §6); CCPS
    # and Crowl & Louvar quote 1–10 % (2 % in their examples).
    yield_factor: float = _param(0.04, unit="", lo=0.0, lo_open=True, hi=1.0,
                                 zh="蒸气云爆炸效率因子（当量系数）α，默认 0.04")
    # β = 1.8 "地面爆炸系数" (ground reflection) of the Chinese textbook form W = 1.8 α W_f Q_f / Q_TNT;
    # published reports apply it inconsistently (DOMAIN.md §6): set 1.0 to leave it out.
    ground_reflection_factor: float = _param(1.8, unit="", lo=1.0, hi=2.0,
                                             zh="地面爆炸系数（地面反射），默认 1.8；不计时取 1")
    # Q_TNT = 4 520 kJ/kg, the TNT explosion heat of the Chinese texts (DOMAIN.md §6). CCPS (2000)
    # and Crowl & Louvar use 4 686 kJ/kg (1 120 cal/g).
    tnt_blast_energy_kj_kg: float = _param(4_520.0, unit="kJ/kg", lo=4_000.0, hi=5_000.0,
                                           zh="TNT 爆热 Q_TNT，默认 4 520 kJ/kg")
    correlation: str = _param("kinney_graham", unit="", choices=("kinney_graham", "cn_sachs"),
                              zh="超压关联式：kinney_graham（Kinney & Graham 1985）或 cn_sachs"
                                 "（安全评价教材 ΔP = 0.137Z⁻³+0.119Z⁻²+0.269Z⁻¹−0.019）")
    red_threshold: float = _param(8.0 * PSI_KPA, unit="kPa", lo=0.5, hi=1_000.0,
                                  zh="红色区超压阈值，默认 55.2 kPa（8.0 psi，ALOHA：建筑物摧毁）")
    orange_threshold: float = _param(3.5 * PSI_KPA, unit="kPa", lo=0.5, hi=1_000.0,
                                     zh="橙色区超压阈值，默认 24.1 kPa（3.5 psi，ALOHA：可能重伤）")
    yellow_threshold: float = _param(1.0 * PSI_KPA, unit="kPa", lo=0.5, hi=1_000.0,
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
    (DOMAIN.md §6), stated for 0.3 ≤ Z ≤ 12."""
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
    """死亡半径 R₀.₅ = 13.6 (W_TNT/1000)^0.37 m (Chinese 安全评价 texts, DOMAIN.md §6)."""
    return 13.6 * (w_tnt_kg / 1000.0) ** 0.37


#: K_II = 5.6, the 二级破坏 (property damage) coefficient of the Chinese texts (DOMAIN.md §6).
CN_PROPERTY_DAMAGE_K = 5.6


def cn_property_damage_radius_m(w_tnt_kg: float, k: float = CN_PROPERTY_DAMAGE_K) -> float:
    """财产损失半径 R = K · W_TNT^(1/3) / [1 + (3175/W_TNT)²]^(1/6) m (DOMAIN.md §6)."""
    return k * w_tnt_kg ** (1.0 / 3.0) / (1.0 + (3175.0 / w_tnt_kg) ** 2) ** (1.0 / 6.0)


def _vce(p: VceTntParams, weather: Weather) -> list[ThreatZone]:
    _check_decreasing(p)
    names = {"red": "建筑物摧毁", "orange": "可能造成重伤", "yellow": "玻璃破碎"}
    reach = []
    for level in LEVELS:
        thr = getattr(p, f"{level}_threshold")
        r = outer_distance(lambda d: vce_overpressure_kpa(d, p), thr, r_min=1e-2)
        reach.append((level, thr, r, f"超压 ≥ {_fmt(thr)} kPa（{_fmt(thr / PSI_KPA)} psi）：{names[level]}"))
    return _circle_zones(reach, "kPa")


# ---------------------------------------------------------------------------------------------------
# 2. BLEVE fireball

#: Fireball diameter D = 5.8 M^(1/3) m (CCPS QRA 2nd ed. 2000 §2.2.4; TNO Yellow Book).
FIREBALL_DIAMETER_COEFF = 5.8
#: Duration t = 0.45 M^(1/3) s below 30 000 kg, 2.6 M^(1/6) s above (CCPS 2000 §2.2.4).
FIREBALL_DURATION_SMALL = (0.45, 1.0 / 3.0)
FIREBALL_DURATION_LARGE = (2.6, 1.0 / 6.0)
FIREBALL_MASS_SPLIT_KG = 30_000.0
#: Fireball centre height H = 0.75 D (CCPS 2000 §2.2.4).
FIREBALL_CENTRE_HEIGHT_FACTOR = 0.75
#: Thermal-dose probits Pr = a + b ln(t · q^(4/3)), q in W/m², t in s, as in the Chinese 安全评价
#: texts (DOMAIN.md §6): death (Eisenberg 1975), second- and first-degree burns.
PROBITS = {"red": (-37.23, 2.56, "50% 死亡"), "orange": (-43.14, 3.0188, "50% 二度烧伤（重伤）"),
           "yellow": (-39.83, 3.0186, "50% 一度烧伤（轻伤）")}


@dataclass(frozen=True)
class BleveFireballParams:
    """BLEVE fireball.

    ``method="ccps"`` (default, CCPS QRA 2nd ed. 2000 §2.2.4): D = 5.8 M^(1/3), t = 0.45 M^(1/3)
    (M < 30 t) or 2.6 M^(1/6), centre at 0.75 D, surface emissive power E = f_rad · M · ΔH_c /
    (π D² t), view factor (D/2)²/L² for a target facing the fireball (L centre-to-target),
    transmissivity 2.02 (P_w x)^-0.09 over the path outside the fireball.
    ``method="cn_textbook"`` (安全评价 texts, DOMAIN.md §6): R = 2.9 W^(1/3), t = 0.45 W^(1/3),
    q(r) = q₀ R² r (1 − 0.058 ln r) / (R² + r²)^(3/2), q₀ = 270 kW/m² (a vertical target, fireball
    centre at height R, transmissivity 1 − 0.058 ln r).
    ``criterion="flux"``: zones at the thresholds (ALOHA 10 / 5 / 2 kW/m²); ``"probit"``: at the
    fluxes where the thermal-dose probits for death / 2nd-degree / 1st-degree burns reach 50 % over
    the fireball's duration (the thresholds are then not used)."""

    mass_kg: float = _param(unit="kg", lo=0.0, lo_open=True, hi=1e7, zh="火球中燃料质量 M")
    heat_of_combustion_kj_kg: float = _param(46_350.0, unit="kJ/kg", lo=1_000.0, hi=150_000.0,
                                             zh="燃烧热 ΔH_c（默认丙烷 46 350 kJ/kg）")
    # f_rad 0.25–0.4 (CCPS 2000 §2.2.4); 0.3 for vessels failing below the relief set pressure (Hymes 1983).
    radiative_fraction: float = _param(0.3, unit="", lo=0.05, hi=0.6,
                                       zh="辐射热比例 f_rad（ccps 方法），默认 0.3")
    method: str = _param("ccps", unit="", choices=("ccps", "cn_textbook"),
                         zh="计算方法：ccps（CCPS 2000）或 cn_textbook（安全评价教材，q₀ = 270 kW/m²）")
    cn_emissive_power_kw_m2: float = _param(270.0, unit="kW/m2", lo=50.0, hi=500.0,
                                            zh="火球表面辐射热通量 q₀（cn_textbook 方法），默认 270 kW/m²")
    criterion: str = _param("flux", unit="", choices=("flux", "probit"),
                            zh="分区准则：flux（热通量阈值）或 probit（热剂量概率：死亡/二度/一度烧伤 50%）")
    red_threshold: float = _param(10.0, unit="kW/m2", lo=0.5, hi=500.0,
                                  zh="红色区热通量阈值，默认 10 kW/m²（ALOHA：60 s 内可能致死）")
    orange_threshold: float = _param(5.0, unit="kW/m2", lo=0.5, hi=500.0,
                                     zh="橙色区热通量阈值，默认 5 kW/m²（ALOHA：60 s 内二度烧伤）")
    yellow_threshold: float = _param(2.0, unit="kW/m2", lo=0.5, hi=500.0,
                                     zh="黄色区热通量阈值，默认 2 kW/m²（ALOHA：60 s 内疼痛）")


def fireball_diameter_m(mass_kg: float) -> float:
    return FIREBALL_DIAMETER_COEFF * mass_kg ** (1.0 / 3.0)


def fireball_duration_s(mass_kg: float, method: str = "ccps") -> float:
    """CCPS: 0.45 M^(1/3) below 30 000 kg, 2.6 M^(1/6) above; the Chinese texts use 0.45 W^(1/3)
    at every mass."""
    a, b = FIREBALL_DURATION_SMALL
    if method == "ccps" and mass_kg >= FIREBALL_MASS_SPLIT_KG:
        a, b = FIREBALL_DURATION_LARGE
    return a * mass_kg**b


def fireball_view_factor(ground_distance_m: float, diameter_m: float, centre_height_m: float,
                         target: str = "facing") -> float:
    """View factor of a sphere: ``facing`` a target whose normal points at the centre, (D/2)²/L²;
    ``vertical`` a vertical target, (D/2)² x / L³ (L the centre-to-target distance)."""
    r2 = (diameter_m / 2.0) ** 2
    l2 = ground_distance_m**2 + centre_height_m**2
    if target == "vertical":
        return r2 * ground_distance_m / l2**1.5
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
        return p.cn_emissive_power_kw_m2 * r**2 * x * tau / (r**2 + x**2) ** 1.5
    h = FIREBALL_CENTRE_HEIGHT_FACTOR * d
    length = math.hypot(x, h)
    tau = atmospheric_transmissivity(max(length - d / 2.0, 0.0), weather)
    return tau * fireball_emissive_power_kw_m2(p) * fireball_view_factor(x, d, h)


def probit_flux_kw_m2(a: float, b: float, duration_s: float, probit: float = 5.0) -> float:
    """The flux q (kW/m²) at which a + b ln(t q^(4/3)) = probit (q in W/m² inside the probit)."""
    q_w = (math.exp((probit - a) / b) / duration_s) ** 0.75
    return q_w / 1e3


def _bleve(p: BleveFireballParams, weather: Weather) -> list[ThreatZone]:
    duration = fireball_duration_s(p.mass_kg, p.method)
    reach = []
    if p.criterion == "probit":
        for level in LEVELS:
            a, b, what = PROBITS[level]
            thr = probit_flux_kw_m2(a, b, duration)
            r = outer_distance(lambda x: fireball_flux_kw_m2(x, p, weather), thr, r_min=0.5)
            reach.append((level, thr, r, f"热通量 ≥ {_fmt(thr)} kW/m²（火球持续 {duration:.1f} s：{what}）"))
    else:
        _check_decreasing(p)
        names = {"red": "60 s 内可能致死", "orange": "60 s 内二度烧伤", "yellow": "60 s 内疼痛"}
        for level in LEVELS:
            thr = getattr(p, f"{level}_threshold")
            r = outer_distance(lambda x: fireball_flux_kw_m2(x, p, weather), thr, r_min=0.5)
            reach.append((level, thr, r, f"热通量 ≥ {_fmt(thr)} kW/m²：{names[level]}"))
    return _circle_zones(reach, "kW/m2")


# ---------------------------------------------------------------------------------------------------
# 3. Pool fire

#: Thomas (1963) flame height H = 42 D [m''/(ρ_a √(g D))]^0.61 (CCPS 2000 §2.2.3).
THOMAS_COEFF, THOMAS_EXPONENT = 42.0, 0.61
#: The Chinese textbook form h = 84 r [m''/(ρ₀ √(2 g r))]^0.6 (DOMAIN.md §6).
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
    Q = (π r² + 2π r h) m'' η ΔH_c / (72 m''^0.61 + 1), I = Q / (4π x²) (DOMAIN.md §6).
    Wind tilt is ignored: the zones are circles centred on the pool. Distances are from the pool
    centre; a threshold not reached at the pool edge is omitted."""

    pool_diameter_m: float = _param(unit="m", lo=0.0, lo_open=True, hi=500.0, zh="液池（等效）直径 D")
    heat_of_combustion_kj_kg: float = _param(40_100.0, unit="kJ/kg", lo=1_000.0, hi=150_000.0,
                                             zh="燃烧热 ΔH_c（默认苯 40 100 kJ/kg，Babrauskas 1983）")
    burning_rate_method: str = _param("zabetakis", unit="", choices=("zabetakis", "burgess_thermo"),
                                      zh="燃烧速度算法：zabetakis（m''∞(1−e^(−kβD))）或 burgess_thermo"
                                         "（0.001ΔH_c/[c_p(T_b−T₀)+ΔH_v]）")
    burning_rate_inf_kg_m2_s: float = _param(0.085, unit="kg/(m2·s)", lo=0.001, hi=0.5,
                                             zh="大池极限燃烧速度 m''∞，默认苯 0.085（Babrauskas 1983）")
    k_beta_per_m: float = _param(2.7, unit="1/m", lo=0.01, hi=100.0,
                                 zh="消光系数×平均光程修正 kβ，默认苯 2.7 m⁻¹（Babrauskas 1983）")
    boiling_point_c: float = _param(80.1, unit="°C", lo=-200.0, hi=500.0,
                                    zh="常压沸点 T_b（burgess_thermo），默认苯 80.1 °C")
    specific_heat_kj_kg_k: float = _param(1.74, unit="kJ/(kg·K)", lo=0.1, hi=10.0,
                                          zh="液体比定压热容 c_p（burgess_thermo），默认苯 1.74")
    heat_of_vaporization_kj_kg: float = _param(394.0, unit="kJ/kg", lo=10.0, hi=5_000.0,
                                               zh="沸点下汽化热 ΔH_v（burgess_thermo），默认苯 394 kJ/kg")
    radiation_model: str = _param("point_source", unit="", choices=("point_source", "cn_textbook"),
                                  zh="辐射模型：point_source（CCPS 点源）或 cn_textbook（安全评价教材）")
    # χ 0.15–0.35 for hydrocarbon pool fires (CCPS 2000 §2.2.3); the upper value, conservative.
    radiative_fraction: float = _param(0.35, unit="", lo=0.05, hi=0.6,
                                       zh="辐射热比例 χ（point_source），默认 0.35")
    # η 0.13–0.35, the Chinese texts take the mean 0.24 (DOMAIN.md §6).
    cn_efficiency: float = _param(0.24, unit="", lo=0.05, hi=0.6,
                                  zh="效率因子 η（cn_textbook），默认 0.24")
    red_threshold: float = _param(10.0, unit="kW/m2", lo=0.5, hi=500.0,
                                  zh="红色区热通量阈值，默认 10 kW/m²（ALOHA）")
    orange_threshold: float = _param(5.0, unit="kW/m2", lo=0.5, hi=500.0,
                                     zh="橙色区热通量阈值，默认 5 kW/m²（ALOHA）")
    yellow_threshold: float = _param(2.0, unit="kW/m2", lo=0.5, hi=500.0,
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
        return CN_THOMAS_COEFF * r * (burning_rate / (air_density * math.sqrt(2.0 * G_M_S2 * r))) ** CN_THOMAS_EXPONENT
    return (THOMAS_COEFF * diameter_m
            * (burning_rate / (air_density * math.sqrt(G_M_S2 * diameter_m))) ** THOMAS_EXPONENT)


def cn_pool_fire_total_radiation_w(radius_m: float, flame_height_m: float, burning_rate: float,
                                   heat_of_combustion_kj_kg: float, efficiency: float) -> float:
    """Q = (π r² + 2π r h) m'' η ΔH_c / (72 m''^0.61 + 1), W (ΔH_c taken in J/kg; DOMAIN.md §6)."""
    area = math.pi * radius_m**2 + 2.0 * math.pi * radius_m * flame_height_m
    return (area * burning_rate * efficiency * heat_of_combustion_kj_kg * 1e3
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


def _pool_fire(p: PoolFireParams, weather: Weather) -> list[ThreatZone]:
    _check_decreasing(p)
    names = {"red": "60 s 内可能致死", "orange": "60 s 内二度烧伤", "yellow": "60 s 内疼痛"}
    edge = p.pool_diameter_m / 2.0
    reach = []
    for level in LEVELS:
        thr = getattr(p, f"{level}_threshold")
        r = (outer_distance(lambda x: pool_fire_flux_kw_m2(x, p, weather), thr, r_min=edge)
             if pool_fire_flux_kw_m2(edge, p, weather) >= thr else None)
        reach.append((level, thr, r, f"热通量 ≥ {_fmt(thr)} kW/m²：{names[level]}"))
    return _circle_zones(reach, "kW/m2")


# ---------------------------------------------------------------------------------------------------
# 4. Gaussian plume, continuous release

#: Briggs (1973) σy, σz, x in m, valid 100 m – 10 km, as tabulated in Griffiths (1994), in Boubel,
#: Fox, Turner & Stern, Fundamentals of Air Pollution, 3rd ed. (1994), Tables 19-6 and 19-7, and in
#: Crowl & Louvar, Chemical Process Safety (Table 5-2). Each entry: (a, b, c) → a x (1 + b x)^c.
BRIGGS_RURAL: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "A": ((0.22, 0.0001, -0.5), (0.20, 0.0, 1.0)),
    "B": ((0.16, 0.0001, -0.5), (0.12, 0.0, 1.0)),
    "C": ((0.11, 0.0001, -0.5), (0.08, 0.0002, -0.5)),
    "D": ((0.08, 0.0001, -0.5), (0.06, 0.0015, -0.5)),
    "E": ((0.06, 0.0001, -0.5), (0.03, 0.0003, -1.0)),
    "F": ((0.04, 0.0001, -0.5), (0.016, 0.0003, -1.0)),
}
BRIGGS_URBAN: dict[str, tuple[tuple[float, float, float], tuple[float, float, float]]] = {
    "A": ((0.32, 0.0004, -0.5), (0.24, 0.001, 0.5)),
    "B": ((0.32, 0.0004, -0.5), (0.24, 0.001, 0.5)),
    "C": ((0.22, 0.0004, -0.5), (0.20, 0.0, 1.0)),
    "D": ((0.16, 0.0004, -0.5), (0.14, 0.0003, -0.5)),
    "E": ((0.11, 0.0004, -0.5), (0.08, 0.0015, -0.5)),
    "F": ((0.11, 0.0004, -0.5), (0.08, 0.0015, -0.5)),
}
#: Pasquill–Gifford curves as fitted for the EPA ISC model (Turner's workbook): σy = 465.11628 x
#: tan(0.017453293 (c − d ln x)), x in km (Fundamentals of Air Pollution 3rd ed. Table 19-4;
#: EPA-454/B-95-003b Table 1-1).
PG_TURNER_SIGMA_Y = {"A": (24.1670, 2.5334), "B": (18.3330, 1.8096), "C": (12.5000, 1.0857),
                     "D": (8.3330, 0.72382), "E": (6.2500, 0.54287), "F": (4.1667, 0.36191)}
#: σz = a x^b (x in km) by distance band: (upper bound of the band in km, a, b) (Fundamentals of Air
#: Pollution 3rd ed. Table 19-5; EPA-454/B-95-003b Table 1-2); σz is capped at 5000 m.
PG_TURNER_SIGMA_Z: dict[str, tuple[tuple[float, float, float], ...]] = {
    "A": ((0.10, 122.800, 0.94470), (0.15, 158.080, 1.05420), (0.20, 170.220, 1.09320),
          (0.25, 179.520, 1.12620), (0.30, 217.410, 1.26440), (0.40, 258.890, 1.40940),
          (0.50, 346.750, 1.72830), (math.inf, 453.850, 2.11660)),
    "B": ((0.20, 90.673, 0.93198), (0.40, 98.483, 0.98332), (math.inf, 109.300, 1.09710)),
    "C": ((math.inf, 61.141, 0.91465),),
    "D": ((0.30, 34.459, 0.86974), (1.00, 32.093, 0.81066), (3.00, 32.093, 0.64403),
          (10.00, 33.504, 0.60486), (30.00, 36.650, 0.56589), (math.inf, 44.053, 0.51179)),
    "E": ((0.10, 24.260, 0.83660), (0.30, 23.331, 0.81956), (1.00, 21.628, 0.75660),
          (2.00, 21.628, 0.63077), (4.00, 22.534, 0.57154), (10.00, 24.703, 0.50527),
          (20.00, 26.970, 0.46713), (40.00, 35.420, 0.37615), (math.inf, 47.618, 0.29592)),
    "F": ((0.20, 15.209, 0.81558), (0.70, 14.457, 0.78407), (1.00, 13.953, 0.68465),
          (2.00, 13.953, 0.63227), (3.00, 14.823, 0.54503), (7.00, 16.187, 0.46490),
          (15.00, 17.836, 0.41507), (30.00, 22.651, 0.32681), (60.00, 27.074, 0.27436),
          (math.inf, 34.219, 0.21716)),
}
PG_SIGMA_Z_MAX_M = 5000.0
#: Wind-profile exponents p in u(z) = u_ref (z/z_ref)^p (EPA ISC3, EPA-454/B-95-003b §1.1.5).
WIND_PROFILE_EXPONENT = {"rural": {"A": 0.07, "B": 0.07, "C": 0.10, "D": 0.15, "E": 0.35, "F": 0.55},
                         "urban": {"A": 0.15, "B": 0.15, "C": 0.20, "D": 0.25, "E": 0.30, "F": 0.30}}
#: The Gaussian plume is not meant for calm air: ALOHA's lowest wind is 1 m/s at the reference height.
PLUME_MIN_WIND_M_S = 1.0


@dataclass(frozen=True)
class GaussianPlumeParams:
    """Continuous release, Gaussian plume with ground reflection, ground-level concentration:
    C(x, y) = Q / (π u σy σz) · exp(−y²/2σy²) · exp(−H²/2σz²).

    σy, σz by Pasquill–Gifford class: ``sigma_scheme="briggs"`` (Briggs rural or urban, by the
    weather's terrain) or ``"pg_turner"`` (the ISC fits of the Pasquill–Gifford curves, rural). The
    wind at the release height follows the power law from the reference height (no extrapolation
    below it). Zones are the footprints where C ≥ the levels of concern (defaults chlorine AEGL-3 /
    AEGL-2 / AEGL-1, 60 min: 20 / 2.0 / 0.5 ppm, US EPA AEGL final values), pointing downwind; ppm
    ↔ mg/m³ at the ambient temperature and 1 atm. No plume rise, no dense-gas effects, no mixing
    lid: the zone is for a passive (neutrally buoyant) release."""

    release_rate_kg_s: float = _param(unit="kg/s", lo=0.0, lo_open=True, hi=10_000.0, zh="泄漏速率 Q")
    release_height_m: float = _param(0.0, unit="m", lo=0.0, hi=500.0, zh="（有效）释放高度 H，默认 0（地面源）")
    # Chlorine Cl₂: 70.90 g/mol.
    molecular_weight_g_mol: float = _param(70.9, unit="g/mol", lo=1.0, hi=1_000.0,
                                           zh="摩尔质量，默认氯气 70.9 g/mol")
    threshold_unit: str = _param("ppm", unit="", choices=("ppm", "mg/m3"), zh="浓度阈值单位：ppm 或 mg/m3")
    red_threshold: float = _param(20.0, unit="ppm|mg/m3", lo=0.0, lo_open=True, hi=1e6,
                                  zh="红色区浓度阈值，默认氯气 AEGL-3（60 min）20 ppm")
    orange_threshold: float = _param(2.0, unit="ppm|mg/m3", lo=0.0, lo_open=True, hi=1e6,
                                     zh="橙色区浓度阈值，默认氯气 AEGL-2（60 min）2.0 ppm")
    yellow_threshold: float = _param(0.5, unit="ppm|mg/m3", lo=0.0, lo_open=True, hi=1e6,
                                     zh="黄色区浓度阈值，默认氯气 AEGL-1（60 min）0.5 ppm")
    sigma_scheme: str = _param("briggs", unit="", choices=("briggs", "pg_turner"),
                               zh="扩散参数：briggs（Briggs 乡村/城市，随地形）或 pg_turner（ISC 拟合的 P-G 曲线）")
    wind_reference_height_m: float = _param(10.0, unit="m", lo=1.0, hi=200.0, zh="风速测量高度，默认 10 m")
    # ALOHA does not draw threat zones beyond 10 km (6 miles): the plume's assumptions fail there.
    max_distance_m: float = _param(10_000.0, unit="m", lo=100.0, hi=100_000.0,
                                   zh="最大计算距离，默认 10 000 m（ALOHA 同）")


def molar_volume_l_mol(temp_c: float) -> float:
    """Ideal-gas molar volume at 1 atm, L/mol (24.47 at 25 °C; the conventional 24.45)."""
    return R_GAS * (temp_c + 273.15) / P_ATM_PA * 1e3


def ppm_to_mg_m3(ppm: float, molecular_weight_g_mol: float, temp_c: float) -> float:
    return ppm * molecular_weight_g_mol / molar_volume_l_mol(temp_c)


def mg_m3_to_ppm(mg_m3: float, molecular_weight_g_mol: float, temp_c: float) -> float:
    return mg_m3 * molar_volume_l_mol(temp_c) / molecular_weight_g_mol


def plume_sigmas_m(x_m: np.ndarray | float, stability: str, terrain: str = "rural",
                   scheme: str = "briggs") -> tuple[np.ndarray, np.ndarray]:
    """σy, σz (m) at downwind distances x (m)."""
    x = np.asarray(x_m, dtype=float)
    if scheme == "pg_turner":
        xk = x / 1000.0
        c, d = PG_TURNER_SIGMA_Y[stability]
        sy = 465.11628 * xk * np.tan(0.017453293 * (c - d * np.log(xk)))
        sz = np.empty_like(xk)
        lower = 0.0
        for upper, a, b in PG_TURNER_SIGMA_Z[stability]:
            band = (xk > lower) & (xk <= upper) if lower > 0 else (xk <= upper)
            sz[band] = a * xk[band] ** b
            lower = upper
        return sy, np.minimum(sz, PG_SIGMA_Z_MAX_M)
    table = BRIGGS_URBAN if terrain == "urban" else BRIGGS_RURAL
    (ay, by, cy), (az, bz, cz) = table[stability]
    return ay * x * (1.0 + by * x) ** cy, az * x * (1.0 + bz * x) ** cz


def plume_wind_speed_m_s(p: GaussianPlumeParams, weather: Weather) -> float:
    """u at the release height: u_ref (max(H, z_ref)/z_ref)^p (EPA ISC3 power law)."""
    exponent = WIND_PROFILE_EXPONENT[weather.terrain][weather.stability]
    z = max(p.release_height_m, p.wind_reference_height_m)
    return weather.wind_speed_m_s * (z / p.wind_reference_height_m) ** exponent


def plume_centreline_mg_m3(x_m: np.ndarray | float, p: GaussianPlumeParams, weather: Weather) -> np.ndarray:
    """Ground-level centreline concentration (mg/m³) at downwind distances x (m)."""
    x = np.asarray(x_m, dtype=float)
    sy, sz = plume_sigmas_m(x, weather.stability, weather.terrain, p.sigma_scheme)
    u = plume_wind_speed_m_s(p, weather)
    q_mg_s = p.release_rate_kg_s * 1e6
    return q_mg_s / (math.pi * u * sy * sz) * np.exp(-(p.release_height_m**2) / (2.0 * sz**2))


def _threshold_mg_m3(value: float, p: GaussianPlumeParams, weather: Weather) -> float:
    if p.threshold_unit == "ppm":
        return ppm_to_mg_m3(value, p.molecular_weight_g_mol, weather.ambient_temp_c)
    return value


def _crossings(f: Callable[[np.ndarray], np.ndarray], thr: float, xs: np.ndarray) -> list[tuple[float, float]]:
    """Intervals [a, b] of xs's range where f ≥ thr, ends refined by bisection."""
    vals = f(xs)
    inside = vals >= thr
    runs = []
    i = 0
    n = xs.size
    while i < n:
        if not inside[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and inside[j + 1]:
            j += 1

        def refine(a: float, b: float, a_inside: bool) -> float:
            for _ in range(60):
                mid = 0.5 * (a + b)
                if bool(f(np.array([mid]))[0] >= thr) == a_inside:
                    a = mid
                else:
                    b = mid
            return a if a_inside else b

        start = float(xs[0]) if i == 0 else refine(float(xs[i - 1]), float(xs[i]), False)
        end = float(xs[-1]) if j == n - 1 else refine(float(xs[j]), float(xs[j + 1]), True)
        runs.append((start, end))
        i = j + 1
    return runs


#: The nearest downwind distance the plume footprint is computed from, m (a ground source's
#: footprint is closed at the source itself).
PLUME_X_MIN_M = 0.5
PLUME_SAMPLES = 500


def _plume(p: GaussianPlumeParams, weather: Weather) -> list[ThreatZone]:
    _check_decreasing(p)
    if weather.wind_speed_m_s < PLUME_MIN_WIND_M_S:
        raise InvalidInput(
            f"高斯烟羽模型要求风速 ≥ {PLUME_MIN_WIND_M_S} m/s，现为 {weather.wind_speed_m_s} "
            "(the Gaussian plume needs wind_speed_m_s ≥ 1 m/s)",
            errors=[{"field": "wind_speed_m_s", "message": f"≥ {PLUME_MIN_WIND_M_S} m/s"}])
    if p.sigma_scheme == "pg_turner" and weather.terrain == "urban":
        raise InvalidInput(
            "sigma_scheme = pg_turner 为乡村（开阔地）扩散参数，城市地形请用 briggs "
            "(the Pasquill–Gifford/Turner curves are rural: use sigma_scheme=briggs for terrain=urban)",
            errors=[{"field": "sigma_scheme", "message": "pg_turner is rural only"}])
    xs = np.geomspace(PLUME_X_MIN_M, p.max_distance_m, PLUME_SAMPLES)

    def centre(x: np.ndarray) -> np.ndarray:
        return plume_centreline_mg_m3(x, p, weather)

    thresholds = {lv: _threshold_mg_m3(getattr(p, f"{lv}_threshold"), p, weather) for lv in LEVELS}
    runs = {lv: _crossings(centre, thr, xs) for lv, thr in thresholds.items()}
    # One grid for every level, holding every level's ends: the polygons, piecewise linear on the
    # same nodes, then nest exactly as the concentration field does.
    grid = np.unique(np.concatenate([xs] + [np.array([a for run in rs for a in run]) for rs in runs.values()]))
    c_grid = centre(grid)
    sy_grid, _ = plume_sigmas_m(grid, weather.stability, weather.terrain, p.sigma_scheme)
    downwind = math.radians(weather.wind_from_deg + 180.0)
    sin_b, cos_b = math.sin(downwind), math.cos(downwind)
    unit_label = "ppm" if p.threshold_unit == "ppm" else "mg/m3"
    names = {"red": "可能危及生命（默认 AEGL-3）", "orange": "不可逆或严重健康影响（默认 AEGL-2）",
             "yellow": "明显不适（默认 AEGL-1）"}
    zones = []
    for lv in LEVELS:
        thr = thresholds[lv]
        pieces = []
        far = 0.0
        for a, b in runs[lv]:
            sel = (grid >= a) & (grid <= b)
            x = grid[sel]
            ratio = np.maximum(c_grid[sel] / thr, 1.0)
            w = sy_grid[sel] * np.sqrt(2.0 * np.log(ratio))
            if a <= PLUME_X_MIN_M * (1 + 1e-9):  # a ground-level source: close the footprint at the source
                x = np.concatenate([[0.0], x])
                w = np.concatenate([[0.0], w])
            w[-1] = 0.0 if b < p.max_distance_m else w[-1]
            local = np.concatenate([np.column_stack([x, w]), np.column_stack([x[::-1], -w[::-1]])])
            east = local[:, 0] * sin_b + local[:, 1] * cos_b
            north = local[:, 0] * cos_b - local[:, 1] * sin_b
            poly = Polygon(np.column_stack([east, north])).buffer(0)
            if not poly.is_empty:
                pieces.append(poly)
            far = max(far, float(np.max(np.hypot(local[:, 0], local[:, 1]))))
        if not pieces:
            continue
        geom = pieces[0] if len(pieces) == 1 else unary_union(pieces)
        value = getattr(p, f"{lv}_threshold")
        text = f"浓度 ≥ {_fmt(value)} {unit_label}：{names[lv]}"
        truncated = runs[lv][-1][1] >= p.max_distance_m
        zones.append(ThreatZone(lv, value, unit_label, text, far, geom, truncated=truncated))
    return zones


# ---------------------------------------------------------------------------------------------------
# Registry and the public entry points

MODELS: dict[str, ModelSpec] = {
    "vce_tnt": ModelSpec("vce_tnt", "蒸气云爆炸（TNT 当量法）", VceTntParams, _vce,
                         "蒸气云爆炸冲击波超压分区（TNT 当量法）"),
    "bleve_fireball": ModelSpec("bleve_fireball", "沸腾液体扩展蒸气爆炸火球（BLEVE）", BleveFireballParams, _bleve,
                                "BLEVE 火球热辐射分区"),
    "pool_fire": ModelSpec("pool_fire", "池火", PoolFireParams, _pool_fire, "池火热辐射分区（不计风致火焰倾斜）"),
    "gaussian_plume": ModelSpec("gaussian_plume", "有毒气体连续泄漏（高斯烟羽）", GaussianPlumeParams, _plume,
                                "连续泄漏地面浓度分区，沿下风向"),
}

STABILITY_CLASSES = ("A", "B", "C", "D", "E", "F")
TERRAINS = ("rural", "urban")


def _spec(model: str) -> ModelSpec:
    try:
        return MODELS[model]
    except (KeyError, TypeError):
        raise InvalidInput(
            f"未知的后果模型 {model!r}，可选 {', '.join(MODELS)} (unknown consequence model)",
            errors=[{"field": "model", "message": f"one of {', '.join(MODELS)}"}]) from None


def params_schema(model: str) -> list[dict]:
    """The parameters of a model, for forms and API docs: name, unit, default (None = required),
    required, min, max, min_exclusive, choices, description_zh."""
    spec = _spec(model)
    out = []
    for f in fields(spec.params):
        md = f.metadata
        required = f.default is MISSING
        out.append({"name": f.name, "unit": md["unit"], "default": None if required else f.default,
                    "required": required, "min": md["min"], "max": md["max"],
                    "min_exclusive": md["min_exclusive"], "choices": list(md["choices"]) if md["choices"] else None,
                    "description_zh": md["description_zh"]})
    return out


def _range_text(md: Mapping[str, Any]) -> str:
    lo, hi = md["min"], md["max"]
    left = "(" if md["min_exclusive"] else "["
    return f"{left}{lo}, {hi}]"


def build_params(model: str, params: Mapping[str, float | str]) -> Any:
    """The params dataclass of ``model`` from a mapping, every problem named (InvalidInput)."""
    spec = _spec(model)
    known = {f.name: f for f in fields(spec.params)}
    errors: list[dict] = []
    if not isinstance(params, Mapping):
        raise InvalidInput("参数应为名称到数值的映射 (params must be a mapping)",
                           errors=[{"field": "params", "message": "mapping expected"}])
    for name in params:
        if name not in known:
            errors.append({"field": str(name), "message": f"模型 {model} 没有参数 {name!r} (unknown parameter)"})
    values: dict[str, Any] = {}
    for name, f in known.items():
        md = f.metadata
        if name not in params or params[name] is None:
            if f.default is MISSING:
                errors.append({"field": name, "message": f"缺少必填参数 {name} (missing required parameter)"})
            continue
        raw = params[name]
        if md["choices"]:
            if not isinstance(raw, str) or raw not in md["choices"]:
                errors.append({"field": name, "message": f"参数 {name} 应为 {' / '.join(md['choices'])} 之一，"
                                                         f"现为 {raw!r} (must be one of the choices)"})
                continue
            values[name] = raw
            continue
        if isinstance(raw, bool):
            value = math.nan
        else:
            try:
                value = float(raw)
            except (TypeError, ValueError):
                value = math.nan
        if not math.isfinite(value):
            errors.append({"field": name, "message": f"参数 {name} 应为有限数值，现为 {raw!r} (must be a finite number)"})
            continue
        lo, hi = md["min"], md["max"]
        bad_lo = lo is not None and (value <= lo if md["min_exclusive"] else value < lo)
        bad_hi = hi is not None and value > hi
        if bad_lo or bad_hi:
            unit = f" {md['unit']}" if md["unit"] else ""
            errors.append({"field": name, "message": f"参数 {name} = {value:g}{unit} 超出范围 {_range_text(md)} "
                                                     "(out of range)"})
            continue
        values[name] = value
    if errors:
        raise InvalidInput("；".join(e["message"] for e in errors), errors=errors)
    return spec.params(**values)


def check_weather(weather: Weather | None) -> Weather:
    """The weather, validated (InvalidInput naming the field); None gives the defaults."""
    if weather is None:
        return Weather()
    errors = []

    def num(name: str, lo: float, hi: float) -> None:
        v = getattr(weather, name)
        try:  # Decimal from a numeric column is fine; bools and text are not
            x = math.nan if isinstance(v, bool | str) else float(v)
        except (TypeError, ValueError):
            x = math.nan
        if not (math.isfinite(x) and lo <= x <= hi):
            errors.append({"field": name, "message": f"气象参数 {name} = {v!r} 超出范围 [{lo}, {hi}] (out of range)"})

    num("wind_speed_m_s", 0.1, 50.0)
    num("wind_from_deg", -360.0, 720.0)
    num("ambient_temp_c", -60.0, 60.0)
    num("relative_humidity", 0.0, 1.0)
    stability = str(weather.stability).strip().upper()
    if stability not in STABILITY_CLASSES:
        errors.append({"field": "stability",
                       "message": f"大气稳定度 stability 应为 A–F，现为 {weather.stability!r} (Pasquill–Gifford class A–F)"})
    terrain = str(weather.terrain).strip().lower()
    if terrain not in TERRAINS:
        errors.append({"field": "terrain", "message": f"地形 terrain 应为 rural 或 urban，现为 {weather.terrain!r}"})
    if errors:
        raise InvalidInput("；".join(e["message"] for e in errors), errors=errors)
    return Weather(float(weather.wind_speed_m_s), float(weather.wind_from_deg) % 360.0, stability,
                   float(weather.ambient_temp_c), float(weather.relative_humidity), terrain)


def threat_zones(model: str, params: Mapping[str, float | str], weather: Weather | None = None) -> list[ThreatZone]:
    """Red, orange and yellow threat zones (red innermost) of ``model`` with ``params`` in ``weather``.

    Raises InvalidInput (Chinese + English, naming the parameter) for an unknown model, an unknown,
    missing or out-of-range parameter or weather field. A level whose threshold is never reached is
    omitted, so the list may be shorter than three (or empty)."""
    spec = _spec(model)
    p = build_params(model, params)
    return spec.function(p, check_weather(weather))
