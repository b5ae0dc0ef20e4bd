"""Emergency resources (fire stations, shelters, hospitals, depots, rescue teams) and protection
targets (schools, kindergartens, hospitals, nursing homes, residential blocks, markets, offices).

All synthetic. Fire stations keep at least 200 m from hazardous-chemical plants (docs/domain.md §6);
some protection targets are put within 500 m of the drawn plants (most of them around the chemical
warehouse) and around the industrial clusters, so that threat zones and GB 18218's α find people.
"""

from __future__ import annotations

import math

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point

from demo.enterprises import Cluster, EnterpriseRec, landline
from demo.geo import Frame, Occupancy, metres_to_deg, on_land, random_points_in
from demo.names import CHINESE_NUMERALS, PARK_WORDS, PLACE_WORDS, short_town, street
from demo.plants import DrawnPlant
from demo.regions import Region, by_level

RESOURCES_PER_DISTRICT = {"fire_station": (4, 6), "shelter": (6, 10), "hospital": (2, 4), "depot": (1, 1)}
HOSPITAL_NAMES = ("人民医院", "中医医院", "第二人民医院", "妇幼保健院")
RESCUE_TEAMS = (("320411", "常州市危险化学品应急救援队"), ("320412", "武进区专职应急救援大队"),
                ("320402", "天宁区蓝天救援队"), ("320404", "钟楼区应急救援志愿服务队"),
                ("320413", "金坛区应急救援大队"), ("320481", "溧阳市山地应急救援队"))
FIRE_STATION_CLEARANCE_M = 200.0

#: kind → (share, population range, footprint size range in metres)
TARGET_KINDS = {
    "residential": (0.45, (500, 6000), (140, 300)),
    "school": (0.14, (800, 3000), (120, 200)),
    "kindergarten": (0.12, (150, 450), (50, 80)),
    "hospital": (0.04, (300, 1500), (90, 160)),
    "nursing_home": (0.07, (80, 400), (50, 90)),
    "market": (0.10, (300, 3000), (80, 160)),
    "office": (0.08, (200, 1500), (60, 120)),
}
TARGET_NAMES = {
    "residential": ("花园", "小区", "新村", "家园", "苑", "名都", "公寓"),
    "school": ("实验小学", "中心小学", "小学", "初级中学", "中学"),
    "kindergarten": ("幼儿园", "中心幼儿园"),
    "hospital": ("社区卫生服务中心", "卫生院", "中西医结合医院"),
    "nursing_home": ("养老院", "颐养院", "老年公寓"),
    "market": ("农贸市场", "商业广场", "购物中心"),
    "office": ("商务中心", "科创大厦", "办公园区"),
}
N_TARGETS = 420
#: (kind, distance in metres from the plant boundary) around the chemical warehouse, within 500 m
NEAR_WAREHOUSE = (("residential", 140), ("kindergarten", 210), ("residential", 260), ("school", 330),
                  ("nursing_home", 380), ("residential", 430), ("market", 470))
NEAR_OTHER_PLANTS = (("residential", 220), ("school", 420))
TOWN_WEIGHT = {"320402": 2.0, "320404": 2.0, "320411": 1.4, "320412": 1.4, "320413": 1.0, "320481": 0.8}


class _Towns:
    """Which town a point is in."""

    def __init__(self, city: Region):
        self.towns = by_level(city, "town")
        self.tree = shapely.STRtree([t.geom for t in self.towns])

    def at(self, x: float, y: float) -> Region | None:
        for i in self.tree.query(Point(x, y)):
            if shapely.contains_xy(self.towns[int(i)].geom, x, y):
                return self.towns[int(i)]
        return None


def emergency_resources(city: Region, rng: np.random.Generator, occupied: Occupancy,
                        hazchem: list[MultiPolygon]) -> list[dict]:
    """Fire stations, shelters, hospitals and a depot per district, and six rescue teams."""
    chem_tree = shapely.STRtree(hazchem) if hazchem else None
    clearance = metres_to_deg(FIRE_STATION_CLEARANCE_M)[0]
    gap = metres_to_deg(30)[1]
    out: list[dict] = []

    def spot(geom, kind: str) -> Point:
        for _ in range(500):
            x, y = random_points_in(geom, 1, rng)[0]
            p = Point(x, y)
            if occupied.clashes(p, gap):
                continue
            if kind == "fire_station" and chem_tree is not None and len(chem_tree.query(p, "dwithin", clearance)):
                continue
            occupied.add(p.buffer(gap / 2), "building")
            return p
        raise ValueError(f"找不到{kind}的位置 (no room)")

    for district in city.children:
        towns = district.children
        for kind, (lo, hi) in RESOURCES_PER_DISTRICT.items():
            n = int(rng.integers(lo, hi + 1))
            picks = rng.choice(len(towns), size=n, replace=kind == "shelter" and n > len(towns))
            for i, t in enumerate(picks):
                town = towns[int(t)]
                short = short_town(town.name)
                geom = district.geom if kind == "depot" else town.geom
                p = spot(geom, kind)
                if kind == "fire_station":
                    name, cap, region = f"{short}消防救援站", int(rng.integers(20, 41)), town.adcode
                elif kind == "shelter":
                    name = f"{short}{PARK_WORDS[int(rng.integers(len(PARK_WORDS)))]}应急避难场所"
                    cap, region = int(rng.integers(5, 51)) * 100, town.adcode
                elif kind == "hospital":
                    name, cap, region = f"{district.name}{HOSPITAL_NAMES[i]}", int(rng.integers(4, 25)) * 50, town.adcode
                else:
                    name, cap, region = f"{district.name}应急物资储备库", None, district.adcode
                out.append({"kind": kind, "name": name, "capacity": cap, "phone": landline(rng),
                            "address": f"{district.name}{town.name}{street(rng)}{int(rng.integers(1, 500))}号",
                            "region": region, "geom": p})
    districts = {d.adcode: d for d in city.children}
    for adcode, name in RESCUE_TEAMS:
        d = districts[adcode]
        out.append({"kind": "rescue_team", "name": name, "capacity": int(rng.integers(20, 61)), "phone": landline(rng),
                    "address": d.name, "region": adcode, "geom": spot(d.geom, "rescue_team")})
    seen: dict[str, int] = {}
    for r in out:  # two shelters in one park: number them
        seen[r["name"]] = seen.get(r["name"], 0) + 1
        if seen[r["name"]] > 1:
            r["name"] = r["name"].replace("应急避难场所", f"{CHINESE_NUMERALS[seen[r['name']] - 1]}号应急避难场所")
    return out


