"""Who is inside a scenario's threat zones (Qitaihe plan: 将紧急状态下撤离方案告知可能危及的相邻企业和单位).

Per zone level, each object counted once at its innermost level (red before orange before yellow):
enterprises and their areas (workshops, units, posts, buildings), protection targets with their
population, roads with the length inside each band, emergency resources; and the neighbouring
enterprises to notify (the enterprises inside a zone other than the hazard source's own, bounded
as below).

Row-level security (0007, 0010) limits every list to the caller's jurisdiction, except the
neighbours to notify: they come from ``ra_scenario_neighbours`` (0019), since an enterprise must be
able to warn neighbours it may not otherwise see. That window is bounded: a neighbour inside the
caller's jurisdiction comes with its phones, contact, address and headcount (the caller sees it
anyway); one outside it only with what a warning needs (:data:`WARNING_FIELDS`), only within
``ra_notify_max_m()`` of the source and at most ``ra_notify_max_rows()`` of them. Every read of the
list writes an audit row (action READ on the scenario: who, when, how many).

All joins are PostGIS spatial joins on the GiST indexes (``&&`` on each geometry column, then the
exact ``ST_Intersects``); distances and lengths are on the spheroid (geography).
"""

from __future__ import annotations

import psycopg2.extensions
import psycopg2.extras

from layers.consequences import LEVEL_ZH, LEVELS
from layers.emergency.scenarios import ensure_computed

# The zones of one scenario with their rank (1 = red, innermost).
_Z = "SELECT level, ra_threat_rank(level) AS rank, geom FROM threat_zone WHERE scenario_id = %(sid)s"
# One point of reference for distances: the hazard source's location.
_SRC = "SELECT hs.location AS g, hs.enterprise_id FROM scenario s JOIN hazard_source hs ON hs.id = s.hazard_source_id WHERE s.id = %(sid)s"
_RANK_LEVEL = "(ARRAY['red','orange','yellow'])[min(z.rank)]"

SQL_ENTERPRISES = f"""
WITH z AS ({_Z}), src AS ({_SRC})
SELECT e.id, e.name, e.uscc, e.industry, i.name_zh AS industry_zh, e.employees, e.address,
       e.contact_phone, e.emergency_phone, e.safety_manager,
       {_RANK_LEVEL} AS level,
       (e.id = (SELECT enterprise_id FROM src)) AS is_source_enterprise,
       ST_Distance((SELECT g FROM src)::geography, coalesce(e.boundary, e.location)::geography) AS distance_m
FROM z JOIN enterprise e
  ON (e.boundary && z.geom OR e.location && z.geom)
 AND ST_Intersects(coalesce(e.boundary, e.location), z.geom)
JOIN industry i ON i.code = e.industry
GROUP BY e.id, i.name_zh
ORDER BY min(z.rank), distance_m, e.id
"""

SQL_AREAS = f"""
WITH z AS ({_Z})
SELECT a.id, a.enterprise_id, a.kind::text AS kind, v.name_zh AS kind_zh, a.code, a.name, a.headcount,
       {_RANK_LEVEL} AS level
FROM z JOIN area a ON a.geom && z.geom AND ST_Intersects(a.geom, z.geom)
LEFT JOIN vocabulary v ON v.domain = 'area_kind' AND v.code = a.kind::text
WHERE a.kind <> 'plant'
GROUP BY a.id, v.name_zh
ORDER BY a.enterprise_id, min(z.rank), a.code
"""

SQL_TARGETS = f"""
WITH z AS ({_Z}), src AS ({_SRC})
SELECT t.id, t.kind::text AS kind, v.name_zh AS kind_zh, t.name, t.population,
       {_RANK_LEVEL} AS level,
       ST_Distance((SELECT g FROM src)::geography, coalesce(t.footprint, t.geom)::geography) AS distance_m
FROM z JOIN protection_target t
  ON (t.geom && z.geom OR t.footprint && z.geom)
 AND ST_Intersects(coalesce(t.footprint, t.geom), z.geom)
LEFT JOIN vocabulary v ON v.domain = 'target_kind' AND v.code = t.kind::text
GROUP BY t.id, v.name_zh
ORDER BY min(z.rank), distance_m, t.id
"""

SQL_RESOURCES = f"""
WITH z AS ({_Z}), src AS ({_SRC})
SELECT r.id, r.kind::text AS kind, v.name_zh AS kind_zh, r.name, r.capacity, r.phone,
       {_RANK_LEVEL} AS level,
       ST_Distance((SELECT g FROM src)::geography, r.geom::geography) AS distance_m
FROM z JOIN emergency_resource r ON r.geom && z.geom AND ST_Intersects(r.geom, z.geom)
LEFT JOIN vocabulary v ON v.domain = 'resource_kind' AND v.code = r.kind::text
GROUP BY r.id, v.name_zh
ORDER BY min(z.rank), distance_m, r.id
"""

