"""Emergency planning on the constructed scene: stored zones, who is inside them, routes, coverage.

No physics here: zones are circles of known radius (tests/scene.py ``circle_zones``; the thresholds
are the ALOHA overpressure levels of docs/domain.md §6, 55 / 24 / 6.9 kPa, only as labels) and, where a
model must run, a stand-in module replaces ``layers.consequences``. Distances in the scene are set in
metres from the hazard source and were worked out by hand (1° of longitude at 30.5° N ≈ 95 917 m,
1° of latitude ≈ 110 857 m).
"""

from __future__ import annotations

import math
import sys

import pytest

from layers.emergency import affected as aff
from layers.emergency import evacuation as rt
from layers.emergency import scenarios as sc
from layers.errors import InvalidInput, NotFound
from tests.scene import (
    add_hazard_source,
    add_neighbour,
    add_resource,
    add_road,
    add_road_grid,
    add_scenario,
    add_target,
    build,
    circle_zones,
    fake_consequences,
    local_point,
    source_lonlat,
)


@pytest.fixture
def models(monkeypatch):
    monkeypatch.setitem(sys.modules, "layers.consequences", fake_consequences())


@pytest.fixture
def world(scene_conn):
    scene = build(scene_conn)
    hs = add_hazard_source(scene_conn, scene, {"液化石油气": 60})   # at the plant centre (100.505, 30.505)
    return scene_conn, scene, hs, source_lonlat(scene_conn, hs)


def _count(conn, sql, *args):
    with conn.cursor() as cur:
        cur.execute(sql, args)
        return cur.fetchone()[0]


# -- storage ------------------------------------------------------------------------------------------
def test_store_zones_places_local_metres_at_the_source(world):
    conn, _, hs, src = world
    sid = add_scenario(conn, hs)
    gdf = sc.zones(conn, sid)
    assert list(gdf["level"]) == ["red", "orange", "yellow"]
    for lv, r in (("red", 100), ("orange", 250), ("yellow", 500)):
        row = gdf[gdf["level"] == lv].iloc[0]
        # a 256-gon inscribed in a circle of radius r has area (n/2) r² sin(2π/n) ≈ 0.9999 π r²
        assert row["area_m2"] == pytest.approx(math.pi * r * r, rel=2e-3)
        assert row["distance_m"] == r
    # centred on the source: distance from the source to the zone's centroid under 1 m
    assert _count(conn, "SELECT ST_Distance(ST_Centroid(z.geom)::geography, hs.location::geography) "
                        "FROM threat_zone z JOIN hazard_source hs ON hs.id = %s WHERE z.scenario_id = %s "
                        "AND z.level = 'yellow'", hs, sid) < 1.0
    # the edge of the yellow zone 500 m east of the source (aeqd keeps distances from the centre)
    east = local_point(src, 499.0, 0), local_point(src, 501.0, 0)
    inside = [_count(conn, "SELECT ST_Intersects(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) FROM threat_zone "
                           "WHERE scenario_id = %s AND level = 'yellow'", *p, sid) for p in east]
    assert inside == [True, False]


