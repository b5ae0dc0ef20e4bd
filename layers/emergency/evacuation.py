"""Resources and routes over the road network (pgRouting on the graph of 0007: ``route_node``,
``route_edge``, rebuilt by ``ra_route_network()`` whenever a road changed).

- :func:`resources_by_road`: the nearest fire stations, hospitals and shelters of a scenario by road
  travel time (fire stations and rescue teams drive *to* the source; people go *from* it to
  hospitals and shelters; one-way roads respected).
- :func:`evacuation`: every protection target inside the zones to a shelter outside them, nearest by
  road with capacity left, on a graph where edges touching the red zone cost ``red_penalty`` times
  more (so a route avoids the red zone whenever another way exists, and one starting inside it
  leaves by the shortest way out); each route reports the metres it still runs inside the red zone.
- :func:`fire_coverage`: the area each fire station reaches within the GB 51080-2015 5-minute rule and
  the uncovered gaps of a region.
- :func:`safety_distance_breaches`: protection targets inside a hazard source's external safety
  distance (GB/T 37243-2019), per target kind.

Times are seconds at each road's own ``speed_kmh``; a point joins the graph at its nearest node
(crow-fly access, reported as ``access_m``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import psycopg2.extensions
import psycopg2.extras
import shapely

from db.io import read_postgis
from layers.emergency.affected import SQL_TARGETS
from layers.emergency.scenarios import ensure_computed
from layers.errors import InvalidInput, NotFound

#: Only roads within this distance of the scenario's source take part in its routing (m).
SEARCH_RADIUS_M = 30_000.0
#: Cost factor of an edge that touches the red zone, for evacuation routes.
RED_PENALTY = 1_000.0
#: GB 51080-2015 城市消防规划规范: a station's crew reaches the edge of its district within 5 min of
#: the dispatch order; of these, 1 min is turnout (出动) and the rest driving (the split of
#: 建标 152-2017 城市消防站建设标准 条文说明). Both are parameters.
COVERAGE_MINUTES = 5.0
TURNOUT_S = 60.0
#: Reach from the street served by a road within the time (hoses, access on foot), m.
COVERAGE_REACH_M = 100.0

INBOUND_KINDS = ("fire_station", "rescue_team", "depot")   # come to the source


def ensure_network(conn: psycopg2.extensions.connection) -> int:
    """The routing graph, rebuilt first if a road changed since it was built; returns its edge count."""
    with conn.cursor() as cur:
        cur.execute("SELECT ra_route_network()")
        return cur.fetchone()[0] or 0


def _envelope(cur, geom_sql: str, params: dict, radius_m: float) -> str:
    cur.execute(f"SELECT ST_XMin(b), ST_YMin(b), ST_XMax(b), ST_YMax(b) FROM "
                f"(SELECT ra_expand_m(({geom_sql}), %(radius)s) AS b) s", {**params, "radius": radius_m})
    row = cur.fetchone()
    x0, y0, x1, y1 = (float(v) for v in (row.values() if isinstance(row, dict) else row))
    return f"ST_MakeEnvelope({x0!r}, {y0!r}, {x1!r}, {y1!r}, 4326)"


def _edges_sql(envelope: str, *, reverse: bool = False, red_scenario: int | None = None,
               red_penalty: float = RED_PENALTY) -> str:
    """The edge query pgRouting reads. ``reverse``: the graph with every edge turned round (a path
    from A to B in it is a path from B to A on the roads). ``red_scenario``: edges touching that
    scenario's red zone cost ``red_penalty`` times more."""
    ends = "target AS source, source AS target" if reverse else "source, target"
    if red_scenario is None:
        return f"SELECT id, {ends}, cost, reverse_cost FROM route_edge WHERE geom && {envelope}"
    f = (f"CASE WHEN EXISTS (SELECT 1 FROM threat_zone z WHERE z.scenario_id = {int(red_scenario)} "
         f"AND z.level = 'red' AND ST_Intersects(z.geom, e.geom)) THEN {float(red_penalty)!r} ELSE 1 END")
    return (f"SELECT e.id, e.{ends.replace(', ', ', e.')}, e.cost * {f} AS cost, "
            f"CASE WHEN e.reverse_cost < 0 THEN -1 ELSE e.reverse_cost * {f} END AS reverse_cost "
            f"FROM route_edge e WHERE e.geom && {envelope}")


