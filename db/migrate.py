"""Versioned SQL migrations: ``db/migrations/NNNN_name.sql``, applied in order, each in its own
transaction, recorded in ``schema_version`` with a checksum so an edited, already-applied file is
reported instead of silently skipped."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg2.extensions

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 0x7269736B  # 'risk': one migrator at a time per database


class MigrationError(RuntimeError):
    pass


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    path: Path

    @property
    def sql(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def available(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise MigrationError(f"迁移文件名不合规 (bad migration file name): {path.name}; expected NNNN_name.sql")
        found.append(Migration(int(m.group(1)), m.group(2), path))
    versions = [m.version for m in found]
    if len(set(versions)) != len(versions):
        raise MigrationError(f"迁移版本号重复 (duplicate migration versions): {versions}")
    return found


def applied(conn: psycopg2.extensions.connection) -> dict[int, str]:
    with conn.cursor() as cur:
        cur.execute("SELECT to_regclass('public.schema_version')")
        if cur.fetchone()[0] is None:
            return {}
        cur.execute("SELECT version, checksum FROM schema_version ORDER BY version")
        return dict(cur.fetchall())


def migrate(conn: psycopg2.extensions.connection, *, log: Callable[[str], object] = print, directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    """Apply every pending migration. Returns those applied now."""
    if conn.autocommit:
        conn.autocommit = False
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
    try:
        with conn, conn.cursor() as cur:
            cur.execute(
                """CREATE TABLE IF NOT EXISTS schema_version (
                       version    int PRIMARY KEY,
                       name       text NOT NULL,
                       checksum   text NOT NULL,
                       applied_at timestamptz NOT NULL DEFAULT now())"""
            )
        done = applied(conn)
        todo = []
        for m in available(directory):
            if m.version in done:
                if done[m.version] != m.checksum:
                    raise MigrationError(
                        f"已应用的迁移 {m.path.name} 被修改过 (an applied migration was edited); "
                        "add a new migration instead"
                    )
                continue
            todo.append(m)
        for m in todo:
            log(f"迁移 (migrating) {m.path.name}")
            try:
                with conn, conn.cursor() as cur:
                    cur.execute(m.sql)
                    cur.execute(
                        "INSERT INTO schema_version (version, name, checksum) VALUES (%s, %s, %s)",
                        (m.version, m.name, m.checksum),
                    )
            except psycopg2.Error as exc:
                raise MigrationError(f"迁移 {m.path.name} 失败 (failed), 已回滚 (rolled back): {exc}") from exc
        if todo:
            _secure_views(conn)
        return todo
    finally:
        with conn.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
        conn.commit()


def _secure_views(conn: psycopg2.extensions.connection) -> None:
    """Views made by any migration run with the caller's rights, so row-level security applies
    through them, and new shared tables are read-all/admin-write (see 0010_accounts_jurisdiction.sql)."""
    with conn, conn.cursor() as cur:
        for fn in ("ra_secure_views", "ra_secure_shared_tables"):
            cur.execute("SELECT to_regprocedure(%s)", (f"{fn}()",))
            if cur.fetchone()[0] is not None:
                cur.execute(f"SELECT {fn}()")