def test_scenario_change_makes_zones_stale_and_reads_recompute(world, models):
    conn, _, hs, src = world
    s = sc.create_scenario(conn, hazard_source_id=hs, model="vce_tnt", params={"radius_m": 100}, name="储罐爆炸")
    assert not s["stale"] and s["computed_version"] == 1
    assert _count(conn, "SELECT count(*) FROM threat_zone WHERE scenario_id = %s", s["id"]) == 3
    # a change of params in the database drops the zones at once (trigger), whatever wrote it
    with conn.cursor() as cur:
        cur.execute("UPDATE scenario SET params = '{\"radius_m\": 150}' WHERE id = %s", (s["id"],))
    assert _count(conn, "SELECT count(*) FROM threat_zone WHERE scenario_id = %s", s["id"]) == 0
    assert sc.scenario(conn, s["id"])["stale"]
    # a renaming is not an input: nothing recomputed
    with conn.cursor() as cur:
        cur.execute("UPDATE scenario SET name = '改名' WHERE id = %s", (s["id"],))
    assert sc.scenario(conn, s["id"])["inputs_version"] == 2
    # reading recomputes
    gdf = sc.zones(conn, s["id"])
    assert sorted(gdf["distance_m"]) == [150, 300, 600]
    assert not sc.scenario(conn, s["id"])["stale"]
    # moving the hazard source 1 km north makes it stale; the new zones sit at the new place
    new = local_point(src, 0, 1000)
    with conn.cursor() as cur:
        cur.execute("UPDATE hazard_source SET location = ST_SetSRID(ST_MakePoint(%s, %s), 4326) WHERE id = %s",
                    (*new, hs))
    assert sc.scenario(conn, s["id"])["stale"]
    assert _count(conn, "SELECT count(*) FROM threat_zone WHERE scenario_id = %s", s["id"]) == 0
    sc.zones(conn, s["id"])
    assert _count(conn, "SELECT ST_Distance(ST_Centroid(geom)::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography) "
                        "FROM threat_zone WHERE scenario_id = %s AND level = 'red'", *new, s["id"]) < 1.0
    # every write was audited
    assert _count(conn, "SELECT count(*) FROM audit_log WHERE table_name = 'scenario' AND row_id = %s",
                  str(s["id"])) >= 3


def test_update_scenario_recomputes_on_save(world, models):
    conn, _, hs, _ = world
    s = sc.create_scenario(conn, hazard_source_id=hs, model="pool_fire", params={"radius_m": 50})
    s2 = sc.update_scenario(conn, s["id"], params={"radius_m": 80})
    assert not s2["stale"] and s2["inputs_version"] == 2
    assert _count(conn, "SELECT distance_m FROM threat_zone WHERE scenario_id = %s AND level = 'yellow'", s["id"]) == 320


def test_bad_inputs_name_the_field(world, models):
    conn, _, hs, _ = world
    with pytest.raises(NotFound, match="危险源 999999"):
        sc.create_scenario(conn, hazard_source_id=999999, model="vce_tnt", params={"radius_m": 1})
    with pytest.raises(InvalidInput, match="model"):
        sc.create_scenario(conn, hazard_source_id=hs, model="nuke", params={"radius_m": 1})
    with pytest.raises(InvalidInput, match="params.radius_m"):
        sc.create_scenario(conn, hazard_source_id=hs, model="vce_tnt", params={"radius_m": -1})
    with pytest.raises(InvalidInput, match="weather.wind"):
        sc.create_scenario(conn, hazard_source_id=hs, model="vce_tnt", params={"radius_m": 1}, weather={"wind": 3})
    assert _count(conn, "SELECT count(*) FROM scenario") == 0