_PATHS = """
SELECT p.start_vid, p.end_vid,
       sum(CASE WHEN p.node = e.source THEN e.cost ELSE e.reverse_cost END) AS time_s,
       sum(e.length_m) AS length_m,
       coalesce(ST_Length(ST_Intersection(ST_Collect(e.geom),
           (SELECT ST_Union(z.geom) FROM threat_zone z WHERE z.scenario_id = %(sid)s AND z.level = 'red'))::geography), 0)
           AS red_m,
       ST_AsBinary(ST_LineMerge(ST_Collect(e.geom ORDER BY p.path_seq))) AS geom
FROM pgr_dijkstra(%(edges)s, %(pairs)s, true) p JOIN route_edge e ON e.id = p.edge
GROUP BY p.start_vid, p.end_vid
"""


def _paths(cur, edges_sql: str, pairs: Sequence[tuple[int, int]], scenario_id: int | None,
           *, reverse: bool = False) -> dict[tuple[int, int], dict]:
    """Shortest paths for (start node, end node) pairs: real time (s), length (m), metres inside the
    red zone and the line. With ``reverse`` the pairs are (end, start) on the roads and the real
    time of an edge is the other direction's."""
    pairs = sorted({(int(a), int(b)) for a, b in pairs if a is not None and b is not None})
    out: dict[tuple[int, int], dict] = {}
    for a, b in pairs:
        if a == b:
            out[(a, b)] = {"time_s": 0.0, "length_m": 0.0, "red_m": 0.0, "geom": None}
    todo = [(a, b) for a, b in pairs if a != b]
    if not todo:
        return out
    values = ", ".join(f"({a}, {b})" for a, b in todo)
    sql = _PATHS if not reverse else _PATHS.replace(
        "CASE WHEN p.node = e.source THEN e.cost ELSE e.reverse_cost END",
        "CASE WHEN p.node = e.target THEN e.cost ELSE e.reverse_cost END")
    cur.execute(sql, {"edges": edges_sql, "pairs": f"SELECT * FROM (VALUES {values}) AS t(source, target)",
                      "sid": scenario_id})
    for r in cur.fetchall():
        out[(r["start_vid"], r["end_vid"])] = {
            "time_s": float(r["time_s"]), "length_m": float(r["length_m"]), "red_m": float(r["red_m"]),
            "geom": shapely.from_wkb(bytes(r["geom"])) if r["geom"] is not None else None}
    return out


