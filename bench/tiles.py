"""Vector tiles of enterprises at zooms 8, 12 and 16 on the province data.

Three subjects, measured in one run per zoom over the same fixed tile set (tiles holding enterprises,
picked deterministically by enterprise id):

- ``riskatlas``: GET /tiles/enterprises/{z}/{x}/{y}.pbf from the real app (uvicorn, one keep-alive
  connection): clusters at z ≤ 10, points with id/name/level/industry above, capped, ETag computed;
- ``floor_sql``: the raw ST_AsMVT SQL of the same tile run straight on psycopg2 (all points, id and level
  only, no cap, no HTTP): what any MVT server must at least pay;
- ``tipg``: developmentseed's tipg serving a view of the same enterprises with their level
  (``/collections/public.bench_enterprise_tiles/tiles/WebMercatorQuad/{z}/{x}/{y}``), run as a
  subprocess from its own virtualenv (``var/bench/tipg``) on a free loopback port. It is installed from
  PyPI at full size (or with ``RISKATLAS_BENCH_TIPG=1``); at smoke size it is skipped when not yet
  installed, so CI needs no extra download.

Each subject fetches every tile of the set once per run and reports p50/p95 latency (ms), tiles/s and
bytes; time is the whole set.
"""

from __future__ import annotations

import http.client
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager

from bench.api import regulator_token
from bench.browser import free_port, live_app, serve
from bench.harness import Context, benchmark
from db.settings import project_root
from layers.filters import EVERYTHING
from layers.tiles import tile

ZOOMS = (8, 12, 16)
VIEW = "bench_enterprise_tiles"
FLOOR = """
SELECT ST_AsMVT(t, 'enterprises', 4096, 'geom') FROM (
    SELECT e.id, es.current_level::text AS level,
           ST_AsMVTGeom(ST_Transform(e.location, 3857), ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4096, 64, true) AS geom
    FROM enterprise e JOIN enterprise_state es ON es.enterprise_id = e.id
    WHERE e.location && ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s), 4326)) t
"""


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    return int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)


