"""Invariants of the demo city, checked in PostGIS."""

from __future__ import annotations

import psycopg2
import pytest

from demo import load_demo


def _one(conn, sql, params=()):
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def _all(conn, sql, params=()):
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchall()


def test_regions_are_changzhou_and_its_six_districts(conn):
    assert _one(conn, "SELECT name FROM region WHERE adcode = '320400'") == "常州市"
    districts = dict(_all(conn, "SELECT adcode, name FROM region WHERE level = 'district'"))
    assert districts == {"320402": "天宁区", "320404": "钟楼区", "320411": "新北区", "320412": "武进区",
                         "320413": "金坛区", "320481": "溧阳市"}
    # 常州市 is about 4,370 km²
    assert 4000 < _one(conn, "SELECT area_km2 FROM region WHERE adcode = '320400'") < 4800
    assert _one(conn, "SELECT count(*) FROM region WHERE level = 'town'") >= 40
    assert _one(conn, "SELECT count(*) FROM region WHERE level = 'grid'") >= 150
    # every grid has its 专管员; every town and grid has a parent one level up
    assert _one(conn, "SELECT count(*) FROM region WHERE level = 'grid' AND (officer_name IS NULL OR officer_phone IS NULL)") == 0
    assert _one(conn, """SELECT count(*) FROM region c JOIN region p ON p.id = c.parent_id
                         WHERE (c.level = 'town' AND p.level <> 'district') OR (c.level = 'grid' AND p.level <> 'town')
                            OR (c.level = 'district' AND p.level <> 'city')""") == 0


def test_boundaries_are_wgs84_not_gcj02(conn):
    # 常州市's centre in WGS84 lies around 119.6–120.2 E, 31.2–32.1 N
    lon, lat = _all(conn, "SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(geom) c FROM region WHERE adcode='320400') s")[0]
    assert 119.4 < lon < 120.3 and 31.1 < lat < 32.1


def test_towns_tile_their_district(conn):
    rows = _all(conn, """SELECT d.name, d.area_km2, sum(t.area_km2)
                         FROM region d JOIN region t ON t.parent_id = d.id GROUP BY d.id""")
    for name, whole, parts in rows:
        assert parts == pytest.approx(whole, rel=0.01), name


def test_about_two_thousand_enterprises_each_inside_its_district(conn):
    n = _one(conn, "SELECT count(*) FROM enterprise")
    assert 1800 <= n <= 2400
    outside = _one(conn, """
        SELECT count(*) FROM enterprise e
        JOIN region g ON g.id = e.region_id
        JOIN region t ON t.id = g.parent_id
        JOIN region d ON d.id = t.parent_id
        WHERE g.level <> 'grid' OR d.level <> 'district' OR NOT ST_Intersects(d.geom, e.location)""")
    assert outside == 0
    # a realistic industry mix: no single industry dominates, hazchem present
    mix = dict(_all(conn, "SELECT industry, count(*) FROM enterprise GROUP BY 1"))
    assert max(mix.values()) < 0.45 * n and mix.get("hazchem", 0) > 0.03 * n
    assert _one(conn, "SELECT count(*) FROM enterprise WHERE NOT uscc_valid(uscc)") == 0


def test_areas_nest_unit_in_workshop_in_plant(conn):
    tol = 0.5 / 111320.0
    bad = _one(conn, """
        SELECT count(*) FROM area c JOIN area p ON p.id = c.parent_id
        WHERE NOT ST_CoveredBy(c.geom, ST_Buffer(p.geom, %s))
           OR c.enterprise_id <> p.enterprise_id
           OR NOT ((c.kind IN ('workshop','building') AND p.kind = 'plant')
                OR (c.kind IN ('unit','post') AND p.kind IN ('workshop','unit')))""", (tol,))
    assert bad == 0
    assert _one(conn, "SELECT count(*) FROM area WHERE kind = 'plant' AND parent_id IS NOT NULL") == 0


def test_no_invalid_geometry_anywhere(conn):
    for table, column in _all(conn, "SELECT f_table_name, f_geometry_column FROM geometry_columns"):
        n = _one(conn, f'SELECT count(*) FROM "{table}" WHERE "{column}" IS NOT NULL '
                       f'AND (NOT ST_IsValid("{column}") OR ST_IsEmpty("{column}") OR ST_SRID("{column}") <> 4326)')
        assert n == 0, f"{table}.{column}"


