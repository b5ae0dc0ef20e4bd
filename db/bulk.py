"""Bulk loading into PostGIS: COPY in text format with geometries as hex EWKB, and dropping /
rebuilding a table's secondary indexes around a large load.

This is the loader behind ``python -m bench generate`` (and the one the ``bulk_load`` benchmark
compares with ``ogr2ogr`` and ``GeoDataFrame.to_postgis``). Rows are streamed in batches, so memory
stays flat however many rows there are.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np
import psycopg2.extensions
import shapely
from psycopg2 import sql

if TYPE_CHECKING:
    import pandas as pd

Conn: TypeAlias = psycopg2.extensions.connection
#: One column of values for :func:`copy_columns`.
Column: TypeAlias = "Sequence[Any] | np.ndarray | pd.Series"
#: ``progress(k, n, name)`` after the k-th of n indexes is in place.
IndexProgress: TypeAlias = Callable[[int, int, str], object]

#: Rows per COPY batch: large enough to amortise the round trip, small enough to keep memory flat.
BATCH = 20_000

_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def ewkb_hex(geoms: Sequence[shapely.Geometry | None] | np.ndarray, srid: int = 4326) -> np.ndarray:
    """Hex EWKB (with SRID) of an array of shapely geometries, vectorised; None stays None.

    Binary WKB from shapely then ``bytes.hex`` is several times quicker than shapely's own
    ``hex=True``."""
    arr = np.asarray(geoms, dtype=object)
    out = np.full(len(arr), None, dtype=object)
    present = np.array([g is not None for g in arr], dtype=bool)
    if present.any():
        wkb = shapely.to_wkb(shapely.set_srid(arr[present], srid), hex=False, include_srid=True,
                             output_dimension=2)
        out[present] = [b.hex() for b in wkb]
    return out


def _text(v: object) -> str:
    return str(v).translate(_ESCAPES)


def _float(v: float | np.floating) -> str:
    return "\\N" if v != v else repr(float(v))   # NaN is a missing value, as in pandas


def _json(v: object) -> str:
    return json.dumps(v, ensure_ascii=False).translate(_ESCAPES)


#: COPY text formatting by exact type (a dict look-up instead of a chain of isinstance tests).
_FORMAT: dict[type, Callable[[Any], str]] = {
    str: _text, int: str, float: _float, bool: lambda v: "t" if v else "f",
    dt.date: dt.date.isoformat, dt.datetime: dt.datetime.isoformat, dict: _json, list: _json,
    np.int64: lambda v: str(int(v)), np.int32: lambda v: str(int(v)), np.float64: _float,
    np.bool_: lambda v: "t" if v else "f",
}


def copy_value(v: object) -> str:
    """One field in COPY text format."""
    if v is None:
        return "\\N"
    f = _FORMAT.get(type(v))
    if f is not None:
        return f(v)
    if isinstance(v, bool):
        return "t" if v else "f"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        return _float(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    if isinstance(v, (dict, list)):
        return _json(v)
    return _text(v)


def _copy_stmt(conn: Conn, table: str, columns: Sequence[str]) -> str:
    stmt: str = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(*table.split(".")), sql.SQL(", ").join(map(sql.Identifier, columns))).as_string(conn)
    return stmt


def copy_rows(conn: Conn, table: str, columns: Sequence[str], rows: Iterable[Sequence[object]], *,
              batch: int = BATCH) -> int:
    """COPY ``rows`` (tuples in the order of ``columns``) into ``table``; returns the row count.

    Geometry columns take hex EWKB strings (see :func:`ewkb_hex`). Runs in the connection's current
    transaction: the caller commits, so a failure leaves nothing behind. For data already held
    column by column, :func:`copy_columns` is quicker.
    """
    stmt = _copy_stmt(conn, table, columns)
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


def _column_text(values: Column) -> list[str]:
    """COPY text of one column, formatted by the column's type once rather than field by field."""
    arr = values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values, dtype=object)
    text: list[str]
    if arr.dtype.kind in "iu":
        text = arr.astype(str).tolist()
        return text
    if arr.dtype.kind == "b":
        text = np.where(arr, "t", "f").tolist()
        return text
    out = [None if v is None or (isinstance(v, float) and v != v) else v for v in arr.tolist()]
    kinds = {type(v) for v in out if v is not None}
    if kinds == {str}:
        # escaping is needed only by strings holding a backslash, tab or newline
        return ["\\N" if v is None else (v.translate(_ESCAPES) if ("\\" in v or "\t" in v or "\n" in v
                                                                 or "\r" in v) else v) for v in out]
    return [copy_value(v) for v in out]


def copy_columns(conn: Conn, table: str, data: dict[str, Column], *, batch: int = 100_000) -> int:
    """COPY columns of equal length (``{column: values}``, geometries as hex EWKB, see
    :func:`ewkb_hex`) into ``table``, in batches; returns the row count. Same transaction rules as
    :func:`copy_rows`; formats column by column, which is what makes it quick."""
    columns = list(data)
    lengths = {c: len(v) for c, v in data.items()}
    if len(set(lengths.values())) > 1:
        raise ValueError(f"{table}: 各列长度不同 (columns differ in length): {lengths}")
    n = next(iter(lengths.values()), 0)
    stmt = _copy_stmt(conn, table, columns)
    with conn.cursor() as cur:
        for start in range(0, n, batch):
            cols = [_column_text(data[c][start:start + batch]) for c in columns]
            text = "".join("\t".join(fields) + "\n" for fields in zip(*cols, strict=True))
            cur.copy_expert(stmt, io.BytesIO(text.encode("utf-8")))
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


def create_indexes(conn: Conn, indexes: Sequence[tuple[str, str]],
                   progress: IndexProgress | None = None) -> None:
    """Re-create dropped indexes (idempotent: an index that exists is left alone)."""
    with conn.cursor() as cur:
        for k, (name, ddl) in enumerate(indexes, 1):
            cur.execute("SELECT to_regclass(%s)", (name,))
            if cur.fetchone()[0] is None:
                cur.execute(ddl)
            if progress:
                progress(k, len(indexes), name)
