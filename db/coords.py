"""GCJ-02 (the offset coordinates of Amap and Tencent) to and from WGS84.

The forward transform is the published public formula (a polynomial-plus-sine offset in metres,
scaled to degrees on the Krasovsky ellipsoid); there is no closed-form inverse, so
:func:`gcj02_to_wgs84` finds it by fixed-point iteration to about 1e-10 degrees. Outside mainland
China's bounding box GCJ-02 is defined as WGS84 and points pass through unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import shapely

_A = 6378245.0                    # semi-major axis of the Krasovsky 1940 ellipsoid used by the formula
_EE = 0.00669342162296594323      # its first eccentricity squared
_CHINA = (72.004, 0.8293, 137.8347, 55.8271)  # lon/lat box in which the offset applies

ArrayLike = npt.ArrayLike
#: A vectorised (lon, lat) → (lon, lat) transform such as :func:`wgs84_to_gcj02`.
LonLatTransform = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
G = TypeVar("G", bound=shapely.Geometry)


def _offset_m(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The raw GCJ-02 offsets (east, north) for x = lon − 105, y = lat − 35."""
    waves = (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    north = (-100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x)) + waves
             + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
             + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0)
    east = (300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x)) + waves
            + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
            + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0)
    return east, north


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    x0, y0, x1, y1 = _CHINA
    return (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → GCJ-02 (vectorised; scalars give 0-d arrays)."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    east, north = _offset_m(lon - 105.0, lat - 35.0)
    rad = np.radians(lat)
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sq = np.sqrt(magic)
    dlat = north * 180.0 / ((_A * (1.0 - _EE)) / (magic * sq) * np.pi)
    dlon = east * 180.0 / (_A / sq * np.cos(rad) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike, *, tol: float = 1e-10,
                   max_iter: int = 30) -> tuple[np.ndarray, np.ndarray]:
    """GCJ-02 → WGS84 by fixed-point iteration of :func:`wgs84_to_gcj02` (the offset changes by
    well under a millimetre per metre, so each step gains about four digits)."""
    glon, glat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(max_iter):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        elon, elat = flon - glon, flat - glat
        wlon, wlat = wlon - elon, wlat - elat
        if np.max(np.abs(elon), initial=0.0) < tol and np.max(np.abs(elat), initial=0.0) < tol:
            break
    return wlon, wlat


def _on_coords(fn: LonLatTransform) -> Callable[[np.ndarray], np.ndarray]:
    def apply(coords: np.ndarray) -> np.ndarray:
        lon, lat = fn(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])
    return apply


def geometry_gcj02_to_wgs84(geom: G) -> G:
    """A shapely geometry (or array of them) in GCJ-02, converted vertex by vertex to WGS84."""
    out: G = shapely.transform(geom, _on_coords(gcj02_to_wgs84))
    return out
