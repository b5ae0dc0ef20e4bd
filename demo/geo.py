"""Geometry helpers of the demo: local plant frames in metres (pyproj), a growing occupancy index,
random points on land, and polygon clean-up."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, Polygon

from layers.boundaries import as_multipolygon, polygons  # noqa: F401  (the demo's geometry kit)

#: CGCS2000 / 3-degree Gauss-Kruger CM 120°E: the projected CRS of surveys and CAD drawings around
#: 常州. Its geographic CRS (EPSG:4490) equals WGS84 to centimetres, so the result is stored as 4326.
CITY_CRS = "EPSG:4549"
GEO_CRS = "EPSG:4490"

#: Approximate open water of the two large lakes inside the city (滆湖, 长荡湖) as (lon, lat, semi-axis
#: lon, semi-axis lat) ellipses, a little smaller than the lakes. Used only to keep synthetic
#: enterprises, resources and targets out of the water; not stored, not drawn.
LAKES = ((119.810, 31.590, 0.033, 0.080), (119.565, 31.615, 0.033, 0.043))


@lru_cache(maxsize=1)
def _city_transformers() -> tuple[Transformer, Transformer]:
    fwd = Transformer.from_crs(GEO_CRS, CITY_CRS, always_xy=True)
    inv = Transformer.from_crs(CITY_CRS, GEO_CRS, always_xy=True)
    return fwd, inv


class Frame:
    """Local coordinates in metres (x east, y north), rotated by ``angle`` degrees anticlockwise
    about the origin, georeferenced through a pyproj projection to lon/lat."""

    def __init__(self, inverse: Transformer, x0: float, y0: float, angle: float = 0.0):
        self.inverse = inverse
        self.x0, self.y0 = x0, y0
        self.angle = angle
        self._c, self._s = math.cos(math.radians(angle)), math.sin(math.radians(angle))

    @classmethod
    def city(cls, lon: float, lat: float, angle: float = 0.0) -> Frame:
        """A frame in the city's Gauss-Kruger projection with its origin at (lon, lat): cheap, shared."""
        fwd, inv = _city_transformers()
        x0, y0 = fwd.transform(lon, lat)
        return cls(inv, float(x0), float(y0), angle)

    @classmethod
    def centred(cls, lon: float, lat: float, angle: float = 0.0) -> Frame:
        """A frame in an azimuthal-equidistant projection centred at (lon, lat), as for a drawing
        georeferenced on one control point and a rotation."""
        inv = Transformer.from_crs(f"+proj=aeqd +lat_0={lat!r} +lon_0={lon!r} +datum=WGS84 +units=m +no_defs",
                                   "EPSG:4326", always_xy=True)
        return cls(inv, 0.0, 0.0, angle)

    def lonlat(self, xy: np.ndarray) -> np.ndarray:
        """(n, 2) local metres → (n, 2) lon/lat."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        x = xy[:, 0] * self._c - xy[:, 1] * self._s + self.x0
        y = xy[:, 0] * self._s + xy[:, 1] * self._c + self.y0
        lon, lat = self.inverse.transform(x, y)
        return np.column_stack([lon, lat])

    def geometry(self, g):
        """A shapely geometry drawn in local metres, georeferenced."""
        return shapely.transform(g, self.lonlat)

    def polygon(self, ring) -> MultiPolygon:
        return MultiPolygon([Polygon(self.lonlat(np.asarray(ring, dtype=float)))])

    def rect(self, x: float, y: float, w: float, h: float) -> MultiPolygon:
        return self.polygon([(x, y), (x + w, y), (x + w, y + h), (x, y + h)])

    def point(self, x: float, y: float) -> Point:
        lon, lat = self.lonlat(np.array([[x, y]]))[0]
        return Point(lon, lat)


def metres_to_deg(m: float, lat: float = 31.7) -> tuple[float, float]:
    """About how many degrees of longitude and latitude make ``m`` metres at ``lat``."""
    return m / (111_320.0 * math.cos(math.radians(lat))), m / 110_574.0


def on_land(x: npt.ArrayLike, y: npt.ArrayLike) -> np.ndarray:
    """False for points in the approximate open water of the large lakes (arrays or scalars)."""
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.ones(xs.shape, dtype=bool)
    for cx, cy, ax, ay in LAKES:
        ok &= ((xs - cx) / ax) ** 2 + ((ys - cy) / ay) ** 2 > 1.0
    return ok


def random_points_in(geom, n: int, rng: np.random.Generator, *, land: bool = True) -> np.ndarray:
    """``n`` uniformly random points (as an (n, 2) array) inside ``geom`` (and on land)."""
    minx, miny, maxx, maxy = geom.bounds
    shapely.prepare(geom)
    out: list[np.ndarray] = []
    got = 0
    while got < n:
        xs = rng.uniform(minx, maxx, max(8, n * 4))
        ys = rng.uniform(miny, maxy, max(8, n * 4))
        keep = shapely.contains_xy(geom, xs, ys)
        if land:
            keep &= on_land(xs, ys)
        pts = np.column_stack([xs[keep], ys[keep]])
        out.append(pts)
        got += len(pts)
    return np.concatenate(out)[:n]


class Occupancy:
    """Footprints placed so far (road corridors, plants, buildings), in a grid hash so that each new
    footprint is checked against its neighbours only; unlike an STRtree it grows as footprints are
    added. Each footprint has a tag ("road", "plant", "building") that a check can be limited to."""

    def __init__(self, cell: float = 0.01):
        self.cell = cell
        self.cells: dict[tuple[int, int], list[int]] = {}
        self.geoms: list = []
        self.tags: list[str] = []

    def _keys(self, bounds: tuple[float, float, float, float], pad: float = 0.0):
        x0, y0, x1, y1 = bounds
        c = self.cell
        for i in range(math.floor((x0 - pad) / c), math.floor((x1 + pad) / c) + 1):
            for j in range(math.floor((y0 - pad) / c), math.floor((y1 + pad) / c) + 1):
                yield i, j

    def add(self, g, tag: str = "plant") -> None:
        k = len(self.geoms)
        self.geoms.append(g)
        self.tags.append(tag)
        shapely.prepare(g)
        for key in self._keys(g.bounds):
            self.cells.setdefault(key, []).append(k)

    def clashes(self, g, gap_deg: float = 0.0, *, tags: tuple[str, ...] | None = None) -> bool:
        """True when ``g`` comes within ``gap_deg`` of a placed footprint (of one of ``tags``)."""
        seen: set[int] = set()
        for key in self._keys(g.bounds, gap_deg):
            for k in self.cells.get(key, ()):
                if k in seen or (tags is not None and self.tags[k] not in tags):
                    continue
                seen.add(k)
                hit = shapely.dwithin(self.geoms[k], g, gap_deg) if gap_deg > 0 else self.geoms[k].intersects(g)
                if hit:
                    return True
        return False
