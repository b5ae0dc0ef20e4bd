"""The demo city: 常州市 with real district boundaries and a believable, deterministic synthetic rest.

``load_demo(conn)`` builds everything in the caller's transaction (the caller commits), so a failed
load leaves nothing behind; loading into a database that already has regions is refused.
What is real and what is synthetic is listed in README.md.
"""

from __future__ import annotations

import json
import sys
import time

import numpy as np
import psycopg2.extensions
import psycopg2.extras
import shapely

from db.demo.enterprises import EnterpriseRec, UsccMaker, build_enterprises
from db.demo.plants import build_plants
from db.demo.regions import build_regions, walk
from db.demo.resources import hazard_sources, protection_targets, resources, roads
from layers.assessment import load_profile

DEFAULT_SEED = 20261123
STAGES = 8


def _hex(g) -> str | None:
    return None if g is None else shapely.to_wkb(shapely.set_srid(g, 4326), hex=True, include_srid=True)


class _Progress:
    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.step = 0
        self.t0 = time.perf_counter()

    def __call__(self, text: str) -> None:
        self.step += 1
        if self.enabled:
            print(f"[{self.step}/{STAGES}] {text} ({time.perf_counter() - self.t0:.1f}s)", file=sys.stderr, flush=True)


def load_demo(conn: psycopg2.extensions.connection, *, seed: int = DEFAULT_SEED, progress: bool = True) -> dict:
    """Build and insert the demo city in the connection's current transaction. Returns counts."""
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM region")
        if cur.fetchone()[0]:
            raise ValueError("演示数据已加载 (demo city already loaded): 数据库中已有区域数据")
        cur.execute("SET LOCAL riskatlas.bulk = 'on'")
    rng = np.random.default_rng(seed)
    profile = load_profile(conn, "default")  # grade with the database's profile, the one users edit
    say = _Progress(progress)
    city = build_regions(rng)
    region_ids = _insert_regions(conn, city)
    say(f"区划 {len(region_ids)} 个 (市、区县、镇街、网格)")

    uscc = UsccMaker(rng)
    drawn = build_plants(city, rng, uscc, profile)
    others = build_enterprises(city, rng, uscc, profile, taken=[d.enterprise.boundary for d in drawn])
    enterprises = [d.enterprise for d in drawn] + others
    ent_ids = _insert_enterprises(conn, enterprises, region_ids)
    say(f"企业 {len(enterprises)} 家")
    area_ids = _insert_areas(conn, enterprises, ent_ids)
    say(f"区域 {len(area_ids)} 个 (厂区、车间、单元/岗位)")
    n_risks = _insert_risks(conn, enterprises, area_ids, ent_ids)
    say(f"风险 {n_risks} 条")
    n_hazards = _insert_hidden_hazards(conn, drawn, area_ids, ent_ids)
    sources = [{"enterprise": d.enterprise, "code": d.source["code"], "name": d.source["name"],
                "location": d.source["location"], "boundary": d.source["boundary"],
                "area_code": d.source["area_code"], "inventory": d.source["inventory"]}
               for d in drawn if d.source]
    sources += hazard_sources(others, rng)
    n_sources = _insert_sources(conn, sources, ent_ids, area_ids)
    say(f"隐患 {n_hazards} 条, 重大危险源 {n_sources} 处")
    res = resources(city, rng)
    near = [d.enterprise.location for d in drawn]
    targets = protection_targets(city, rng, near)
    _insert_resources(conn, res, targets, region_ids)
    say(f"应急资源 {len(res)} 处, 防护目标 {len(targets)} 处")
    links = [r["geom"] for r in res] + [d.enterprise.location for d in drawn] + \
        [e.location for e in others[:: max(1, len(others) // 60)]]
    road_rows = roads(city, rng, links)
    _insert_roads(conn, road_rows)
    say(f"道路 {len(road_rows)} 段")
    summary = {"region": len(region_ids), "enterprise": len(enterprises), "area": len(area_ids), "risk": n_risks,
               "hidden_hazard": n_hazards, "hazard_source": n_sources, "emergency_resource": len(res),
               "protection_target": len(targets), "road": len(road_rows)}
    with conn.cursor() as cur:
        cur.execute("SET LOCAL riskatlas.bulk = 'off'")
        cur.execute("INSERT INTO audit_log (actor, table_name, action, note) VALUES "
                    "(coalesce(nullif(current_setting('riskatlas.actor', true), ''), session_user), 'demo', 'BULK', %s)",
                    (json.dumps({"seed": seed, **summary}, ensure_ascii=False),))
        cur.execute("ANALYZE")
    say("完成 (done)")
    return summary


def _values(conn, sql: str, rows: list[tuple], template: str | None = None, fetch: bool = False):
    with conn.cursor() as cur:
        return psycopg2.extras.execute_values(cur, sql, rows, template=template, page_size=1000, fetch=fetch)


def _insert_regions(conn, city) -> dict[str, int]:
    ids: dict[str, int] = {}
    for level in ("city", "district", "town", "grid"):
        rows = [(r.adcode, r.name, level, ids.get(r.parent) if r.parent else None,
                 r.officer[0] if r.officer else None, r.officer[1] if r.officer else None, _hex(r.geom))
                for r in walk(city) if r.level == level]
        got = _values(conn, "INSERT INTO region (adcode, name, level, parent_id, officer_name, officer_phone, geom) "
                            "VALUES %s RETURNING adcode, id", rows,
                      "(%s, %s, %s::region_level, %s, %s, %s, %s::geometry)", fetch=True)
        ids.update(dict(got))
    return ids


def _insert_enterprises(conn, enterprises: list[EnterpriseRec], region_ids: dict[str, int]) -> dict[str, int]:
    rows = [(e.uscc, e.name, e.industry, e.scale, e.employees, e.address, region_ids[e.grid], _hex(e.location),
             _hex(e.boundary), e.legal_rep, e.safety_manager, e.contact_phone, "0519-" + e.contact_phone[-8:])
            for e in enterprises]
    got = _values(conn, "INSERT INTO enterprise (uscc, name, industry, scale, employees, address, region_id, location, "
                        "boundary, legal_rep, safety_manager, contact_phone, emergency_phone) VALUES %s RETURNING uscc, id",
                  rows, "(%s, %s, %s, %s::enterprise_scale, %s, %s, %s, %s::geometry, %s::geometry, %s, %s, %s, %s)",
                  fetch=True)
    return dict(got)


def _insert_areas(conn, enterprises: list[EnterpriseRec], ent_ids: dict[str, int]) -> dict[tuple[str, str], int]:
    ids: dict[tuple[str, str], int] = {}
    depth = {"plant": 0, "workshop": 1, "building": 1, "unit": 2, "post": 2}
    for d in (0, 1, 2):
        rows, keys = [], []
        for e in enterprises:
            for a in e.areas:
                if depth[a.kind] != d:
                    continue
                parent = ids[(e.uscc, a.parent)] if a.parent else None
                rows.append((ent_ids[e.uscc], parent, a.kind, a.code, a.name, a.headcount, a.equipment, a.activities,
                             _hex(a.geom)))
                keys.append((e.uscc, a.code))
        got = _values(conn, "INSERT INTO area (enterprise_id, parent_id, kind, code, name, headcount, equipment, "
                            "activities, geom) VALUES %s RETURNING enterprise_id, code, id", rows,
                      "(%s, %s, %s::area_kind, %s, %s, %s, %s, %s, %s::geometry)", fetch=True)
        by_ent = {v: k for k, v in ent_ids.items()}
        for eid, code, aid in got:
            ids[(by_ent[eid], code)] = aid
    return ids


def _insert_risks(conn, enterprises, area_ids, ent_ids) -> int:
    rows, measures = [], []
    for e in enterprises:
        for k, r in enumerate(e.risks, 1):
            rows.append((area_ids[(e.uscc, r.area_code)], f"R{k:03d}", r.name, r.hazard_factors, r.causes,
                         r.consequences, r.accident_type, r.method, json.dumps(r.inputs, ensure_ascii=False),
                         r.score, r.inherent, r.residual,
                         json.dumps(r.residual_inputs) if r.residual_inputs else None, r.residual_score, r.tier,
                         r.responsible, r.phone, r.check_content, r.period, r.basis))
            measures.append(r.measures)
    got = _values(conn, "INSERT INTO risk (area_id, code, name, hazard_factors, causes, consequences, accident_type, "
                        "method, inputs, score, inherent_level, residual_level, residual_inputs, residual_score, "
                        "control_tier, responsible, responsible_phone, check_content, check_period, basis) "
                        "VALUES %s RETURNING id", rows,
                  "(%s, %s, %s, %s, %s, %s, %s, %s::assessment_method, %s::jsonb, %s, %s::risk_level, %s::risk_level, "
                  "%s::jsonb, %s, %s::control_tier, %s, %s, %s, %s::check_period, %s)", fetch=True)
    mrows = [(rid, i, kind, text) for (rid,), ms in zip(got, measures, strict=True) for i, (kind, text) in enumerate(ms, 1)]
    _values(conn, "INSERT INTO control_measure (risk_id, position, kind, description) VALUES %s", mrows,
            "(%s, %s, %s::control_kind, %s)")
    return len(rows)


def _insert_hidden_hazards(conn, drawn, area_ids, ent_ids) -> int:
    rows = []
    for d in drawn:
        e = d.enterprise
        for h in d.hazards:
            major = h["grade"] == "major"
            rows.append((ent_ids[e.uscc], area_ids[(e.uscc, h["area_code"])], _hex(h["location"]), h["description"],
                         h["grade"], h["status"], h["found_at"], h["found_by"], h["deadline"], h["measures"],
                         h["dept"] if h["measures"] else None, h["person"], h["funds"], h["plan"],
                         major and h["status"] != "closed", major, h["rectifier"],
                         h["verified_by"], h["verify_result"], h["found_at"] if h["verified_by"] else None))
    _values(conn, "INSERT INTO hidden_hazard (enterprise_id, area_id, location, description, grade, status, found_at, "
                  "found_by, deadline, measures, responsible_dept, responsible_person, funds_yuan, emergency_plan, "
                  "stop_work, supervised, rectifier, verified_by, verify_result, verified_at) VALUES %s", rows,
            "(%s, %s, %s::geometry, %s, %s::hazard_grade, %s::hazard_status, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s, %s, %s)")
    return len(rows)


def _insert_sources(conn, sources, ent_ids, area_ids) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT name_zh, id FROM chemical")
        chem = dict(cur.fetchall())
    rows = [(ent_ids[s["enterprise"].uscc], area_ids.get((s["enterprise"].uscc, s.get("area_code"))), s["code"],
             s["name"], _hex(s["location"]), _hex(s.get("boundary"))) for s in sources]
    got = _values(conn, "INSERT INTO hazard_source (enterprise_id, area_id, code, name, location, boundary) VALUES %s "
                        "RETURNING id", rows, "(%s, %s, %s, %s, %s::geometry, %s::geometry)", fetch=True)
    inv = [(hid, chem[name], q) for (hid,), s in zip(got, sources, strict=True) for name, q in s["inventory"].items()]
    _values(conn, "INSERT INTO hazard_source_inventory (hazard_source_id, chemical_id, quantity_t) VALUES %s", inv)
    return len(rows)


def _insert_resources(conn, res, targets, region_ids) -> None:
    _values(conn, "INSERT INTO emergency_resource (kind, name, capacity, address, phone, region_id, geom) VALUES %s",
            [(r["kind"], r["name"], r["capacity"], r["address"], r["phone"], region_ids[r["region"]], _hex(r["geom"]))
             for r in res], "(%s::resource_kind, %s, %s, %s, %s, %s, %s::geometry)")
    _values(conn, "INSERT INTO protection_target (kind, name, population, region_id, geom, footprint) VALUES %s",
            [(t["kind"], t["name"], t["population"], region_ids[t["region"]], _hex(t["geom"]), _hex(t["footprint"]))
             for t in targets], "(%s::target_kind, %s, %s, %s, %s::geometry, %s::geometry)")


def _insert_roads(conn, rows) -> None:
    _values(conn, "INSERT INTO road (name, class, speed_kmh, geom) VALUES %s",
            [(r["name"], r["class"], r["speed"], _hex(r["geom"])) for r in rows],
            "(%s, %s::road_class, %s, %s::geometry)")
