"""About 2,000 synthetic enterprises in industrial clusters (工业园区), each with a simple plant
(a rotated rectangle tiled by 1–5 workshops), industry-specific graded risks, and some with a
重大危险源 (GB 18218 S ≥ 1)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Point

from demo.geo import Frame, Occupancy, metres_to_deg, on_land, random_points_in
from demo.names import CLUSTER_SUFFIXES, INDUSTRY_WORDS, PREFIXES, mobile, person, short_town, street
from demo.regions import Region, by_level
from demo.risks import (
    COMMON,
    SOURCE_WORKSHOP,
    WORKSHOPS,
    LecCombos,
    Risk,
    RiskTemplate,
    WorkshopType,
    direct_risk,
    fits,
    lec_combos,
    lec_risk,
)
from layers.assessment import Profile
from layers.levels import Level
from layers.uscc import ALPHABET, check_char

N_ENTERPRISES = 2000
# hazchem is drawn a little below its 8% because half the enterprises of the chemical park (the
# cluster around the drawn warehouse) are hazchem anyway; the city total comes out at about 8%.
INDUSTRY_MIX = {"machinery": 0.315, "light": 0.14, "textile": 0.12, "commerce": 0.10, "building_materials": 0.08,
                "hazchem": 0.065, "metallurgy": 0.05, "nonferrous": 0.05, "other": 0.07, "tobacco": 0.01}
SCALE_MIX = {"large": 0.05, "medium": 0.15, "small": 0.45, "micro": 0.35}
#: plant size in metres (width, depth) and employees (Shandong guide 第二条: micro < 20 … large ≥ 1000)
SCALE_SIZE_M = {"large": (400, 300), "medium": (200, 150), "small": (90, 70), "micro": (40, 30)}
SCALE_EMPLOYEES = {"large": (1000, 3500), "medium": (300, 999), "small": (20, 299), "micro": (5, 19)}
SCALE_WORKSHOPS = {"large": (3, 5), "medium": (2, 4), "small": (1, 3), "micro": (1, 1)}
#: industrial clusters per district: 武进 and 新北 are the most industrial, every district has some
CLUSTERS = {"320412": 6, "320411": 5, "320402": 2, "320404": 2, "320413": 2, "320481": 2}
CLUSTER_SIGMA_M = (1000.0, 2000.0)
SCATTERED = 0.15
CLUSTER_BIAS = 0.4
#: residual level each enterprise is built towards (its key risk); sources of 重大危险源 are major
LEVEL_MIX = {"major": 0.015, "significant": 0.16, "general": 0.42, "low": 0.405}
LEVEL_MIX_HAZCHEM = {"major": 0.04, "significant": 0.33, "general": 0.43, "low": 0.20}
#: how the other risks of an enterprise spread below its key level
OTHER_LEVEL_WEIGHTS = {"low": 0.5, "general": 0.33, "significant": 0.13, "major": 0.04}
PLANT_GAP_M = 15.0
REFERENCE_DATE = dt.date(2026, 11, 1)

# 重大危险源 at hazchem and at a few metal works; every inventory has S = Σ q/Q ≥ 1 before scaling up
SOURCE_QUOTA = {"hazchem": 22, "metal": 4}
HAZCHEM_INVENTORIES = (
    {"液化石油气": 60}, {"甲醇": 520}, {"甲苯": 600}, {"氨": 12}, {"氯": 6}, {"苯": 55},
    {"丙酮": 300, "乙醇": 300}, {"汽油(乙醇汽油、甲醇汽油)": 240}, {"氢": 6}, {"乙炔": 1.2},
    {"环氧乙烷": 12}, {"甲醇": 300, "甲苯": 300},
)
METAL_INVENTORIES = ({"煤气(CO,CO和H2、CH4的混合物等)": 25}, {"甲烷,天然气": 55})

GENERIC_WORKSHOPS = (
    WorkshopType("动力车间", (COMMON[0], COMMON[4])),
    WorkshopType("成品仓库", (COMMON[1], COMMON[3])),
    WorkshopType("污水处理站", (COMMON[2],)),
)


@dataclass
class AreaRec:
    code: str
    name: str
    kind: str
    geom: MultiPolygon
    parent: str | None = None
    headcount: int | None = None
    equipment: str | None = None
    activities: str | None = None


@dataclass
class SourceRec:
    """A 重大危险源 of an enterprise: where it is, and what it holds (chemical name_zh → tonnes)."""

    code: str
    name: str
    kind: str
    area_code: str | None
    location: Point
    boundary: MultiPolygon | None
    inventory: dict[str, float]
    registered_at: dt.date


@dataclass
class EnterpriseRec:
    uscc: str
    name: str
    industry: str
    scale: str
    employees: int
    address: str
    grid: str
    location: Point
    boundary: MultiPolygon
    legal_rep: str
    safety_manager: str
    contact_phone: str
    emergency_phone: str
    areas: list[AreaRec] = field(default_factory=list)
    risks: list[Risk] = field(default_factory=list)
    source: SourceRec | None = None
    gate: Point | None = None


@dataclass
class Cluster:
    """An industrial cluster (工业园区): a named centre that enterprises gather around."""

    name: str
    x: float
    y: float
    district: str
    sigma_m: float
    bias: str | None = None   # an industry that half of the cluster's enterprises belong to


class UsccMaker:
    """Unique, valid 统一社会信用代码: 9 (工商) 1 (企业) + district adcode + 9 characters + check."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.seen: set[str] = set()

    def __call__(self, adcode: str) -> str:
        while True:
            body = "91" + adcode + "".join(ALPHABET[int(i)] for i in self.rng.integers(0, len(ALPHABET), 9))
            code = body + check_char(body)
            if code not in self.seen:
                self.seen.add(code)
                return code


