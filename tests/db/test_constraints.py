"""Checks at the door: bad input is refused with a reason, and nothing half-written stays behind."""

from __future__ import annotations

import random

import psycopg2
import pytest

from layers import uscc

SQUARE = "MULTIPOLYGON(((119.95 31.70,119.951 31.70,119.951 31.701,119.95 31.701,119.95 31.70)))"
BOWTIE = "MULTIPOLYGON(((119.95 31.70,119.951 31.701,119.951 31.70,119.95 31.701,119.95 31.70)))"


def _error(conn, sql: str, params=()) -> str:
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT t")
        try:
            cur.execute(sql, params)
        except psycopg2.Error as exc:
            cur.execute("ROLLBACK TO SAVEPOINT t")
            return exc.diag.message_primary or str(exc)
    raise AssertionError(f"statement was accepted: {sql}")


def test_invalid_geometry_refused_with_reason(conn):
    msg = _error(conn, "INSERT INTO region (adcode, name, level, geom) VALUES "
                       "('999999','坏区域','province', ST_GeomFromText(%s, 4326))", (BOWTIE,))
    assert "几何无效" in msg and "Self-intersection" in msg and "region.geom" in msg


def test_wrong_crs_refused(conn):
    msg = _error(conn, "INSERT INTO region (adcode, name, level, geom) VALUES "
                       "('999999','坏区域','province', ST_GeomFromText(%s, 3857))", (SQUARE,))
    assert "SRID" in msg
    # metres given as if they were degrees: the SRID claims 4326 but the numbers are projected
    msg = _error(conn, "INSERT INTO region (adcode, name, level, geom) VALUES ('999999','坏区域','province', "
                       "ST_GeomFromText('MULTIPOLYGON(((500000 3500000,500100 3500000,500100 3500100,"
                       "500000 3500000)))', 4326))")
    assert "坐标超出经纬度范围" in msg