class _TargetNamer:
    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.used: set[str] = set()

    def __call__(self, kind: str, town: Region) -> str:
        short = short_town(town.name)
        suffixes = TARGET_NAMES[kind]
        for _ in range(30):
            word = PLACE_WORDS[int(self.rng.integers(len(PLACE_WORDS)))]
            name = f"{short}{word}{suffixes[int(self.rng.integers(len(suffixes)))]}"
            if name not in self.used:
                break
        else:
            name = f"{name}{CHINESE_NUMERALS[int(self.rng.integers(1, 9))]}期" if kind == "residential" else f"{name}分部"
        self.used.add(name)
        return name


def _target(kind: str, town: Region, footprint: MultiPolygon, rng: np.random.Generator, namer: _TargetNamer) -> dict:
    _, (lo, hi), _ = TARGET_KINDS[kind]
    return {"kind": kind, "name": namer(kind, town), "population": int(rng.integers(lo, hi + 1)),
            "region": town.adcode, "geom": shapely.point_on_surface(footprint), "footprint": footprint}


def _size(kind: str, rng: np.random.Generator) -> tuple[float, float]:
    lo, hi = TARGET_KINDS[kind][2]
    return float(rng.uniform(lo, hi)), float(rng.uniform(lo, hi) * 0.8)


def _rect_distance(x: float, y: float, w: float, h: float) -> float:
    """Distance in metres from (x, y) to a w × h rectangle centred at the origin."""
    return math.hypot(max(abs(x) - w / 2, 0.0), max(abs(y) - h / 2, 0.0))


def _ray_to_distance(ang: float, w: float, h: float, dist: float) -> float:
    """How far along direction ``ang`` from the centre of a w × h rectangle a point is ``dist`` metres
    from the rectangle (bisection: the distance grows along the ray)."""
    lo, hi = 0.0, dist + w + h
    for _ in range(40):
        mid = (lo + hi) / 2
        if _rect_distance(mid * math.cos(ang), mid * math.sin(ang), w, h) < dist:
            lo = mid
        else:
            hi = mid
    return hi


def protection_targets(city: Region, rng: np.random.Generator, occupied: Occupancy, drawn: list[DrawnPlant],
                       clusters: list[Cluster], n: int = N_TARGETS) -> list[dict]:
    """About ``n`` targets with footprints clear of plants and of each other."""
    towns = _Towns(city)
    namer = _TargetNamer(rng)
    gap = metres_to_deg(25)[1]
    out: list[dict] = []

    def try_place(kind: str, frame: Frame, x: float, y: float) -> bool:
        w, h = _size(kind, rng)
        fp = frame.rect(x - w / 2, y - h / 2, w, h)
        c = shapely.centroid(fp)
        town = towns.at(c.x, c.y)
        if town is None or not town.geom.contains(fp) or not on_land(c.x, c.y) or occupied.clashes(fp, gap):
            return False
        occupied.add(fp, "building")
        out.append(_target(kind, town, fp, rng, namer))
        return True

    # around the drawn plants, in each plant's own frame: distance measured from its boundary
    for d in drawn:
        pw, ph = d.size
        ring = NEAR_WAREHOUSE if d.enterprise.industry == "hazchem" else NEAR_OTHER_PLANTS
        for kind, dist in ring:
            for _ in range(300):
                ang = float(rng.uniform(0, 2 * math.pi))
                r = _ray_to_distance(ang, pw, ph, dist)
                if try_place(kind, d.frame, r * math.cos(ang), r * math.sin(ang)):
                    break
    # around the industrial clusters: the villages and towns that grew beside the parks
    for c in clusters:
        frame = Frame.city(c.x, c.y)
        for kind in ("residential", "residential", "school", "kindergarten"):
            for _ in range(100):
                r, ang = float(rng.uniform(0.4, 1.6)) * c.sigma_m, float(rng.uniform(0, 2 * math.pi))
                if try_place(kind, frame, r * math.cos(ang), r * math.sin(ang)):
                    break
    # the rest across the city, denser in the urban districts
    all_towns = towns.towns
    tw = np.array([TOWN_WEIGHT[t.parent_adcode] for t in all_towns])
    kinds = list(TARGET_KINDS)
    shares = np.array([TARGET_KINDS[k][0] for k in kinds])
    while len(out) < n:
        town = all_towns[int(rng.choice(len(all_towns), p=tw / tw.sum()))]
        kind = kinds[int(rng.choice(len(kinds), p=shares / shares.sum()))]
        x, y = random_points_in(town.geom, 1, rng)[0]
        try_place(kind, Frame.city(float(x), float(y), float(rng.uniform(-30, 30))), 0.0, 0.0)
    return out


def hazchem_plants(enterprises: list[EnterpriseRec]) -> list[MultiPolygon]:
    return [e.boundary for e in enterprises if e.industry == "hazchem"]
