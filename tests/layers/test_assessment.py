"""Assessment methods and profiles: every threshold, MES, 直接判定, profiles as data and re-grading."""

from __future__ import annotations

import json

import pytest

from layers.assessment import (
    AssessmentError,
    assess,
    enterprise_profile,
    list_profiles,
    load_profile,
    save_profile,
    set_enterprise_profile,
)
from layers.levels import Level
from tests.scene import build, levels


@pytest.fixture
def default(scene_conn):
    return load_profile(scene_conn, "default")


def test_seeded_profiles(scene_conn):
    names = {p.name for p in list_profiles(scene_conn)}
    assert {"default", "ls-strict"} <= names


@pytest.mark.parametrize("inputs,score,level", [
    ({"L": 3, "E": 6, "C": 15}, 270, Level.SIGNIFICANT),  # docs/domain.md §3 worked example (自动线造型作业)
    ({"L": 10, "E": 2, "C": 15}, 300, Level.SIGNIFICANT),
    ({"L": 10, "E": 2, "C": 40}, 800, Level.MAJOR),
    ({"L": 1, "E": 10, "C": 7}, 70, Level.GENERAL),       # 70 is the inclusive lower bound of 一般
    ({"L": 3, "E": 3, "C": 7}, 63, Level.LOW),
    ({"L": 0.5, "E": 1, "C": 1}, 0.5, Level.LOW),
])
def test_lec_with_the_database_profile(default, inputs, score, level):
    r = assess("LEC", inputs, default)
    assert r.score == pytest.approx(score) and r.level is level
    assert "D = L × E × C" in r.reason and r.profile == "default"


@pytest.mark.parametrize("L,S,default_level,strict_level", [
    (5, 4, Level.MAJOR, Level.MAJOR),            # 20
    (4, 4, Level.SIGNIFICANT, Level.MAJOR),      # 16: the strict profile's 重大 bound
    (5, 3, Level.SIGNIFICANT, Level.SIGNIFICANT),  # 15
    (2, 5, Level.GENERAL, Level.SIGNIFICANT),    # 10
    (3, 3, Level.GENERAL, Level.GENERAL),        # 9
    (2, 4, Level.LOW, Level.GENERAL),            # 8
    (1, 5, Level.LOW, Level.GENERAL),            # 5
    (2, 2, Level.LOW, Level.LOW),                # 4
])
def test_ls_default_and_alternative_profile(scene_conn, default, L, S, default_level, strict_level):
    strict = load_profile(scene_conn, "ls-strict")
    assert assess("LS", {"L": L, "S": S}, default).level is default_level
    assert assess("LS", {"L": L, "S": S}, strict).level is strict_level


@pytest.mark.parametrize("M,E,S,score,level", [
    (3, 6, 10, 180, Level.MAJOR),        # 180: lower bound of 重大 in the default MES profile
    (5, 3, 10, 150, Level.SIGNIFICANT),
    (3, 6, 8, 144, Level.SIGNIFICANT),
    (5, 6, 4, 120, Level.SIGNIFICANT),
    (3, 3, 10, 90, Level.SIGNIFICANT),   # 90: lower bound of 较大
    (1, 10, 8, 80, Level.GENERAL),
    (5, 10, 1, 50, Level.GENERAL),       # 50: lower bound of 一般
    (3, 2, 8, 48, Level.LOW),
    (1, 1, 1, 1, Level.LOW),
])
def test_mes(default, M, E, S, score, level):
    r = assess("MES", {"M": M, "E": E, "S": S}, default)
    assert r.score == score and r.level is level


