"""Files for the import tests, built on the fly: GeoJSON text, GeoPackage and zipped Shapefile written
by pyogrio/geopandas, DXF drawings by ezdxf, workbooks by openpyxl, CSV text."""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import openpyxl
import shapely
from pyproj import CRS, Transformer

from layers.uscc import check_char

M_PER_DEG_LAT = 110_574.0


def square(lon: float, lat: float, w_m: float, h_m: float | None = None) -> shapely.Polygon:
    """A w × h metre rectangle with its south-west corner at (lon, lat)."""
    h_m = w_m if h_m is None else h_m
    dx = w_m / (111_320.0 * math.cos(math.radians(lat)))
    dy = h_m / M_PER_DEG_LAT
    return shapely.box(lon, lat, lon + dx, lat + dy)


def offset(lon: float, lat: float, east_m: float, north_m: float) -> tuple[float, float]:
    return lon + east_m / (111_320.0 * math.cos(math.radians(lat))), lat + north_m / M_PER_DEG_LAT


def geojson(features: list[tuple[Any, dict]], crs: str | None = None) -> bytes:
    """A FeatureCollection; a geometry may be a shapely geometry, a raw GeoJSON dict or None."""
    fc: dict = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": props,
         "geometry": (shapely.geometry.mapping(g) if isinstance(g, shapely.Geometry) else g)}
        for g, props in features]}
    if crs:
        fc["crs"] = {"type": "name", "properties": {"name": crs}}
    return json.dumps(fc, ensure_ascii=False).encode()


def gdf(records: list[dict], crs: str | int | None) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(records, geometry="geometry", crs=crs)


def gpkg(frames: dict[str, gpd.GeoDataFrame]) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "x.gpkg"
        for layer, frame in frames.items():
            frame.to_file(path, layer=layer, driver="GPKG", engine="pyogrio")
        return path.read_bytes()


def shapefile_zip(frame: gpd.GeoDataFrame, name: str = "layer", *, drop: tuple[str, ...] = (),
                  extra: dict[str, bytes] | None = None) -> bytes:
    """A zipped Shapefile (``drop``: extensions left out, e.g. (".prj",); ``extra``: more members)."""
    with tempfile.TemporaryDirectory() as tmp:
        frame.to_file(Path(tmp) / f"{name}.shp", driver="ESRI Shapefile", engine="pyogrio", encoding="UTF-8")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            for p in sorted(Path(tmp).iterdir()):
                if p.suffix.lower() not in drop:
                    z.write(p, p.name)
            for member, data in (extra or {}).items():
                z.writestr(member, data)
        return buf.getvalue()


def csv_bytes(rows: list[list[Any]], encoding: str = "utf-8") -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx(rows: list[list[Any]], title: str = "Sheet1") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def uscc(body17: str) -> str:
    return body17 + check_char(body17)


# -- DXF ------------------------------------------------------------------------------------------


def dxf(boundaries: list[tuple[str, list[tuple[float, float]], bool]], labels: list[tuple[str, float, float]],
        *, units: int = 6, hatches: list[tuple[str, list[list[tuple[float, float]]]]] = ()) -> bytes:
    """A drawing: ``boundaries`` (layer, points, closed) as LWPOLYLINEs, ``labels`` (text, x, y) as
    TEXT on layer 标注, ``hatches`` (layer, [outer, hole…]) as HATCHes; $INSUNITS = ``units``."""
    import ezdxf

    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = units
    msp = doc.modelspace()
    for layer, pts, closed in boundaries:
        msp.add_lwpolyline(pts, close=closed, dxfattribs={"layer": layer})
    for layer, paths in hatches:
        h = msp.add_hatch(dxfattribs={"layer": layer})
        for p in paths:
            h.paths.add_polyline_path(p, is_closed=True)
    for text, x, y in labels:
        msp.add_text(text, dxfattribs={"layer": "标注", "height": 2.0}).set_placement((x, y))
    out = io.StringIO()
    doc.write(out)
    return out.getvalue().encode("utf-8")


class LocalFrame:
    """A drawing's local metres placed on the earth at (lon0, lat0), rotated by ``rotation_deg``
    (counter-clockwise from east): the truth a georeference must recover."""

    def __init__(self, lon0: float, lat0: float, rotation_deg: float = 0.0):
        self.tm = CRS.from_proj4(f"+proj=tmerc +lat_0={lat0} +lon_0={lon0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84")
        self.to_ll = Transformer.from_crs(self.tm, 4326, always_xy=True)
        self.r = math.radians(rotation_deg)

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        e = x * math.cos(self.r) - y * math.sin(self.r)
        n = x * math.sin(self.r) + y * math.cos(self.r)
        return self.to_ll.transform(e, n)

    def control_points(self, local: list[tuple[float, float]]) -> list[dict]:
        return [dict(zip(("x", "y", "lon", "lat"), (x, y, *self.lonlat(x, y)), strict=True)) for x, y in local]
