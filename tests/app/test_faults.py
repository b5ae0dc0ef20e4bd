"""Faults of the real world, on a private PostGIS cluster of this module's own (never the shared server):
the database restarts under load, and the app's process is killed in the middle of an import.

While the database is down every request is answered 503 with Retry-After and a Chinese reason (no
500, no broken connection); once it accepts connections again the next request succeeds, including on
a server whose pooled connections all died idle. A ``kill -9`` during a large import leaves the target
table exactly as it was: the import is one transaction, committed only when everything is written.
"""

from __future__ import annotations

import http.client
import json
import math
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg2
import pytest

from app.main import _refresh_once
from app.pool import UNAVAILABLE, Pool
from bench.browser import free_port, serve
from db.cluster import Cluster
from db.connection import database_url
from db.migrate import migrate
from db.settings import DatabaseSettings
from layers.imports import import_file
from tests import import_files as F
from tests.auth import ensure_user, http_token

#: how long the database stays down while the readers keep asking
OUTAGE_SECONDS = 2.0
#: the longest a request may take to succeed once the database accepts connections again
RECOVERY_SECONDS = 1.0
IMPORT_FEATURES = 20_000


@dataclass
class Cell:
    cluster: Cluster
    url: str


#: the private database's one region, a 20 km square in 常州 (the imports find it for every point)
CITY = (119.85, 31.65, 120.05, 31.85)


def _enterprises(n: int, first: int = 0) -> bytes:
    """A GeoJSON file of ``n`` enterprises (valid codes, numbered from ``first``) spread over the region."""
    lon0, lat0, lon1, lat1 = CITY
    features = []
    for i in range(first, first + n):
        lon = lon0 + 0.01 + (i % 150) * (lon1 - lon0 - 0.02) / 150
        lat = lat0 + 0.01 + (i // 150 % 150) * (lat1 - lat0 - 0.02) / 150
        features.append(({"type": "Point", "coordinates": [lon, lat]},
                         {"统一社会信用代码": F.uscc(f"9132041200{i:07d}"), "企业名称": f"故障测试企业{i}",
                          "行业": "机械", "企业规模": "小型", "从业人数": 10}))
    return F.geojson(features)


@pytest.fixture(scope="module")
def private() -> Iterator[Cell]:
    """A cluster in a tmp dir on a free port, migrated, with one region and a few hundred
    enterprises (loaded by the importer); destroyed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="riskatlas-faults-", dir="/tmp"))
    base.chmod(0o755)
    settings = DatabaseSettings(data_dir=base / "pg", port=free_port(), database_url=None)
    cluster = Cluster(settings)
    try:
        cluster.start()
        url = database_url(settings)
        conn = psycopg2.connect(url)
        try:
            migrate(conn, log=lambda m: None)
            with conn, conn.cursor() as cur:
                cur.execute("INSERT INTO region (adcode, name, level, geom) "
                            "VALUES ('320400', '常州市', 'city', ST_Multi(ST_MakeEnvelope(%s, %s, %s, %s, 4326)))", CITY)
            with conn:
                import_file(conn, "enterprises", _enterprises(300), "e.geojson")
        finally:
            conn.close()
        yield Cell(cluster, url)
    finally:
        cluster.destroy()
        shutil.rmtree(base, ignore_errors=True)


@dataclass
class Server:
    base: str
    port: int
    proc: subprocess.Popen


@pytest.fixture(scope="module")
def server(private: Cell) -> Iterator[Server]:
    """The app served by uvicorn in a child process against the private cluster (one for the module:
    starting it costs seconds). The import test kills it, so it runs last."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    args = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host", "127.0.0.1",
            "--port", str(port), "--log-level", "warning"]
    with serve(args, {"DATABASE_URL": private.url}, base + "/api/health") as proc:
        yield Server(base, port, proc)


def _accepts(url: str) -> bool:
    try:
        psycopg2.connect(url, connect_timeout=2).close()
        return True
    except psycopg2.OperationalError:
        return False