def _source(cur, scenario_id: int) -> dict:
    cur.execute("""SELECT hs.id AS hazard_source_id, hs.location, ra_route_nearest_node(hs.location) AS node,
                          ST_Distance(hs.location::geography,
                                      (SELECT geom FROM route_node WHERE id = ra_route_nearest_node(hs.location))::geography)
                              AS access_m
                   FROM scenario s JOIN hazard_source hs ON hs.id = s.hazard_source_id WHERE s.id = %s""",
                (scenario_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"情景 {scenario_id} 不存在 (scenario not found)")
    if row["node"] is None:
        raise InvalidInput("道路网为空, 无法计算路线 (no road network to route on)")
    return dict(row)


_CANDIDATES = """
WITH src AS (SELECT hs.location AS g FROM scenario s JOIN hazard_source hs ON hs.id = s.hazard_source_id
             WHERE s.id = %(sid)s)
SELECT r.id, r.kind::text AS kind, v.name_zh AS kind_zh, r.name, r.capacity, r.phone,
       ST_Distance(r.geom::geography, src.g::geography) AS crow_m,
       n.id AS node, ST_Distance(r.geom::geography, n.geom::geography) AS access_m,
       EXISTS (SELECT 1 FROM threat_zone z WHERE z.scenario_id = %(sid)s AND ST_Intersects(z.geom, r.geom)) AS in_zone,
       ST_X(r.geom) AS lon, ST_Y(r.geom) AS lat
FROM src, emergency_resource r
CROSS JOIN LATERAL (SELECT id, geom FROM route_node ORDER BY geom <-> r.geom LIMIT 1) n
LEFT JOIN vocabulary v ON v.domain = 'resource_kind' AND v.code = r.kind::text
WHERE r.kind::text = ANY (%(kinds)s) AND r.geom && ra_expand_m(src.g, %(radius)s)
  AND ST_DWithin(r.geom::geography, src.g::geography, %(radius)s)
"""


def resources_by_road(conn: psycopg2.extensions.connection, scenario_id: int, *,
                      kinds: Sequence[str] = ("fire_station", "hospital", "shelter"), per_kind: int = 3,
                      radius_m: float = SEARCH_RADIUS_M) -> list[dict]:
    """The ``per_kind`` nearest resources of each kind by road travel time (not crow-fly), each with
    its road time and length, crow-fly distance, whether it lies inside a zone, and the path line.
    Resources inside a zone (a shelter in the yellow zone is no refuge) are listed after the others."""
    ensure_computed(conn, scenario_id)
    ensure_network(conn)
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        src = _source(cur, scenario_id)
        env = _envelope(cur, "SELECT location FROM hazard_source WHERE id = %(hs)s",
                        {"hs": src["hazard_source_id"]}, radius_m)
        cur.execute(_CANDIDATES, {"sid": scenario_id, "kinds": list(kinds), "radius": radius_m})
        cands = [dict(r) for r in cur.fetchall()]
        o = src["node"]
        inbound = [c for c in cands if c["kind"] in INBOUND_KINDS]
        outbound = [c for c in cands if c["kind"] not in INBOUND_KINDS]
        paths = _paths(cur, _edges_sql(env), [(o, c["node"]) for c in outbound], scenario_id)
        # to the source: one search on the reversed graph, from the source
        paths_in = _paths(cur, _edges_sql(env, reverse=True), [(o, c["node"]) for c in inbound], scenario_id,
                          reverse=True)
    out = []
    for c in cands:
        p = (paths_in if c["kind"] in INBOUND_KINDS else paths).get((o, c["node"]))
        if p is None:
            continue   # not reachable on the roads within the search radius
        c.update(p)
        c["access_m"] = float(c["access_m"]) + float(src["access_m"])
        c["direction"] = "to_source" if c["kind"] in INBOUND_KINDS else "from_source"
        out.append(c)
    out.sort(key=lambda c: (c["kind"], c["in_zone"], c["time_s"], c["id"]))
    ranked: list[dict] = []
    for kind in kinds:
        mine = [c for c in out if c["kind"] == kind][:per_kind]
        for i, c in enumerate(mine, 1):
            c["rank"] = i
        ranked.extend(mine)
    return ranked


_SHELTERS = """
WITH src AS (SELECT hs.location AS g FROM scenario s JOIN hazard_source hs ON hs.id = s.hazard_source_id
             WHERE s.id = %(sid)s)
SELECT r.id, r.name, r.capacity, r.phone, n.id AS node, ST_X(r.geom) AS lon, ST_Y(r.geom) AS lat,
       ST_Distance(r.geom::geography, src.g::geography) AS crow_m
FROM src, emergency_resource r
CROSS JOIN LATERAL (SELECT id FROM route_node ORDER BY geom <-> r.geom LIMIT 1) n
WHERE r.kind = 'shelter' AND r.geom && ra_expand_m(src.g, %(radius)s)
  AND ST_DWithin(r.geom::geography, src.g::geography, %(radius)s)
  AND NOT EXISTS (SELECT 1 FROM threat_zone z WHERE z.scenario_id = %(sid)s AND ST_Intersects(z.geom, r.geom))
"""


def evacuation(conn: psycopg2.extensions.connection, scenario_id: int, *, red_penalty: float = RED_PENALTY,
               radius_m: float = SEARCH_RADIUS_M) -> dict:
    """Evacuation of the protection targets inside the zones to shelters outside them.

    Targets go innermost first (red, then orange, yellow; larger population first), each to the
    shelter with the shortest penalised road time that still has room for all its people (else to
    the nearest with any room left, flagged ``over_capacity``). Returns ``{"routes": [...],
    "shelters": [...], "population": n, "capacity": n, "enough_capacity": bool}``."""
    if not red_penalty >= 1:
        raise InvalidInput("red_penalty: 应 ≥ 1 (must be at least 1)", [{"field": "red_penalty", "message": "≥ 1"}])
    ensure_computed(conn, scenario_id)
    ensure_network(conn)
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        src = _source(cur, scenario_id)
        env = _envelope(cur, "SELECT location FROM hazard_source WHERE id = %(hs)s",
                        {"hs": src["hazard_source_id"]}, radius_m)
        # people outside the red zone join the roads at the nearest node outside it (they do not walk
        # into it to reach a road); people inside it at the nearest node
        cur.execute(f"""WITH t AS ({SQL_TARGETS}),
                             red AS (SELECT geom FROM threat_zone WHERE scenario_id = %(sid)s AND level = 'red')
                        SELECT t.*, n.id AS node, ST_Distance(n.geom::geography, p.geom::geography) AS access_m,
                               ST_X(p.geom) AS lon, ST_Y(p.geom) AS lat
                        FROM t JOIN protection_target p ON p.id = t.id
                        CROSS JOIN LATERAL (
                            SELECT rn.id, rn.geom FROM route_node rn
                            WHERE t.level = 'red' OR NOT EXISTS (SELECT 1 FROM red WHERE ST_Intersects(red.geom, rn.geom))
                            ORDER BY rn.geom <-> p.geom LIMIT 1) n""", {"sid": scenario_id})
        targets = [dict(r) for r in cur.fetchall()]
        cur.execute(_SHELTERS, {"sid": scenario_id, "radius": radius_m})
        shelters = [dict(r) for r in cur.fetchall()]
        edges = _edges_sql(env, red_scenario=scenario_id, red_penalty=red_penalty)
        cost: dict[tuple[int, int], float] = {}
        if targets and shelters:
            cur.execute("SELECT start_vid, end_vid, agg_cost FROM pgr_dijkstraCost(%s, %s::bigint[], %s::bigint[], true)",
                        (edges, sorted({t["node"] for t in targets}), sorted({s["node"] for s in shelters})))
            cost = {(r["start_vid"], r["end_vid"]): float(r["agg_cost"]) for r in cur.fetchall()}
        for s in shelters:
            s["assigned"] = 0
        order = {"red": 0, "orange": 1, "yellow": 2}
        plan: list[tuple[dict[str, Any], dict[str, Any] | None, bool]] = []   # (target, shelter, over capacity)
        for t in sorted(targets, key=lambda t: (order[t["level"]], -t["population"], t["id"])):
            def c(s, t=t):
                return 0.0 if s["node"] == t["node"] else cost.get((t["node"], s["node"]))
            options = [s for s in shelters if c(s) is not None]
            room = [s for s in options if s["capacity"] is None or s["capacity"] - s["assigned"] >= t["population"]]
            pick = min(room or [s for s in options if s["capacity"] is None or s["capacity"] > s["assigned"]] or options,
                       key=lambda s: (c(s), s["id"]), default=None)
            if pick is not None:
                pick["assigned"] += t["population"]
            plan.append((t, pick, not room))
        paths = _paths(cur, edges, [(t["node"], s["node"]) for t, s, _ in plan if s is not None], scenario_id)
    routes = []
    for t, shelter, over in plan:
        r = {"target_id": t["id"], "target_name": t["name"], "target_kind_zh": t["kind_zh"], "level": t["level"],
             "population": t["population"], "shelter_id": None, "shelter_name": None, "capacity": None,
             "over_capacity": False, "time_s": None, "length_m": None, "red_m": None, "geom": None,
             "access_m": t["access_m"],
             "from_lon": t["lon"], "from_lat": t["lat"]}
        if shelter is not None:
            p = paths.get((t["node"], shelter["node"]), {})
            r.update(shelter_id=shelter["id"], shelter_name=shelter["name"], capacity=shelter["capacity"],
                     over_capacity=over, **p)
        routes.append(r)
    population = sum(t["population"] for t in targets)
    capacity = sum(s["capacity"] or 0 for s in shelters)
    return {"routes": routes, "shelters": sorted(shelters, key=lambda s: (-s["assigned"], s["crow_m"])),
            "population": population, "capacity": capacity, "enough_capacity": capacity >= population}


def scenario_routes(conn: psycopg2.extensions.connection, scenario_id: int, **kw) -> gpd.GeoDataFrame:
    """Resource routes and evacuation routes of a scenario as one layer (``route_kind``:
    ``resource`` / ``evacuation``)."""
    res = resources_by_road(conn, scenario_id, **{k: v for k, v in kw.items() if k in ("per_kind", "radius_m")})
    evac = evacuation(conn, scenario_id, **{k: v for k, v in kw.items() if k in ("red_penalty", "radius_m")})
    rows = []
    for c in res:
        rows.append({"route_kind": "resource", "resource_id": c["id"], "resource_kind": c["kind"],
                     "resource_kind_zh": c["kind_zh"], "name": c["name"], "rank": c["rank"],
                     "direction": c["direction"], "capacity": c["capacity"], "in_zone": c["in_zone"],
                     "time_s": c["time_s"], "length_m": c["length_m"], "crow_m": c["crow_m"], "red_m": c["red_m"],
                     "geometry": c["geom"]})
    for r in evac["routes"]:
        rows.append({"route_kind": "evacuation", "target_id": r["target_id"], "name": r["target_name"],
                     "level": r["level"], "population": r["population"], "shelter_id": r["shelter_id"],
                     "shelter_name": r["shelter_name"], "over_capacity": r["over_capacity"],
                     "time_s": r["time_s"], "length_m": r["length_m"], "red_m": r["red_m"], "geometry": r["geom"]})
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326") if rows else \
        gpd.GeoDataFrame({"route_kind": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")


