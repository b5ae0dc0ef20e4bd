"""Emergency resources, protection targets, major hazard sources and a noded road network."""

from __future__ import annotations

import numpy as np
import shapely
from shapely.geometry import LineString, MultiPolygon, Point

from db.demo.enterprises import EnterpriseRec, LocalFrame
from db.demo.regions import Region, phone, random_points_in, walk

TARGET_KINDS = {  # kind: (share, population range, name pattern)
    "residential": (0.45, (500, 6000), "{t}{w}小区"),
    "school": (0.15, (800, 3000), "{t}{w}小学"),
    "kindergarten": (0.12, (150, 400), "{t}{w}幼儿园"),
    "hospital": (0.04, (300, 1500), "{t}{w}卫生院"),
    "nursing_home": (0.06, (80, 300), "{t}{w}养老院"),
    "market": (0.10, (500, 3000), "{t}{w}商贸城"),
    "office": (0.08, (200, 1500), "{t}{w}办公园区"),
}
WORDS = ["阳光", "锦绣", "和谐", "幸福", "花园", "龙湖", "翠苑", "春江", "新城", "中心", "实验", "东方", "文华", "博爱",
         "康乐", "怡和", "金色", "青山", "滨湖", "运河"]
HAZCHEM_INVENTORIES = [
    {"液化石油气": 60}, {"甲醇": 520}, {"甲苯": 600}, {"氨": 12}, {"氯": 6}, {"苯": 55},
    {"丙酮": 300, "乙醇": 300}, {"汽油(乙醇汽油、甲醇汽油)": 240}, {"氢": 6}, {"乙炔": 1.2},
    {"环氧乙烷": 12}, {"甲醇": 300, "甲苯": 300},
]
METAL_INVENTORIES = [{"煤气(CO,CO和H2、CH4的混合物等)": 25}, {"甲烷,天然气": 55}]


def resources(city: Region, rng: np.random.Generator) -> list[dict]:
    out = []
    for district in city.children:
        towns = district.children
        picks = {"fire_station": (4, 6), "shelter": (6, 10), "hospital": (2, 4), "depot": (1, 1)}
        for kind, (lo, hi) in picks.items():
            n = int(rng.integers(lo, hi + 1))
            for i in range(n):
                town = towns[(i * 3 + int(rng.integers(len(towns)))) % len(towns)]
                x, y = random_points_in(town.geom, 1, rng)[0]
                name = {
                    "fire_station": f"{town.name.removesuffix('街道').removesuffix('镇')}消防救援站",
                    "shelter": f"{town.name}应急避难场所{i + 1}号",
                    "hospital": f"{district.name}第{i + 1}人民医院" if i else f"{district.name}人民医院",
                    "depot": f"{district.name}应急物资储备库",
                }[kind]
                capacity = {"fire_station": int(rng.integers(20, 41)), "shelter": int(rng.integers(5, 51)) * 100,
                            "hospital": int(rng.integers(2, 13)) * 100, "depot": 0}[kind]
                out.append({"kind": kind, "name": name, "capacity": capacity, "phone": phone(rng),
                            "address": f"{district.name}{town.name}", "region": town.adcode, "geom": Point(x, y)})
    for district in city.children:
        x, y = random_points_in(district.geom, 1, rng)[0]
        out.append({"kind": "rescue_team", "name": f"{district.name}危化品应急救援队", "capacity": int(rng.integers(20, 60)),
                    "phone": phone(rng), "address": district.name, "region": district.adcode, "geom": Point(x, y)})
    # de-duplicate names (two stations in one town)
    seen: dict[str, int] = {}
    for r in out:
        seen[r["name"]] = seen.get(r["name"], 0) + 1
        if seen[r["name"]] > 1:
            r["name"] = f"{r['name']}({seen[r['name']]})"
    return out


def _footprint(x: float, y: float, size_m: float, rng: np.random.Generator) -> MultiPolygon:
    f = LocalFrame(x, y, float(rng.uniform(-30, 30)))
    w, h = size_m * rng.uniform(0.7, 1.3), size_m * rng.uniform(0.7, 1.3)
    return f.rect(-w / 2, -h / 2, w, h)