def _busy_tile(url: str) -> str:
    """The z=12 tile holding the most enterprises, as a path."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT ST_X(location), ST_Y(location) FROM enterprise")
            pts = cur.fetchall()
    finally:
        conn.close()
    counts: dict[tuple[int, int], int] = {}
    for lon, lat in pts:
        n = 2**12
        key = (int((lon + 180) / 360 * n), int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))
        counts[key] = counts.get(key, 0) + 1
    (x, y), _ = max(counts.items(), key=lambda kv: kv[1])
    return f"/tiles/enterprises/12/{x}/{y}.pbf"


@dataclass
class Answer:
    started: float
    ended: float
    path: str
    status: int | None          # None: no HTTP answer at all (reset, refused, timeout)
    retry_after: str | None = None
    detail: str = ""


def _get(port: int, path: str, token: str) -> Answer:
    started = time.monotonic()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        c.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        r = c.getresponse()
        body = r.read()
        detail = ""
        if r.status >= 400:
            try:
                detail = json.loads(body)["detail"]
            except (ValueError, KeyError):
                detail = body[:200].decode(errors="replace")
        return Answer(started, time.monotonic(), path, r.status, r.getheader("Retry-After"), detail)
    except OSError as e:
        return Answer(started, time.monotonic(), path, None, detail=repr(e))
    finally:
        c.close()


class Readers:
    """A few threads requesting ``paths`` in turn until stopped, keeping every answer."""

    def __init__(self, port: int, token: str, paths: list[str], threads: int = 3):
        self.answers: list[Answer] = []
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._read, args=(port, token, paths, i), daemon=True)
                         for i in range(threads)]

    def _read(self, port: int, token: str, paths: list[str], i: int) -> None:
        while not self._stop.is_set():
            a = _get(port, paths[i % len(paths)], token)
            i += 1
            with self._lock:
                self.answers.append(a)
            time.sleep(0.005)

    def __enter__(self) -> Readers:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=15)


def _restart(cell: Cell, down_for: float) -> tuple[float, float]:
    """Stop the cluster (fast shutdown: sessions are terminated), keep it down ``down_for`` seconds,
    start it again; returns the moments it was down and a new connection first succeeded."""
    cell.cluster.stop(mode="fast")
    assert not _accepts(cell.url)
    down = time.monotonic()
    time.sleep(down_for)
    ready: list[float] = []

    def watch() -> None:
        while not _accepts(cell.url):
            time.sleep(0.005)
        ready.append(time.monotonic())

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    cell.cluster.start()
    watcher.join(timeout=30)
    assert ready, "the database did not come back"
    return down, ready[0]


def test_database_restart_answers_503_while_down_and_recovers_at_once(private: Cell, server: Server):
    paths = ["/api/enterprises?limit=5", _busy_tile(private.url)]
    port = server.port
    token = http_token(server.base, ensure_user(private.url, "admin"))
    for p in paths:
        assert _get(port, p, token).status == 200, p
    with Readers(port, token, paths) as readers:
        time.sleep(0.5)
        stopping = time.monotonic()
        down, ready = _restart(private, OUTAGE_SECONDS)
        time.sleep(1.0)
    answers = readers.answers

    broken = [a for a in answers if a.status is None]
    assert not broken, f"{len(broken)} requests got no HTTP answer, e.g. {broken[0]}"
    wrong = [a for a in answers if a.status not in (200, 503)]
    assert not wrong, f"{len(wrong)} answers neither 200 nor 503: {sorted({a.status for a in wrong})}, " \
                      f"e.g. {wrong[0]}"
    refused = [a for a in answers if a.status == 503]
    assert refused, "no request was answered while the database was down"
    assert all(a.retry_after and int(a.retry_after) > 0 for a in refused), "503 without Retry-After"
    assert {a.detail for a in refused} == {UNAVAILABLE}
    assert all(a.started >= stopping - 1 for a in refused), "a 503 long before the database stopped"

    # the first success from the restarted database (it may come before the watcher's own connection)
    first_ok = min((a.ended for a in answers if a.status == 200 and a.started >= down), default=None)
    assert first_ok is not None, "no request succeeded after the database came back"
    recovery = max(first_ok - ready, 0.0)
    late = [a for a in answers if a.started >= first_ok and a.status != 200]
    assert not late, f"{len(late)} errors after the first success: {late[:3]}"
    assert recovery < RECOVERY_SECONDS, f"first 200 only {recovery:.3f}s after the database accepted connections"
    print(f"\noutage: {len(refused)} × 503 (Retry-After {refused[0].retry_after}: {refused[0].detail}); "
          f"recovery {recovery * 1000:.0f} ms after the database accepted connections; "
          f"{len(answers)} requests in all")

    # an idle server whose pooled connections all died with the old server: the next requests succeed,
    # and so does the refresher of overdue levels on its pooled connection
    with Readers(port, token, paths, threads=8):      # fill the pool with several connections
        time.sleep(0.5)
    pool = Pool(private.url, minconn=2)
    try:
        _restart(private, 0.2)
        after = [_get(port, paths[i % 2], token) for i in range(20)]
        assert [a.status for a in after] == [200] * 20, [(a.status, a.detail) for a in after if a.status != 200]
        _refresh_once(pool)
    finally:
        pool.close()


def _count(url: str, table: str) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {table}")
            return int(cur.fetchone()[0])
    finally:
        conn.close()


def _writing(monitor) -> bool:
    """Whether one of the app's sessions holds a transaction that has written (it has a transaction id)."""
    with monitor.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'riskatlas-web' "
                    "AND backend_xid IS NOT NULL")
        return bool(cur.fetchone()[0])


def _web_backends(monitor) -> int:
    with monitor.cursor() as cur:
        cur.execute("SELECT count(*) FROM pg_stat_activity WHERE application_name = 'riskatlas-web'")
        return int(cur.fetchone()[0])


def test_kill_9_during_a_large_import_leaves_nothing_partial(private: Cell, server: Server):
    body = _enterprises(IMPORT_FEATURES, first=1000)
    before = _count(private.url, "enterprise")
    token = http_token(server.base, ensure_user(private.url, "admin"))
    sent = threading.Event()

    def upload() -> None:
        c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=120)
        try:
            c.request("POST", "/api/imports/enterprises?filename=e.geojson", body=body,
                      headers={"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"})
            sent.set()
            c.getresponse().read()
        except OSError:
            pass              # the server dies under it
        finally:
            sent.set()
            c.close()

    monitor = psycopg2.connect(private.url)
    monitor.autocommit = True                 # each look at pg_stat_activity is a fresh snapshot
    try:
        uploader = threading.Thread(target=upload, daemon=True)
        uploader.start()
        assert sent.wait(60)
        deadline = time.monotonic() + 90
        while not _writing(monitor) and time.monotonic() < deadline and uploader.is_alive():
            time.sleep(0.005)
        assert uploader.is_alive() and time.monotonic() < deadline, \
            "the import never started writing (or finished before it could be interrupted)"
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(10)
        uploader.join(30)

        # the import's session finds its client gone and ends, rolled back: nothing of it may remain
        deadline = time.monotonic() + 30
        while _web_backends(monitor) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _web_backends(monitor) == 0, "the app's sessions outlived its process"
    finally:
        monitor.close()
    assert _count(private.url, "enterprise") == before
