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