def test_grid_needs_its_officer(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM region WHERE level = 'town' LIMIT 1")
        town = cur.fetchone()[0]
    msg = _error(conn, "INSERT INTO region (adcode, name, level, parent_id, geom) VALUES "
                       "('999999999999','无专管员网格','grid', %s, ST_GeomFromText(%s, 4326))", (town, SQUARE))
    assert "region_check" in msg or "violates check constraint" in msg


def test_uscc_python_and_sql_agree(conn):
    rng = random.Random(7)
    codes = []
    for _ in range(200):
        body = "91" + "".join(rng.choice(uscc.ALPHABET) for _ in range(15))
        good = body + uscc.check_char(body)
        codes.append(good)
        codes.append(body + rng.choice([c for c in uscc.ALPHABET if c != good[-1]]))
    codes += ["", "91320412MA1MXXXXX", "91320412MA1MXXXXXI", "91320412ma1mxxxxx0"]
    with conn.cursor() as cur:
        cur.execute("SELECT c, uscc_valid(c) FROM unnest(%s::text[]) AS c", (codes,))
        for code, valid in cur.fetchall():
            assert valid == (code == code.upper() and uscc.is_valid(code)), code
    assert uscc.validate("91320412MA1MXXXXX0").startswith("统一社会信用代码校验码错误")


def test_enterprise_with_bad_uscc_refused(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT id, ST_AsText(ST_PointOnSurface(geom)) FROM region WHERE level = 'grid' LIMIT 1")
        grid, point = cur.fetchone()
    msg = _error(conn, "INSERT INTO enterprise (uscc, name, industry, scale, employees, region_id, location) "
                       "VALUES ('913204120000000000', '测试企业', 'machinery', 'small', 50, %s, "
                       "ST_GeomFromText(%s, 4326))", (grid, point))
    assert "统一社会信用代码" in msg


def test_enterprise_outside_its_region_refused(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM region WHERE level = 'grid' LIMIT 1")
        grid = cur.fetchone()[0]
    code = "91320412MA1TENT00" + uscc.check_char("91320412MA1TENT00")
    msg = _error(conn, "INSERT INTO enterprise (uscc, name, industry, scale, employees, region_id, location) "
                       "VALUES (%s, '北京的企业', 'machinery', 'small', 50, %s, ST_SetSRID(ST_MakePoint(116.4, 39.9), 4326))",
                 (code, grid))
    assert "不在其所属区域" in msg


def test_unit_outside_its_workshop_refused(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT id, enterprise_id, ST_AsText(ST_Translate(geom, 0.01, 0)) FROM area "
                    "WHERE kind = 'workshop' LIMIT 1")
        ws, ent, moved = cur.fetchone()
    msg = _error(conn, "INSERT INTO area (enterprise_id, parent_id, kind, code, name, geom) "
                       "VALUES (%s, %s, 'unit', 'X-OUT', '越界单元', ST_GeomFromText(%s, 4326))", (ent, ws, moved))
    assert "超出上级区域" in msg


def test_unit_slightly_over_the_edge_is_tolerated(conn):
    # 0.2 m beyond the workshop edge is drawing noise, inside the 0.5 m tolerance
    with conn.cursor() as cur:
        cur.execute("SELECT id, enterprise_id, ST_AsText(ST_Buffer(geom, 0.2 / 111320.0, 'join=mitre')) "
                    "FROM area WHERE kind = 'workshop' LIMIT 1")
        ws, ent, grown = cur.fetchone()
        cur.execute("SAVEPOINT t")
        cur.execute("INSERT INTO area (enterprise_id, parent_id, kind, code, name, geom) "
                    "VALUES (%s, %s, 'unit', 'X-EDGE', '贴边单元', ST_Multi(ST_GeomFromText(%s, 4326))) RETURNING id",
                    (ent, ws, grown))
        assert cur.fetchone()[0]
        cur.execute("ROLLBACK TO SAVEPOINT t")


def test_area_of_another_enterprise_cannot_be_parent(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT a.id, a.enterprise_id, ST_AsText(a.geom) FROM area a WHERE kind = 'workshop' LIMIT 1")
        ws, ent, geom = cur.fetchone()
        cur.execute("SELECT id FROM enterprise WHERE id <> %s LIMIT 1", (ent,))
        other = cur.fetchone()[0]
    msg = _error(conn, "INSERT INTO area (enterprise_id, parent_id, kind, code, name, geom) "
                       "VALUES (%s, %s, 'unit', 'X-FOREIGN', '他人单元', ST_GeomFromText(%s, 4326))", (other, ws, geom))
    assert "属于其他企业" in msg


def test_residual_above_inherent_refused(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM area WHERE kind = 'workshop' LIMIT 1")
        ws = cur.fetchone()[0]
    msg = _error(conn, "INSERT INTO risk (area_id, name, hazard_factors, accident_type, method, inherent_level, "
                       "residual_level, control_tier) VALUES (%s, '冲压', '机械', 3, 'LEC', 'general', 'major', 'team')",
                 (ws,))
    assert "现有风险等级" in msg and "高于固有风险等级" in msg


def test_unknown_accident_type_refused(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM area WHERE kind = 'workshop' LIMIT 1")
        ws = cur.fetchone()[0]
    msg = _error(conn, "INSERT INTO risk (area_id, name, hazard_factors, accident_type, method, inherent_level, "
                       "residual_level, control_tier) VALUES (%s, '冲压', '机械', 21, 'LEC', 'low', 'low', 'post')", (ws,))
    assert "accident_type" in msg


def test_reviewer_must_differ_from_rectifier(conn):
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM hidden_hazard LIMIT 1")
        hh = cur.fetchone()[0]
    msg = _error(conn, "UPDATE hidden_hazard SET rectifier = '张三', verified_by = '张三' WHERE id = %s", (hh,))
    assert "hidden_hazard_reviewer_differs" in msg


def test_failed_multi_row_insert_leaves_nothing(demo_url):
    """One transaction: a bad row in a batch rolls back the good rows before it."""
    conn = psycopg2.connect(demo_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM region WHERE level = 'town' LIMIT 1")
            town = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM region")
            before = cur.fetchone()[0]
        with pytest.raises(psycopg2.Error):
            with conn, conn.cursor() as cur:
                cur.execute("INSERT INTO region (adcode, name, level, parent_id, officer_name, officer_phone, geom) "
                            "VALUES ('999999000001','好网格','grid', %s, '王五', '13900000000', "
                            "ST_GeomFromText(%s, 4326))", (town, SQUARE))
                cur.execute("INSERT INTO region (adcode, name, level, parent_id, officer_name, officer_phone, geom) "
                            "VALUES ('999999000002','坏网格','grid', %s, '王五', '13900000000', "
                            "ST_GeomFromText(%s, 4326))", (town, BOWTIE))
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM region")
            assert cur.fetchone()[0] == before
    finally:
        conn.close()


def test_any_region_may_be_the_top_but_a_province_has_no_parent(conn):
    """A district set up on its own has no parent; a province under another region is refused."""
    with conn.cursor() as cur:
        cur.execute("INSERT INTO region (adcode, name, level, geom) VALUES ('999901', '独立区县', 'district', "
                    "ST_GeomFromText(%s, 4326)) RETURNING id", (SQUARE,))
        top = cur.fetchone()[0]
    msg = _error(conn, "INSERT INTO region (adcode, name, level, parent_id, geom) VALUES "
                       "('999902', '坏省', 'province', %s, ST_GeomFromText(%s, 4326))", (top, SQUARE))
    assert "region_province_is_top" in msg
