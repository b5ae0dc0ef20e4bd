"""Gaussian plume, continuous toxic release, with Pasquill–Gifford dispersion: the footprint where
the ground-level concentration reaches the level of concern, pointing downwind."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast  # `float ** float` is typed Any (it may be complex); bases here are > 0

import numpy as np
from shapely.geometry import Polygon
from shapely.ops import unary_union

from layers.consequences.base import (
    LEVELS,
    P_ATM_PA,
    R_GAS,
    ThreatZone,
    Weather,
    check_decreasing,
    fmt,
    param,
)
from layers.errors import InvalidInput

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

    release_rate_kg_s: float = param(unit="kg/s", lo=0.0, lo_open=True, hi=10_000.0, zh="泄漏速率 Q")
    release_height_m: float = param(0.0, unit="m", lo=0.0, hi=500.0, zh="（有效）释放高度 H，默认 0（地面源）")
    # Chlorine Cl₂: 70.90 g/mol.
    molecular_weight_g_mol: float = param(70.9, unit="g/mol", lo=1.0, hi=1_000.0,
                                          zh="摩尔质量，默认氯气 70.9 g/mol")
    threshold_unit: str = param("ppm", unit="", choices=("ppm", "mg/m3"), zh="浓度阈值单位：ppm 或 mg/m3")
    red_threshold: float = param(20.0, unit="ppm|mg/m3", lo=0.0, lo_open=True, hi=1e6,
                                 zh="红色区浓度阈值，默认氯气 AEGL-3（60 min）20 ppm")
    orange_threshold: float = param(2.0, unit="ppm|mg/m3", lo=0.0, lo_open=True, hi=1e6,
                                    zh="橙色区浓度阈值，默认氯气 AEGL-2（60 min）2.0 ppm")
    yellow_threshold: float = param(0.5, unit="ppm|mg/m3", lo=0.0, lo_open=True, hi=1e6,
                                    zh="黄色区浓度阈值，默认氯气 AEGL-1（60 min）0.5 ppm")
    sigma_scheme: str = param("briggs", unit="", choices=("briggs", "pg_turner"),
                              zh="扩散参数：briggs（Briggs 乡村/城市，随地形）或 pg_turner（ISC 拟合的 P-G 曲线）")
    wind_reference_height_m: float = param(10.0, unit="m", lo=1.0, hi=200.0, zh="风速测量高度，默认 10 m")
    # ALOHA does not draw threat zones beyond 10 km (6 miles): the plume's assumptions fail there.
    max_distance_m: float = param(10_000.0, unit="m", lo=100.0, hi=10_000.0,
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
    return cast(float, weather.wind_speed_m_s * (z / p.wind_reference_height_m) ** exponent)


def plume_centreline_mg_m3(x_m: np.ndarray | float, p: GaussianPlumeParams, weather: Weather) -> np.ndarray:
    """Ground-level centreline concentration (mg/m³) at downwind distances x (m)."""
    x = np.asarray(x_m, dtype=float)
    sy, sz = plume_sigmas_m(x, weather.stability, weather.terrain, p.sigma_scheme)
    u = plume_wind_speed_m_s(p, weather)
    q_mg_s = p.release_rate_kg_s * 1e6
    return cast(np.ndarray, q_mg_s / (math.pi * u * sy * sz) * np.exp(-(p.release_height_m**2) / (2.0 * sz**2)))


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


def plume_zones(p: GaussianPlumeParams, weather: Weather) -> list[ThreatZone]:
    check_decreasing(p)
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
        text = f"浓度 ≥ {fmt(value)} {unit_label}：{names[lv]}"
        truncated = runs[lv][-1][1] >= p.max_distance_m
        zones.append(ThreatZone(lv, value, unit_label, text, far, geom, truncated=truncated))
    return zones
