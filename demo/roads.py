"""A synthetic, connected and noded road network.

Arterial and secondary roads follow the Delaunay edges between town centres, gently curved
through 5–10 intermediate vertices; they are laid out first, so plants and buildings keep clear
of them. Branch roads then link each given point (industrial clusters, fire stations, shelters,
hospitals, the drawn plants' gates …) to a nearby vertex of that network, which becomes a node:
the roads are split there, so every row ends at a node it shares with other rows (ready for
pgRouting). Branches avoid crossing roads and plants where a nearby vertex allows it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import LineString, Point

from demo.geo import Occupancy, metres_to_deg
from demo.names import STREET_WORDS, short_town
from demo.regions import Region, by_level

MAX_EDGE_DEG = 0.22         # no road across the whole city in one leap
ARTERIAL_DEG = 0.08         # longer edges are 省道 (arterial), shorter ones 大道/县道 (secondary)
SPEED = {"arterial": 60, "secondary": 40, "branch": 30}
SETBACK_M = 30.0            # plants and buildings keep this far from the road centre line
CANDIDATES = 12             # nearest network vertices a branch may join


@dataclass
class Network:
    """The arterial/secondary skeleton: one polyline (vertex array) per Delaunay edge."""

    towns: list[Region]
    edges: list[tuple[int, int]]
    lines: list[np.ndarray]
    names: list[str]
    classes: list[str]


def _polyline(a: tuple[float, float], b: tuple[float, float], n_mid: int, bend: float) -> np.ndarray:
    """From a to b through ``n_mid`` intermediate vertices, bowed sideways by ``bend`` × length."""
    (x0, y0), (x1, y1) = a, b
    length = math.hypot(x1 - x0, y1 - y0)
    nx, ny = -(y1 - y0) / length, (x1 - x0) / length
    t = np.linspace(0.0, 1.0, n_mid + 2)
    off = bend * length * np.sin(np.pi * t)
    pts = np.column_stack([x0 + (x1 - x0) * t + nx * off, y0 + (y1 - y0) * t + ny * off])
    pts[0], pts[-1] = a, b   # exact shared end nodes
    return pts


def _components(n: int, edges: list[tuple[int, int]]) -> list[int]:
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in edges:
        parent[find(a)] = find(b)
    return [find(i) for i in range(n)]


def _crossings(lines: list[LineString]) -> set[int]:
    """Indexes of lines that meet another line anywhere but at a shared end node."""
    tree = shapely.STRtree(lines)
    bad: set[int] = set()
    for i, line in enumerate(lines):
        ends = {line.coords[0], line.coords[-1]}
        for j in tree.query(line, predicate="intersects"):
            j = int(j)
            if j <= i:
                continue
            inter = line.intersection(lines[j])
            if inter.geom_type not in ("Point", "MultiPoint") or \
                    any(tuple(p) not in ends for p in shapely.get_coordinates(inter)):
                bad.update((i, j))
    return bad


def network(city: Region, rng: np.random.Generator) -> Network:
    """The skeleton between town centres (the largest connected part of the Delaunay edges that
    stay inside the city), curved where no curve makes two roads cross."""
    towns = by_level(city, "town")
    centres = [shapely.point_on_surface(t.geom) for t in towns]
    key = {(c.x, c.y): i for i, c in enumerate(centres)}
    shell = city.geom.buffer(0.01)
    edges = []
    for e in shapely.get_parts(shapely.delaunay_triangles(shapely.multipoints(centres), only_edges=True)):
        a, b = key[e.coords[0]], key[e.coords[-1]]
        if e.length <= MAX_EDGE_DEG and shell.contains(e):
            edges.append((min(a, b), max(a, b)))
    edges.sort()
    comp = _components(len(centres), edges)
    main = max(set(comp), key=comp.count)
    edges = [(a, b) for a, b in edges if comp[a] == main]

    shapes = [(int(rng.integers(5, 11)), float(rng.normal(0.0, 0.06))) for _ in edges]
    ends = [((centres[a].x, centres[a].y), (centres[b].x, centres[b].y)) for a, b in edges]
    lines = [_polyline(p, q, n, bend) for (p, q), (n, bend) in zip(ends, shapes, strict=True)]
    for _ in range(10):   # straight Delaunay edges never cross: straighten curved ones that do
        bad = _crossings([LineString(p) for p in lines])
        if not bad:
            break
        for i in bad:
            lines[i] = _polyline(*ends[i], shapes[i][0], 0.0)

    numbers = [int(x) for x in rng.permutation(np.arange(230, 400))]
    county = [int(x) for x in rng.permutation(np.arange(301, 600))]
    names, classes, used = [], [], set()
    for i, ((a, _), p) in enumerate(zip(edges, lines, strict=True)):
        cls = "arterial" if math.hypot(*(p[-1] - p[0])) > ARTERIAL_DEG else "secondary"
        if cls == "arterial":
            name = f"S{numbers[i % len(numbers)]}省道"
        else:
            name = f"{short_town(towns[a].name)}大道"
            name = name if name not in used else f"X{county[i % len(county)]}县道"
        used.add(name)
        names.append(name)
        classes.append(cls)
    return Network(towns, edges, lines, names, classes)


def corridors(net: Network) -> list:
    """The road corridors (each segment buffered by the setback) that plants must keep out of."""
    d = metres_to_deg(SETBACK_M)[0]
    return [shapely.buffer(LineString(p[k:k + 2]), d, quad_segs=2) for p in net.lines for k in range(len(p) - 1)]


def free_point(p: Point, occupied: Occupancy, rng: np.random.Generator, radius_m: float = 800.0) -> Point:
    """``p`` or a point near it that lies in no placed footprint (where a branch road can start)."""
    if not occupied.clashes(p):
        return p
    dx, dy = metres_to_deg(radius_m, p.y)
    for k in range(200):
        s = 0.2 + k / 200
        q = Point(p.x + rng.normal(0, dx * s), p.y + rng.normal(0, dy * s))
        if not occupied.clashes(q, metres_to_deg(10)[1]):
            return q
    return p


def roads(net: Network, links: list[Point], occupied: Occupancy, rng: np.random.Generator) -> list[dict]:
    """Road rows {name, class, speed, geom}: the skeleton split at its nodes plus one branch per link."""
    pts = net.lines
    verts = np.concatenate(pts)
    owner = np.concatenate([np.full(len(p), i) for i, p in enumerate(pts)])
    index = np.concatenate([np.arange(len(p)) for p in pts])
    coslat = math.cos(math.radians(float(np.mean(verts[:, 1]))))
    splits: dict[int, set[int]] = {i: set() for i in range(len(pts))}
    tree = shapely.STRtree([LineString(p) for p in pts])
    lead = metres_to_deg(40)[1]
    branches: list[LineString] = []
    for p in links:
        d = np.hypot((verts[:, 0] - p.x) * coslat, verts[:, 1] - p.y)
        order = [int(k) for k in np.argsort(d, kind="stable")[:CANDIDATES]]
        if d[order[0]] < 1e-7:
            continue

        def clear(k: int, strict: bool, p: Point = p) -> bool:
            seg = LineString([(p.x, p.y), tuple(verts[k])])
            if len(tree.query(seg, predicate="crosses")) or any(seg.crosses(b) for b in branches):
                return False
            # leave the start (a gate on its own plant's fence) before testing for other plants
            far = shapely.line_interpolate_point(seg, min(lead, seg.length * 0.5))
            return not strict or not occupied.clashes(LineString([far, seg.coords[-1]]), tags=("plant", "building"))

        k = next((k for k in order if clear(k, True)), None)
        k = k if k is not None else next((k for k in order if clear(k, False)), order[0])
        if 0 < index[k] < len(pts[owner[k]]) - 1:
            splits[int(owner[k])].add(int(index[k]))
        branches.append(LineString([(p.x, p.y), (float(verts[k, 0]), float(verts[k, 1]))]))

    out: list[dict] = []
    for i, p in enumerate(pts):
        cuts = [0, *sorted(splits[i]), len(p) - 1]
        for s, t in zip(cuts[:-1], cuts[1:], strict=True):
            out.append({"name": net.names[i], "class": net.classes[i], "speed": SPEED[net.classes[i]],
                        "geom": LineString(p[s:t + 1])})
    town_tree = shapely.STRtree([t.geom for t in net.towns])
    for b in branches:
        x, y = b.coords[0]
        hit = [int(j) for j in town_tree.query(Point(x, y)) if shapely.contains_xy(net.towns[int(j)].geom, x, y)]
        short = short_town(net.towns[hit[0]].name) if hit else ""
        word = STREET_WORDS[int(rng.integers(len(STREET_WORDS)))]
        out.append({"name": f"{short}{word}路", "class": "branch", "speed": SPEED["branch"], "geom": b})
    return out
