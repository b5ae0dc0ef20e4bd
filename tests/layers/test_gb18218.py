"""重大危险源辨识与分级 (GB 18218-2018): the formulas, and the grades PostGIS maintains.

Sources of the numbers:
* [GB] GB 18218-2018《危险化学品重大危险源辨识》: §4.2 式(1) S = Σq/Q ≥ 1; §4.3 式(2) R = α·Σβq/Q;
  表1 critical quantities (液化石油气 50 t, 甲醇 500 t, 氯 5 t, 二氧化硫 20 t); 表3 β of toxic gases
  (氯 4, 二氧化硫 2); 表4 β by category (易燃气体 W2 1.5, 易燃液体 W5.3 1); 表5 α bands; 表6 grades.
  The same formula and tables were first published as 附件1 of 原国家安全监管总局令第40号
  《危险化学品重大危险源监督管理暂行规定》(2011). Neither text contains a numeric worked example.
* [DOMAIN] docs/domain.md §5: "one 42 t LPG tank → S = 0.84, not a major hazard source".
* [EXAM] a published worked example, a 注册安全工程师 exam question (single choice, answer C): SO₂,
  q = 200 t, Q = 20 t, β = 2, 60 people → α = 1.5, R = 1.5 × 2 × 200/20 = 30 → 三级重大危险源
  (https://www.8fe.cn/test-question-282515.html; also http://www.cquc.net:8089/YFB12/examTab_getExam.action?ex_Id=29970&su_Id=7).
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from layers import chemicals
from layers import hazard_source as hs
from layers.errors import InvalidInput, NotFound
from tests.scene import add_hazard_source, add_target, beside_plant, build

LPG = ("液化石油气", 50, 1.5)   # [GB] 表1 Q = 50 t; 表4 W2 易燃气体 β = 1.5
METHANOL = ("甲醇", 500, 1)     # [GB] 表1 Q = 500 t; 表4 W5.3 β = 1
CHLORINE = ("氯", 5, 4)         # [GB] 表1 Q = 5 t; 表3 β = 4
SO2 = ("二氧化硫", 20, 2)       # [GB] 表1 Q = 20 t; 表3 β = 2


def item(spec, q):
    name, cap, beta = spec
    return hs.Item(q, cap, beta, name)


# ---------------------------------------------------------------------------------------------
# The formulas
# ---------------------------------------------------------------------------------------------
def test_one_lpg_tank_of_42_t_is_not_major():
    items = [item(LPG, 42)]           # [DOMAIN] 42 t LPG
    assert hs.identify(items) == 0.84  # 42/50
    assert not hs.is_major(items)
    g = hs.assess(items, people=500)
    assert g.grade is None and g.grade_zh == "未构成重大危险源"


def test_methanol_and_lpg_together_are_major():
    items = [item(METHANOL, 600), item(LPG, 42)]
    assert hs.identify(items) == 2.04   # 600/500 + 42/50 = 1.2 + 0.84 [GB 式(1)]
    assert hs.is_major(items)
    assert hs.beta_sum(items) == 2.46   # 1×1.2 + 1.5×0.84 [GB 式(2)]
    g = hs.assess(items, people=150)    # ≥ 100 people: α = 2.0 [GB 表5]
    assert (g.alpha, g.r, g.grade, g.grade_zh) == (2.0, 4.92, 4, "四级重大危险源")  # R < 10 [GB 表6]


def test_single_substance_at_its_critical_quantity_is_major():
    assert hs.is_major([item(CHLORINE, 5)])          # q ≥ Q [GB §4.2]
    assert not hs.is_major([item(CHLORINE, 4.999)])


def test_identification_is_exact():
    thirds = [(1, 3), (1, 3), (1, 3)]
    assert hs.is_major(thirds)                        # 1/3 + 1/3 + 1/3 = 1, not 0.999…
    assert hs.is_major([(0.1, 1), (0.2, 1), (0.7, 1)])  # 0.1 + 0.2 + 0.7 = 1 exactly in decimal


def test_published_worked_example_so2():
    # [EXAM] SO₂ 200 t, Q 20 t, β 2, 60 people → α 1.5, R 30, 三级
    items = [item(SO2, 200)]
    g = hs.assess(items, people=60)
    assert g.s == 10 and g.is_major
    assert g.alpha == 1.5 and g.r == 30 and g.grade == 3 and g.grade_zh == "三级重大危险源"


@pytest.mark.parametrize("people,alpha", [
    # [GB] 表5: 100人以上 2.0 · 50~99 1.5 · 30~49 1.2 · 1~29 1.0 · 0 0.5
    (0, 0.5), (1, 1.0), (29, 1.0), (30, 1.2), (49, 1.2), (50, 1.5), (99, 1.5), (100, 2.0), (100_000, 2.0),
])
def test_alpha_at_every_band_edge(people, alpha):
    assert hs.alpha(people) == alpha


@pytest.mark.parametrize("r,grade", [
    # [GB] 表6: 一级 R ≥ 100 · 二级 100 > R ≥ 50 · 三级 50 > R ≥ 10 · 四级 R < 10
    (1e6, 1), (100, 1), (99.999, 2), (50, 2), (49.999, 3), (10, 3), (9.999, 4), (0, 4),
])
def test_grade_at_every_threshold(r, grade):
    assert hs.grade(r) == grade


@pytest.mark.parametrize("people,chlorine_t,r,grade", [
    # Σβq/Q = 4 × q/5 [GB 表1, 表3]; R = α × Σβq/Q [GB 式(2)]; α [GB 表5]; grade [GB 表6]
    (100, 62.5, 100, 1),     # α 2.0 × 50 = 100 → 一级
    (99, 62.5, 75, 2),       # α 1.5 × 50
    (50, 83.3, 99.96, 2),    # α 1.5 × 66.64, just below 100
    (30, 52.08, 49.9968, 3),  # α 1.2 × 41.664, just below 50
    (29, 62.5, 50, 2),       # α 1.0 × 50 = 50 → 二级
    (1, 12.5, 10, 3),        # α 1.0 × 10 = 10 → 三级
    (0, 25, 10, 3),          # α 0.5 × 20 = 10 → 三级
    (0, 24.975, 9.99, 4),    # α 0.5 × 19.98, just below 10 → 四级
])
def test_r_and_grade_around_thresholds(people, chlorine_t, r, grade):
    g = hs.assess([item(CHLORINE, chlorine_t)], people)
    assert g.r == pytest.approx(r, abs=1e-12) and g.grade == grade


def test_formula_errors_are_clear():
    with pytest.raises(InvalidInput, match="不能为负"):
        hs.identify([item(LPG, -1)])
    with pytest.raises(InvalidInput, match="有限"):
        hs.identify([item(LPG, float("nan"))])
    with pytest.raises(InvalidInput, match="α"):
        hs.alpha(-1)


# ---------------------------------------------------------------------------------------------
# The bands are data, and SQL agrees with Python
# ---------------------------------------------------------------------------------------------
def test_database_bands_are_the_standards(scene_conn):
    bands = hs.load_bands(scene_conn)
    assert [(p, Fraction(a)) for p, a in bands.alpha] == [(p, Fraction(a)) for p, a in hs.ALPHA_BANDS]
    assert [(g, Fraction(m)) for g, m in bands.grade] == [(g, Fraction(m)) for g, m in hs.GRADE_BANDS]
    assert bands.grade_names == hs.GRADE_NAMES
    assert bands.grade_band_zh(1) == "R ≥ 100" and bands.grade_band_zh(2) == "50 ≤ R < 100"
    assert bands.grade_band_zh(4) == "R < 10"


def test_sql_alpha_and_grade_agree_with_python(scene_conn):
    with scene_conn.cursor() as cur:
        for n in (0, 1, 29, 30, 49, 50, 99, 100, 12345):
            cur.execute("SELECT ra_gb18218_alpha(%s)", (n,))
            assert float(cur.fetchone()[0]) == hs.alpha(n), n
        for r in ("0", "9.9999999999", "10", "49.99", "50", "99.99", "100", "1000"):
            cur.execute("SELECT ra_gb18218_grade(%s::numeric)", (r,))
            assert cur.fetchone()[0] == hs.grade(r), r


# ---------------------------------------------------------------------------------------------
# Maintained in PostGIS
# ---------------------------------------------------------------------------------------------
@pytest.fixture
def scene(scene_conn):
    return build(scene_conn)


def state(conn, hs_id):
    with conn.cursor() as cur:
        cur.execute("""SELECT s_value::float, beta_sum::float, population_500m, alpha::float, r_value::float,
                              is_major, grade FROM hazard_source_state WHERE hazard_source_id = %s""", (hs_id,))
        row = cur.fetchone()
    return None if row is None else dict(zip(("s", "b", "people", "alpha", "r", "major", "grade"), row, strict=True))


def set_inventory(conn, hs_id, inv: dict[str, float]):
    with conn.cursor() as cur:
        cur.execute("DELETE FROM hazard_source_inventory WHERE hazard_source_id = %s", (hs_id,))
        for name, q in inv.items():
            cur.execute("INSERT INTO hazard_source_inventory (hazard_source_id, chemical_id, quantity_t) "
                        "SELECT %s, id, %s FROM chemical WHERE name_zh = %s", (hs_id, q, name))


def execute(conn, sql, params=()):
    with conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.rowcount


def assert_current(conn):
    """The maintained state equals a full recomputation."""
    with conn.cursor() as cur:
        cur.execute("SELECT ra_refresh_all_hazard_sources()")
        assert cur.fetchone()[0] == 0


def distance_to_plant(conn, target_id) -> float:
    with conn.cursor() as cur:
        cur.execute("""SELECT ST_Distance(t.geom::geography, e.boundary::geography) FROM protection_target t,
                       enterprise e WHERE t.id = %s AND e.name = '测试机械有限公司'""", (target_id,))
        return cur.fetchone()[0]


def test_new_source_has_a_state_at_once(scene_conn, scene):
    h = add_hazard_source(scene_conn, scene)
    assert state(scene_conn, h) == {"s": 0, "b": 0, "people": 0, "alpha": 0.5, "r": 0, "major": False, "grade": None}


def test_grade_follows_the_inventory(scene_conn, scene):
    conn = scene_conn
    h = add_hazard_source(conn, scene, {"液化石油气": 42})     # [DOMAIN] 42 t LPG → S 0.84
    assert state(conn, h)["s"] == 0.84 and not state(conn, h)["major"] and state(conn, h)["grade"] is None
    set_inventory(conn, h, {"甲醇": 600, "液化石油气": 42})    # S = 2.04 [GB 式(1)]
    st = state(conn, h)
    assert (st["s"], st["b"], st["major"], st["grade"]) == (2.04, 2.46, True, 4)
    assert st["alpha"] == 0.5 and st["r"] == 1.23          # nobody around: α 0.5 × 2.46
    execute(conn, "UPDATE hazard_source_inventory SET quantity_t = 0 WHERE hazard_source_id = %s", (h,))
    assert state(conn, h)["s"] == 0 and state(conn, h)["grade"] is None   # one UPDATE of two rows
    execute(conn, "INSERT INTO hazard_source_inventory (hazard_source_id, chemical_id, quantity_t) "
                  "SELECT %s, id, 200 FROM chemical WHERE name_zh = '二氧化硫' "
                  "ON CONFLICT (hazard_source_id, chemical_id) DO UPDATE SET quantity_t = 200", (h,))
    assert state(conn, h)["s"] == 10 and state(conn, h)["r"] == 10   # SO₂ 200/20 × β 2 × α 0.5 [GB 表3]
    assert state(conn, h)["grade"] == 3
    execute(conn, "DELETE FROM hazard_source_inventory WHERE hazard_source_id = %s", (h,))
    assert state(conn, h)["s"] == 0
    assert_current(conn)


def test_published_example_through_postgis(scene_conn, scene):
    # [EXAM] SO₂ 200 t with 60 people around → R = 30, 三级
    conn = scene_conn
    h = add_hazard_source(conn, scene, {"二氧化硫": 200})
    add_target(conn, *beside_plant(conn, 200), population=60)
    st = state(conn, h)
    assert (st["people"], st["alpha"], st["r"], st["grade"]) == (60, 1.5, 30, 3)


def test_population_within_500_m_of_the_plant_boundary(scene_conn, scene):
    conn = scene_conn
    h = add_hazard_source(conn, scene, {"氯": 62.5})          # Σβq/Q = 4 × 12.5 = 50 [GB 表1, 表3]
    near = add_target(conn, *beside_plant(conn, 450), population=60, name="450 m 小区")
    far = add_target(conn, *beside_plant(conn, 550), population=100, name="550 m 小区")
    assert distance_to_plant(conn, near) == pytest.approx(450, abs=0.5)   # measured on the spheroid
    assert distance_to_plant(conn, far) == pytest.approx(550, abs=0.5)
    st = state(conn, h)
    assert (st["people"], st["alpha"], st["r"], st["grade"]) == (60, 1.5, 75, 2)   # α 1.5 × 50 = 75 → 二级

    # population changes: 120 people → α 2.0, R 100 → 一级; 0 people → α 0.5, R 25 → 三级
    execute(conn, "UPDATE protection_target SET population = 120 WHERE id = %s", (near,))
    assert (state(conn, h)["alpha"], state(conn, h)["r"], state(conn, h)["grade"]) == (2.0, 100, 1)
    execute(conn, "UPDATE protection_target SET population = 0 WHERE id = %s", (near,))
    assert (state(conn, h)["people"], state(conn, h)["alpha"], state(conn, h)["grade"]) == (0, 0.5, 3)

    # position changes: the far one moves in to 300 m, then out again to 700 m
    x, y = beside_plant(conn, 300)
    execute(conn, "UPDATE protection_target SET geom = ST_SetSRID(ST_MakePoint(%s, %s), 4326) WHERE id = %s",
            (x, y, far))
    assert (state(conn, h)["people"], state(conn, h)["alpha"], state(conn, h)["grade"]) == (100, 2.0, 1)
    x, y = beside_plant(conn, 700)
    execute(conn, "UPDATE protection_target SET geom = ST_SetSRID(ST_MakePoint(%s, %s), 4326) WHERE id = %s",
            (x, y, far))
    assert state(conn, h)["people"] == 0
    execute(conn, "UPDATE protection_target SET population = 35 WHERE id = %s", (near,))
    assert (state(conn, h)["people"], state(conn, h)["alpha"], state(conn, h)["r"]) == (35, 1.2, 60)
    execute(conn, "DELETE FROM protection_target WHERE id = %s", (near,))
    assert state(conn, h)["people"] == 0
    assert_current(conn)


@pytest.mark.parametrize("people,r,grade", [
    # 氯 62.5 t: Σβq/Q = 50 [GB 表1, 表3]; α [GB 表5] at every band edge; R = α × 50; grade [GB 表6]
    (0, 25, 3), (1, 50, 2), (29, 50, 2), (30, 60, 2), (49, 60, 2), (50, 75, 2), (99, 75, 2), (100, 100, 1),
])
def test_every_alpha_band_through_postgis(scene_conn, scene, people, r, grade):
    conn = scene_conn
    h = add_hazard_source(conn, scene, {"氯": 62.5})
    if people:
        # two targets in one statement, 450 m east and 450 m north-east of the east edge
        a, b = beside_plant(conn, 450), beside_plant(conn, 450, 45)
        execute(conn, "INSERT INTO protection_target (kind, name, population, geom) VALUES "
                      "('residential', 'A', %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326)), "
                      "('school', 'B', %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326))",
                (people // 2, *a, people - people // 2, *b))
    st = state(conn, h)
    assert (st["people"], st["r"], st["grade"]) == (people, r, grade)
    assert hs.assess([item(CHLORINE, 62.5)], people).grade == grade


def test_one_statement_changing_many_rows(scene_conn, scene):
    conn = scene_conn
    a = add_hazard_source(conn, scene, code="HS-A")
    b = add_hazard_source(conn, scene, code="HS-B")
    execute(conn, """INSERT INTO hazard_source_inventory (hazard_source_id, chemical_id, quantity_t)
                     SELECT h, c.id, q FROM chemical c,
                       (VALUES (%s, '氯', 62.5), (%s, '甲醇', 600), (%s, '液化石油气', 42)) v(h, n, q)
                     WHERE c.name_zh = v.n""", (a, b, b))
    t1 = add_target(conn, *beside_plant(conn, 100), population=10)
    t2 = add_target(conn, *beside_plant(conn, 200), population=10)
    assert state(conn, a)["people"] == state(conn, b)["people"] == 20
    execute(conn, "UPDATE protection_target SET population = population * 5 WHERE id IN (%s, %s)", (t1, t2))
    sa, sb = state(conn, a), state(conn, b)
    assert (sa["people"], sa["alpha"], sa["r"], sa["grade"]) == (100, 2.0, 100, 1)    # 2.0 × 50 → 一级
    assert (sb["people"], sb["alpha"], sb["r"], sb["grade"]) == (100, 2.0, 4.92, 4)   # 2.0 × 2.46 → 四级
    assert_current(conn)


def test_footprint_within_500_m_counts(scene_conn, scene):
    conn = scene_conn
    h = add_hazard_source(conn, scene, {"氯": 62.5})
    x, y = beside_plant(conn, 600)
    x0, _ = beside_plant(conn, 480)
    d = 2e-4
    fp = f"MULTIPOLYGON((({x0} {y - d},{x + d} {y - d},{x + d} {y + d},{x0} {y + d},{x0} {y - d})))"
    t = add_target(conn, x, y, population=40, footprint_wkt=fp)
    assert state(conn, h)["people"] == 40
    e = hs.explain(conn, h)
    (only,) = e["population"]["targets"]
    assert only["id"] == t and only["by"] == "footprint" and only["distance_m"] == pytest.approx(480, abs=1)
    execute(conn, "UPDATE protection_target SET footprint = NULL WHERE id = %s", (t,))
    assert state(conn, h)["people"] == 0


def test_boundary_falls_back_to_the_source(scene_conn, scene):
    conn = scene_conn
    h = add_hazard_source(conn, scene, {"氯": 62.5})
    add_target(conn, *beside_plant(conn, 450), population=60)
    assert state(conn, h)["people"] == 60
    # no enterprise boundary: the source's location at the plant centre, ~930 m from the target
    execute(conn, "UPDATE enterprise SET boundary = NULL WHERE id = %s", (scene.enterprise,))
    assert state(conn, h)["people"] == 0
    assert hs.explain(conn, h)["population"]["site_basis"] == "source_location"
    # the source's own boundary reaching to the plant's east edge
    execute(conn, "UPDATE hazard_source SET boundary = ST_Multi(ST_MakeEnvelope(%s, %s, %s, %s, 4326)) WHERE id = %s",
            (100.505, 30.504, 100.51, 30.506, h))
    assert state(conn, h)["people"] == 60
    assert hs.explain(conn, h)["population"]["site_basis"] == "source_boundary"
    # moving the source's location changes nothing while it has a boundary ...
    inside = beside_plant(conn, 100, 270)   # 100 m west of the east edge, inside the plant
    execute(conn, "UPDATE hazard_source SET location = ST_SetSRID(ST_MakePoint(%s, %s), 4326) WHERE id = %s",
            (*inside, h))
    assert state(conn, h)["people"] == 60
    # ... and without one the location counts: 550 m from the target
    execute(conn, "UPDATE hazard_source SET boundary = NULL WHERE id = %s", (h,))
    assert state(conn, h)["people"] == 0
    execute(conn, "UPDATE hazard_source SET location = ST_SetSRID(ST_MakePoint(%s, %s), 4326) WHERE id = %s",
            (*beside_plant(conn, 100), h))   # 100 m east of the edge: 350 m from the target
    assert state(conn, h)["people"] == 60
    assert_current(conn)


def test_chemical_q_and_beta_are_data(scene_conn, scene):
    conn = scene_conn
    h = add_hazard_source(conn, scene, {"液化石油气": 42})
    assert not state(conn, h)["major"]
    execute(conn, "UPDATE chemical SET critical_t = 40, beta = 2 WHERE name_zh = '液化石油气'")
    st = state(conn, h)
    assert st["s"] == 1.05 and st["major"] and st["b"] == 2.1   # 42/40; 2 × 1.05


def test_bands_are_data(scene_conn, scene):
    conn = scene_conn
    h = add_hazard_source(conn, scene, {"氯": 12.5})          # Σβq/Q = 10; α 0.5 → R 5 → 四级
    assert state(conn, h)["grade"] == 4
    execute(conn, "UPDATE gb18218_grade SET min_r = 5 WHERE grade = 3")
    assert state(conn, h)["grade"] == 3
    execute(conn, "UPDATE gb18218_alpha SET alpha = 1 WHERE min_people = 0")
    assert state(conn, h)["r"] == 10
    import psycopg2

    with pytest.raises(psycopg2.errors.CheckViolation, match="0 人"):
        execute(conn, "DELETE FROM gb18218_alpha WHERE min_people = 0")


def test_truncate_recomputes(scene_conn, scene):
    conn = scene_conn
    h = add_hazard_source(conn, scene, {"氯": 62.5})
    assert state(conn, h)["s"] == 12.5
    execute(conn, "TRUNCATE hazard_source_inventory")
    assert state(conn, h)["s"] == 0


def test_deleting_a_source_removes_its_state(scene_conn, scene):
    h = add_hazard_source(scene_conn, scene, {"氯": 10})
    execute(scene_conn, "DELETE FROM hazard_source WHERE id = %s", (h,))
    assert state(scene_conn, h) is None


def test_inventory_changes_are_audited(scene_conn, scene):
    conn = scene_conn
    h = add_hazard_source(conn, scene)
    execute(conn, "SET LOCAL riskatlas.actor = '测试员'")
    hs.replace_inventory(conn, h, [{"chemical": "甲醇", "quantity_t": 600}])
    hs.replace_inventory(conn, h, [{"chemical": "甲醇", "quantity_t": 700}])
    with conn.cursor() as cur:
        cur.execute("""SELECT action, actor, row_id, (after ->> 'quantity_t')::numeric FROM audit_log
                       WHERE table_name = 'hazard_source_inventory' AND row_id LIKE %s ORDER BY id""", (f"{h}/%",))
        rows = cur.fetchall()
    assert [(a, who, q) for a, who, _, q in rows] == [("INSERT", "测试员", 600), ("UPDATE", "测试员", 700)]


# ---------------------------------------------------------------------------------------------
# The layer: list, explain, replace
# ---------------------------------------------------------------------------------------------
def test_layer_lists_with_region_and_enterprise_filters(scene_conn, scene):
    conn = scene_conn
    h = add_hazard_source(conn, scene, {"甲醇": 600, "液化石油气": 42})
    add_target(conn, *beside_plant(conn, 450), population=150)
    gdf = hs.hazard_sources(conn, region_id=scene.city)
    assert list(gdf["id"]) == [h]
    row = gdf.iloc[0]
    assert (row["s_value"], row["r_value"], row["alpha"], row["population_500m"]) == (2.04, 4.92, 2.0, 150)
    assert row["grade"] == 4 and row["grade_zh"] == "四级重大危险源" and row["enterprise_name"] == "测试机械有限公司"
    assert row.geometry.geom_type == "Point" and gdf.crs.to_epsg() == 4326
    assert list(hs.hazard_sources(conn, enterprise_id=scene.enterprise, major_only=True)["id"]) == [h]
    with pytest.raises(NotFound, match="区域"):
        hs.hazard_sources(conn, region_id=2**31 - 1)
    with pytest.raises(NotFound, match="企业"):
        hs.hazard_sources(conn, enterprise_id=2**31 - 1)
    with conn.cursor() as cur:   # a sibling region outside the scene city's subtree
        cur.execute("INSERT INTO region (adcode, name, level, parent_id, geom) VALUES ('990200', '别市', 'city', NULL, "
                    "ST_Multi(ST_MakeEnvelope(101, 31, 102, 32, 4326))) RETURNING id")
        other = cur.fetchone()[0]
    assert hs.hazard_sources(conn, region_id=other).empty
    with pytest.raises(NotFound):
        hs.explain(conn, h, region_id=other)


def test_explain_lists_every_number(scene_conn, scene):
    conn = scene_conn
    h = add_hazard_source(conn, scene, {"甲醇": 600, "液化石油气": 42})
    add_target(conn, *beside_plant(conn, 450), population=60, name="近处小区")
    add_target(conn, *beside_plant(conn, 550), population=100, name="远处小区")
    e = hs.explain(conn, h)
    subs = {s["chemical"]: s for s in e["substances"]}
    assert (subs["甲醇"]["ratio"], subs["甲醇"]["beta_ratio"]) == (1.2, 1.2)
    assert (subs["液化石油气"]["q_t"], subs["液化石油气"]["critical_t"], subs["液化石油气"]["ratio"],
            subs["液化石油气"]["beta"], subs["液化石油气"]["beta_ratio"]) == (42, 50, 0.84, 1.5, 1.26)
    assert (e["s_value"], e["beta_sum"], e["alpha"], e["r_value"], e["grade"]) == (2.04, 2.46, 1.5, 3.69, 4)
    assert e["population"]["total"] == 60 and [t["name"] for t in e["population"]["targets"]] == ["近处小区"]
    assert e["population"]["targets"][0]["distance_m"] == pytest.approx(450, abs=0.5)
    assert e["population"]["site_basis"] == "enterprise_boundary"
    assert e["alpha_band_zh"] == "50人~99人" and e["grade_band_zh"] == "R < 10"
    assert e["consistent"] is True
    assert e["steps_zh"][0].startswith("S = Σq/Q = 600/500 + 42/50 = 1.2 + 0.84 = 2.04 ≥ 1")
    assert "R = α × Σβq/Q = 1.5 × 2.46 = 3.69 → 四级重大危险源" in e["steps_zh"][3]
    with pytest.raises(NotFound, match="重大危险源"):
        hs.explain(conn, 2**31 - 1)


def test_replace_inventory_validates_and_resolves_names(scene_conn, scene):
    conn = scene_conn
    h = add_hazard_source(conn, scene, {"氯": 1})
    e = hs.replace_inventory(conn, h, [{"chemical": "天然气", "quantity_t": 30},          # 甲烷,天然气
                                       {"chemical": "67-56-1", "quantity_t": "250.5"},   # 甲醇 by CAS
                                       {"chemical": "Gasoline", "quantity_t": 20}])       # 汽油(...) by name_en
    assert sorted(s["chemical"] for s in e["substances"]) == ["汽油(乙醇汽油、甲醇汽油)", "甲烷,天然气", "甲醇"]
    assert e["s_value"] == pytest.approx(30 / 50 + 250.5 / 500 + 20 / 200)
    with pytest.raises(InvalidInput) as bad:
        hs.replace_inventory(conn, h, [{"chemical": "二氧化碳", "quantity_t": 5},
                                       {"chemical": "甲醇", "quantity_t": -1},
                                       {"chemical": "氨", "quantity_t": "many"},
                                       {"chemical": "氨", "quantity_t": 1}, {"chemical": "Ammonia", "quantity_t": 2}])
    fields = [x["field"] for x in bad.value.errors]
    assert fields == ["items[0].chemical", "items[1].quantity_t", "items[2].quantity_t", "items[4].chemical"]
    assert "二氧化碳" in str(bad.value) and "不能为负" in str(bad.value)
    assert len(hs.hazard_source(conn, h)["inventory"]) == 3   # nothing written
    e = hs.replace_inventory(conn, h, [])
    assert e["substances"] == [] and e["s_value"] == 0 and e["grade"] is None
    with pytest.raises(NotFound):
        hs.replace_inventory(conn, 2**31 - 1, [])


# ---------------------------------------------------------------------------------------------
# The catalogue: GB 18218-2018 表1 complete, 表2 categories, entries by category (migration 0021)
# ---------------------------------------------------------------------------------------------
def catalogue_row(conn, name_zh):
    with conn.cursor() as cur:
        cur.execute("SELECT gb_row, critical_t::float, beta::float, category FROM chemical WHERE name_zh = %s",
                    (name_zh,))
        return cur.fetchone()


@pytest.mark.parametrize("name,row,q,beta", [
    ("氨", 1, 10, 2),                    # [GB] 表1 序号1 氨 10 t; 表3 氨 β 2
    ("二氧化氮", 3, 1, 10),              # [GB] 表1 序号3 二氧化氮 1 t; 表3 二氧化氮 β 10
    ("碳酰氯", 6, 0.3, 20),              # [GB] 表1 序号6 碳酰氯 (光气) 0.3 t; 表3 碳酰氯 β 20
    ("磷化氢", 9, 1, 20),                # [GB] 表1 序号9 磷化氢 1 t; 表3 磷化氢 β 20
    ("溴甲烷", 17, 10, 3),               # [GB] 表1 序号17 溴甲烷 10 t; 表3 溴甲烷 β 3
    ("异氰酸甲酯", 30, 0.75, 20),        # [GB] 表1 序号30 异氰酸甲酯 0.75 t; 表3 异氰酸甲酯 β 20
    ("2,4,6-三硝基甲苯", 35, 5, 2),      # [GB] 表1 序号35 TNT 5 t; 表4 W1.1 β 2
    ("硝酸铵(含可燃物≤0.2%)", 44, 50, 1),  # [GB] 表1 序号44 硝酸铵 (≤0.2%) 50 t; 表4 W9.2 β 1
    ("硝酸钾", 46, 1000, 1),             # [GB] 表1 序号46 硝酸钾 1000 t; 表4 W9.2 β 1
    ("氯乙烯", 50, 50, 1.5),             # [GB] 表1 序号50 氯乙烯 50 t; 表4 W2 β 1.5
    ("乙烯", 55, 50, 1.5),               # [GB] 表1 序号55 乙烯 50 t; 表4 W2 β 1.5
    ("氧(压缩的或液化的)", 56, 200, 1),  # [GB] 表1 序号56 氧 200 t; 表4 W4 β 1
    ("1,2-环氧丙烷", 63, 10, 1.5),       # [GB] 表1 序号63 环氧丙烷 10 t; 表4 W5.1 β 1.5
    ("苯乙烯", 58, 500, 1),              # [GB] 表1 序号58 苯乙烯 500 t; 表4 W5.4 β 1
    ("碳化钙", 83, 100, 1),              # [GB] 表1 序号83 碳化钙 (电石) 100 t; 表4 W11 β 1
    ("钠", 85, 10, 1),                   # [GB] 表1 序号85 钠 10 t; 表4 W11 β 1
])
def test_table_1_spot_checks(scene_conn, name, row, q, beta):
    assert catalogue_row(scene_conn, name)[:3] == (row, q, beta)


@pytest.mark.parametrize("code,q,beta", [
    ("J1", 5, 4),        # [GB] 表2 J1 急性毒性类别1 气体 5 t; 表4 J1 β 4
    ("J5", 500, 1),      # [GB] 表2 J5 急性毒性类别2 液体、固体 500 t; 表4 J5 β 1
    ("W1.1", 1, 2),      # [GB] 表2 W1.1 不稳定爆炸物、1.1项爆炸物 1 t; 表4 W1.1 β 2
    ("W2", 10, 1.5),     # [GB] 表2 W2 易燃气体类别1和类别2 10 t; 表4 W2 β 1.5
    ("W3", 150, 1),      # [GB] 表2 W3 气溶胶 150 t (净重); 表4 W3 β 1
    ("W5.4", 5000, 1),   # [GB] 表2 W5.4 其他易燃液体类别3 5000 t; 表4 W5.4 β 1
    ("W6.1", 10, 1.5),   # [GB] 表2 W6.1 A型和B型自反应物质 10 t; 表4 W6.1 β 1.5
])
def test_table_2_spot_checks(scene_conn, code, q, beta):
    with scene_conn.cursor() as cur:
        cur.execute("SELECT critical_t::float, beta::float FROM gb18218_category WHERE code = %s", (code,))
        assert cur.fetchone() == (q, beta)


def test_the_catalogue_holds_all_of_table_1_and_table_2(scene_conn):
    with scene_conn.cursor() as cur:
        cur.execute("SELECT array_agg(gb_row ORDER BY gb_row) FROM chemical WHERE gb_row IS NOT NULL")
        assert cur.fetchone()[0] == list(range(1, 86))        # [GB] 表1: 85 rows
        cur.execute("SELECT array_agg(code ORDER BY sort) FROM gb18218_category")
        assert cur.fetchone()[0] == ["J1", "J2", "J3", "J4", "J5", "W1.1", "W1.2", "W1.3", "W2", "W3", "W4",
                                     "W5.1", "W5.2", "W5.3", "W5.4", "W6.1", "W6.2", "W7.1", "W7.2", "W8",
                                     "W9.1", "W9.2", "W10", "W11"]   # [GB] 表2
        # a 表1 substance whose β is not by name (表3) has its category's β (表4)
        cur.execute("""SELECT c.name_zh FROM chemical c JOIN gb18218_category k ON k.code = c.category
                       WHERE c.beta_from = 'table4' AND c.beta <> k.beta""")
        assert cur.fetchall() == []
        # the toxic gases of 表3 by name, with their β
        cur.execute("SELECT name_zh, beta::float FROM chemical WHERE beta_from = 'table3' ORDER BY gb_row")
        assert dict(cur.fetchall()) == {"氨": 2, "二氧化氮": 10, "二氧化硫": 2, "碳酰氯": 20, "环氧乙烷": 2,
                                        "磷化氢": 20, "硫化氢": 5, "氯化氢(无水)": 3, "氯": 4, "溴甲烷": 3,
                                        "氟化氢": 5, "氰化氢": 10, "异氰酸甲酯": 20}
        cur.execute("SELECT cas FROM chemical WHERE cas IS NOT NULL UNION ALL SELECT unnest(cas_other) FROM chemical")
        bad = [c for (c,) in cur.fetchall() if not chemicals.cas_valid(c)]
        assert bad == []                                        # every CAS number's check digit


def test_the_chemicals_of_0001_keep_their_ids(scene_conn):
    # hazard_source_inventory references them: the ids of 0001's insertion order
    with scene_conn.cursor() as cur:
        cur.execute("SELECT id, name_zh FROM chemical WHERE id IN (1, 6, 13, 21) ORDER BY id")
        assert cur.fetchall() == [(1, "氨"), (6, "碳酰氯"), (13, "液化石油气"), (21, "乙醚")]


def test_inventory_accepts_names_aliases_cas_and_entries_by_category(scene_conn, scene):
    conn = scene_conn
    h = add_hazard_source(conn, scene)
    e = hs.replace_inventory(conn, h, [{"chemical": "丙烯", "quantity_t": 5},          # by category W2: Q 10
                                       {"chemical": "光气", "quantity_t": 0.03},       # alias of 碳酰氯 (表1 序号6)
                                       {"chemical": "7782-50-5", "quantity_t": 1},     # CAS of 氯
                                       {"chemical": "丙烷", "quantity_t": 5}])         # 液化石油气 (含丙烷、丁烷)
    subs = {s["chemical"]: (s["critical_t"], s["beta"]) for s in e["substances"]}
    assert subs == {"丙烯": (10, 1.5), "碳酰氯": (0.3, 20), "氯": (5, 4), "液化石油气": (50, 1.5)}
    assert e["s_value"] == pytest.approx(5 / 10 + 0.03 / 0.3 + 1 / 5 + 5 / 50)


def test_a_name_several_rows_share_says_which(scene_conn, scene):
    h = add_hazard_source(scene_conn, scene)
    with pytest.raises(InvalidInput) as bad:
        hs.replace_inventory(scene_conn, h, [{"chemical": "硝化棉", "quantity_t": 1}])
    msg = bad.value.errors[0]["message"]
    assert "对应多个" in msg and "表1 第37行" in msg and "表1 第41行" in msg


def test_an_entry_by_category_follows_its_category(scene_conn, scene):
    conn = scene_conn
    h = add_hazard_source(conn, scene, {"丙烯": 20})           # W2: Q 10, β 1.5 → S 2, Σβq/Q 3
    assert (state(conn, h)["s"], state(conn, h)["b"]) == (2, 3)
    execute(conn, "UPDATE chemical SET critical_t = 1, beta = 9 WHERE name_zh = '丙烯'")
    assert catalogue_row(conn, "丙烯")[1:] == (10, 1.5, "W2")   # Q and β stay the category's
    execute(conn, "UPDATE gb18218_category SET critical_t = 20, beta = 2 WHERE code = 'W2'")
    assert catalogue_row(conn, "丙烯")[1:] == (20, 2, "W2")     # the category corrected: the entry follows
    assert (state(conn, h)["s"], state(conn, h)["b"]) == (1, 2)   # and is re-graded
    assert catalogue_row(conn, "乙烯")[1:3] == (50, 1.5)       # a 表1 row keeps the standard's Q and β
    assert_current(conn)