def landline(rng: np.random.Generator) -> str:
    """A fictional 常州 landline (0519 + 8 digits)."""
    return "0519-8" + "".join(str(int(d)) for d in rng.integers(0, 10, 7))


class People:
    """The people of one enterprise who own its risks, by control tier (Shandong guide: 公司/车间/班组/岗位)."""

    def __init__(self, rng: np.random.Generator, legal_rep: str, safety_manager: str):
        self.rng = rng
        self.phones: dict[str, str] = {}
        self.legal_rep, self.safety_manager = legal_rep, safety_manager
        self.by_workshop: dict[str, tuple[str, str, str]] = {}

    def phone(self, who: str) -> str:
        if who not in self.phones:
            self.phones[who] = mobile(self.rng)
        return self.phones[who]

    def owner(self, workshop: str, unit_name: str | None = None) -> Callable[[str], tuple[str, str, str]]:
        """A function tier → (responsible person, phone, responsible unit) for risks of ``workshop``."""
        if workshop not in self.by_workshop:
            self.by_workshop[workshop] = (person(self.rng), person(self.rng), person(self.rng))
        head, leader, operator = self.by_workshop[workshop]

        def owner(tier: str) -> tuple[str, str, str]:
            who, unit = {"company": (self.legal_rep, "公司"), "workshop": (head, workshop),
                         "team": (leader, f"{workshop}班组"), "post": (operator, unit_name or f"{workshop}操作岗")}[tier]
            return who, self.phone(who), unit
        return owner


def _choice(rng: np.random.Generator, mix: dict[str, float]) -> str:
    keys = list(mix)
    p = np.array([mix[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=p / p.sum()))]


