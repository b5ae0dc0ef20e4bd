"""The region tree of the demo: 常州市 and its six districts (real boundaries), their towns and
streets (real names, synthetic Voronoi boundaries) and supervision grids (synthetic, with 专管员)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPolygon

from demo.geo import as_multipolygon, random_points_in
from demo.names import CITY, DISTRICTS, TOWNS, mobile, person
from layers.boundaries import boundary

GRIDS_PER_TOWN = (3, 6)


@dataclass
class Region:
    adcode: str
    name: str
    level: str
    geom: MultiPolygon
    parent: str | None = None
    officer: tuple[str, str] | None = None
    children: list[Region] = field(default_factory=list)

    @property
    def parent_adcode(self) -> str:
        """The parent's adcode; an error for the city, the one region without a parent."""
        if self.parent is None:
            raise ValueError(f"区划 {self.name} ({self.adcode}) 没有上级区划 (region has no parent)")
        return self.parent


def split(geom: MultiPolygon, n: int, rng: np.random.Generator) -> list[MultiPolygon]:
    """``n`` Voronoi cells of random sites inside ``geom``, clipped to it, in the order of the sites:
    together they tile ``geom`` (no gaps, no overlaps beyond floating-point error)."""
    sites = random_points_in(geom, n, rng, land=False)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(sites),
                                                      extend_to=shapely.buffer(geom.envelope, 0.1)))
    tree = shapely.STRtree(cells)
    out = []
    for x, y in sites:
        cell = next(cells[i] for i in tree.query(shapely.Point(x, y)) if shapely.contains_xy(cells[i], x, y))
        part = as_multipolygon(shapely.intersection(cell, geom))
        if part.is_empty:
            raise ValueError("Voronoi cell outside its region")
        out.append(part)
    return out


def town_codes(district: str, names: list[str]) -> list[str]:
    """9-digit codes in the national pattern: streets (街道) 001.., towns (镇) 100.."""
    codes, street_no, town_no = [], 1, 100
    for name in names:
        if name.endswith("街道"):
            codes.append(f"{district}{street_no:03d}")
            street_no += 1
        else:
            codes.append(f"{district}{town_no:03d}")
            town_no += 1
    return codes


def build_regions(rng: np.random.Generator) -> Region:
    """常州市 → 6 districts → 62 towns/streets → 3–6 grids per town."""
    city = Region(CITY[0], CITY[1], "city", boundary(CITY[0]))
    for adcode, dname in DISTRICTS.items():
        district = Region(adcode, dname, "district", boundary(adcode), parent=city.adcode)
        city.children.append(district)
        names = TOWNS[adcode]
        for tcode, tname, tgeom in zip(town_codes(adcode, names), names, split(district.geom, len(names), rng),
                                       strict=True):
            town = Region(tcode, tname, "town", tgeom, parent=adcode)
            district.children.append(town)
            k = int(rng.integers(GRIDS_PER_TOWN[0], GRIDS_PER_TOWN[1] + 1))
            for j, ggeom in enumerate(split(tgeom, k, rng), 1):
                town.children.append(Region(f"{tcode}{j:03d}", f"{tname}第{j:02d}网格", "grid", ggeom,
                                            parent=tcode, officer=(person(rng), mobile(rng))))
    return city


def walk(region: Region) -> Iterator[Region]:
    """The region and everything below it, depth first."""
    yield region
    for c in region.children:
        yield from walk(c)


def by_level(city: Region, level: str) -> list[Region]:
    return [r for r in walk(city) if r.level == level]