# -- who is inside ------------------------------------------------------------------------------------------
def test_affected_lists_are_exact(world):
    conn, scene, hs, src = world
    sid = add_scenario(conn, hs, circle_zones(100, 250, 600))
    p = {}
    for name, (dx, dy), pop in (("红区小区", (50, 0), 10), ("橙区学校", (0, 180), 20), ("黄区市场", (-400, 0), 40),
                                ("区外小区", (0, -700), 80)):
        p[name] = add_target(conn, *local_point(src, dx, dy), population=pop, name=name)
    # a target whose point is in the orange band but whose footprint reaches 90 m from the source
    fx = [local_point(src, x, y) for x, y in ((90, -20), (140, -20), (140, 20), (90, 20))]
    wkt = "MULTIPOLYGON(((" + ",".join(f"{x} {y}" for x, y in [*fx, fx[0]]) + ")))"
    p["跨区楼"] = add_target(conn, *local_point(src, 120, 0), population=5, name="跨区楼", footprint_wkt=wkt)
    # neighbours: one whose boundary spans 520–700 m east (yellow), one 1.5 km away (outside)
    a, b = local_point(src, 520, -50), local_point(src, 700, 50)
    near = add_neighbour(conn, scene, (a[0], a[1], b[0], b[1]), name="邻近化工厂", suffix="B", employees=30)
    a, b = local_point(src, 1500, -50), local_point(src, 1600, 50)
    add_neighbour(conn, scene, (a[0], a[1], b[0], b[1]), name="远处工厂", suffix="C")
    station = add_resource(conn, "fire_station", local_point(src, 200, 0), 40, "橙区消防站")
    add_resource(conn, "shelter", local_point(src, 0, 800), 500, "区外避难场所")
    road = add_road(conn, local_point(src, -1000, 0), local_point(src, 1000, 0), name="东西大道")

    out = aff.affected(conn, sid)
    levels = {t["name"]: t["level"] for t in out["protection_targets"]}
    assert levels == {"红区小区": "red", "跨区楼": "red", "橙区学校": "orange", "黄区市场": "yellow"}
    ents = {e["name"]: (e["level"], e["is_source_enterprise"]) for e in out["enterprises"]}
    assert ents == {"测试机械有限公司": ("red", True), "邻近化工厂": ("yellow", False)}
    assert [n["id"] for n in out["notify"]] == [near]
    # the scene's areas by hand: W1 touches the source, W2 is 48 m east of it; the units are
    # 367, 293 and 293 m away (tests/scene.py geometry)
    areas = {a["code"]: a["level"] for e in out["enterprises"] for a in e["areas"]}
    assert areas == {"W1": "red", "W2": "red", "W1-U1": "yellow", "W1-U2": "yellow", "W2-U1": "yellow"}
    assert [(r["id"], r["level"]) for r in out["resources"]] == [(station, "orange")]
    (r,) = [x for x in out["roads"] if x["id"] == road]
    # a straight road through the source: 2·100 m red, 2·150 m orange, 2·350 m yellow
    assert (r["red_m"], r["orange_m"], r["yellow_m"]) == (pytest.approx(200, abs=1), pytest.approx(300, abs=1),
                                                          pytest.approx(700, abs=1))
    s = out["summary"]
    assert (s["red"]["population"], s["orange"]["population"], s["yellow"]["population"]) == (15, 20, 40)
    assert s["total"]["population"] == 75 and s["total"]["notify"] == 1


def test_affected_joins_use_the_gist_indexes(world):
    conn, _, hs, _ = world
    sid = add_scenario(conn, hs)
    with conn.cursor() as cur:
        cur.execute("SET LOCAL enable_seqscan = off")   # the scene is tiny: make the planner show its hand
        for sql in (aff.SQL_TARGETS, aff.SQL_ENTERPRISES, aff.SQL_RESOURCES):
            cur.execute("EXPLAIN " + sql, {"sid": sid})
            plan = "\n".join(r[0] for r in cur.fetchall())
            assert "_gix" in plan, plan


# -- routes ------------------------------------------------------------------------------------------------
def test_evacuation_avoids_the_red_zone(world):
    conn, _, hs, src = world
    sid = add_scenario(conn, hs)                       # red 100 m, orange 250 m, yellow 500 m
    nodes = add_road_grid(conn, src, half=3, spacing_m=200)
    t = add_target(conn, *nodes[(-2, 0)], population=50, name="西侧小区")      # 400 m west: yellow
    add_resource(conn, "shelter", nodes[(3, 0)], 1000, "东侧避难场所")          # 600 m east: outside
    # shortest way is straight east through the source (1000 m, 200 m of it in the red zone) ...
    plain = rt.evacuation(conn, sid, red_penalty=1)["routes"][0]
    assert plain["length_m"] == pytest.approx(1000, abs=2) and plain["red_m"] == pytest.approx(200, abs=2)
    # ... the evacuation route goes round by the next street: 1400 m, none of it in the red zone
    ev = rt.evacuation(conn, sid)
    (r,) = ev["routes"]
    assert r["target_id"] == t and r["shelter_name"] == "东侧避难场所"
    assert r["length_m"] == pytest.approx(1400, abs=3) and r["red_m"] == 0
    assert r["time_s"] == pytest.approx(140, abs=0.5)         # 1400 m at 36 km/h (10 m/s)
    assert ev["population"] == 50 and ev["capacity"] == 1000 and ev["enough_capacity"]


