"""The city page vs ``GeoDataFrame.explore()`` of the same enterprises: bytes and first paint.

- ``riskatlas_page``: GET /maps/city from the real app in headless chromium (DevTools protocol, cache
  off, only loopback reachable): the server renders the page (regions, heat points, hazard layers) and
  the enterprises arrive as vector tiles.
- ``explore_page`` (baseline): every enterprise of the same database as a GeoDataFrame (``layers.city
  .enterprises_layer``) drawn with ``explore()`` (coloured by level with the palette, tooltip name and
  level), written to HTML, its CDN scripts pointed at the same local copies (those it needs that
  riskatlas does not ship, jQuery UI and two CSS files, are dropped), served by a static file server on
  loopback. Its time includes building the HTML in Python, as the riskatlas page's includes the server.
- ``explore_subset``: the same, for every 5th enterprise by id (every 2nd at smoke size): 20,000 of the
  100,000 at full size, about the most whose explore() page does finish loading within the budget
  here (its load event comes after 3–4 s; the whole province's page does not come within 120 s), so
  that there is a measured ratio and not only a lower bound.

Time is navigation start → first contentful paint (plus, for explore, the Python build). Every page is
followed by DevTools events alone (lifecycle and network events, timed from the document request):
a page whose main thread is busy for minutes cannot answer a script call, and waiting on one is what
killed the run before. An explore() page gets :data:`EXPLORE_BUDGET_S` from navigation to its load
event (its one inline script has run and drawn every point). When it does not come, the run records
``timed_out`` 1 and no ``load_s``, keeps ``html_bytes`` (from the file when the network never
reported it), counts its time as the first paint if there was one, else the whole budget (a lower
bound), and closes that browser — the page's renderer with it; the next run gets a new one. At full
size each subject runs 3 times and the explore() pages are not warmed up (``full_runs``, ``cold``:
each run builds its page anew and a province's page costs minutes).

Extras: ``html_bytes`` (the page document as transferred: the app gzips pages and JSON, the static
server of the explore() page does not), ``html_decoded_bytes`` (the same, uncompressed),
``total_bytes`` / ``total_decoded_bytes`` (everything the browser fetched: scripts, styles, tiles,
region GeoJSON), ``fcp_ms``, ``load_s`` (navigation until the load event; explore()'s
first paint comes early, from its legend, long before its points), ``timed_out`` and ``enterprises``.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from bench.api import BENCH_PASSWORD, BENCH_USER, ensure_bench_users
from bench.browser import DevTools, free_port, live_app, serve
from bench.harness import Context, benchmark
from layers.levels import PALETTE
from maps import vendor

if TYPE_CHECKING:
    import geopandas as gpd

#: How long an explore() page may take, from navigation to its load event (its inline script has run and
#: drawn every point), before the run records that it did not load (``timed_out`` 1, no ``load_s``).
EXPLORE_BUDGET_S = 120.0
#: The riskatlas page loads in a second or two: its budget only ends a broken run.
PAGE_BUDGET_S = 60.0
#: The second baseline, ``explore_subset``, draws every k-th enterprise by id (smoke, full): 20,000 of
#: the 100,000 at full size, a page that does load within the budget.
SUBSET_EVERY = (2, 5)
CATEGORIES = ["major", "significant", "general", "low", "unassessed"]
_EXTERNAL = re.compile(r"""<(script|link)[^>]*(src|href)=["']https?://[^"']+["'][^>]*>(\s*</script>)?""", re.I)


def explore_html(gdf) -> str:
    gdf = gdf[["id", "name", "level", "geometry"]].copy()
    gdf["level"] = gdf["level"].fillna("unassessed")
    m = gdf.explore(column="level", categories=CATEGORIES, tiles=None, tooltip=["name", "level"], popup=False,
                    cmap=[PALETTE.colour(None if k == "unassessed" else k) for k in CATEGORIES],
                    marker_kwds={"radius": 4})
    html = m.get_root().render()
    # same local Leaflet as riskatlas; what riskatlas does not ship is dropped rather than fetched
    html = re.sub(r"(https?:)?//[^\"']*/(jquery-ui[^\"']*|bootstrap-glyphicons\.css|leaflet\.awesome\.rotate\.min\.css)",
                  "data:,", html)
    html = vendor.localise(html)
    return _EXTERNAL.sub("", html)


def _load(browser: DevTools, url: str, budget_s: float) -> dict:
    """Navigate and follow the page by DevTools events only (never a script call into a page whose main
    thread may be busy for minutes): network bytes, first contentful paint and the load event, both
    measured from the document request. Gives up after ``budget_s`` seconds from navigation."""
    mark = len(browser.events)
    t0 = time.perf_counter()
    loader = browser.call("Page.navigate", url=url)["loaderId"]

    def seen() -> dict[str, float]:
        out: dict[str, float] = {}
        for e in browser.events[mark:]:
            p = e["params"]
            if e["method"] == "Network.requestWillBeSent" and p.get("loaderId") == loader and p.get("type") == "Document":
                out.setdefault("start", p["timestamp"])
            elif e["method"] == "Page.lifecycleEvent" and p.get("loaderId") == loader:
                out.setdefault(p["name"], p["timestamp"])
        return out

    marks = seen()
    while "load" not in marks and time.perf_counter() - t0 < budget_s:
        browser.pump(min(0.2, max(0.01, budget_s - (time.perf_counter() - t0))))
        marks = seen()
    if "load" in marks:
        browser.pump(1.0)   # let tiles and late requests finish, for the byte count
        marks = seen()
    start = marks.get("start")
    fcp = marks.get("firstContentfulPaint")
    load = marks.get("load")
    events = browser.events[mark:]
    doc = [e["params"]["requestId"] for e in events
           if e["method"] == "Network.responseReceived" and e["params"]["type"] == "Document"]
    sizes = {e["params"]["requestId"]: e["params"]["encodedDataLength"]
             for e in events if e["method"] == "Network.loadingFinished"}
    decoded: dict[str, int] = {}
    for e in events:
        if e["method"] == "Network.dataReceived":
            decoded[e["params"]["requestId"]] = decoded.get(e["params"]["requestId"], 0) + e["params"]["dataLength"]
    fcp_ms = (fcp - start) * 1000 if fcp is not None and start is not None else None
    return {"fcp_ms": fcp_ms, "html_bytes": sum(sizes.get(r, 0) for r in doc) or None,
            "html_decoded_bytes": sum(decoded.get(r, 0) for r in doc) or None,
            "total_bytes": sum(sizes.values()), "total_decoded_bytes": sum(decoded.values()),
            "load_s": load - start if load is not None and start else None,
            "timed_out": 0 if load is not None else 1,
            # a page that never painted within the budget counts the whole budget: a lower bound
            "time_s": fcp_ms / 1000 if fcp_ms is not None else budget_s}


@benchmark("city_page", "城市四色图页面 (矢量瓦片) vs GeoDataFrame.explore() 同样的企业: 首次绘制时间与页面字节 "
           "(first contentful paint, bytes; explore 限时 120 s, 另测每 5 家取 1 家的子集)", baseline="explore_page",
           full_runs=3, cold=("explore_page", "explore_subset"))
def city_page(ctx: Context):
    from layers.city import enterprises_layer

    url = ctx.bench_url()
    conn = ctx.connect()
    n = len(enterprises_layer(conn))
    conn.rollback()
    every = ctx.scale(*SUBSET_EVERY)
    ctx.log(f"city_page: {n:,} 家企业; explore 子集 (subset) 每 {every} 家取 1 家; 限时 (budget) {EXPLORE_BUDGET_S:.0f} s")
    site = ctx.tmp / "site"
    (site / "static").mkdir(parents=True)
    (site / "static" / "vendor").symlink_to(vendor.vendor_dir().resolve())
    sport = free_port()
    with live_app(url) as base, \
            serve([sys.executable, "-m", "http.server", str(sport), "--bind", "127.0.0.1", "--directory", str(site)],
                  {}, f"http://127.0.0.1:{sport}/static/vendor/leaflet/leaflet.js"), \
            DevTools.launch(timeout=120) as browser:
        _prepare(browser)
        # the page is behind the login: a province regulator's session (row-level security applies)
        ensure_bench_users(conn)
        browser.login_form(base, BENCH_USER, BENCH_PASSWORD)

        def ours() -> dict:
            return {**_load(browser, f"{base}/maps/city", PAGE_BUDGET_S), "enterprises": n}

        def explore(pick: Callable[[gpd.GeoDataFrame], gpd.GeoDataFrame]) -> Callable[[], dict]:
            def theirs() -> dict:
                t0 = time.perf_counter()
                gdf = pick(enterprises_layer(conn))
                conn.rollback()
                path = site / "explore.html"
                path.write_text(explore_html(gdf), encoding="utf-8")
                build = time.perf_counter() - t0
                r = _load(explorer.get(), f"http://127.0.0.1:{sport}/explore.html", EXPLORE_BUDGET_S)
                if r["timed_out"]:
                    explorer.close()      # the page still busy after its budget dies with its browser
                    ctx.log(f"city_page: explore() {len(gdf):,} 家企业的页面 {EXPLORE_BUDGET_S:.0f} s 内未加载完 "
                            f"(did not load within the budget)")
                return {**r, "html_bytes": r["html_bytes"] or path.stat().st_size,
                        "html_decoded_bytes": r["html_decoded_bytes"] or path.stat().st_size, "build_s": build,
                        "enterprises": len(gdf), "time_s": r["time_s"] + build}

            return theirs

        explorer = _Relaunching()
        try:
            yield {"riskatlas_page": ours, "explore_page": explore(lambda gdf: gdf),
                   "explore_subset": explore(lambda gdf: gdf[gdf["id"] % every == 0])}
        finally:
            explorer.close()
    conn.close()


class _Relaunching:
    """The explore() pages' own browser (not the riskatlas page's): closed after a page outlived its
    budget — its renderer may stay busy for minutes — and launched again when next needed."""

    def __init__(self) -> None:
        self._launch: AbstractContextManager[DevTools] | None = None
        self.browser: DevTools | None = None

    def get(self) -> DevTools:
        if self.browser is None:
            self._launch = DevTools.launch(timeout=120)
            self.browser = self._launch.__enter__()
            _prepare(self.browser)
        return self.browser

    def close(self) -> None:
        if self._launch is not None:
            launch, self._launch, self.browser = self._launch, None, None
            launch.__exit__(None, None, None)


def _prepare(browser: DevTools) -> None:
    browser.call("Network.setCacheDisabled", cacheDisabled=True)
    browser.call("Page.setLifecycleEventsEnabled", enabled=True)
