"""Explaining levels, region statistics and differentiated supervision, on a constructed scene."""

from __future__ import annotations

import datetime as dt

import pytest

from layers import regions, rollup
from layers.errors import InvalidInput, NotFound
from tests.scene import add_risk, build


@pytest.fixture
def scene(scene_conn):
    return build(scene_conn)


def test_explain_follows_the_chain_to_the_risk(scene_conn, scene):
    conn = scene_conn
    add_risk(conn, scene.units[0], "significant", "general", name="冲床冲压")
    add_risk(conn, scene.units[1], "major", "significant", name="行车吊运")
    tree = rollup.explain_enterprise(conn, scene.enterprise, "residual")
    assert tree["level"] == "significant"
    leaves = rollup.leaf_chain(tree)
    assert [leaf["name"] for leaf in leaves] == ["行车吊运"]
    plant = tree["because"][0]
    assert plant["area_id"] == scene.plant
    assert plant["because"][0]["area_id"] == scene.workshops[0]
    assert plant["because"][0]["because"][0]["area_id"] == scene.units[1]
    inh = rollup.explain_area(conn, scene.plant, "inherent")
    assert inh["level"] == "major" and rollup.leaf_chain(inh)[0]["name"] == "行车吊运"


def test_explain_names_the_dynamic_rule_and_the_hidden_hazard(scene_conn, scene):
    conn = scene_conn
    add_risk(conn, scene.units[0], "general", "low")
    with conn.cursor() as cur:
        cur.execute("INSERT INTO hidden_hazard (enterprise_id, area_id, description, grade, found_by, deadline) "
                    "VALUES (%s, %s, '冲床光电保护失效', 'major', '检查员', '2099-01-01') RETURNING id",
                    (scene.enterprise, scene.units[0]))
        hid = cur.fetchone()[0]
    tree = rollup.explain_area(conn, scene.plant, "current")
    assert tree["level"] == "major"
    rules = [leaf for leaf in rollup.leaf_chain(tree) if leaf["type"] == "rule"]
    assert rules and rules[0]["rule"] == "open_major_hazard" and rules[0]["hidden_hazard_id"] == hid


def test_explain_unknown_or_foreign_area(scene_conn, scene):
    with pytest.raises(NotFound):
        rollup.explain_area(scene_conn, 2_000_000_000)
    with pytest.raises(NotFound):
        rollup.explain_area(scene_conn, scene.plant, enterprise_id=scene.enterprise + 1)


def test_region_stats_count_and_colour(scene_conn, scene):
    conn = scene_conn
    add_risk(conn, scene.units[0], "major", "significant")
    add_risk(conn, scene.units[2], "general", "low")
    rows = {r["region_id"]: r for r in regions.region_stats(conn, level="district", within=scene.city)}
    d = rows[scene.district]
    assert (d["ent_major"], d["ent_significant"], d["ent_general"], d["ent_low"]) == (0, 1, 0, 0)
    assert (d["risk_significant"], d["risk_low"]) == (1, 1)
    # one significant enterprise, weight 4, over the district's area
    assert d["risk_index"] == pytest.approx(4 / d["area_km2"], rel=1e-3)
    assert d["colour_level"] == "significant" and d["colour"] == "#FF8000"
    grids = regions.region_stats(conn, level="grid", within=scene.district)
    assert [g["region_id"] for g in grids] == [scene.grid]
    with pytest.raises(InvalidInput):
        regions.region_stats(conn, level="village")


def test_weights_and_colour_rule_are_configurable(scene_conn, scene):
    conn = scene_conn
    add_risk(conn, scene.units[0], "general", "general")
    with conn.cursor() as cur:
        cur.execute("UPDATE region_index_config SET weights = '{\"major\": 10, \"significant\": 5, "
                    "\"general\": 3, \"low\": 1}', colour_rule = 'index', "
                    "index_thresholds = '{\"major\": 1e9, \"significant\": 1e8, \"general\": 1e-9}'")
    d = {r["region_id"]: r for r in regions.region_stats(conn, within=scene.city)}[scene.district]
    assert d["risk_index"] == pytest.approx(3 / d["area_km2"], rel=1e-3)
    assert d["colour_level"] == "general"


def test_supervision_frequency_next_due_and_overdue(scene_conn, scene):
    conn = scene_conn
    add_risk(conn, scene.units[0], "major", "major")
    rows = regions.supervision(conn, within=scene.district)
    assert len(rows) == 1
    r = rows[0]
    assert r["grade"] == "major" and r["every_days"] == 30 and r["frequency_zh"] == "每月一次"
    regions.record_inspection(conn, scene.enterprise, dt.date.today() - dt.timedelta(days=40), "王检查")
    r = regions.supervision(conn, within=scene.district)[0]
    assert r["overdue"] is True and r["next_due"] == (dt.date.today() - dt.timedelta(days=10)).isoformat()
    assert regions.supervision(conn, within=scene.district, overdue_only=True)
    regions.record_inspection(conn, scene.enterprise, dt.date.today(), "王检查")
    assert not regions.supervision(conn, within=scene.district, overdue_only=True)
    # a diagnosis score overrides the plant levels: 92 points is blue, yearly
    with conn.cursor() as cur:
        cur.execute("UPDATE enterprise SET diagnosis_score = 92 WHERE id = %s", (scene.enterprise,))
    r = regions.supervision(conn, within=scene.district)[0]
    assert (r["grade"], r["grade_basis"], r["every_days"]) == ("low", "diagnosis", 365)
    with pytest.raises(InvalidInput):
        regions.record_inspection(conn, scene.enterprise, dt.date.today() + dt.timedelta(days=1), "王")