# -- fire-station coverage (GB 51080-2015) -----------------------------------------------------------------
_COVERAGE = """
WITH reached AS (
    SELECT from_v AS start_vid, node, agg_cost FROM pgr_drivingDistance(%(edges)s, %(starts)s::bigint[], %(budget)s, true)
), touched AS (
    SELECT DISTINCT r.start_vid, e.id FROM reached r JOIN route_edge e ON e.source = r.node OR e.target = r.node
), best AS (   -- per start: how far along each edge it gets within the budget, from either end
    SELECT t.start_vid, e.geom,
           CASE WHEN rs.agg_cost IS NULL THEN 0 ELSE least(1, (%(budget)s - rs.agg_cost) / nullif(e.cost, 0)) END AS f_s,
           CASE WHEN rt.agg_cost IS NULL OR e.reverse_cost < 0 THEN 0
                ELSE least(1, (%(budget)s - rt.agg_cost) / nullif(e.reverse_cost, 0)) END AS f_t
    FROM touched t JOIN route_edge e ON e.id = t.id
    LEFT JOIN reached rs ON rs.start_vid = t.start_vid AND rs.node = e.source
    LEFT JOIN reached rt ON rt.start_vid = t.start_vid AND rt.node = e.target
), parts AS (
    SELECT start_vid, CASE WHEN f_s + f_t >= 1 THEN geom ELSE ST_Collect(
               CASE WHEN f_s > 0 THEN ST_LineSubstring(geom, 0, f_s) END,
               CASE WHEN f_t > 0 THEN ST_LineSubstring(geom, 1 - f_t, 1) END) END AS g
    FROM best WHERE f_s > 0 OR f_t > 0
)
SELECT start_vid, ST_AsBinary(ST_Union(ST_Buffer(g::geography, %(reach)s, 'quad_segs=4')::geometry)) AS g
FROM parts GROUP BY start_vid
"""


