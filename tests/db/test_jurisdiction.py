"""Row-level security (migration 0010): what each role's connection can see and change, checked
against the owner's unfiltered view of the same demo database."""

from __future__ import annotations

import psycopg2
import psycopg2.errors
import pytest

from layers.access.accounts import User, apply_scope, clear_scope


def _one(cur, sql, params=()):
    cur.execute(sql, params)
    return cur.fetchone()[0]


@pytest.fixture
def scoped(demo_url):
    """``as_(user)`` gives a cursor acting for ``user``; everything is rolled back at the end."""
    conn = psycopg2.connect(demo_url)

    def as_(user: User | None):
        conn.rollback()
        apply_scope(conn, user)          # commits only settings, nothing else is written here
        return conn.cursor()

    yield conn, as_
    conn.rollback()
    clear_scope(conn)
    conn.close()


def _district(cur) -> tuple[int, int]:
    cur.execute("""SELECT r.id, count(e.id) FROM region r
                   JOIN region_subtree(r.id) s ON true JOIN enterprise e ON e.region_id = s.region_id
                   WHERE r.level = 'district' GROUP BY r.id ORDER BY r.id LIMIT 1""")
    return cur.fetchone()


def test_every_table_with_enterprise_data_has_a_policy_and_every_view_runs_as_the_caller(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT * FROM ra_unscoped_tables()")
        assert cur.fetchall() == []
        cur.execute("""SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                       WHERE n.nspname = 'public' AND c.relkind = 'v'
                         AND NOT coalesce(c.reloptions @> ARRAY['security_invoker=true'], false)
                         AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')""")
        assert cur.fetchall() == []
        cur.execute("SELECT relname FROM pg_class WHERE relkind = 'm' AND relnamespace = 'public'::regnamespace "
                    "AND has_table_privilege('riskatlas_web', oid, 'SELECT')")
        assert cur.fetchall() == [], "materialised views cannot carry row-level security"


def test_a_regulator_sees_exactly_their_subtree(scoped, conn):
    c, as_ = scoped
    with conn.cursor() as owner:
        district, n_inside = _district(owner)
        total = _one(owner, "SELECT count(*) FROM enterprise")
        foreign = _one(owner, "SELECT e.id FROM enterprise e WHERE e.region_id NOT IN "
                              "(SELECT region_id FROM region_subtree(%s)) ORDER BY e.id LIMIT 1", (district,))
        risks_inside = _one(owner, "SELECT count(*) FROM risk r JOIN area a ON a.id = r.area_id JOIN enterprise e "
                                   "ON e.id = a.enterprise_id JOIN region_subtree(%s) s ON s.region_id = e.region_id",
                            (district,))
    assert 0 < n_inside < total
    cur = as_(User(900001, "reg", "区监管", "regulator", district, None))
    assert _one(cur, "SELECT count(*) FROM enterprise") == n_inside
    assert _one(cur, "SELECT count(*) FROM enterprise WHERE id = %s", (foreign,)) == 0
    assert _one(cur, "SELECT count(*) FROM risk") == risks_inside
    assert _one(cur, "SELECT sum(ent_total) FROM region_stats_of('district', NULL)") == n_inside
    # reading is all: a regulator changes no risk, even inside the jurisdiction
    cur.execute("UPDATE risk SET responsible = '改' WHERE true")
    assert cur.rowcount == 0
    with pytest.raises(psycopg2.errors.InsufficientPrivilege):
        cur.execute("INSERT INTO region (adcode, name, level, parent_id, geom) SELECT '999999999', 'x', level, "
                    "parent_id, geom FROM region WHERE id = %s", (district,))


def test_an_enterprise_user_sees_and_changes_only_their_own(scoped, conn):
    c, as_ = scoped
    with conn.cursor() as owner:
        own_risks = _one(owner, "SELECT count(*) FROM risk r JOIN area a ON a.id = r.area_id WHERE a.enterprise_id = 1")
        foreign_risk = _one(owner, "SELECT r.id FROM risk r JOIN area a ON a.id = r.area_id "
                                   "WHERE a.enterprise_id = 2 ORDER BY r.id LIMIT 1")
    cur = as_(User(900002, "ent", "企业", "enterprise", None, 1))
    assert _one(cur, "SELECT array_agg(id) FROM enterprise") == [1]
    assert _one(cur, "SELECT count(*) FROM risk") == own_risks > 0
    cur.execute("UPDATE risk SET responsible = '改' WHERE id = %s", (foreign_risk,))
    assert cur.rowcount == 0                                     # not found, not changed
    cur.execute("UPDATE risk SET responsible = '改' WHERE id IN (SELECT r.id FROM risk r LIMIT 1)")
    assert cur.rowcount == 1                                     # their own: allowed
    assert _one(cur, "SELECT count(*) FROM audit_log WHERE enterprise_id <> 1") == 0


_UP_AND_DOWN = """WITH RECURSIVE up (id, parent_id) AS (
        SELECT id, parent_id FROM region WHERE id = %(r)s
        UNION ALL SELECT r.id, r.parent_id FROM region r JOIN up ON r.id = up.parent_id),
    down (id) AS (SELECT %(r)s UNION ALL SELECT r.id FROM region r JOIN down ON r.parent_id = down.id)
    SELECT array_agg(id ORDER BY id) FROM (SELECT id FROM up UNION SELECT id FROM down WHERE %(down)s) s"""


def test_regions_seen_are_the_jurisdiction_and_the_regions_above_it(scoped, conn):
    """A regulator: the subtree of their region and the regions above it (for names and outlines);
    an enterprise user: their enterprise's region and those above it; the public: none (0015)."""
    c, as_ = scoped
    with conn.cursor() as owner:
        owner.execute("SELECT DISTINCT ON (level) id FROM region WHERE parent_id IS NOT NULL ORDER BY level, id")
        regions = [r for (r,) in owner.fetchall()]
        expected = {r: _one(owner, _UP_AND_DOWN, {"r": r, "down": True}) for r in regions}
        ent_region = _one(owner, "SELECT region_id FROM enterprise WHERE id = 1")
        for_ent = _one(owner, _UP_AND_DOWN, {"r": ent_region, "down": False})
        top = _one(owner, "SELECT id FROM region WHERE adcode = '320400'")           # 常州市, the demo's root
        below_top = _one(owner, _UP_AND_DOWN, {"r": top, "down": True})
    assert len(regions) == 3                     # a district, a town and a grid below the city
    for r in regions:
        cur = as_(User(900003, "reg", "监管", "regulator", r, None))
        assert _one(cur, "SELECT array_agg(id ORDER BY id) FROM region") == expected[r], r
    cur = as_(User(900004, "ent", "企业", "enterprise", None, 1))
    assert _one(cur, "SELECT array_agg(id ORDER BY id) FROM region") == for_ent
    assert _one(as_(None), "SELECT count(*) FROM region") == 0
    assert _one(as_(User(900005, "reg", "市监管", "regulator", top, None)), "SELECT array_agg(id ORDER BY id) FROM region") \
        == below_top


def test_the_anonymous_public_sees_no_enterprise(scoped):
    c, as_ = scoped
    cur = as_(None)
    assert _one(cur, "SELECT count(*) FROM enterprise") == 0
    assert _one(cur, "SELECT count(*) FROM risk") == 0
    assert _one(cur, "SELECT count(*) FROM hidden_hazard") == 0


def test_shared_infrastructure_is_read_by_all_and_changed_by_admins_only(scoped, conn):
    c, as_ = scoped
    total = _one(conn.cursor(), "SELECT count(*) FROM emergency_resource")
    cur = as_(User(900002, "ent", "企业", "enterprise", None, 1))
    assert _one(cur, "SELECT count(*) FROM emergency_resource") == total > 0
    cur.execute("DELETE FROM emergency_resource")
    assert cur.rowcount == 0
    cur = as_(User(900003, "adm", "管理员", "admin", None, None))
    cur.execute("UPDATE emergency_resource SET name = name WHERE true")
    assert cur.rowcount == total


def test_a_tile_query_under_row_level_security_uses_the_spatial_index(scoped):
    """The bounding-box operator is LEAKPROOF (0013), so a regulator's tile filter is an index condition."""
    c, as_ = scoped
    cur = as_(User(900001, "reg", "区监管", "regulator", 1, None))
    cur.execute("EXPLAIN SELECT id FROM enterprise WHERE location && ST_MakeEnvelope(119.9, 31.7, 120.0, 31.8, 4326)")
    plan = "\n".join(r[0] for r in cur.fetchall())
    assert "enterprise_location_gix" in plan, plan