_DIRECT_TALLY = """
SELECT e.id, count(r.id) FILTER (WHERE r.residual_level = 'major'), count(r.id) FILTER (WHERE r.residual_level = 'significant'),
       count(r.id) FILTER (WHERE r.residual_level = 'general'), count(r.id) FILTER (WHERE r.residual_level = 'low')
FROM enterprise e LEFT JOIN area a ON a.enterprise_id = e.id LEFT JOIN risk r ON r.area_id = a.id
GROUP BY e.id ORDER BY e.id"""
_KEPT_TALLY = ("SELECT enterprise_id, risk_major, risk_significant, risk_general, risk_low FROM enterprise_state "
               "ORDER BY enterprise_id")


def _tallies(conn) -> tuple[list, list]:
    with conn.cursor() as cur:
        cur.execute(_DIRECT_TALLY)
        direct = cur.fetchall()
        cur.execute(_KEPT_TALLY)
        return direct, cur.fetchall()


def test_risk_tallies_follow_every_kind_of_change(conn):
    """The region statistics read each enterprise's maintained risk tally: it must equal a direct count
    after inserts, level changes, moves between enterprises and deletions (demo city, rolled back)."""
    direct, kept = _tallies(conn)
    assert direct == kept and sum(sum(row[1:]) for row in kept) > 1000
    with conn.cursor() as cur:
        cur.execute("SELECT r.id, a.id, a.enterprise_id FROM risk r JOIN area a ON a.id = r.area_id "
                    "WHERE r.inherent_level = 'major' AND r.residual_level <> 'major' ORDER BY r.id LIMIT 1")
        risk_id, area_id, ent = cur.fetchone()
        cur.execute("UPDATE risk SET residual_level = 'major' WHERE id = %s", (risk_id,))
        assert _tallies(conn)[0] == _tallies(conn)[1]
        cur.execute("INSERT INTO risk (area_id, name, hazard_factors, accident_type, method, inherent_level, "
                    "residual_level, control_tier) SELECT area_id, name || '副本', hazard_factors, accident_type, "
                    "method, inherent_level, residual_level, control_tier FROM risk WHERE area_id = %s", (area_id,))
        cur.execute("DELETE FROM risk WHERE id = (SELECT min(id) FROM risk WHERE area_id = %s)", (area_id,))
        assert _tallies(conn)[0] == _tallies(conn)[1]
        # an area moved under another enterprise's area of its parent's kind takes its risks with it
        cur.execute("SELECT o.id, o.enterprise_id FROM area a JOIN area p ON p.id = a.parent_id "
                    "JOIN area o ON o.kind = p.kind AND o.enterprise_id <> a.enterprise_id "
                    "WHERE a.id = %s ORDER BY o.id LIMIT 1", (area_id,))
        other_parent, other_ent = cur.fetchone()
        cur.execute("UPDATE area SET enterprise_id = %s, parent_id = o.id, code = area.code || '-moved', geom = o.geom "
                    "FROM area o WHERE o.id = %s AND area.id = %s", (other_ent, other_parent, area_id))
        direct, kept = _tallies(conn)
        assert direct == kept
        assert dict((row[0], row[1:]) for row in kept)[other_ent] != (0, 0, 0, 0)
        # deleting an area deletes its risks (cascade) and the tally follows
        cur.execute("DELETE FROM area WHERE id = %s", (area_id,))
        cur.execute("DELETE FROM area WHERE id = (SELECT min(id) FROM area WHERE enterprise_id = %s "
                    "AND kind = 'workshop')", (ent,))
        direct, kept = _tallies(conn)
        assert direct == kept


def test_region_stats_of_a_subtree_equals_the_whole_view(conn):
    """Pushing the subtree filter down must not change a number: compare with the unfiltered view."""
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM region WHERE level = 'city' ORDER BY id LIMIT 1")
        city = cur.fetchone()[0]
        cur.execute("SELECT * FROM region_stats WHERE region_level = 'town' AND region_id IN "
                    "(SELECT region_id FROM region_descendant WHERE ancestor_id = %s) ORDER BY region_id", (city,))
        whole = cur.fetchall()
        cur.execute("SELECT * FROM region_stats_of('town', %s) ORDER BY region_id", (city,))
        assert cur.fetchall() == whole and len(whole) > 5
        cur.execute("SELECT sum(ent_total), sum(risk_major + risk_significant + risk_general + risk_low) "
                    "FROM region_stats_of('district', %s)", (city,))
        ents, risks = cur.fetchone()
        cur.execute("SELECT count(DISTINCT e.id), count(r.id) FROM enterprise e JOIN region_subtree(%s) s "
                    "ON s.region_id = e.region_id LEFT JOIN area a ON a.enterprise_id = e.id "
                    "LEFT JOIN risk r ON r.area_id = a.id", (city,))
        assert (ents, risks) == cur.fetchone()
