"""db.bulk: COPY text formatting must round-trip every awkward value exactly (rolled back)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
import shapely

from db import bulk

NASTY = ["普通", "tab\there", "line\nbreak", "back\\slash", "cr\rhere", None, "", "\\N", "'quote\""]


def _table(conn) -> None:
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE t (id int, s text, x float8, ok boolean, d date, j jsonb, "
                    "g geometry(Polygon, 4326))")


def _read(conn) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute("SELECT id, s, x, ok, d, j, ST_AsText(g) FROM t ORDER BY id")
        return cur.fetchall()


def _data():
    n = len(NASTY)
    polys = [shapely.box(120 + i, 31, 120.5 + i, 31.5) if i % 3 else None for i in range(n)]
    return {
        "id": np.arange(1, n + 1),
        "s": NASTY,
        "x": [0.1 * i if i % 4 else float("nan") for i in range(n)],
        "ok": [i % 2 == 0 for i in range(n)],
        "d": [dt.date(2026, 1, 1 + i) if i % 5 else None for i in range(n)],
        "j": [{"k": "值\t", "i": i} for i in range(n)],
        "g": bulk.ewkb_hex(polys),
    }, polys


@pytest.mark.parametrize("how", ["rows", "columns"])
def test_copy_round_trips_awkward_values(scene_conn, how):
    conn = scene_conn
    _table(conn)
    data, polys = _data()
    if how == "rows":
        n = bulk.copy_rows(conn, "t", list(data), zip(*data.values(), strict=True), batch=4)
    else:
        n = bulk.copy_columns(conn, "t", {**data, "s": pd.Series(data["s"], dtype=object)}, batch=4)
    assert n == len(NASTY)
    got = _read(conn)
    assert [r[1] for r in got] == NASTY
    assert [r[2] for r in got] == [None if x != x else pytest.approx(x) for x in data["x"]]
    assert [r[3] for r in got] == data["ok"]
    assert [r[4] for r in got] == data["d"]
    assert [r[5] for r in got] == data["j"]
    assert [r[6] for r in got] == [None if p is None else p.wkt.replace("POLYGON ((", "POLYGON((")
                                   .replace(", ", ",") for p in polys]


def test_ewkb_hex_carries_the_srid(scene_conn):
    hexes = bulk.ewkb_hex([shapely.Point(119.95, 31.78), None], srid=4490)
    assert hexes[1] is None
    with scene_conn.cursor() as cur:
        cur.execute("SELECT ST_SRID(%s::geometry), ST_AsText(%s::geometry)", (hexes[0], hexes[0]))
        assert cur.fetchone() == (4490, "POINT(119.95 31.78)")


def test_columns_of_different_lengths_are_refused(scene_conn):
    with pytest.raises(ValueError, match="长度"):
        bulk.copy_columns(scene_conn, "t", {"id": [1, 2], "s": ["a"]})
