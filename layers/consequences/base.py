"""What every consequence model shares: physical constants, the weather, threat zones and their
levels (red, orange, yellow: the one home of their names and colours), the model spec, documented
parameters, and the helpers that turn distances into circular zones."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field
from typing import Any, cast  # `float ** float` is typed Any (it may be complex); bases here are > 0

import numpy as np
from shapely.geometry import Point, Polygon
from shapely.geometry.base import BaseGeometry

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
#: Their Chinese names, as the emergency layers, the overlay page and the briefing print them (the
#: longer labels of the threat_level vocabulary, 0007, are read from the database with the zones).
LEVEL_ZH = {"red": "红区", "orange": "橙区", "yellow": "黄区"}
#: Zone level → the risk level whose palette colour draws it (layers/levels.py is the one palette).
LEVEL_PALETTE_KEY = {"red": "major", "orange": "significant", "yellow": "general"}
#: The lowest heat-flux threshold, kW/m²: 1.6 kW/m², the flux a person bears for a long exposure
#: without discomfort, is the lowest of the levels the domain uses (docs/domain.md §6: 37.5, 25,
#: 12.5, 4 and 1.6 kW/m² of the Chinese assessment reports; ALOHA's 10 / 5 / 2).
HEAT_FLUX_MIN_KW_M2 = 1.6
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
        return level_colour(self.level)


def level_colour(level: str) -> str:
    """Fill colour of a threat zone (ALOHA red/orange/yellow): the palette's major / significant /
    general colours, so it follows the palette's settings."""
    return PALETTE.colour(LEVEL_PALETTE_KEY.get(level))


def level_text_colour(level: str) -> str:
    """Text colour (black or white) that reads on :func:`level_colour` of the threat zone."""
    return PALETTE.text_colour(LEVEL_PALETTE_KEY.get(level))


@dataclass(frozen=True)
class ModelSpec:
    """A consequence model: its name, its parameters (a frozen dataclass whose fields carry unit,
    range and Chinese description in their metadata) and the function computing the zones."""

    name: str
    name_zh: str
    params: type
    function: Callable[[Any, Weather], list[ThreatZone]]
    description_zh: str


def param(default: Any = MISSING, *, unit: str, zh: str, lo: float | None = None, hi: float | None = None,
          lo_open: bool = False, choices: tuple[str, ...] | None = None) -> Any:
    """A documented parameter: unit, allowed range [lo, hi] ((lo, hi] if lo_open) or choices."""
    meta = {"unit": unit, "description_zh": zh, "min": lo, "max": hi, "min_exclusive": lo_open,
            "choices": choices}
    if default is MISSING:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


# ---------------------------------------------------------------------------------------------------
# Helpers: circles, distance solvers


def circle(radius_m: float) -> Polygon:
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


def fmt(x: float) -> str:
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def circle_zones(reach: list[tuple[str, float, float | None, str]], unit: str) -> list[ThreatZone]:
    """Zones from (level, threshold, radius or None, text) — None (never reached) is omitted."""
    zones = []
    for level, thr, radius, text in reach:
        if radius is None or radius <= 0:
            continue
        truncated = radius >= MAX_RANGE_M
        zones.append(ThreatZone(level, thr, unit, text, radius, circle(radius), truncated))
    return zones


def atmospheric_transmissivity(path_length_m: float, weather: Weather) -> float:
    """τ = 2.02 (P_w · x)^-0.09, P_w in Pa, x the path length in m (Pietersen & Huerta 1985, as in
    CCPS QRA 2nd ed. 2000 §2.2.3); capped at 1 (the fit exceeds 1 at very short paths)."""
    pw_x = weather.water_vapour_pressure_pa * max(path_length_m, 1e-6)
    if pw_x <= 0.0:  # dry air: no absorption by water vapour
        return 1.0
    return min(1.0, cast(float, 2.02 * pw_x ** -0.09))


def check_decreasing(p: Any, names: tuple[str, str, str] = ("red_threshold", "orange_threshold",
                                                            "yellow_threshold")) -> None:
    vals = [getattr(p, n) for n in names]
    if not (vals[0] > vals[1] > vals[2]):
        raise InvalidInput(
            f"阈值须满足 {names[0]} > {names[1]} > {names[2]}，现为 {vals[0]} / {vals[1]} / {vals[2]} "
            "(thresholds must decrease: red > orange > yellow)",
            errors=[{"field": names[1], "message": "红 > 橙 > 黄 (red > orange > yellow)"}])