def test_evacuees_outside_the_red_zone_do_not_walk_into_it(world):
    conn, _, hs, src = world
    sid = add_scenario(conn, hs)                       # red 100 m
    nodes = add_road_grid(conn, src, half=3, spacing_m=200)
    # 106 m from the source (orange); its nearest road node is the source's own (106 m, in the red
    # zone), the nearest outside it is 200 m east (139 m away)
    t = add_target(conn, *local_point(src, 80, 70), population=10, name="近旁小区")
    add_resource(conn, "shelter", nodes[(3, 0)], 100, "东侧避难场所")
    (r,) = rt.evacuation(conn, sid)["routes"]
    assert r["target_id"] == t and r["level"] == "orange"
    assert r["access_m"] == pytest.approx(math.hypot(120, 70), abs=1)
    assert r["length_m"] == pytest.approx(400, abs=2) and r["red_m"] == 0


def test_evacuation_respects_shelter_capacity(world):
    conn, _, hs, src = world
    sid = add_scenario(conn, hs)
    nodes = add_road_grid(conn, src, half=3, spacing_m=200)
    big = add_target(conn, *nodes[(-2, 1)], population=300, name="大小区")
    small = add_target(conn, *nodes[(-2, -1)], population=100, name="小小区")
    near = add_resource(conn, "shelter", nodes[(-3, 0)], 350, "近避难场所")
    far = add_resource(conn, "shelter", nodes[(3, 3)], 5000, "远避难场所")
    ev = rt.evacuation(conn, sid)
    got = {r["target_id"]: r["shelter_id"] for r in ev["routes"]}
    # the larger population goes first (both yellow) and fills the near shelter; the other goes far
    assert got == {big: near, small: far}


def test_nearest_shelter_by_road_not_crow_fly(world):
    conn, _, hs, src = world
    sid = add_scenario(conn, hs, circle_zones(20, 50, 100))
    # a "river" between the 200 m and 400 m streets, bridged only at 600 m east
    skip = {((i, 1), (i, 2)) for i in range(-3, 3)}
    add_road_grid(conn, src, half=3, spacing_m=200, skip=skip)
    a = add_resource(conn, "shelter", local_point(src, 0, 620), 100, "河北避难场所")      # 620 m crow-fly
    b = add_resource(conn, "shelter", local_point(src, -600, -400), 100, "西南避难场所")  # 721 m crow-fly
    got = rt.resources_by_road(conn, sid, kinds=("shelter",))
    assert [g["id"] for g in got] == [b, a]
    assert got[0]["length_m"] == pytest.approx(1000, abs=2)    # 600 west + 400 south
    assert got[1]["length_m"] == pytest.approx(1800, abs=2)    # 200 up, 600 east, 400 up, 600 west
    assert got[1]["crow_m"] < got[0]["crow_m"]


def test_fire_station_drives_to_the_source_on_one_way_roads(world):
    conn, _, hs, src = world
    sid = add_scenario(conn, hs, circle_zones(20, 50, 100))
    o, e, far = src, local_point(src, 1000, 0), local_point(src, 1000, 1000)
    add_road(conn, e, o, oneway=True)                 # one way, towards the source
    add_road(conn, o, local_point(src, 0, 1000))
    add_road(conn, local_point(src, 0, 1000), far)
    add_road(conn, far, e)
    st = add_resource(conn, "fire_station", e, 30, "东消防站")
    (got,) = rt.resources_by_road(conn, sid, kinds=("fire_station",))
    assert got["id"] == st and got["direction"] == "to_source"
    assert got["length_m"] == pytest.approx(1000, abs=2)      # straight down the one-way road
    hosp = add_resource(conn, "hospital", e, 100, "东医院")
    (h,) = rt.resources_by_road(conn, sid, kinds=("hospital",))
    assert h["id"] == hosp and h["length_m"] == pytest.approx(3000, abs=3)   # the long way back


