"""Roll-up 从严从高 and the dynamic rules, maintained in PostGIS after every change."""

from __future__ import annotations

import pytest

from tests.scene import add_risk, build, levels


@pytest.fixture
def scene(scene_conn):
    return build(scene_conn)


def _ent(conn, ent):
    with conn.cursor() as cur:
        cur.execute("SELECT inherent_level::text, residual_level::text, current_level::text FROM enterprise_level "
                    "WHERE enterprise_id = %s",
                    (ent,))
        return cur.fetchone()


def test_unassessed_until_a_risk_arrives(scene_conn, scene):
    conn = scene_conn
    assert levels(conn, scene.plant) == (None, None, None)
    assert _ent(conn, scene.enterprise) == (None, None, None)


def test_highest_level_rolls_up_unit_workshop_plant_enterprise(scene_conn, scene):
    conn = scene_conn
    u1, u2, u3 = scene.units
    w1, w2 = scene.workshops
    add_risk(conn, u1, "significant", "general")
    add_risk(conn, u2, "major", "significant")
    add_risk(conn, u3, "general", "low")
    assert levels(conn, u1) == ("significant", "general", "general")
    assert levels(conn, w1) == ("major", "significant", "significant")
    assert levels(conn, w2) == ("general", "low", "low")
    assert levels(conn, scene.plant) == ("major", "significant", "significant")
    assert _ent(conn, scene.enterprise) == ("major", "significant", "significant")


def test_levels_follow_updates_and_deletes(scene_conn, scene):
    conn = scene_conn
    u1, u2, _ = scene.units
    r = add_risk(conn, u2, "major", "major")
    add_risk(conn, u1, "general", "general")
    assert levels(conn, scene.plant)[1] == "major"
    with conn.cursor() as cur:
        cur.execute("UPDATE risk SET residual_level = 'low' WHERE id = %s", (r,))
    assert levels(conn, scene.plant)[1] == "general"
    with conn.cursor() as cur:
        cur.execute("DELETE FROM risk WHERE id = %s", (r,))
    assert levels(conn, u2) == (None, None, None)
    assert levels(conn, scene.plant) == ("general", "general", "general")
    with conn.cursor() as cur:
        cur.execute("DELETE FROM area WHERE id = %s", (u1,))
    assert levels(conn, scene.workshops[0]) == (None, None, None)
    assert _ent(conn, scene.enterprise) == (None, None, None)


def test_workshop_own_risks_count_too(scene_conn, scene):
    conn = scene_conn
    add_risk(conn, scene.workshops[1], "significant", "significant")
    add_risk(conn, scene.units[2], "general", "low")
    assert levels(conn, scene.workshops[1]) == ("significant", "significant", "significant")


def _hazard(conn, scene, area, grade, deadline="2099-01-01", status="reported"):
    with conn.cursor() as cur:
        cur.execute("INSERT INTO hidden_hazard (enterprise_id, area_id, description, grade, found_by, deadline, status) "
                    "VALUES (%s, %s, '测试隐患', %s, '检查员', %s, %s) RETURNING id",
                    (scene.enterprise, area, grade, deadline, status))
        return cur.fetchone()[0]


def test_open_major_hidden_hazard_makes_area_red_until_closed(scene_conn, scene):
    conn = scene_conn
    u1 = scene.units[0]
    add_risk(conn, u1, "general", "low")
    h = _hazard(conn, scene, u1, "major")
    assert levels(conn, u1) == ("general", "low", "major")
    assert levels(conn, scene.plant)[2] == "major"
    assert _ent(conn, scene.enterprise)[2] == "major"
    with conn.cursor() as cur:
        # through the closed loop: 整改中 (with the 五落实 of a 重大隐患) → 待验收 → 已闭环
        cur.execute("UPDATE hidden_hazard SET status = 'rectifying', measures = '整改', responsible_dept = '设备部', "
                    "responsible_person = '丙', funds_yuan = 0, emergency_plan = '预案' WHERE id = %s", (h,))
        cur.execute("UPDATE hidden_hazard SET status = 'pending_review', rectifier = '甲' WHERE id = %s", (h,))
        cur.execute("UPDATE hidden_hazard SET status = 'closed', verified_by = '乙', verify_result = '合格' "
                    "WHERE id = %s", (h,))
    assert levels(conn, u1) == ("general", "low", "low")
    assert _ent(conn, scene.enterprise)[2] == "low"


def test_overdue_general_hazard_raises_one_level(scene_conn, scene):
    conn = scene_conn
    u1 = scene.units[0]
    add_risk(conn, u1, "significant", "general")
    h = _hazard(conn, scene, u1, "general", deadline="2000-01-01")
    assert levels(conn, u1) == ("significant", "general", "significant")
    _hazard(conn, scene, scene.units[1], "general", deadline="2099-01-01")  # not overdue: no effect
    assert levels(conn, scene.units[1])[2] is None
    with conn.cursor() as cur:
        cur.execute("UPDATE hidden_hazard SET deadline = '2099-01-01' WHERE id = %s", (h,))
    assert levels(conn, u1)[2] == "general"


def test_time_passing_is_caught_by_refresh_overdue(scene_conn, scene):
    conn = scene_conn
    u1 = scene.units[0]
    add_risk(conn, u1, "general", "general")
    h = _hazard(conn, scene, u1, "general", deadline="2099-01-01")
    # simulate the deadline passing without a write going through the triggers
    with conn.cursor() as cur:
        cur.execute("ALTER TABLE hidden_hazard DISABLE TRIGGER hidden_hazard_levels_upd")
        cur.execute("UPDATE hidden_hazard SET deadline = '2000-01-01' WHERE id = %s", (h,))
        cur.execute("ALTER TABLE hidden_hazard ENABLE TRIGGER hidden_hazard_levels_upd")
    assert levels(conn, u1)[2] == "general"
    with conn.cursor() as cur:
        cur.execute("SELECT ra_refresh_overdue()")
    assert levels(conn, u1)[2] == "significant"


def test_rules_are_configurable(scene_conn, scene):
    conn = scene_conn
    u1 = scene.units[0]
    add_risk(conn, u1, "general", "low")
    _hazard(conn, scene, u1, "major")
    with conn.cursor() as cur:
        cur.execute("UPDATE level_rule SET enabled = false WHERE code = 'open_major_hazard'")
    assert levels(conn, u1)[2] == "low"
    with conn.cursor() as cur:
        cur.execute("UPDATE level_rule SET enabled = true, params = '{\"level\": \"significant\"}' "
                    "WHERE code = 'open_major_hazard'")
    assert levels(conn, u1)[2] == "significant"


def test_full_refresh_agrees_with_incremental(scene_conn, scene):
    conn = scene_conn
    add_risk(conn, scene.units[0], "major", "general")
    add_risk(conn, scene.units[2], "significant", "low")
    _hazard(conn, scene, scene.units[1], "general", deadline="2000-01-01")
    with conn.cursor() as cur:
        cur.execute("SELECT area_id, inherent_level, residual_level, current_level FROM area_state ORDER BY 1")
        before = cur.fetchall()
        cur.execute("UPDATE area_state SET inherent_level = NULL, residual_level = NULL, current_level = NULL, "
                    "own_inherent = NULL, own_residual = NULL, own_dynamic = NULL, overdue_steps = 0")
        cur.execute("SELECT ra_refresh_all_levels()")
        cur.execute("SELECT area_id, inherent_level, residual_level, current_level FROM area_state ORDER BY 1")
        assert cur.fetchall() == before
