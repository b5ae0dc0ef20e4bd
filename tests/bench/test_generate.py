"""The province-scale generator (bench/generate.py) on a small size: consistent, deterministic,
resumable after an interruption, and refusing to overwrite what it should not."""

from __future__ import annotations

import os

import psycopg2
import pytest

import bench.generate as gen
from bench.generate import GenerateError, Params, generate, status
from tests.conftest import create_database, drop_database

SMALL = Params(enterprises=60, cities=1, seed=5)


@pytest.fixture
def bench_db(server_url):
    names = []

    def make(suffix: str) -> str:
        name = f"riskatlas_benchtest_{os.getpid()}_{suffix}"
        drop_database(server_url, name)
        names.append(name)
        return name

    yield make
    for n in names:
        drop_database(server_url, n)


def _one(url: str, query: str):
    c = psycopg2.connect(url)
    try:
        with c.cursor() as cur:
            cur.execute(query)
            return cur.fetchone()
    finally:
        c.close()


FINGERPRINT = """SELECT md5(string_agg(e.uscc || e.name || ST_AsText(e.location) || coalesce(es.current_level::text, '-'),
                                   ',' ORDER BY e.id)),
                        (SELECT md5(string_agg(a.id || a.code || ST_AsText(a.geom), ',' ORDER BY a.id)) FROM area a),
                        (SELECT md5(string_agg(r.id || r.residual_level::text || r.inputs::text, ',' ORDER BY r.id))
                         FROM risk r)
                 FROM enterprise e JOIN enterprise_state es ON es.enterprise_id = e.id"""


def test_generated_data_is_complete_and_consistent(server_url, bench_db):
    url = generate(server_url, SMALL, database=bench_db("a"), progress=False)
    st = status(server_url, url.rsplit("/", 1)[-1])
    assert st["status"] == "complete"
    c = st["counts"]
    assert c["enterprise"] == 60
    assert 60 * 4 <= c["area"] <= 60 * 17          # plant + 2–4 workshops + 1–3 units each
    assert 1 * c["area"] // 2 <= c["risk"] <= 5 * c["area"]
    assert c["region"] > 50 and c["road"] > 100 and c["emergency_resource"] > 0
    # the load ran with triggers off; the stored levels must equal what the triggers would keep:
    # a full refresh changes nothing, and every enterprise's residual level is the highest of its risks
    assert _one(url, "SELECT ra_refresh_all_levels()")[0] == 0
    assert _one(url, """SELECT count(*) FROM enterprise_state es
                        LEFT JOIN (SELECT a.enterprise_id, max(r.residual_level) m FROM risk r
                                   JOIN area a ON a.id = r.area_id GROUP BY 1) x ON x.enterprise_id = es.enterprise_id
                        WHERE es.residual_level IS DISTINCT FROM x.m""")[0] == 0
    # the indexes dropped for the load are back
    assert _one(url, "SELECT count(*) FROM pg_indexes WHERE indexname IN ('area_geom_gix', 'risk_area_idx', "
                     "'enterprise_location_gix')")[0] == 3
    # sequences continue after the explicit ids, and the triggers work again on the loaded data
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("""SELECT a.id, a.enterprise_id FROM area a JOIN enterprise_state es
                           ON es.enterprise_id = a.enterprise_id
                           WHERE a.kind = 'unit' AND es.current_level < 'major' ORDER BY a.id LIMIT 1""")
            unit, ent = cur.fetchone()
            cur.execute("SELECT max(id) FROM risk")
            top = cur.fetchone()[0]
            cur.execute("INSERT INTO risk (area_id, name, hazard_factors, accident_type, method, inherent_level, "
                        "residual_level, control_tier, basis) VALUES (%s, '新增风险', '测试', 1, 'direct', 'major', "
                        "'major', 'company', '测试依据') RETURNING id", (unit,))
            assert cur.fetchone()[0] > top
            cur.execute("SELECT current_level FROM enterprise_state WHERE enterprise_id = %s", (ent,))
            assert cur.fetchone()[0] == "major"
            # derived tables the triggers would have kept are complete after the triggerless load
            cur.execute("SELECT count(*) FROM region_closure c JOIN region r ON r.id = c.region_id "
                        "WHERE c.ancestor_id = c.region_id")
            regions = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM region")
            assert regions == cur.fetchone()[0] > 0
            cur.execute("""SELECT count(*) FROM enterprise_state s LEFT JOIN (
                               SELECT a.enterprise_id,
                                      count(*) FILTER (WHERE r.residual_level = 'major') AS ma,
                                      count(*) FILTER (WHERE r.residual_level = 'significant') AS si,
                                      count(*) FILTER (WHERE r.residual_level = 'general') AS ge,
                                      count(*) FILTER (WHERE r.residual_level = 'low') AS lo
                               FROM area a JOIN risk r ON r.area_id = a.id GROUP BY a.enterprise_id) t
                           ON t.enterprise_id = s.enterprise_id
                           WHERE (s.risk_major, s.risk_significant, s.risk_general, s.risk_low)
                                 IS DISTINCT FROM (coalesce(t.ma, 0), coalesce(t.si, 0), coalesce(t.ge, 0), coalesce(t.lo, 0))""")
            assert cur.fetchone()[0] == 0
    finally:
        conn.rollback()
        conn.close()