def fire_coverage(conn: psycopg2.extensions.connection, region_id: int, *, minutes: float = COVERAGE_MINUTES,
                  turnout_s: float = TURNOUT_S, reach_m: float = COVERAGE_REACH_M) -> tuple[gpd.GeoDataFrame, dict]:
    """Each fire station's area reached within ``minutes`` of the dispatch order (minus the turnout
    time, at road speed; partly driven edges cut where the time runs out; ``reach_m`` either side
    of the road), and the uncovered gaps of the region. Stations outside the region but within
    reach of it count too. Returns the layer (``kind``: ``coverage`` per station, ``gap``) and a
    summary with the areas (km²) and the covered share."""
    for field, v in (("minutes", minutes), ("reach_m", reach_m)):
        if not v > 0:
            raise InvalidInput(f"{field}: 应大于 0 (must be positive)", [{"field": field, "message": "> 0"}])
    if not 0 <= turnout_s < minutes * 60:
        raise InvalidInput("turnout_s: 应在 0 与总时间之间 (between 0 and the total time)",
                           [{"field": "turnout_s", "message": "0 ≤ turnout_s < minutes·60"}])
    budget = minutes * 60 - turnout_s
    ensure_network(conn)
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("SELECT id, name FROM region WHERE id = %s", (region_id,))
        reg = cur.fetchone()
        if reg is None:
            raise NotFound(f"区域 {region_id} 不存在 (region not found)")
        cur.execute("SELECT coalesce(max(speed_kmh), 60)::float FROM road")
        reach = budget * cur.fetchone()["coalesce"] / 3.6 + reach_m
        env = _envelope(cur, "SELECT geom FROM region WHERE id = %(rid)s", {"rid": region_id}, reach)
        cur.execute(f"""SELECT r.id, r.name, r.capacity, ra_route_nearest_node(r.geom) AS node
                        FROM emergency_resource r, region g
                        WHERE g.id = %s AND r.kind = 'fire_station' AND r.geom && {env}
                          AND ST_DWithin(r.geom::geography, g.geom::geography, %s) ORDER BY r.id""",
                    (region_id, reach))
        stations = [dict(r) for r in cur.fetchall() if r["node"] is not None]
        cover: dict[int, bytes] = {}
        if stations:
            cur.execute(_COVERAGE, {"edges": _edges_sql(env), "starts": sorted({s["node"] for s in stations}),
                                    "budget": budget, "reach": reach_m})
            by_node = {r["start_vid"]: bytes(r["g"]) for r in cur.fetchall()}
            cover = {s["id"]: by_node[s["node"]] for s in stations if s["node"] in by_node}
    rows = [{"kind": "coverage", "station_id": s["id"], "name": s["name"],
             "geometry": shapely.from_wkb(cover[s["id"]])} for s in stations if s["id"] in cover]
    layer = gpd.GeoDataFrame(rows or {"kind": []}, geometry="geometry" if rows else gpd.GeoSeries([]),
                             crs="EPSG:4326")
    # the gap and the areas in PostGIS, on the spheroid
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("""WITH c AS (SELECT ST_Union(ST_GeomFromWKB(w, 4326)) AS u FROM unnest(%s::bytea[]) w),
                            g AS (SELECT geom FROM region WHERE id = %s)
                       SELECT ST_Area(g.geom::geography) / 1e6 AS region_km2,
                              coalesce(ST_Area(ST_Intersection(g.geom, c.u)::geography), 0) / 1e6 AS covered_km2,
                              ST_AsBinary(coalesce(ST_Difference(g.geom, c.u), g.geom)) AS gap
                       FROM g, c""", ([psycopg2.Binary(w) for w in cover.values()], region_id))
        s = cur.fetchone()
    gap = shapely.from_wkb(bytes(s["gap"]))
    if not gap.is_empty:
        layer = gpd.GeoDataFrame(
            [*layer.to_dict("records"), {"kind": "gap", "station_id": None, "name": "未覆盖区域 (uncovered)",
                                         "geometry": gap}], geometry="geometry", crs="EPSG:4326")
    summary = {"region_id": region_id, "region_name": reg["name"], "minutes": minutes, "turnout_s": turnout_s,
               "drive_s": budget, "reach_m": reach_m, "stations": len(stations),
               "region_km2": float(s["region_km2"]), "covered_km2": float(s["covered_km2"]),
               "gap_km2": float(s["region_km2"]) - float(s["covered_km2"]),
               "covered_share": float(s["covered_km2"]) / float(s["region_km2"]) if s["region_km2"] else None,
               "basis": "GB 51080-2015: 接到出动指令后 5 min 内到达辖区边缘 (1 min 出动 + 行车)"}
    return layer, summary


