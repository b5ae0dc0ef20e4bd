"""API latency under load (benchmark 3): 50 concurrent clients on loopback.

The app runs as it would in production (``uvicorn`` with 2 workers, a separate process) on the
bench database. A load generator (asyncio + httpx, in this process) keeps ``CLIENTS`` requests in
flight for a bounded time and records every latency. Subjects:

- ``read_mix``: the main read endpoints in turn — enterprise list, enterprise detail, plant areas
  (GeoJSON), level explanation, hidden hazards of a district, hazard sources of a district, district
  statistics — with random enterprise ids and districts.
  The client is a logged-in province-level regulator, so every query runs under the jurisdiction's
  row-level security, as a regulator's would.
- ``read_mix_with_edits``: the same readers while 5 editors re-assess risks the whole time (GET the
  risk for its ETag, POST the assessment with If-Match; each save updates area and enterprise
  levels through the triggers); edits saved, refused as stale, failed and edits/s are recorded.
- ``health_floor`` (baseline): ``/api/health`` (one ``SELECT`` through the same pool and framework),
  the least any request costs on this stack.

The reported time of a run is its median latency; p50, p99 (ms), requests/s and errors (non-2xx
or failed requests) are reported alongside, per endpoint too.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import subprocess
import sys
import time

from bench.browser import free_port
from bench.harness import Context, benchmark
from layers.access.accounts import create_user

CLIENTS = 50
BENCH_USER = "bench-regulator"
BENCH_EDITOR = "bench-editor"
EDITORS = 5
BENCH_PASSWORD = "bench-regulator-password"   # a throwaway account in the disposable bench database


def ensure_bench_users(conn) -> None:
    """The bench database's accounts (created once): a province-level regulator who reads — every query
    under row-level security, as a regulator's would be — and an administrator who edits."""
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM region WHERE parent_id IS NULL ORDER BY id LIMIT 1")
        province = cur.fetchone()[0]
        for username, role, name, scope in ((BENCH_USER, "regulator", "基准测试", {"region_id": province}),
                                            (BENCH_EDITOR, "admin", "基准测试编辑", {})):
            cur.execute("SELECT 1 FROM app_user WHERE username = %s", (username,))
            if cur.fetchone() is None:
                create_user(conn, username, BENCH_PASSWORD, role, display_name=name, **scope)
    conn.commit()


def regulator_token(database_url: str, base: str) -> str:
    """A session token of the bench's province regulator on the app at ``base``."""
    import psycopg2

    conn = psycopg2.connect(database_url)
    try:
        ensure_bench_users(conn)
    finally:
        conn.close()
    return login(base, BENCH_USER, BENCH_PASSWORD)


def login(base: str, username: str, password: str) -> str:
    import httpx

    r = httpx.post(base + "/api/auth/login", json={"username": username, "password": password}, timeout=30)
    r.raise_for_status()
    return r.json()["token"]


def _pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


async def _editor(client, risks: list[int], deadline: float, headers: dict[str, str], k: int) -> tuple[int, int, int]:
    """One editor re-assessing risks as the console does: read the risk (its ETag), save with
    If-Match. Returns (saved, refused as stale, failed)."""
    import httpx

    rnd = random.Random(1000 + k)
    saved = stale = failed = 0
    while time.perf_counter() < deadline:
        rid = rnd.choice(risks)
        try:
            r = await client.get(f"/api/risks/{rid}", headers=headers)
            if r.status_code != 200:
                failed += 1
                continue
            body = {"method": "LEC", "inputs": {"L": rnd.choice((1, 3, 6)), "E": rnd.choice((1, 2, 3, 6)),
                                                 "C": rnd.choice((1, 3, 7))}, "residual_level": "low"}
            r = await client.post(f"/api/risks/{rid}/assessment", json=body,
                                  headers={**headers, "If-Match": r.headers["etag"]})
            if r.status_code == 200:
                saved += 1
            elif r.status_code == 412:
                stale += 1
            else:
                failed += 1
        except httpx.HTTPError:
            failed += 1
    return saved, stale, failed