def test_same_parameters_give_the_same_data(server_url, bench_db):
    a = generate(server_url, SMALL, database=bench_db("b1"), progress=False)
    b = generate(server_url, SMALL, database=bench_db("b2"), progress=False)
    assert _one(a, FINGERPRINT) == _one(b, FINGERPRINT)
    other = generate(server_url, Params(60, 1, seed=6), database=bench_db("b3"), progress=False)
    assert _one(other, FINGERPRINT)[0] != _one(a, FINGERPRINT)[0]


def test_interrupted_load_is_not_complete_and_resumes(server_url, bench_db, monkeypatch):
    name = bench_db("c")
    monkeypatch.setattr(gen, "CHUNK", 20)             # 60 enterprises = chunks 0, 1, 2
    real = gen._copy_chunk

    def crash_on_chunk_1(conn, chunk, rows):
        if chunk == 1:
            raise KeyboardInterrupt("simulated interruption")
        real(conn, chunk, rows)

    monkeypatch.setattr(gen, "_copy_chunk", crash_on_chunk_1)
    with pytest.raises(KeyboardInterrupt):
        generate(server_url, SMALL, database=name, progress=False)
    st = status(server_url, name)
    assert st["status"] == "loading"                  # never looks complete
    url = gen.with_dbname(server_url, name)
    assert _one(url, "SELECT count(*) FROM enterprise")[0] == 20   # chunk 1 rolled back whole
    monkeypatch.setattr(gen, "_copy_chunk", real)
    generate(server_url, SMALL, database=name, progress=False)
    assert status(server_url, name)["status"] == "complete"
    assert _one(url, "SELECT array_agg(chunk ORDER BY chunk) FROM bench_chunk")[0] == [-1, 0, 1, 2]
    clean = generate(server_url, SMALL, database=bench_db("c2"), progress=False)
    assert _one(url, FINGERPRINT) == _one(clean, FINGERPRINT)


def test_refuses_other_parameters_and_foreign_databases(server_url, bench_db):
    name = bench_db("d")
    generate(server_url, SMALL, database=name, progress=False)
    with pytest.raises(GenerateError, match="其他参数|other parameters"):
        generate(server_url, Params(60, 1, seed=7), database=name, progress=False)
    foreign = bench_db("e")
    create_database(server_url, foreign)
    with pytest.raises(GenerateError, match="不是基准数据库"):
        generate(server_url, SMALL, database=foreign, progress=False)
    with pytest.raises(GenerateError, match="riskatlas"):
        generate(server_url, SMALL, database="riskatlas", progress=False)


def test_uscc_is_valid_and_unique():
    from layers.uscc import is_valid

    codes = {gen.uscc_for(i, "320402") for i in range(1, 5000)}
    assert len(codes) == 4999
    assert all(is_valid(c) for c in codes)