def workshop_rects(w: float, h: float, n: int, rng: np.random.Generator) -> list[tuple[float, float, float, float]]:
    """``n`` rectangles (x, y, width, depth) tiling a w × h plant centred at the origin, inside a
    yard margin and separated by small gaps (fire lanes): one row up to 3, two rows for 4–5."""
    margin = max(4.0, 0.08 * min(w, h))
    gap = max(2.0, 0.04 * min(w, h))
    x0, y0, W, H = -w / 2 + margin, -h / 2 + margin, w - 2 * margin, h - 2 * margin
    rows = [n] if n <= 3 else [n - n // 2, n // 2]
    shares = [1.0] if len(rows) == 1 else [float(rng.uniform(0.45, 0.6))]
    if len(rows) == 2:
        shares.append(1.0 - shares[0])
    out = []
    y = y0
    for k, share in zip(rows, shares, strict=True):
        depth = H * share
        weights = rng.uniform(0.7, 1.3, k)
        widths = weights / weights.sum() * W
        x = x0
        for cw in widths:
            out.append((x + gap / 2, y + gap / 2, cw - gap, depth - gap))
            x += cw
        y += depth
    return out


def _company_name(rng: np.random.Generator, industry: str, scale: str, district: str, taken: set[str]) -> str | None:
    words = INDUSTRY_WORDS[industry]
    forms = ["常州市{p}{w}有限公司", "江苏{p}{w}有限公司", "常州{p}{w}科技有限公司"]
    forms += ["常州{p}{w}股份有限公司", "江苏{p}{w}集团有限公司"] if scale in ("large", "medium") else \
        ["常州市{d}{p}{w}厂", "常州市{d}{p}{w}有限公司"]
    for _ in range(30):
        name = forms[int(rng.integers(len(forms)))].format(
            p=PREFIXES[int(rng.integers(len(PREFIXES)))], w=words[int(rng.integers(len(words)))], d=district)
        if name not in taken:
            taken.add(name)
            return name
    return None


def _clusters(city: Region, rng: np.random.Generator, anchors: list[Cluster]) -> list[Cluster]:
    """The clusters of each district: the given anchors (around the drawn plants) and random ones."""
    out = list(anchors)
    for district in city.children:
        k = CLUSTERS[district.adcode] - sum(a.district == district.adcode for a in anchors)
        towns = district.children
        picks = rng.choice(len(towns), size=min(k, len(towns)), replace=False)
        for i in picks:
            town = towns[int(i)]
            # a centre well inside the town, so the cluster's core is in it
            inner = town.geom.buffer(-0.01)
            x, y = random_points_in(inner if not inner.is_empty else town.geom, 1, rng)[0]
            suffix = CLUSTER_SUFFIXES[int(rng.integers(len(CLUSTER_SUFFIXES)))]
            out.append(Cluster(f"{short_town(town.name)}{suffix}", float(x), float(y), district.adcode,
                               float(rng.uniform(*CLUSTER_SIGMA_M))))
    return out


def _pick_workshops(industry: str, n: int, source_type: WorkshopType | None,
                    rng: np.random.Generator) -> list[WorkshopType]:
    pool = [t for t in WORKSHOPS[industry] if source_type is None or t.name != source_type.name]
    order = [pool[int(i)] for i in rng.permutation(len(pool))]
    chosen = ([source_type] if source_type else []) + order
    chosen += [GENERIC_WORKSHOPS[int(i)] for i in rng.permutation(len(GENERIC_WORKSHOPS))]
    return chosen[:n]


def _risks_for(ws: WorkshopType, rng: np.random.Generator) -> list[RiskTemplate]:
    k = int(rng.integers(1, 5))
    own = [ws.risks[int(i)] for i in rng.permutation(len(ws.risks))]
    extra = [c for c in COMMON if c not in ws.risks]
    if rng.random() < 0.35:
        own.append(extra[int(rng.integers(len(extra)))])
    return own[:k]


def _level_below(rng: np.random.Generator, top: str) -> str:
    allowed = {lv: w for lv, w in OTHER_LEVEL_WEIGHTS.items() if Level(lv) <= Level(top)}
    return _choice(rng, allowed)


def _reachable(t: RiskTemplate, level: str, combos: LecCombos) -> str:
    """``level``, or the highest level below it that the template can be graded to."""
    for lv in sorted((lv for lv in Level if lv <= Level(level)), reverse=True):
        if fits(t, lv.value, combos):
            return lv.value
    raise ValueError(f"风险模板 {t.name} 无法评价 (template cannot be graded)")


#: short labels of GB 18218 chemical names, for the names of hazard sources
LABEL = {"煤气(CO,CO和H2、CH4的混合物等)": "煤气", "甲烷,天然气": "天然气", "汽油(乙醇汽油、甲醇汽油)": "汽油"}


def _source_plan(group: str, rng: np.random.Generator) -> tuple[WorkshopType, dict[str, float]]:
    """What a new 重大危险源 holds (S ≥ 1, scaled up by 1–2×) and the workshop type that holds it."""
    pool = HAZCHEM_INVENTORIES if group == "hazchem" else METAL_INVENTORIES
    inv = pool[int(rng.integers(len(pool)))]
    factor = float(rng.choice([1.0, 1.2, 1.5, 2.0]))
    inventory = {k: round(v * factor, 1) for k, v in inv.items()}
    kind = "hazchem" if group == "hazchem" else "coal_gas" if any(k.startswith("煤气") for k in inv) else "natural_gas"
    return SOURCE_WORKSHOP[kind], inventory


def _source(ws: AreaRec, wtype: WorkshopType, inventory: dict[str, float], rng: np.random.Generator) -> SourceRec:
    label = "、".join(LABEL.get(k, k) for k in inventory)
    reg = REFERENCE_DATE - dt.timedelta(days=int(rng.integers(200, 2000)))
    return SourceRec("", f"{wtype.name}({label})", "storage" if wtype.name == "储罐区" else "production", ws.code,
                     shapely.point_on_surface(ws.geom), ws.geom, inventory, reg)


def _find_spot(c: Cluster | None, w: float, h: float, angle: float, city: Region, grids: list[Region],
               tree: shapely.STRtree, occupied: Occupancy, gap: float,
               rng: np.random.Generator, tries: int = 200) -> tuple[Region, Frame, MultiPolygon] | None:
    """A plant w × h metres around cluster ``c`` (Gaussian) or anywhere in the city, on land, inside one
    grid and clear of every plant placed so far; None if ``tries`` positions all fail."""
    for _ in range(tries):
        if c is not None:
            dx, dy = metres_to_deg(c.sigma_m, c.y)
            x, y = c.x + rng.normal(0, dx), c.y + rng.normal(0, dy)
        else:
            x, y = random_points_in(city.geom, 1, rng)[0]
        if not on_land(x, y):
            continue
        hits = [int(i) for i in tree.query(Point(x, y)) if shapely.contains_xy(grids[int(i)].geom, x, y)]
        if not hits:
            continue
        grid = grids[hits[0]]
        frame = Frame.city(float(x), float(y), angle)
        plant = frame.rect(-w / 2, -h / 2, w, h)
        if grid.geom.contains(plant) and not occupied.clashes(plant, gap):
            return grid, frame, plant
    return None


def build_enterprises(city: Region, rng: np.random.Generator, uscc: UsccMaker, profile: Profile,
                      occupied: Occupancy, names: set[str], anchors: list[Cluster],
                      n: int = N_ENTERPRISES) -> tuple[list[Cluster], list[EnterpriseRec]]:
    """Clusters and ``n`` enterprises whose plants lie inside their grid, clear of each other and of
    what ``occupied`` already holds."""
    grids = by_level(city, "grid")
    for g in grids:
        shapely.prepare(g.geom)
    towns = {r.adcode: r for r in by_level(city, "town")}
    districts = {r.adcode: r for r in city.children}
    tree = shapely.STRtree([g.geom for g in grids])
    combos = lec_combos(profile)
    clusters = _clusters(city, rng, anchors)
    weights = np.array([CLUSTERS[c.district] for c in clusters], dtype=float)
    weights /= weights.sum()
    gap = metres_to_deg(PLANT_GAP_M)[1]
    quota = dict(SOURCE_QUOTA)
    out: list[EnterpriseRec] = []
    while len(out) < n:
        # where first (a cluster or anywhere), then what, then a free spot for a plant of that size
        c = clusters[int(rng.choice(len(clusters), p=weights))] if rng.random() >= SCATTERED else None
        industry = c.bias if c is not None and c.bias and rng.random() < CLUSTER_BIAS else _choice(rng, INDUSTRY_MIX)
        scale = _choice(rng, SCALE_MIX)
        base_w, base_h = SCALE_SIZE_M[scale]
        w, h = base_w * float(rng.uniform(0.8, 1.2)), base_h * float(rng.uniform(0.8, 1.2))
        angle = float(rng.uniform(-25, 25))
        spot = _find_spot(c, w, h, angle, city, grids, tree, occupied, gap, rng)
        if spot is None:
            continue
        grid, frame, plant = spot
        town = towns[grid.parent_adcode]
        district = districts[town.parent_adcode]
        name = _company_name(rng, industry, scale, district.name, names)
        if name is None:
            continue
        occupied.add(plant)
        lo, hi = SCALE_EMPLOYEES[scale]
        employees = int(round(float(np.exp(rng.uniform(np.log(lo), np.log(hi + 1)))))) if scale != "large" \
            else int(rng.integers(lo, hi + 1))
        legal, safety = person(rng), person(rng)
        address = f"{district.name}{town.name}{street(rng)}{int(rng.integers(1, 999))}号"
        e = EnterpriseRec(uscc(district.adcode), name, industry, scale, min(max(employees, lo), hi), address,
                          grid.adcode, shapely.centroid(plant), plant, legal, safety, mobile(rng), landline(rng),
                          gate=frame.point(0.0, -h / 2))
        people = People(rng, legal, safety)
        e.areas.append(AreaRec("P1", "厂区", "plant", plant))

        group = "hazchem" if industry == "hazchem" else "metal" if industry in ("metallurgy", "nonferrous") else None
        source_group: str | None = None   # the quota this plant's major hazard source counts against
        if group == "hazchem" and scale != "micro" and quota["hazchem"] > 0 and rng.random() < 0.3:
            source_group = group
        elif group == "metal" and scale in ("large", "medium") and quota["metal"] > 0 and rng.random() < 0.25:
            source_group = group
        has_source = source_group is not None
        lo_ws, hi_ws = SCALE_WORKSHOPS[scale]
        n_ws = int(rng.integers(lo_ws, hi_ws + 1))
        source_type, inventory = _source_plan(source_group, rng) if source_group is not None else (None, {})
        types = _pick_workshops(industry, n_ws, source_type, rng)
        rects = workshop_rects(w, h, len(types), rng)
        plan: list[tuple[str, RiskTemplate]] = []
        owners = {}
        for i, (wt, r) in enumerate(zip(types, rects, strict=True), 1):
            code = f"P1-W{i}"
            e.areas.append(AreaRec(code, wt.name, "workshop", frame.rect(*r), parent="P1"))
            owners[code] = people.owner(wt.name)
            skip = wt.risks[0] if has_source and i == 1 else None  # graded directly below
            plan += [(code, t) for t in _risks_for(wt, rng) if t is not skip]

        if source_group is not None:
            quota[source_group] -= 1
            ws = e.areas[1]
            e.source = _source(ws, types[0], inventory, rng)
            e.risks.append(direct_risk(ws.code, types[0].risks[0], {"major_hazard_source": True}, profile,
                                       owners[ws.code]))
            target = _level_below(rng, "significant")
        else:
            target = _choice(rng, LEVEL_MIX_HAZCHEM if industry == "hazchem" else LEVEL_MIX)
        reach = [k for k, (_, t) in enumerate(plan) if fits(t, target, combos)]
        if plan and not reach:  # no template of this plant can be that severe: the best it can be
            target = max((_reachable(t, target, combos) for _, t in plan), key=lambda lv: Level(lv))
            reach = [k for k, (_, t) in enumerate(plan) if fits(t, target, combos)]
        key = reach[int(rng.integers(len(reach)))] if reach else -1
        for k, (code, t) in enumerate(plan):
            level = target if k == key else _reachable(t, _level_below(rng, target), combos)
            e.risks.append(lec_risk(code, t, level, rng, combos, profile, owners[code]))
        out.append(e)
    return clusters, out
