"""Migrations from an empty database, idempotence, and refusal of an edited applied migration."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg2
import pytest

from db.migrate import MIGRATIONS_DIR, MigrationError, available, migrate

TABLES = {
    "region", "enterprise", "area", "risk", "control_measure", "hidden_hazard", "hidden_hazard_photo",
    "chemical", "hazard_source", "hazard_source_inventory", "emergency_resource", "protection_target",
    "road", "app_user", "audit_log", "schema_version", "industry", "accident_type", "vocabulary",
}


def test_migrates_an_empty_database(empty_db: str):
    conn = psycopg2.connect(empty_db)
    try:
        applied = migrate(conn, log=lambda m: None)
        assert [m.version for m in applied] == [m.version for m in available()]
        with conn.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            tables = {r[0] for r in cur.fetchall()}
            assert TABLES <= tables, TABLES - tables
            cur.execute("SELECT count(*) FROM schema_version")
            assert cur.fetchone()[0] == len(available())
            # every geometry column is SRID 4326 and GiST indexed
            cur.execute("SELECT f_table_name, f_geometry_column, srid FROM geometry_columns")
            geoms = cur.fetchall()
            assert geoms and all(srid == 4326 for _, _, srid in geoms)
            cur.execute(
                """SELECT g.f_table_name, g.f_geometry_column FROM geometry_columns g
                   WHERE NOT EXISTS (SELECT 1 FROM pg_indexes i WHERE i.tablename = g.f_table_name
                                     AND i.indexdef ILIKE '%USING gist (' || g.f_geometry_column || ')%')"""
            )
            assert cur.fetchall() == []
            cur.execute("SELECT count(*) FROM accident_type")
            assert cur.fetchone()[0] == 20  # GB 6441-1986
        assert migrate(conn, log=lambda m: None) == [], "a second run applies nothing"
    finally:
        conn.close()


def test_edited_applied_migration_is_refused(empty_db: str, tmp_path: Path):
    mig = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, mig)
    conn = psycopg2.connect(empty_db)
    try:
        migrate(conn, log=lambda m: None, directory=mig)
        first = sorted(mig.glob("*.sql"))[0]
        first.write_text(first.read_text() + "\n-- edited\n")
        with pytest.raises(MigrationError, match="edited"):
            migrate(conn, log=lambda m: None, directory=mig)
    finally:
        conn.close()


def test_failing_migration_rolls_back_whole(empty_db: str, tmp_path: Path):
    mig = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, mig)
    (mig / "9999_broken.sql").write_text("CREATE TABLE half_written (id int);\nSELECT no_such_function();\n")
    conn = psycopg2.connect(empty_db)
    try:
        with pytest.raises(MigrationError, match="9999_broken"):
            migrate(conn, log=lambda m: None, directory=mig)
        with conn.cursor() as cur:
            cur.execute("SELECT to_regclass('half_written'), (SELECT max(version) FROM schema_version)")
            table, version = cur.fetchone()
        assert table is None, "a failed migration must leave nothing behind"
        assert version < 9999
    finally:
        conn.close()


def test_the_default_profile_names_only_its_public_source(scene_conn):
    with scene_conn.cursor() as cur:
        cur.execute("SELECT title_zh FROM assessment_profile WHERE name = 'default'")
        assert cur.fetchone()[0] == "默认评价方案 (山东省指导书第七条)"