def test_three_fully_drawn_plants(conn):
    drawn = _all(conn, """
        SELECT e.id, e.name, e.industry,
               count(DISTINCT a.id) FILTER (WHERE a.kind = 'workshop'),
               count(DISTINCT a.id) FILTER (WHERE a.kind IN ('unit','post')),
               count(DISTINCT r.id), count(DISTINCT h.id)
        FROM enterprise e JOIN area a ON a.enterprise_id = e.id
        LEFT JOIN risk r ON r.area_id = a.id
        LEFT JOIN hidden_hazard h ON h.enterprise_id = e.id
        GROUP BY e.id HAVING count(*) FILTER (WHERE a.kind IN ('unit','post')) > 0""")
    assert len(drawn) >= 3
    for _, name, _, workshops, leaves, risks, hazards in drawn:
        assert workshops >= 4 and leaves >= 4 and risks >= 15 and hazards >= 2, name
    industries = {d[2] for d in drawn}
    assert {"nonferrous", "hazchem"} <= industries
    # an open 重大隐患 that is 挂牌督办 with its 五落实 filled
    assert _one(conn, """SELECT count(*) FROM hidden_hazard WHERE grade = 'major' AND status <> 'closed'
                         AND supervised AND measures IS NOT NULL AND responsible_person IS NOT NULL
                         AND funds_yuan IS NOT NULL AND deadline IS NOT NULL AND emergency_plan IS NOT NULL""") >= 1
    # direct determinations carry their basis
    assert _one(conn, "SELECT count(*) FROM risk WHERE method = 'direct'") >= 1


def test_major_hazard_sources_reach_s_at_least_one(conn):
    rows = _all(conn, """SELECT hs.id, sum(i.quantity_t / c.critical_t) FROM hazard_source hs
                         JOIN hazard_source_inventory i ON i.hazard_source_id = hs.id
                         JOIN chemical c ON c.id = i.chemical_id GROUP BY hs.id""")
    assert len(rows) >= 10
    assert all(s >= 1 for _, s in rows)
    inside = _one(conn, """SELECT count(*) FROM hazard_source hs JOIN enterprise e ON e.id = hs.enterprise_id
                           WHERE e.boundary IS NOT NULL AND NOT ST_Intersects(e.boundary, hs.location)""")
    assert inside == 0


def test_resources_targets_and_a_connected_road_network(conn):
    kinds = dict(_all(conn, "SELECT kind::text, count(*) FROM emergency_resource GROUP BY 1"))
    assert kinds.get("fire_station", 0) >= 12 and kinds.get("shelter", 0) >= 20 and kinds.get("hospital", 0) >= 6
    assert _one(conn, "SELECT count(*) FROM protection_target") >= 200
    assert _one(conn, "SELECT sum(population) FROM protection_target") > 100_000
    # noded: endpoints snap to other segments' endpoints, one connected component
    n_roads = _one(conn, "SELECT count(*) FROM road")
    assert n_roads >= 100
    components = _one(conn, """
        WITH RECURSIVE ends AS (
            SELECT id, ST_SnapToGrid(ST_StartPoint(geom), 1e-7) a, ST_SnapToGrid(ST_EndPoint(geom), 1e-7) b FROM road),
        edges AS (SELECT x.id i, y.id j FROM ends x JOIN ends y ON x.id <> y.id
                  AND (x.a = y.a OR x.a = y.b OR x.b = y.a OR x.b = y.b)),
        reach(id) AS (SELECT min(id) FROM road UNION SELECT e.j FROM reach r JOIN edges e ON e.i = r.id)
        SELECT (SELECT count(*) FROM road) - (SELECT count(*) FROM reach)""")
    assert components == 0, f"{components} road segments are not connected to the network"


def test_levels_look_like_a_city(conn):
    dist = dict(_all(conn, "SELECT residual_level::text, count(*) FROM enterprise_level GROUP BY 1"))
    n = sum(dist.values())
    assert 0 < dist.get("major", 0) < 0.08 * n
    assert dist.get("significant", 0) > 0.05 * n
    assert dist.get("low", 0) > 0.1 * n


def test_loading_twice_is_refused(demo_url):
    conn = psycopg2.connect(demo_url)
    try:
        with pytest.raises(ValueError, match="已加载"):
            with conn:
                load_demo(conn, progress=False)
    finally:
        conn.close()


def test_demo_is_deterministic(server_url, demo_url):
    import os

    from db.migrate import migrate
    from tests.conftest import create_database, drop_database

    name = f"riskatlas_det_{os.getpid()}"
    url = create_database(server_url, name)
    try:
        c2 = psycopg2.connect(url)
        migrate(c2, log=lambda m: None)
        with c2:
            load_demo(c2, progress=False)
        c1 = psycopg2.connect(demo_url)
        q = """SELECT md5(string_agg(uscc || name || ST_AsEWKB(location)::text, ',' ORDER BY uscc)) FROM enterprise"""
        q2 = "SELECT md5(string_agg(code || name || ST_AsEWKB(geom)::text, ',' ORDER BY enterprise_id, code)) FROM area"
        assert _one(c1, q) == _one(c2, q)
        assert _one(c1, q2) == _one(c2, q2)
        c1.close()
        c2.close()
    finally:
        drop_database(server_url, name)