@pytest.mark.parametrize("inputs,level,basis", [
    ({"fatal_or_serious_accident": True}, Level.MAJOR, "死亡"),
    ({"law_violation": True}, Level.MAJOR, "违反法律"),
    ({"minor_injury_accidents": 3}, Level.MAJOR, "3次及以上"),
    ({"minor_injury_accidents": 2}, Level.SIGNIFICANT, "1次及以上不足3次"),
    ({"minor_injury_accidents": 1}, Level.SIGNIFICANT, "1次及以上不足3次"),
    ({"major_hazard_source": True}, Level.MAJOR, "重大危险源"),
    ({"toxic_explosive_fire": True, "simultaneous_workers": 3}, Level.MAJOR, "3人及以上"),
    ({"toxic_explosive_fire": True, "simultaneous_workers": 2}, Level.SIGNIFICANT, "1人及以上不足3人"),
    ({"toxic_explosive_fire": True, "simultaneous_workers": 1}, Level.SIGNIFICANT, "1人及以上不足3人"),
    ({"toxic_explosive_fire": False, "simultaneous_workers": 5, "level": "general", "basis": "无中毒爆炸火灾因素"},
     Level.GENERAL, "无中毒爆炸火灾因素"),
    ({"minor_injury_accidents": 0, "level": "low", "basis": "办公区域, 无事故记录"}, Level.LOW, "办公区域"),
    # 第七条(一)4: a major risk determined directly, with its basis
    ({"level": "major", "basis": "深井铸造, 铝液遇水爆炸"}, Level.MAJOR, "深井铸造"),
    # the rules are minimums: stating 一般 cannot undercut a rule that demands 较大
    ({"minor_injury_accidents": 1, "level": "general", "basis": "已整改"}, Level.SIGNIFICANT, "1次及以上不足3次"),
])
def test_direct_determination_seed_003_article_7(default, inputs, level, basis):
    r = assess("direct", inputs, default)
    assert r.level is level
    assert basis in r.reason and r.basis


@pytest.mark.parametrize("method,inputs,message", [
    ("LEC", {"L": 4, "E": 6, "C": 15}, "不在分值表中"),
    ("LEC", {"L": 3, "E": 6}, "缺失"),
    ("LEC", {"L": 3, "E": 6, "C": 15, "X": 1}, "输入项未知"),
    ("LS", {"L": 6, "S": 1}, "不在分值表中"),
    ("LS", {"L": "高", "S": 1}, "不是数值"),
    ("MES", {"M": 2, "E": 6, "S": 8}, "不在分值表中"),
    ("direct", {"minor_injury_accidents": 0}, "未满足"),
    ("direct", {"level": "general"}, "判定依据"),
    ("direct", {"level": "red", "basis": "x"}, "level 应为"),
    ("direct", {"colour": "red"}, "输入项未知"),
    ("HAZOP", {}, "评价方法"),
])
def test_bad_inputs_name_what_is_wrong(default, method, inputs, message):
    with pytest.raises(AssessmentError, match=message):
        assess(method, inputs, default)


def _risk(conn, area_id, method, inputs, residual=None):
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO risk (area_id, name, hazard_factors, accident_type, method, inputs, score, inherent_level, "
            "residual_level, control_tier, basis) VALUES (%s, '测试', '因素', 3, %s, %s, NULL, %s, %s, 'team', 'x') "
            "RETURNING id",
            (area_id, method, json.dumps(inputs), residual or "low", residual or "low"))
        return cur.fetchone()[0]


def test_changing_a_profile_regrades_what_uses_it(scene_conn):
    conn = scene_conn
    s = build(conn)
    set_enterprise_profile(conn, s.enterprise, "default")
    r1 = _risk(conn, s.units[0], "LS", {"L": 4, "S": 4})    # 16: 较大 in default
    _risk(conn, s.units[1], "LEC", {"L": 3, "E": 6, "C": 15})  # 270: 较大
    profile = enterprise_profile(conn, s.enterprise)
    from layers.assessment import regrade
    regrade(conn, profile, enterprise_id=s.enterprise)
    assert levels(conn, s.plant)[0] == "significant"
    # the region moves to stricter LS cut-offs: 16 becomes 重大, and the roll-up follows
    definition = dict(profile.definition)
    definition["LS"] = {**definition["LS"], "thresholds": {"major": 16, "significant": 10, "general": 5}}
    new, changed = save_profile(conn, "default", definition)
    assert new.version == profile.version + 1 and changed >= 1
    with conn.cursor() as cur:
        cur.execute("SELECT inherent_level::text, score, profile, profile_version FROM risk WHERE id = %s", (r1,))
        assert cur.fetchone() == ("major", 16, "default", new.version)
    assert levels(conn, s.plant)[0] == "major"


