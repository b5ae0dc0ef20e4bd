"""Bulk inserts of the demo records (``execute_values``, geometries as hex EWKB with SRID 4326)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import psycopg2.extras

from db.bulk import Conn, ewkb_hex
from demo.enterprises import REFERENCE_DATE, EnterpriseRec
from demo.regions import Region, walk
from layers.assessment import Profile

PAGE = 1000


def ewkb(g) -> str | None:
    """Hex EWKB with SRID 4326 (None stays None), for ``%s::geometry``."""
    return ewkb_hex([g])[0]


def _values(conn: Conn, sql: str, rows: list[tuple], template: str, fetch: bool = False) -> list[tuple]:
    if not rows:
        return []
    with conn.cursor() as cur:
        return psycopg2.extras.execute_values(cur, sql, rows, template=template, page_size=PAGE, fetch=fetch) or []


def regions(conn: Conn, city: Region) -> dict[str, int]:
    """Insert the region tree level by level; returns adcode → id."""
    ids: dict[str, int] = {}
    for level in ("city", "district", "town", "grid"):
        rows = [(r.adcode, r.name, level, ids[r.parent] if r.parent else None,
                 r.officer[0] if r.officer else None, r.officer[1] if r.officer else None, ewkb(r.geom))
                for r in walk(city) if r.level == level]
        got = _values(conn, "INSERT INTO region (adcode, name, level, parent_id, officer_name, officer_phone, geom) "
                            "VALUES %s RETURNING adcode, id", rows,
                      "(%s, %s, %s::region_level, %s, %s, %s, %s::geometry)", fetch=True)
        ids.update(dict(got))
    return ids


def enterprises(conn: Conn, ents: list[EnterpriseRec], region_ids: dict[str, int], profile: Profile) -> dict[str, int]:
    """Insert enterprises; returns uscc → id."""
    rows = [(e.uscc, e.name, e.industry, e.scale, e.employees, e.address, region_ids[e.grid], ewkb(e.location),
             ewkb(e.boundary), e.legal_rep, e.safety_manager, e.contact_phone, e.emergency_phone, profile.name)
            for e in ents]
    got = _values(conn, "INSERT INTO enterprise (uscc, name, industry, scale, employees, address, region_id, location, "
                        "boundary, legal_rep, safety_manager, contact_phone, emergency_phone, profile) "
                        "VALUES %s RETURNING uscc, id", rows,
                  "(%s, %s, %s, %s::enterprise_scale, %s, %s, %s, %s::geometry, %s::geometry, %s, %s, %s, %s, %s)",
                  fetch=True)
    return dict(got)


def areas(conn: Conn, ents: list[EnterpriseRec], ent_ids: dict[str, int]) -> dict[tuple[str, str], int]:
    """Insert areas parents first (plant, then workshops/buildings, then units/posts); returns
    (uscc, area code) → id."""
    ids: dict[tuple[str, str], int] = {}
    by_id = {v: k for k, v in ent_ids.items()}
    depth = {"plant": 0, "workshop": 1, "building": 1, "unit": 2, "post": 2}
    for d in (0, 1, 2):
        rows = [(ent_ids[e.uscc], ids[(e.uscc, a.parent)] if a.parent else None, a.kind, a.code, a.name, a.headcount,
                 a.equipment, a.activities, ewkb(a.geom))
                for e in ents for a in e.areas if depth[a.kind] == d]
        got = _values(conn, "INSERT INTO area (enterprise_id, parent_id, kind, code, name, headcount, equipment, "
                            "activities, geom) VALUES %s RETURNING enterprise_id, code, id", rows,
                      "(%s, %s, %s::area_kind, %s, %s, %s, %s, %s, %s::geometry)", fetch=True)
        ids.update({(by_id[eid], code): aid for eid, code, aid in got})
    return ids


def risks(conn: Conn, ents: list[EnterpriseRec], area_ids: dict[tuple[str, str], int], profile: Profile,
          rng: np.random.Generator) -> tuple[int, int]:
    """Insert risks (numbered R001… per enterprise) and their control measures; returns both counts."""
    rows, measures = [], []
    for e in ents:
        assessed = REFERENCE_DATE - dt.timedelta(days=int(rng.integers(30, 330)))
        for k, r in enumerate(e.risks, 1):
            rows.append((area_ids[(e.uscc, r.area_code)], f"R{k:03d}", r.name, r.hazard_factors, r.causes,
                         r.consequences, r.accident_type, r.method, json.dumps(r.inputs, ensure_ascii=False), r.score,
                         profile.name, profile.version, r.inherent, r.residual,
                         json.dumps(r.residual_inputs) if r.residual_inputs else None, r.residual_score, r.tier,
                         r.responsible, r.phone, r.unit, r.check_content, r.period, assessed, e.safety_manager,
                         r.basis))
            measures.append(r.measures)
    got = _values(conn, "INSERT INTO risk (area_id, code, name, hazard_factors, causes, consequences, accident_type, "
                        "method, inputs, score, profile, profile_version, inherent_level, residual_level, "
                        "residual_inputs, residual_score, control_tier, responsible, responsible_phone, "
                        "responsible_unit, check_content, check_period, assessed_at, assessed_by, basis) "
                        "VALUES %s RETURNING id", rows,
                  "(%s, %s, %s, %s, %s, %s, %s, %s::assessment_method, %s::jsonb, %s, %s, %s, %s::risk_level, "
                  "%s::risk_level, %s::jsonb, %s, %s::control_tier, %s, %s, %s, %s, %s::check_period, %s, %s, %s)",
                  fetch=True)
    mrows = [(rid, i, kind, text) for (rid,), ms in zip(got, measures, strict=True)
             for i, (kind, text) in enumerate(ms, 1)]
    _values(conn, "INSERT INTO control_measure (risk_id, position, kind, description) VALUES %s", mrows,
            "(%s, %s, %s::control_kind, %s)")
    return len(rows), len(mrows)


def hidden_hazards(conn: Conn, items: list[tuple[EnterpriseRec, dict]], ent_ids: dict[str, int],
                   area_ids: dict[tuple[str, str], int]) -> int:
    rows = [(ent_ids[e.uscc], area_ids[(e.uscc, h["area_code"])], ewkb(h["location"]), h["description"], h["grade"],
             h["status"], h["found_at"], h["found_by"], h["deadline"], h["measures"], h["dept"], h["person"],
             h["funds"], h["plan"], h["stop_work"], h["supervised"], h["rectifier"], h["rectified_at"],
             h["verified_by"], h["verified_at"], h["verify_result"])
            for e, h in items]
    _values(conn, "INSERT INTO hidden_hazard (enterprise_id, area_id, location, description, grade, status, found_at, "
                  "found_by, deadline, measures, responsible_dept, responsible_person, funds_yuan, emergency_plan, "
                  "stop_work, supervised, rectifier, rectified_at, verified_by, verified_at, verify_result) "
                  "VALUES %s", rows,
            "(%s, %s, %s::geometry, %s, %s::hazard_grade, %s::hazard_status, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, "
            "%s, %s, %s, %s, %s)")
    return len(rows)


def hazard_sources(conn: Conn, ents: list[EnterpriseRec], ent_ids: dict[str, int],
                   area_ids: dict[tuple[str, str], int]) -> tuple[int, int]:
    """Insert the 重大危险源 and their inventories (chemicals looked up by name_zh)."""
    with conn.cursor() as cur:
        cur.execute("SELECT name_zh, id FROM chemical")
        chem = dict(cur.fetchall())
    srcs = [(e, e.source) for e in ents if e.source is not None]
    missing = {n for _, s in srcs for n in s.inventory if n not in chem}
    if missing:
        raise ValueError(f"化学品表中没有 (not in table chemical): {', '.join(sorted(missing))}")
    rows = [(ent_ids[e.uscc], area_ids.get((e.uscc, s.area_code)) if s.area_code is not None else None, s.code,
             s.name, s.kind, ewkb(s.location), ewkb(s.boundary), s.registered_at) for e, s in srcs]
    got = _values(conn, "INSERT INTO hazard_source (enterprise_id, area_id, code, name, kind, location, boundary, "
                        "registered_at) VALUES %s RETURNING id", rows,
                  "(%s, %s, %s, %s, %s, %s::geometry, %s::geometry, %s)", fetch=True)
    inv = [(hid, chem[name], q) for (hid,), (_, s) in zip(got, srcs, strict=True) for name, q in s.inventory.items()]
    _values(conn, "INSERT INTO hazard_source_inventory (hazard_source_id, chemical_id, quantity_t) VALUES %s", inv,
            "(%s, %s, %s)")
    return len(rows), len(inv)


def resources(conn: Conn, res: list[dict], region_ids: dict[str, int]) -> int:
    _values(conn, "INSERT INTO emergency_resource (kind, name, capacity, address, phone, region_id, geom) VALUES %s",
            [(r["kind"], r["name"], r["capacity"], r["address"], r["phone"], region_ids[r["region"]], ewkb(r["geom"]))
             for r in res], "(%s::resource_kind, %s, %s, %s, %s, %s, %s::geometry)")
    return len(res)


def targets(conn: Conn, items: list[dict], region_ids: dict[str, int]) -> int:
    _values(conn, "INSERT INTO protection_target (kind, name, population, region_id, geom, footprint) VALUES %s",
            [(t["kind"], t["name"], t["population"], region_ids[t["region"]], ewkb(t["geom"]), ewkb(t["footprint"]))
             for t in items], "(%s::target_kind, %s, %s, %s, %s::geometry, %s::geometry)")
    return len(items)


def roads(conn: Conn, rows: list[dict]) -> int:
    _values(conn, "INSERT INTO road (name, class, speed_kmh, geom) VALUES %s",
            [(r["name"], r["class"], r["speed"], ewkb(r["geom"])) for r in rows], "(%s, %s::road_class, %s, %s::geometry)")
    return len(rows)