def tile_set(conn, z: int, n: int) -> list[tuple[int, int, int]]:
    """Up to ``n`` distinct tiles holding enterprises, from enterprises spread evenly over the id range."""
    with conn.cursor() as cur:
        cur.execute("SELECT ST_X(location), ST_Y(location) FROM enterprise WHERE id %% %s = 0 ORDER BY id",
                    (max(1, _count(conn) // (n * 4)),))
        pts = cur.fetchall()
    conn.rollback()
    out: list[tuple[int, int, int]] = []
    for lon, lat in pts:
        t = (z, *tile_of(lon, lat, z))
        if t not in out:
            out.append(t)
        if len(out) == n:
            break
    return out


def _count(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM enterprise")
        return cur.fetchone()[0]


def _summary(lat_s: list[float], nbytes: int) -> dict:
    lat_ms = sorted(x * 1000 for x in lat_s)
    p95 = lat_ms[min(len(lat_ms) - 1, math.ceil(0.95 * len(lat_ms)) - 1)]
    return {"p50_ms": statistics.median(lat_ms), "p95_ms": p95, "tiles_per_s": len(lat_s) / sum(lat_s),
            "bytes": nbytes, "time_s": sum(lat_s)}


class HttpFetcher:
    """Fetches tiles over one keep-alive HTTP connection to 127.0.0.1:``port`` and times each
    request; ``path_of(z, x, y)`` is a tile's URL path. :meth:`close` ends the connection."""

    def __init__(self, port: int, path_of: Callable[[int, int, int], str],
                 headers: dict[str, str] | None = None) -> None:
        self._conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self._path_of = path_of
        self._headers = headers or {}

    def __call__(self, tiles: list[tuple[int, int, int]]) -> dict:
        lat: list[float] = []
        nbytes = 0
        for z, x, y in tiles:
            t0 = time.perf_counter()
            self._conn.request("GET", self._path_of(z, x, y), headers=self._headers)
            r = self._conn.getresponse()
            body = r.read()
            lat.append(time.perf_counter() - t0)
            if r.status not in (200, 204):
                raise RuntimeError(f"{self._path_of(z, x, y)}: HTTP {r.status} {body[:200]!r}")
            nbytes += len(body)
        return _summary(lat, nbytes)

    def close(self) -> None:
        self._conn.close()


def tipg_python(ctx: Context) -> str | None:
    """The python of tipg's own virtualenv, installed from PyPI when the size asks for it."""
    venv = project_root() / "var" / "bench" / "tipg"
    py = venv / "bin" / "python"
    if py.exists():
        return str(py)
    if ctx.size != "full" and os.environ.get("RISKATLAS_BENCH_TIPG") != "1":
        ctx.log("tipg 未安装, 冒烟规模跳过 (tipg not installed: skipped at smoke size; RISKATLAS_BENCH_TIPG=1 installs it)")
        return None
    ctx.log("安装 tipg (installing tipg from PyPI into var/bench/tipg)")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(py), "-m", "pip", "install", "-q", "tipg>=1.0", "uvicorn"], check=True)
    return str(py)


@contextmanager
def tipg_server(py: str, database_url: str):
    port = free_port()
    env = {"DATABASE_URL": database_url, "TIPG_DB_SCHEMAS": '["public"]', "TIPG_DB_TABLES": f'["public.{VIEW}"]',
           "TIPG_MAX_FEATURES_PER_TILE": "10000", "TIPG_DEFAULT_MINZOOM": "0"}
    with serve([py, "-m", "uvicorn", "tipg.main:app", "--host", "127.0.0.1", "--port", str(port),
                "--log-level", "warning"], env, f"http://127.0.0.1:{port}/collections/public.{VIEW}"):
        yield port


def _tiles_bench(ctx: Context, z: int):
    conn = ctx.connect()
    tiles = tile_set(conn, z, ctx.scale(8, 50))
    ctx.log(f"tiles z{z}: {len(tiles)} 个瓦片 (tiles), {_count(conn):,} 家企业")
    conn.rollback()
    with conn.cursor() as cur:   # what tipg serves: the enterprises with their level (a view: no copy)
        cur.execute(f"""CREATE OR REPLACE VIEW {VIEW} AS SELECT e.id, e.name, e.industry,
                        es.current_level::text AS level, e.location FROM enterprise e
                        JOIN enterprise_state es ON es.enterprise_id = e.id""")
    conn.commit()
    url = ctx.bench_url()

    def floor() -> dict:
        lat, nbytes = [], 0
        with conn.cursor() as cur:
            for zz, x, y in tiles:
                t0 = time.perf_counter()
                cur.execute(FLOOR, {"z": zz, "x": x, "y": y})
                nbytes += len(bytes(cur.fetchone()[0] or b""))
                lat.append(time.perf_counter() - t0)
        conn.rollback()
        return _summary(lat, nbytes)

    def ours_sql() -> dict:
        lat, nbytes = [], 0
        for zz, x, y in tiles:
            t0 = time.perf_counter()
            nbytes += len(tile(conn, "enterprises", zz, x, y, EVERYTHING))
            lat.append(time.perf_counter() - t0)
        conn.rollback()
        return _summary(lat, nbytes)

    py = tipg_python(ctx)
    with live_app(url) as base:
        port = int(base.rsplit(":", 1)[1])
        # as a logged-in province regulator: the tiles go through row-level security like everyone's
        token = regulator_token(url, base)
        ours = HttpFetcher(port, lambda zz, x, y: f"/tiles/enterprises/{zz}/{x}/{y}.pbf",
                            {"Authorization": f"Bearer {token}"})
        subjects = {"riskatlas_http": lambda: ours(tiles), "riskatlas_sql": ours_sql, "floor_sql": floor}
        if py is None:
            yield subjects
        else:
            with tipg_server(py, url) as tport:
                theirs = HttpFetcher(
                    tport, lambda zz, x, y: f"/collections/public.{VIEW}/tiles/WebMercatorQuad/{zz}/{x}/{y}")
                yield {**subjects, "tipg_http": lambda: theirs(tiles)}
                theirs.close()
        ours.close()
    with conn.cursor() as cur:
        cur.execute(f"DROP VIEW IF EXISTS {VIEW}")
    conn.commit()
    conn.close()


def _register(z: int) -> None:
    @benchmark(f"tiles_z{z}", f"企业矢量瓦片 z{z}: riskatlas (HTTP, 含聚合/上限/ETag) vs 原始 ST_AsMVT SQL 下限 vs tipg "
               f"(MVT p50/p95 ms, tiles/s)", baseline="floor_sql")
    def bench(ctx: Context):
        yield from _tiles_bench(ctx, z)

    bench.__name__ = f"tiles_z{z}"


for _z in ZOOMS:
    _register(_z)