def protection_targets(city: Region, rng: np.random.Generator, near: list[Point], n: int = 420) -> list[dict]:
    towns = [t for t in walk(city) if t.level == "town"]
    kinds = list(TARGET_KINDS)
    shares = np.array([TARGET_KINDS[k][0] for k in kinds])
    out = []
    used: set[str] = set()
    # a few beside the drawn plants and clusters, so threat zones and α find people
    anchors = [(p.x, p.y, 250 + 150 * i) for p in near for i in range(3)]
    for i in range(n):
        kind = kinds[int(rng.choice(len(kinds), p=shares / shares.sum()))]
        if i < len(anchors):
            ax, ay, dist = anchors[i]
            ang = rng.uniform(0, 2 * np.pi)
            x, y = ax + dist * np.cos(ang) / 94_800, ay + dist * np.sin(ang) / 110_540
            town = next((t for t in towns if shapely.contains_xy(t.geom, x, y)), None)
            if town is None:
                continue
        else:
            town = towns[int(rng.integers(len(towns)))]
            x, y = random_points_in(town.geom, 1, rng)[0]
        share, (lo, hi), pattern = TARGET_KINDS[kind]
        for _ in range(20):
            name = pattern.format(t=town.name.removesuffix("街道").removesuffix("镇"), w=WORDS[int(rng.integers(len(WORDS)))])
            if name not in used:
                break
            name = f"{name}{int(rng.integers(2, 9))}期" if kind == "residential" else f"{name}分部"
        used.add(name)
        size = {"residential": 220, "school": 150, "market": 160, "office": 120}.get(kind, 70)
        out.append({"kind": kind, "name": name, "population": int(rng.integers(lo, hi + 1)), "region": town.adcode,
                    "geom": Point(x, y), "footprint": _footprint(x, y, size, rng)})
    return out


def hazard_sources(enterprises: list[EnterpriseRec], rng: np.random.Generator, n: int = 26) -> list[dict]:
    """重大危险源 at hazchem (and some metallurgy/nonferrous) enterprises, inside their plants, S ≥ 1."""
    chem = [e for e in enterprises if e.industry == "hazchem"]
    metal = [e for e in enterprises if e.industry in ("metallurgy", "nonferrous") and e.scale in ("large", "medium")]
    picks = [chem[i] for i in rng.choice(len(chem), min(n - 4, len(chem)), replace=False)]
    picks += [metal[i] for i in rng.choice(len(metal), min(4, len(metal)), replace=False)]
    out = []
    for i, e in enumerate(picks):
        inv = (HAZCHEM_INVENTORIES if e.industry == "hazchem" else METAL_INVENTORIES)[i % (
            len(HAZCHEM_INVENTORIES) if e.industry == "hazchem" else len(METAL_INVENTORIES))]
        p = shapely.point_on_surface(e.boundary)
        name = "储罐区" if e.industry == "hazchem" else "煤气柜/燃气站"
        out.append({"enterprise": e, "code": "HS-01", "name": f"{name} 重大危险源", "location": p, "inventory": inv})
    return out


def roads(city: Region, rng: np.random.Generator, links: list[Point]) -> list[dict]:
    """Arterials on the Delaunay edges between town centres, split into segments at shared nodes, plus
    a branch from every given point (resources, plants, clusters) to its nearest node."""
    towns = [t for t in walk(city) if t.level == "town"]
    centres = [shapely.point_on_surface(t.geom) for t in towns]
    edges = shapely.get_parts(shapely.delaunay_triangles(shapely.multipoints(centres), only_edges=True))
    out = []
    nodes: list[tuple[float, float]] = [(c.x, c.y) for c in centres]
    for k, edge in enumerate(edges):
        (x0, y0), (x1, y1) = edge.coords[0], edge.coords[-1]
        length = edge.length
        if length > 0.25:  # no arterial across the whole city in one leap
            continue
        n_mid = int(rng.integers(4, 8))
        ts = np.linspace(0, 1, n_mid + 2)
        # gentle curve: offset perpendicular by a sine, zero at both ends
        nx, ny = -(y1 - y0) / length, (x1 - x0) / length
        bend = rng.normal(0, 0.08) * length
        pts = [(x0 + (x1 - x0) * t + nx * bend * np.sin(np.pi * t), y0 + (y1 - y0) * t + ny * bend * np.sin(np.pi * t))
               for t in ts]
        cls = "arterial" if length > 0.06 else "secondary"
        for a, b in zip(pts[:-1], pts[1:], strict=True):
            out.append({"name": f"S{300 + k}省道" if cls == "arterial" else f"{towns[k % len(towns)].name}大道",
                        "class": cls, "speed": 60 if cls == "arterial" else 40, "geom": LineString([a, b])})
        nodes.extend(pts[1:-1])
    # keep only the largest connected component (an edge over a lake may have been skipped)
    out = _largest_component(out)
    node_arr = np.array(sorted({c for r in out for c in (r["geom"].coords[0], r["geom"].coords[-1])}))
    for p in links:
        d = np.hypot(node_arr[:, 0] - p.x, node_arr[:, 1] - p.y)
        nx_, ny_ = node_arr[int(np.argmin(d))]
        if d.min() > 0:
            out.append({"name": "支路", "class": "branch", "speed": 30, "geom": LineString([(p.x, p.y), (nx_, ny_)])})
    return out


def _largest_component(rows: list[dict]) -> list[dict]:
    parent: dict = {}

    def find(a):
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for r in rows:
        a, b = r["geom"].coords[0], r["geom"].coords[-1]
        parent[find(a)] = find(b)
    sizes: dict = {}
    for r in rows:
        root = find(r["geom"].coords[0])
        sizes[root] = sizes.get(root, 0) + 1
    best = max(sizes, key=sizes.get)
    return [r for r in rows if find(r["geom"].coords[0]) == best]