async def _load(base: str, paths: list[tuple[str, str]], seconds: float, clients: int,
                headers: dict[str, str] | None = None, *, editors: int = 0, risks: list[int] | None = None,
                editor_headers: dict[str, str] | None = None) -> dict:
    import httpx

    lat: dict[str, list[float]] = {}
    errors = 0
    done = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60, headers=headers) as client:
        async def worker(k: int) -> None:
            nonlocal errors, done
            rnd = random.Random(k)
            while time.perf_counter() < deadline:
                label, path = paths[rnd.randrange(len(paths))]
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)
                    ok = 200 <= r.status_code < 300
                except httpx.HTTPError:
                    ok = False
                dt = time.perf_counter() - t0
                done += 1
                if ok:
                    lat.setdefault(label, []).append(dt)
                else:
                    errors += 1

        t0 = time.perf_counter()
        edits = asyncio.gather(*(_editor(client, risks or [], deadline, editor_headers or {}, k)
                                 for k in range(editors)))
        await asyncio.gather(*(worker(k) for k in range(clients)))
        edited = await edits
        wall = time.perf_counter() - t0
    every = [x for xs in lat.values() for x in xs]
    out = {"time_s": statistics.median(every) if every else float("nan"), "p50_ms": 1000 * _pct(every, 50),
           "p99_ms": 1000 * _pct(every, 99), "requests_per_s": done / wall, "errors": errors, "requests": done}
    if editors:
        out["edits_saved"] = sum(e[0] for e in edited)
        out["edits_stale"] = sum(e[1] for e in edited)
        failed = sum(e[2] for e in edited)
        out["edits_failed"] = failed
        out["edits_per_s"] = out["edits_saved"] / wall
        errors += failed
        out["errors"] = errors
    if len(lat) > 1:
        for label, xs in lat.items():
            out[f"p50_ms {label}"] = 1000 * _pct(xs, 50)
            out[f"p99_ms {label}"] = 1000 * _pct(xs, 99)
    return out


def wait_until_up(base: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    import httpx

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if proc.poll() is not None:
            stderr = proc.stderr.read().decode()[-2000:] if proc.stderr is not None else ""
            raise RuntimeError(f"uvicorn 退出 (exited) with {proc.returncode}: {stderr}")
        try:
            if httpx.get(base + "/api/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("uvicorn 未在规定时间内启动 (did not come up in time)")


def start_server(url: str, workers: int = 2) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host",
                             "127.0.0.1", "--port", str(port), "--workers", str(workers), "--log-level", "warning"],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base, proc)
    except BaseException:
        proc.kill()
        raise
    return proc, base


@benchmark("api_latency", f"API 延迟 p50/p99 与错误数, {CLIENTS} 个并发客户端 (main read endpoints at {CLIENTS} "
           "concurrent clients) vs /api/health", baseline="health_floor")
def api_latency(ctx: Context):
    url = ctx.bench_url()
    conn = ctx.connect()
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM enterprise ORDER BY id")
        ents = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id FROM region WHERE level = 'district' ORDER BY id")
        districts = [r[0] for r in cur.fetchall()]
        # the editors re-assess LEC risks of a few hundred enterprises
        cur.execute("SELECT r.id FROM risk r WHERE r.method = 'LEC' ORDER BY r.id LIMIT 2000")
        risks = [r[0] for r in cur.fetchall()]
    ensure_bench_users(conn)
    conn.close()
    rnd = random.Random(7)
    paths: list[tuple[str, str]] = []
    for _ in range(200):
        e, d = rnd.choice(ents), rnd.choice(districts)
        paths += [("enterprises", f"/api/enterprises?limit=50&offset={rnd.randrange(0, max(1, len(ents) - 50))}"),
                  ("enterprise", f"/api/enterprises/{e}"), ("areas", f"/api/enterprises/{e}/areas"),
                  ("explain", f"/api/enterprises/{e}/explain"),
                  ("hidden_hazards", f"/api/hidden-hazards?region_id={d}&limit=50"),
                  ("hazard_sources", f"/api/hazard-sources?region_id={d}"),
                  ("region_stats", f"/api/regions/stats?level=district&within={d}")]
    seconds = ctx.scale(0.5, 10.0)
    proc, base = start_server(url)
    ctx.log(f"api_latency: {base}, {CLIENTS} 并发, 每轮 {seconds:.0f} 秒")
    try:
        headers = {"Authorization": f"Bearer {login(base, BENCH_USER, BENCH_PASSWORD)}"}
        editor = {"Authorization": f"Bearer {login(base, BENCH_EDITOR, BENCH_PASSWORD)}"}
        yield {
            "read_mix": lambda: asyncio.run(_load(base, paths, seconds, CLIENTS, headers)),
            # the same readers while EDITORS people save risk assessments the whole time
            "read_mix_with_edits": lambda: asyncio.run(_load(base, paths, seconds, CLIENTS, headers, editors=EDITORS,
                                                             risks=risks, editor_headers=editor)),
            "health_floor": lambda: asyncio.run(_load(base, [("health", "/api/health")], seconds, CLIENTS)),
        }
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
