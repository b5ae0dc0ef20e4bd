"""Everything an emergency overlay shows, gathered once for the page and the briefing PDF."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import psycopg2.extensions

from db.io import read_postgis
from layers.emergency import affected as aff
from layers.emergency import evacuation as rt
from layers.emergency import scenarios as sc

#: Margin around the zones and routes for the context layers, in metres.
MARGIN_M = 300.0


@dataclass
class Overlay:
    scenario: dict
    zones: gpd.GeoDataFrame          # threat zones, innermost first
    affected: dict                   # layers.emergency.affected.affected()
    routes: gpd.GeoDataFrame         # resource and evacuation routes
    resources: list[dict]            # nearest resources by road (with rank)
    evacuation: dict                 # shelters, population, capacity
    source: gpd.GeoDataFrame         # the hazard source point
    roads: gpd.GeoDataFrame          # context: roads in the extent
    enterprises: gpd.GeoDataFrame    # context: enterprise boundaries in the extent, with their level
    targets: gpd.GeoDataFrame        # protection targets in the extent, with the innermost level or None
    facilities: gpd.GeoDataFrame     # emergency resources in the extent
    safety_buffers: gpd.GeoDataFrame  # external safety distance buffers around the hazard source
    safety_breaches: list[dict]      # protection targets inside them


def overlay(conn: psycopg2.extensions.connection, scenario_id: int, *, per_kind: int = 3) -> Overlay:
    s = sc.ensure_computed(conn, scenario_id)
    zones = sc.zones(conn, scenario_id)
    a = aff.affected(conn, scenario_id)
    res = rt.resources_by_road(conn, scenario_id, per_kind=per_kind)
    ev = rt.evacuation(conn, scenario_id)
    rows = []
    for c in res:
        rows.append({"route_kind": "resource", "resource_kind": c["kind"], "resource_kind_zh": c["kind_zh"],
                     "name": c["name"], "rank": c["rank"], "time_s": c["time_s"], "length_m": c["length_m"],
                     "geometry": c["geom"]})
    for r in ev["routes"]:
        rows.append({"route_kind": "evacuation", "name": r["target_name"], "shelter_name": r["shelter_name"],
                     "population": r["population"], "time_s": r["time_s"], "length_m": r["length_m"],
                     "red_m": r["red_m"], "geometry": r["geom"]})
    routes = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326") if rows else \
        gpd.GeoDataFrame({"route_kind": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")
    routes = routes[routes.geometry.notna()]
    # the extent: the zones, the routes and a margin
    parts = [g for g in [*zones.geometry, *routes.geometry] if g is not None and not g.is_empty]
    from shapely import union_all

    ext = union_all(parts).envelope.wkb if parts else None
    params = {"sid": scenario_id, "ext": ext, "m": MARGIN_M}
    box = "ra_expand_m(coalesce(ST_GeomFromWKB(%(ext)s, 4326), (SELECT location FROM hazard_source WHERE id = " \
          "(SELECT hazard_source_id FROM scenario WHERE id = %(sid)s))), %(m)s)"
    source = read_postgis(conn, """SELECT hs.id, hs.code, hs.name, e.name AS enterprise_name, ST_AsBinary(hs.location) AS geom
                                   FROM scenario s JOIN hazard_source hs ON hs.id = s.hazard_source_id
                                   JOIN enterprise e ON e.id = hs.enterprise_id WHERE s.id = %(sid)s""", params)
    roads = read_postgis(conn, f"SELECT id, name, class::text AS class, ST_AsBinary(geom) AS geom FROM road "
                               f"WHERE geom && {box}", params)
    enterprises = read_postgis(conn, f"""SELECT e.id, e.name, el.current_level::text AS level,
                                                ST_AsBinary(e.boundary) AS geom
                                         FROM enterprise e LEFT JOIN enterprise_level el ON el.enterprise_id = e.id
                                         WHERE e.boundary && {box}""", params)
    levels = {t["id"]: t["level"] for t in a["protection_targets"]}
    targets = read_postgis(conn, f"""SELECT t.id, t.name, t.kind::text AS kind, v.name_zh AS kind_zh, t.population,
                                            ST_AsBinary(t.geom) AS geom
                                     FROM protection_target t
                                     LEFT JOIN vocabulary v ON v.domain = 'target_kind' AND v.code = t.kind::text
                                     WHERE t.geom && {box}""", params)
    targets["level"] = [levels.get(i) for i in targets["id"]]
    facilities = read_postgis(conn, f"""SELECT r.id, r.name, r.kind::text AS kind, v.name_zh AS kind_zh, r.capacity,
                                               ST_AsBinary(r.geom) AS geom
                                        FROM emergency_resource r
                                        LEFT JOIN vocabulary v ON v.domain = 'resource_kind' AND v.code = r.kind::text
                                        WHERE r.geom && {box}""", params)
    safety_buffers = rt.safety_distance_layer(conn, s["hazard_source_id"])
    safety_breaches = rt.safety_distance_breaches(conn, [s["hazard_source_id"]])
    return Overlay(s, zones, a, routes, res, ev, source, roads, enterprises, targets, facilities, safety_buffers,
                   safety_breaches)
