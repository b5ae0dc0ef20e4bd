"""Bulk loading into PostGIS: COPY in text format with geometries as hex EWKB, and dropping /
rebuilding a table's secondary indexes around a large load.

This is the loader behind ``riskatlas bench generate`` (and the one the ``bulk_load`` benchmark
compares with ``ogr2ogr`` and ``GeoDataFrame.to_postgis``). Rows are streamed in batches, so memory
stays flat however many rows there are.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterable, Sequence

import numpy as np
import psycopg2.extensions
import shapely
from psycopg2 import sql

Conn = psycopg2.extensions.connection

#: Rows per COPY batch: large enough to amortise the round trip, small enough to keep memory flat.
BATCH = 20_000

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def ewkb_hex(geoms: Sequence | np.ndarray, srid: int = 4326) -> np.ndarray:
    """Hex EWKB (with SRID) of an array of shapely geometries, vectorised; None stays None."""
    arr = np.asarray(geoms, dtype=object)
    out = np.full(len(arr), None, dtype=object)
    present = np.array([g is not None for g in arr], dtype=bool)
    if present.any():
        out[present] = shapely.to_wkb(shapely.set_srid(arr[present], srid), hex=True, include_srid=True,
                                      output_dimension=2)
    return out


def copy_value(v) -> str:
    """One field in COPY text format."""
    if v is None:
        return "\\N"
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return repr(float(v))
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False).translate(_ESCAPES)
    return str(v).translate(_ESCAPES)


def copy_rows(conn: Conn, table: str, columns: Sequence[str], rows: Iterable[Sequence], *,
              batch: int = BATCH) -> int:
    """COPY ``rows`` (tuples in the order of ``columns``) into ``table``; returns the row count.

    Geometry columns take hex EWKB strings (see :func:`ewkb_hex`). Runs in the connection's current
    transaction: the caller commits, so a failure leaves nothing behind.
    """
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(*table.split(".")), sql.SQL(", ").join(map(sql.Identifier, columns))).as_string(conn)
    n = 0
    buf: list[str] = []
    with conn.cursor() as cur:
        def flush() -> None:
            if buf:
                cur.copy_expert(stmt, io.BytesIO("".join(buf).encode("utf-8")))
                buf.clear()

        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"{table}: 第 {n + 1} 行有 {len(row)} 个值, 应为 {len(columns)} 个 "
                                 f"(row {n + 1} has {len(row)} values, expected {len(columns)})")
            buf.append("\t".join(copy_value(v) for v in row) + "\n")
            n += 1
            if len(buf) >= batch:
                flush()
        flush()
    return n


def secondary_indexes(conn: Conn, tables: Sequence[str]) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of the indexes of ``tables`` that back no constraint
    (primary keys and unique constraints stay: they guard the data while it loads)."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT i.relname, pg_get_indexdef(x.indexrelid)
               FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid
               JOIN pg_class t ON t.oid = x.indrelid
               JOIN pg_namespace n ON n.oid = t.relnamespace
               WHERE n.nspname = current_schema() AND t.relname = ANY (%s)
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
               ORDER BY t.relname, i.relname""",
            (list(tables),))
        return [(name, ddl) for name, ddl in cur.fetchall()]


def drop_indexes(conn: Conn, indexes: Sequence[tuple[str, str]]) -> None:
    with conn.cursor() as cur:
        for name, _ddl in indexes:
            cur.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(name)))


def create_indexes(conn: Conn, indexes: Sequence[tuple[str, str]], progress=None) -> None:
    """Re-create dropped indexes (idempotent: an index that exists is left alone)."""
    with conn.cursor() as cur:
        for k, (name, ddl) in enumerate(indexes, 1):
            cur.execute("SELECT to_regclass(%s)", (name,))
            if cur.fetchone()[0] is None:
                cur.execute(ddl)
            if progress:
                progress(k, len(indexes), name)
