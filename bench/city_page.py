"""The city page vs ``GeoDataFrame.explore()`` of the same enterprises (issue 6): bytes and first paint.

- ``riskatlas_page``: GET /maps/city from the real app in headless chromium (DevTools protocol, cache
  off, only loopback reachable): the server renders the page (regions, heat points, hazard layers) and
  the enterprises arrive as vector tiles.
- ``explore_page``: every enterprise of the same database as a GeoDataFrame (``layers.city
  .enterprises_layer``) drawn with ``explore()`` (coloured by level with the palette, tooltip name and
  level), written to HTML, its CDN scripts pointed at the same local copies (those it needs that
  riskatlas does not ship, jQuery UI and two CSS files, are dropped), served by a static file server on
  loopback. Its time includes building the HTML in Python, as the riskatlas page's includes the server.

Time is navigation start → first contentful paint (plus, for explore, the Python build). Extras:
``html_bytes`` (the page document), ``total_bytes`` (everything the browser fetched until the network
went quiet: scripts, styles, tiles, region GeoJSON), ``fcp_ms`` and ``load_s`` (navigation until the
document is complete, polled every 0.2 s: when a huge inline page has finally parsed and drawn its map —
explore()'s first paint comes early, from its legend, long before its points).
"""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

from bench.api import regulator_token
from bench.harness import Context, benchmark
from bench.tiles import free_port, riskatlas_app, serve
from db.settings import PACKAGE_ROOT
from layers.levels import PALETTE
from maps import vendor

try:
    from tests.browser import DevTools
except ImportError:          # run from the console script: the checkout is not on sys.path
    sys.path.insert(0, str(PACKAGE_ROOT))
    from tests.browser import DevTools

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


def _load(browser: DevTools, url: str) -> dict:
    browser.events.clear()
    t0 = time.perf_counter()
    browser.navigate(url, timeout=600)
    fcp = browser.wait_for("""(() => { const e = performance.getEntriesByName('first-contentful-paint')[0]
        || performance.getEntriesByType('paint')[0]; return e ? e.startTime : null; })()""", timeout=600)
    wall = time.perf_counter() - t0
    browser.pump(1.0)   # let tiles and late requests finish, for the byte count
    doc = [e for e in browser.events if e["method"] == "Network.responseReceived" and e["params"]["type"] == "Document"]
    sizes = {e["params"]["requestId"]: e["params"]["encodedDataLength"]
             for e in browser.events if e["method"] == "Network.loadingFinished"}
    html_bytes = sum(sizes.get(e["params"]["requestId"], 0) for e in doc)
    return {"fcp_ms": fcp, "html_bytes": html_bytes, "total_bytes": sum(sizes.values()), "load_s": wall,
            "time_s": fcp / 1000}


@benchmark("city_page", "城市四色图页面 (矢量瓦片) vs GeoDataFrame.explore() 同样的企业: 首次绘制时间与页面字节 "
           "(first contentful paint, bytes)", baseline="explore_page")
def city_page(ctx: Context):
    from layers.city import enterprises_layer

    url = ctx.bench_url()
    conn = ctx.connect()
    n = len(enterprises_layer(conn))
    conn.rollback()
    ctx.log(f"city_page: {n:,} 家企业")
    site = ctx.tmp / "site"
    (site / "static").mkdir(parents=True)
    (site / "static" / "vendor").symlink_to(vendor.vendor_dir().resolve())
    sport = free_port()
    with riskatlas_app(url) as port, \
            serve([sys.executable, "-m", "http.server", str(sport), "--bind", "127.0.0.1", "--directory", str(site)],
                  {}, f"http://127.0.0.1:{sport}/static/vendor/leaflet/leaflet.js"), \
            DevTools.launch(timeout=120) as browser:
        browser.call("Network.setCacheDisabled", cacheDisabled=True)
        # the page is behind the login: a province regulator's session (row-level security applies)
        base = f"http://127.0.0.1:{port}"
        browser.login(base, regulator_token(url, base))

        def ours() -> dict:
            return _load(browser, f"http://127.0.0.1:{port}/maps/city")

        def theirs() -> dict:
            t0 = time.perf_counter()
            page = explore_html(enterprises_layer(conn))
            conn.rollback()
            Path(site / "explore.html").write_text(page, encoding="utf-8")
            build = time.perf_counter() - t0
            r = _load(browser, f"http://127.0.0.1:{sport}/explore.html")
            return {**r, "build_s": build, "time_s": r["time_s"] + build}

        yield {"riskatlas_page": ours, "explore_page": theirs}
    conn.close()