def test_fire_station_five_minute_coverage(world):
    conn, scene, _, src = world
    # one straight road 3 km long, noded every 500 m, 36 km/h; a station at its west end
    pts = [local_point(src, 2000 + 500 * k, -3000) for k in range(7)]
    for a, b in zip(pts, pts[1:], strict=False):
        add_road(conn, a, b)
    add_resource(conn, "fire_station", pts[0], 30, "测试消防站")
    layer, s = rt.fire_coverage(conn, scene.grid)
    # GB 51080-2015: 5 min from the order, 1 min turnout -> 240 s driving at 10 m/s = 2400 m of road,
    # 100 m either side plus the two round ends (a 16-gon: area 0.9745 π r²)
    want = 2400 * 200 + 0.9745 * math.pi * 100 ** 2
    assert s["covered_km2"] * 1e6 == pytest.approx(want, rel=0.02)
    assert s["stations"] == 1 and list(layer["kind"]) == ["coverage", "gap"]
    assert s["gap_km2"] == pytest.approx(s["region_km2"] - s["covered_km2"], rel=1e-9)
    layer3, s3 = rt.fire_coverage(conn, scene.grid, minutes=3)
    assert s3["covered_km2"] * 1e6 == pytest.approx(1200 * 200 + 0.9745 * math.pi * 100 ** 2, rel=0.02)
    with pytest.raises(InvalidInput, match="turnout_s"):
        rt.fire_coverage(conn, scene.grid, minutes=1, turnout_s=60)


def test_safety_distance_breaches(world):
    conn, _, hs, src = world
    school = add_target(conn, *local_point(src, 0, 250), population=800, name="近学校", kind="school")
    add_target(conn, *local_point(src, 0, -250), population=800, name="近办公楼", kind="office")
    # defaults (0007): school 300 m, office 150 m -> only the school breaches
    got = rt.safety_distance_breaches(conn, [hs])
    assert [(g["target_id"], g["required_m"]) for g in got] == [(school, 300)]
    assert got[0]["distance_m"] == pytest.approx(250, abs=1)
    with conn.cursor() as cur:   # a per-source distance overrides the default
        cur.execute("INSERT INTO hazard_source_safety_distance VALUES (%s, 'school', 200, '评估报告')", (hs,))
    assert rt.safety_distance_breaches(conn, [hs]) == []
    with pytest.raises(NotFound):
        rt.safety_distance_breaches(conn, [999999])


def _scope(conn, role: str, *, region: int | None = None, enterprise: int | None = None) -> None:
    """Act as the web app does for a user (0010): role riskatlas_web and the jurisdiction settings."""
    with conn.cursor() as cur:
        cur.execute("SET LOCAL ROLE riskatlas_web")
        cur.execute("SELECT set_config('riskatlas.scope_role', %s, true), set_config('riskatlas.scope_region', %s, true), "
                    "set_config('riskatlas.scope_enterprise', %s, true)", (role, str(region or ""), str(enterprise or "")))


def test_scenarios_follow_the_hazard_source_jurisdiction(world, models):
    conn, scene, hs, src = world
    s = sc.create_scenario(conn, hazard_source_id=hs, model="vce_tnt", params={"radius_m": 100})
    add_road_grid(conn, src, half=1, spacing_m=200)      # the graph is stale: a reader rebuilds it
    with conn.cursor() as cur:
        cur.execute("UPDATE scenario SET params = '{\"radius_m\": 120}' WHERE id = %s", (s["id"],))
        cur.execute("SAVEPOINT before_scope")
    # the regulator of the scene's district reads it, and the read recomputes it (writes allowed)
    _scope(conn, "regulator", region=scene.district)
    assert sorted(sc.zones(conn, s["id"])["distance_m"]) == [120, 240, 480]
    assert rt.ensure_network(conn) >= 12            # rebuilt by the definer function, under RLS
    # the enterprise's own user sees it; another enterprise's user and another region's regulator do not
    _scope(conn, "enterprise", enterprise=scene.enterprise)
    assert sc.scenario(conn, s["id"])["id"] == s["id"]
    for role, kw in (("enterprise", {"enterprise": scene.enterprise + 1000}), ("regulator", {"region": 2**31 - 1})):
        _scope(conn, role, **kw)
        with pytest.raises(NotFound):
            sc.zones(conn, s["id"])
        assert sc.scenarios(conn) == []
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM threat_zone")
            assert cur.fetchone()[0] == 0
    with conn.cursor() as cur:
        cur.execute("ROLLBACK TO SAVEPOINT before_scope")


