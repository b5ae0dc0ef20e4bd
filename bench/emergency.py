"""One emergency scenario end to end on the province-scale data.

``riskatlas_end_to_end``: store the threat zones of a scenario at a hazard source (placed from local
metres), then who is inside each zone (enterprises and their areas, protection targets and
population, roads with the length per band, resources, neighbours to notify), the nearest fire
stations, hospitals and shelters by road (pgRouting) and the evacuation routes avoiding the red
zone; in one transaction, rolled back after each run. The zones are fixed circles of 300 / 700 /
1,500 m (the scale of a large vapour-cloud explosion): the consequence model's own arithmetic is
microseconds and is not what is measured.

Baseline ``geopandas_crowfly``: what a script would do without the database's spatial joins and
routing — read the targets, enterprises, roads and resources around the source into GeoDataFrames,
``sjoin`` them with the zones (innermost level per object), clip the roads per band, and take the
nearest shelters and fire stations by straight-line distance (no road network, no evacuation).
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point

from bench.harness import Context, benchmark, scalar
from db.io import read_postgis
from layers.consequences import ThreatZone

RADII = {"red": 300.0, "orange": 700.0, "yellow": 1500.0}

ZONES = [ThreatZone(lv, p, "kPa", f"超压 {p} kPa", r, Point(0, 0).buffer(r, 32))
         for (lv, r), p in zip(RADII.items(), (55.0, 24.0, 6.9), strict=True)]

# the hazard source with the most protection targets within the yellow radius
PICK = """
SELECT hs.id FROM hazard_source hs
LEFT JOIN protection_target t ON t.geom && ra_expand_m(hs.location, %(r)s)
     AND ST_DWithin(hs.location::geography, t.geom::geography, %(r)s)
GROUP BY hs.id ORDER BY count(t.id) DESC, hs.id LIMIT 1
"""


@benchmark("emergency", "一个事故情景全流程: 威胁区入库、区内企业/防护目标/道路/资源、按道路最近资源、避开红区的疏散路线 vs "
           "geopandas 直线距离脚本 (sjoin + crow-fly nearest, no routing)", baseline="geopandas_crowfly")
def emergency_bench(ctx: Context):
    from db.migrate import migrate
    from layers.emergency import affected as aff
    from layers.emergency import evacuation as rt
    from layers.emergency import scenarios as sc

    conn = ctx.connect()
    migrate(conn, log=lambda m: None)        # a bench database made before 0007 gets the emergency schema
    with conn, conn.cursor() as cur:
        cur.execute(PICK, {"r": RADII["yellow"]})
        hs = cur.fetchone()[0]
        rt.ensure_network(conn)              # the graph is built once, as after any road change
    n_roads = scalar(conn, "SELECT count(*) FROM route_edge")
    lon, lat = scalar(conn, f"SELECT ARRAY[ST_X(location), ST_Y(location)] FROM hazard_source WHERE id = {int(hs)}")
    ctx.log(f"emergency: 危险源 {hs} ({lon:.4f}, {lat:.4f}), 路网 {n_roads:,} 条边")

    def ours() -> dict:
        try:
            with conn.cursor() as cur:
                cur.execute("INSERT INTO scenario (hazard_source_id, name, model, params) "
                            "VALUES (%s, 'bench', 'vce_tnt', '{}') RETURNING id", (hs,))
                sid = cur.fetchone()[0]
            sc.store_zones(conn, sid, ZONES)
            a = aff.affected(conn, sid)
            res = rt.resources_by_road(conn, sid)
            ev = rt.evacuation(conn, sid)
            return {"targets": len(a["protection_targets"]), "enterprises": len(a["enterprises"]),
                    "routes": len(res) + len(ev["routes"])}
        finally:
            conn.rollback()

    def crowfly() -> dict:
        try:
            src = gpd.GeoSeries([Point(lon, lat)], crs="EPSG:4326")
            crs = src.estimate_utm_crs()
            centre = src.to_crs(crs).iloc[0]
            zones = gpd.GeoDataFrame({"level": list(RADII), "rank": [1, 2, 3]},
                                     geometry=[centre.buffer(r, 32) for r in RADII.values()], crs=crs)
            box = {"x": lon, "y": lat, "m": RADII["yellow"]}
            near = "ST_DWithin(ST_SetSRID(ST_MakePoint(%(x)s, %(y)s), 4326)::geography, {}::geography, %(m)s)"
            targets = read_postgis(conn, "SELECT id, name, population, ST_AsBinary(geom) AS geom FROM protection_target "
                                         "WHERE " + near.format("geom"), box).to_crs(crs)
            ents = read_postgis(conn, "SELECT id, name, ST_AsBinary(coalesce(boundary, location)) AS geom FROM enterprise "
                                      "WHERE " + near.format("coalesce(boundary, location)"), box).to_crs(crs)
            roads = read_postgis(conn, "SELECT id, ST_AsBinary(geom) AS geom FROM road WHERE " + near.format("geom"),
                                 box).to_crs(crs)
            res = read_postgis(conn, "SELECT id, kind::text AS kind, name, capacity, ST_AsBinary(geom) AS geom "
                                     "FROM emergency_resource WHERE kind IN ('shelter', 'fire_station', 'hospital')",
                               None).to_crs(crs)
            inner = {}
            for name, layer in (("targets", targets), ("enterprises", ents), ("resources", res)):
                j = gpd.sjoin(layer, zones, predicate="intersects")
                inner[name] = j.groupby("id")["rank"].min()
            bands = []
            for i, z in enumerate(zones.itertuples()):
                band = z.geometry if i == 0 else z.geometry.difference(zones.geometry.iloc[i - 1])
                bands.append(roads.geometry.intersection(band).length.sum())
            outside = res[~res["id"].isin(inner["resources"].index)].copy()
            outside["d"] = outside.distance(centre)
            nearest = outside.sort_values("d").groupby("kind").head(3)
            return {"targets": len(inner["targets"]), "enterprises": len(inner["enterprises"]),
                    "routes": len(nearest), "road_m": float(pd.Series(bands).sum())}
        finally:
            conn.rollback()

    yield {"riskatlas_end_to_end": ours, "geopandas_crowfly": crowfly}
    conn.close()
