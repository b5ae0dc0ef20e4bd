"""Single-client latency of each endpoint of the API benchmark's read mix and of the console pages (a
diagnostic, not a harness benchmark): where a request's time goes when nothing else runs. ``api_latency``
measures the API endpoints at 50 concurrent clients, where queueing hides which one is slow.

    .venv/bin/python -m bench.profile_endpoints [DATABASE_URL] [--repeat 12]

The default database is the full-size bench database in the project's cluster; requests go through
the app served by uvicorn in a child process on a loopback port, logged in as the bench's province regulator, so every
query runs under row-level security. Prints p50 and max per endpoint and the response size.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time


def main() -> None:
    import httpx
    import psycopg2

    from bench.api import BENCH_PASSWORD, BENCH_USER, ensure_bench_users
    from bench.browser import live_app
    from bench.generate import default_database
    from bench.harness import ENTERPRISES
    from db.connection import database_url

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("url", nargs="?", help="database (default: the full-size bench database)")
    p.add_argument("--repeat", type=int, default=12)
    a = p.parse_args()
    url = a.url or database_url(dbname=default_database(ENTERPRISES["full"]))
    rnd = random.Random(7)
    conn = psycopg2.connect(url)
    ensure_bench_users(conn)
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM enterprise ORDER BY id")
        ents = [r[0] for r in cur.fetchall()]
        cur.execute("SELECT id FROM region WHERE level = 'district' ORDER BY id")
        districts = [r[0] for r in cur.fetchall()]
    conn.close()
    paths = {
        "health": lambda e, d: "/api/health",
        "enterprises": lambda e, d: f"/api/enterprises?limit=50&offset={rnd.randrange(0, max(1, len(ents) - 50))}",
        "enterprise": lambda e, d: f"/api/enterprises/{e}",
        "areas": lambda e, d: f"/api/enterprises/{e}/areas",
        "explain": lambda e, d: f"/api/enterprises/{e}/explain",
        "hidden_hazards": lambda e, d: f"/api/hidden-hazards?region_id={d}&limit=50",
        "hazard_sources": lambda e, d: f"/api/hazard-sources?region_id={d}",
        "region_stats": lambda e, d: f"/api/regions/stats?level=district&within={d}",
        # console pages (server-rendered HTML)
        "page:/": lambda e, d: "/",
        "page:/?page=1000": lambda e, d: "/?page=1000",
        "page:/dashboard": lambda e, d: "/dashboard",
        "page:/enterprises/{id}": lambda e, d: f"/enterprises/{e}",
    }
    with live_app(url) as base, httpx.Client(base_url=base, timeout=120) as c:
        token = c.post("/api/auth/login", json={"username": BENCH_USER, "password": BENCH_PASSWORD}).json()["token"]
        headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": "identity"}
        print(f"{'endpoint':24s} {'p50 ms':>8s} {'max ms':>8s} {'bytes':>9s}   ({a.repeat} requests each, one client)")
        for name, path in paths.items():
            times, sizes = [], []
            for _ in range(a.repeat):
                t0 = time.perf_counter()
                r = c.get(path(rnd.choice(ents), rnd.choice(districts)), headers=headers)
                times.append((time.perf_counter() - t0) * 1000)
                r.raise_for_status()
                sizes.append(len(r.content))
            print(f"{name:24s} {statistics.median(times):8.1f} {max(times):8.1f} {statistics.median(sizes):9,.0f}")


if __name__ == "__main__":
    main()