def test_switching_an_enterprise_to_another_profile(scene_conn):
    conn = scene_conn
    s = build(conn)
    r = _risk(conn, s.units[0], "LS", {"L": 2, "S": 5})   # 10
    set_enterprise_profile(conn, s.enterprise, "default")
    with conn.cursor() as cur:
        cur.execute("SELECT inherent_level::text FROM risk WHERE id = %s", (r,))
        assert cur.fetchone()[0] == "general"
    set_enterprise_profile(conn, s.enterprise, "ls-strict")
    with conn.cursor() as cur:
        cur.execute("SELECT inherent_level::text, profile FROM risk WHERE id = %s", (r,))
        assert cur.fetchone() == ("significant", "ls-strict")


def test_profile_with_inverted_thresholds_is_refused(scene_conn, default):
    bad = dict(default.definition)
    bad["LEC"] = {**bad["LEC"], "thresholds": {"major": 70, "significant": 160, "general": 320}}
    with pytest.raises(AssessmentError, match=r"LEC.thresholds: 应满足 major > significant > general") as e:
        save_profile(scene_conn, "default", bad)
    assert e.value.errors == [{"field": "LEC.thresholds", "message": e.value.errors[0]["message"]}]


_LEC_T = {"major": 320, "significant": 160, "general": 70}


@pytest.mark.parametrize("lec,message", [
    # found by tests/app/test_schemathesis.py and probes of PUT /api/profiles/{name}: each was a
    # TypeError/ValueError/AttributeError (HTTP 500) before the profile's shape was checked
    ([], r"LEC: 应为对象"),
    ({"thresholds": [1]}, r"LEC.thresholds: 应为对象"),
    ({"thresholds": {**_LEC_T, "major": "x"}}, r"LEC.thresholds.major: 应为数字, 实为 'x'"),
    ({"thresholds": {**_LEC_T, "major": None}}, r"LEC.thresholds.major: 应为数字, 实为 None"),
    ({"thresholds": _LEC_T, "scales": []}, r"LEC.scales: 应为对象"),
    ({"thresholds": _LEC_T, "scales": {"L": [1], "E": {"1": "a"}, "C": {"1": "a"}}}, r"LEC.scales.L: 应为非空对象"),
    ({"thresholds": _LEC_T, "scales": {"L": {"x": "a"}, "E": {"1": "a"}, "C": {"1": "a"}}}, r"LEC.scales.L.x: 分值应为正数"),
    ({"thresholds": _LEC_T, "scales": {"L": {"1": "a"}, "E": {"1": "a"}}}, r"LEC.scales.C: 缺少分值表"),
    ({"thresholds": _LEC_T, "scales": {"L": {"1": "a"}, "E": {"1": "a"}, "C": {"1": "a"}, "Q": {}}},
     r"LEC.scales.Q: 未知的键"),
])
def test_profile_of_the_wrong_shape_is_refused_naming_the_part(scene_conn, default, lec, message):
    bad = {**default.definition, "LEC": lec}
    with pytest.raises(AssessmentError, match=message):
        save_profile(scene_conn, "default", bad)


@pytest.mark.parametrize("direct,message", [
    # saved unchecked before: every later 直接判定 with the profile then raised AttributeError/KeyError (500)
    (5, r"direct: 应为对象"),
    ({"rules": {"level": "major"}}, r"direct.rules: 应为列表"),
    ({"rules": [{"level": "catastrophic", "any": [{"input": "law_violation", "is": True}]}]},
     r"direct.rules\[0\].level: 应为 major/significant/general/low"),
    ({"rules": [{"level": "major", "any": [5]}]}, r"direct.rules\[0\].any\[0\]: 应为对象"),
    ({"rules": [{"level": "major", "any": [{"input": "law_violation", "gte": "many"}]}]},
     r"direct.rules\[0\].any\[0\].gte: 应为数字, 实为 'many'"),
    ({"rules": [{"level": "major", "any": [{"input": "ufo_sighted", "is": True}]}]},
     r"direct.rules\[0\].any\[0\].input: 未知的输入项 'ufo_sighted'"),
])
def test_profile_with_unreadable_direct_rules_is_refused(scene_conn, default, direct, message):
    with pytest.raises(AssessmentError, match=message):
        save_profile(scene_conn, "default", {**default.definition, "direct": direct})