# Roads: the length of each road inside each band (zone minus the zones inside it).
SQL_ROADS = """
WITH b AS (SELECT level, rank, zone, band FROM ra_threat_bands(ARRAY[%(sid)s]::int[]))
SELECT r.id, r.name, r.class::text AS class, v.name_zh AS class_zh,
       (ARRAY['red','orange','yellow'])[min(b.rank)] AS level,
       coalesce(sum(ST_Length(ST_Intersection(r.geom, b.band)::geography)) FILTER (WHERE b.level = 'red'), 0) AS red_m,
       coalesce(sum(ST_Length(ST_Intersection(r.geom, b.band)::geography)) FILTER (WHERE b.level = 'orange'), 0) AS orange_m,
       coalesce(sum(ST_Length(ST_Intersection(r.geom, b.band)::geography)) FILTER (WHERE b.level = 'yellow'), 0) AS yellow_m
FROM b JOIN road r ON r.geom && b.zone AND ST_Intersects(r.geom, b.zone)
LEFT JOIN vocabulary v ON v.domain = 'road_class' AND v.code = r.class::text
GROUP BY r.id, v.name_zh
ORDER BY min(b.rank), r.id
"""


#: What a neighbour outside the caller's jurisdiction is listed with: whom to call, how near, how hard hit.
WARNING_FIELDS = ("name", "level", "distance_m", "emergency_phone", "in_jurisdiction")


def _rows(cur, sql: str, sid: int) -> list[dict]:
    cur.execute(sql, {"sid": sid})
    return [dict(r) for r in cur.fetchall()]


def notify(conn: psycopg2.extensions.connection, scenario_id: int) -> tuple[list[dict], dict]:
    """The neighbouring enterprises to warn of a stored scenario, innermost first then nearest, and
    the bounds of the list (``{"max_distance_m", "max_rows"}`` for those outside the jurisdiction).

    Read through the narrow SECURITY DEFINER function of 0019, which also audits the read; a
    neighbour outside the caller's jurisdiction carries only :data:`WARNING_FIELDS`."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("SELECT * FROM ra_scenario_neighbours(%s)", (scenario_id,))
        rows = [dict(r) for r in cur.fetchall()]
        cur.execute("SELECT ra_notify_max_m() AS max_distance_m, ra_notify_max_rows() AS max_rows")
        limits = dict(cur.fetchone())
    return [r if r["in_jurisdiction"] else {k: r[k] for k in WARNING_FIELDS} for r in rows], limits


def affected(conn: psycopg2.extensions.connection, scenario_id: int) -> dict:
    """Everything inside the scenario's zones (recomputed first when stale).

    Returns ``{"scenario", "zones", "enterprises" (each with its "areas"), "notify", "notify_limits",
    "protection_targets", "roads", "resources", "summary"}``; every listed object carries ``level``
    (its innermost zone) and the lists are ordered innermost first, then by distance. Reading it
    reads the notify list, so it is audited (:func:`notify`)."""
    sc = ensure_computed(conn, scenario_id)
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("SELECT level, threshold, threshold_unit, threshold_zh, distance_m, "
                    "ST_Area(geom::geography) AS area_m2 FROM threat_zone WHERE scenario_id = %s "
                    "ORDER BY ra_threat_rank(level)", (scenario_id,))
        zones = [dict(r) for r in cur.fetchall()]
        enterprises = _rows(cur, SQL_ENTERPRISES, scenario_id)
        areas = _rows(cur, SQL_AREAS, scenario_id)
        targets = _rows(cur, SQL_TARGETS, scenario_id)
        roads = _rows(cur, SQL_ROADS, scenario_id)
        resources = _rows(cur, SQL_RESOURCES, scenario_id)
    by_ent: dict[int, list[dict]] = {}
    for a in areas:
        by_ent.setdefault(a["enterprise_id"], []).append(a)
    for e in enterprises:
        e["areas"] = by_ent.get(e["id"], [])
    for r in roads:
        r["inside_m"] = r["red_m"] + r["orange_m"] + r["yellow_m"]
    # the neighbours to warn: an enterprise user gets their names and emergency phones although
    # row-level security hides the rest of those enterprises
    neighbours, limits = notify(conn, scenario_id)
    summary = {}
    for lv in LEVELS:
        summary[lv] = {
            "level_zh": LEVEL_ZH[lv],
            "enterprises": sum(1 for e in enterprises if e["level"] == lv),
            "employees": sum(e["employees"] or 0 for e in enterprises if e["level"] == lv),
            "areas": sum(1 for a in areas if a["level"] == lv),
            "area_headcount": sum(a["headcount"] or 0 for a in areas if a["level"] == lv),
            "protection_targets": sum(1 for t in targets if t["level"] == lv),
            "population": sum(t["population"] for t in targets if t["level"] == lv),
            "road_m": sum(r[f"{lv}_m"] for r in roads),
            "resources": sum(1 for r in resources if r["level"] == lv),
        }
    summary["total"] = {k: sum(summary[lv][k] for lv in LEVELS) for k in summary["red"] if k != "level_zh"}
    summary["total"]["notify"] = len(neighbours)
    return {"scenario": sc, "zones": zones, "enterprises": enterprises, "notify": neighbours, "notify_limits": limits,
            "protection_targets": targets, "roads": roads, "resources": resources, "summary": summary}