# -- external safety distances (GB/T 37243-2019) ------------------------------------------------------------
def safety_distance_breaches(conn: psycopg2.extensions.connection, hazard_source_ids: Sequence[int]) -> list[dict]:
    """Protection targets closer to each hazard source than its external safety distance for the
    target's kind (per-source values override the defaults of ``safety_distance_default``)."""
    ids = [int(i) for i in hazard_source_ids]
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("SELECT id FROM hazard_source WHERE id = ANY (%s)", (ids,))
        found = {r["id"] for r in cur.fetchall()}
        missing = [i for i in ids if i not in found]
        if missing:
            raise NotFound(f"危险源 {missing[0]} 不存在 (hazard source not found)")
        cur.execute("""SELECT b.*, v.name_zh AS target_kind_zh FROM ra_safety_distance_breaches(%s) b
                       LEFT JOIN vocabulary v ON v.domain = 'target_kind' AND v.code = b.target_kind::text
                       ORDER BY b.hazard_source_id, b.distance_m, b.target_id""", (ids,))
        return [dict(r, target_kind=str(r["target_kind"])) for r in cur.fetchall()]


def safety_distance_layer(conn: psycopg2.extensions.connection, hazard_source_id: int) -> gpd.GeoDataFrame:
    """The buffer of each distinct safety distance around one hazard source (largest first)."""
    return read_postgis(conn, """
        WITH s AS (SELECT id, coalesce(boundary, location) AS g FROM hazard_source WHERE id = %(hs)s),
             d AS (SELECT coalesce(o.distance_m, d.distance_m) AS m,
                          string_agg(v.name_zh, '、' ORDER BY v.ord) AS kinds_zh
                   FROM safety_distance_default d
                   LEFT JOIN hazard_source_safety_distance o ON o.hazard_source_id = %(hs)s AND o.target_kind = d.target_kind
                   LEFT JOIN vocabulary v ON v.domain = 'target_kind' AND v.code = d.target_kind::text
                   GROUP BY 1)
        SELECT d.m AS distance_m, d.kinds_zh, ST_AsBinary(ST_Buffer(s.g::geography, d.m)::geometry) AS geom
        FROM s, d ORDER BY d.m DESC""", {"hs": hazard_source_id})