def test_an_enterprise_user_may_warn_neighbours_it_cannot_otherwise_see(world):
    conn, scene, hs, src = world
    sid = add_scenario(conn, hs, circle_zones(100, 250, 600))
    a, b = local_point(src, 520, -50), local_point(src, 700, 50)
    near = add_neighbour(conn, scene, (a[0], a[1], b[0], b[1]), name="邻近化工厂", suffix="B")
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT before_scope")
    _scope(conn, "enterprise", enterprise=scene.enterprise)
    out = aff.affected(conn, sid)
    assert [e["name"] for e in out["enterprises"]] == ["测试机械有限公司"]          # RLS: only its own
    assert [(n["name"], n["level"], n["emergency_phone"]) for n in out["notify"]] == \
        [("邻近化工厂", "yellow", "0519-00000000")]                                # but whom to warn
    _scope(conn, "enterprise", enterprise=near)            # the neighbour cannot list the source's
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM ra_scenario_neighbours(%s)", (sid,))
        assert cur.fetchone()[0] == 0
        cur.execute("ROLLBACK TO SAVEPOINT before_scope")


def _unscope(conn) -> None:
    """Back to the owner, unscoped (an admin), keeping what the transaction wrote."""
    with conn.cursor() as cur:
        cur.execute("RESET ROLE")
        cur.execute("SELECT set_config('riskatlas.scope_role', '', true), set_config('riskatlas.scope_enterprise', '', true)")


def _reads(conn, sid) -> list[dict]:
    """The audit rows of the reads of a scenario's notify list, oldest first (as the owner)."""
    with conn.cursor() as cur:
        cur.execute("SELECT actor, after, enterprise_id FROM audit_log WHERE table_name = 'scenario' "
                    "AND row_id = %s AND action = 'READ' ORDER BY id", (str(sid),))
        return [{"actor": a, "after": b, "enterprise_id": e} for a, b, e in cur.fetchall()]


def test_the_notify_window_gives_a_foreign_neighbour_only_what_a_warning_needs_and_audits_it(world):
    conn, scene, hs, src = world
    sid = add_scenario(conn, hs, circle_zones(100, 1_000, 8_000))
    a, b = local_point(src, 520, -50), local_point(src, 700, 50)
    near = add_neighbour(conn, scene, (a[0], a[1], b[0], b[1]), name="邻近化工厂", suffix="B")
    a, b = local_point(src, 6_000, -50), local_point(src, 6_200, 50)
    far = add_neighbour(conn, scene, (a[0], a[1], b[0], b[1]), name="远处仓储公司", suffix="C")
    with conn.cursor() as cur:
        cur.execute("UPDATE enterprise SET contact_phone = '13800000000', safety_manager = '李四', "
                    "address = '测试路 1 号' WHERE id IN (%s, %s)", (near, far))
        cur.execute("SET LOCAL riskatlas.actor = 'ent-user'")
    _scope(conn, "enterprise", enterprise=scene.enterprise)
    out = aff.affected(conn, sid)
    # the neighbour 6 km away is inside the yellow zone but beyond the window's 5 km: not listed
    assert out["notify"] == [{"name": "邻近化工厂", "level": "orange", "distance_m": pytest.approx(520, abs=2),
                              "emergency_phone": "0519-00000000", "in_jurisdiction": False}]
    assert out["notify_limits"] == {"max_distance_m": 5_000, "max_rows": 200}
    with conn.cursor() as cur:        # the function itself withholds the rest, whoever calls it
        cur.execute("SELECT id, employees, contact_phone, safety_manager, address FROM ra_scenario_neighbours(%s)",
                    (sid,))
        assert cur.fetchall() == [(None, None, None, None, None)]
    _unscope(conn)               # (not a rollback: the audit rows of the reads must stay)
    # an admin sees both in full, as before
    full = aff.affected(conn, sid)["notify"]
    assert [(n["id"], n["safety_manager"], n["address"], n["in_jurisdiction"]) for n in full] == \
        [(near, "李四", "测试路 1 号", True), (far, "李四", "测试路 1 号", True)]
    # every read is in the audit trail: who, which scenario, how many, how many outside the jurisdiction;
    # the row is filed under the reader's own enterprise, so it names no enterprise outside it
    reads = _reads(conn, sid)
    assert len(reads) == 3
    assert reads[0]["actor"] == "ent-user" and reads[0]["enterprise_id"] == scene.enterprise
    assert reads[0]["after"] == {"read": "notify", "neighbours": 1, "outside_jurisdiction": 1,
                                 "scope_role": "enterprise"}
    assert str(near) not in str(reads[0]["after"])
    assert reads[2]["after"]["neighbours"] == 2 and reads[2]["after"]["outside_jurisdiction"] == 0
    # a user who may not see the scenario gets nothing, and nothing is recorded
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT before_scope")
    _scope(conn, "enterprise", enterprise=near)
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM ra_scenario_neighbours(%s)", (sid,))
        assert cur.fetchone()[0] == 0
        cur.execute("ROLLBACK TO SAVEPOINT before_scope")
    assert len(_reads(conn, sid)) == 3


def test_the_notify_window_lists_at_most_200_foreign_neighbours_nearest_first(world):
    conn, scene, hs, src = world
    sid = add_scenario(conn, hs, circle_zones(100, 250, 3_000))
    for i in range(205):             # a ring of small enterprises from 600 m outwards, 10 m apart
        a, b = local_point(src, 600 + 10 * i, 0), local_point(src, 605 + 10 * i, 5)
        add_neighbour(conn, scene, (a[0], a[1], b[0], b[1]), name=f"邻企{i:03d}", suffix=f"{i:03d}")
    _scope(conn, "enterprise", enterprise=scene.enterprise)
    names = [n["name"] for n in aff.affected(conn, sid)["notify"]]
    assert names == [f"邻企{i:03d}" for i in range(200)]
    _unscope(conn)
    assert len(aff.affected(conn, sid)["notify"]) == 205          # the admin: everything, as before


def test_a_scenario_reaching_beyond_the_limit_is_refused_new_or_stored(world, models):
    conn, _, hs, _ = world
    with pytest.raises(InvalidInput) as ei:          # the stand-in draws yellow at 4 × radius_m = 20 km
        sc.create_scenario(conn, hazard_source_id=hs, model="vce_tnt", params={"radius_m": 5_000})
    assert ei.value.errors[0]["field"] == "params.yellow_threshold"
    assert "20.0 km" in str(ei.value) and "15 km" in str(ei.value) and "超过情景范围上限" in str(ei.value)
    assert _count(conn, "SELECT count(*) FROM scenario") == 0
    s = sc.create_scenario(conn, hazard_source_id=hs, model="vce_tnt", params={"radius_m": 3_000})   # 12 km: fine
    with pytest.raises(InvalidInput, match="params.yellow_threshold"):
        sc.update_scenario(conn, s["id"], params={"radius_m": 4_000})
    # zones stored before the limit are refused to every reader (the list, the map, the briefing)
    sid = add_scenario(conn, hs, circle_zones(1_000, 5_000, 30_000))
    for read in (sc.zones, aff.affected):
        with pytest.raises(InvalidInput, match="30.0 km"):
            read(conn, sid)
