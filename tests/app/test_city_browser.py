"""The city page in a real headless chromium (DevTools protocol), served by the real app, only loopback reachable."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import psycopg2

from bench.browser import DevTools, live_app
from tests.auth import login_browser

# Leaflet objects of a folium page are top-level variables named after their kind.
_MAP = "window[Object.keys(window).find(k => k.startsWith('map_'))]"
_DISTRICTS = ("Object.keys(window).filter(k => k.startsWith('region_layer_')).map(k => window[k])"
              f".find(l => {_MAP}.hasLayer(l))")


def _district_points(demo_url: str) -> list[tuple[int, str, float, float]]:
    conn = psycopg2.connect(demo_url)
    try:
        with conn.cursor() as cur:   # a point surely inside each district, its largest first
            cur.execute("""SELECT id, name, ST_Y(p), ST_X(p) FROM (SELECT id, name, ST_PointOnSurface(geom) p, area_km2
                           FROM region WHERE level = 'district') s ORDER BY area_km2 DESC""")
            return cur.fetchall()
    finally:
        conn.close()


def test_city_page_draws_app_tiles_offline_and_opens_a_region_popup(demo_url, tmp_path):
    districts = _district_points(demo_url)
    with live_app(demo_url) as base, DevTools.launch() as browser:
        login_browser(browser, base, demo_url)
        browser.navigate(base + "/maps/city")
        # the enterprise layer is drawn from the app's vector tiles (canvas tiles of Leaflet.VectorGrid)
        browser.wait_for("document.querySelectorAll('.leaflet-ra_vector-pane svg path').length > 0")
        browser.wait_for(f"{_DISTRICTS} && {_DISTRICTS}.getLayers().length > 0")
        browser.pump(1.0)
        tiles = [(u, s, m) for u, s, m in browser.responses() if "/tiles/enterprises/" in u]
        assert any(s == 200 and m == "application/vnd.mapbox-vector-tile" for _, s, m in tiles), tiles
        assert all(s in (200, 204, 304) for _, s, _ in tiles), tiles

        # click inside a district (where no marker sits) and read its popup
        target = None
        for district in districts:
            lat, lon = district[2], district[3]
            xy = browser.evaluate(f"""(() => {{
                const p = {_MAP}.latLngToContainerPoint([{lat}, {lon}]);
                const r = {_MAP}.getContainer().getBoundingClientRect();
                const x = r.left + p.x, y = r.top + p.y;
                const el = document.elementFromPoint(x, y);
                return el && el.tagName === 'path' && el.closest('.leaflet-overlay-pane') ? [x, y] : null;
            }})()""")
            if xy:
                target = (district[0], district[1], xy)
                break
        assert target is not None, "no district could be clicked"
        rid, name, xy = target
        browser.click(*xy)
        popup = browser.wait_for("(() => { const p = document.querySelector('.leaflet-popup-content .ra-region');"
                                 " return p && [p.dataset.region, p.querySelector('h4').textContent, p.textContent]; })()")
        assert int(popup[0]) == rid and popup[1] == name
        assert "区域颜色" in popup[2] and "风险指数" in popup[2]

        # the legend and the layer control are there, in Chinese
        legend = browser.evaluate("document.getElementById('ra-legend').textContent")
        assert "重大风险" in legend and "低风险" in legend
        overlays = browser.evaluate("Array.from(document.querySelectorAll('.leaflet-control-layers-overlays label'))"
                                    ".map(l => l.textContent.trim())")
        assert any("企业四色" in t for t in overlays) and any("热力图" in t for t in overlays)
        shot = browser.screenshot(tmp_path / "city.png")
        errors = browser.console_errors()
        urls = browser.requests()
    assert errors == [], errors
    # nothing but the app itself was asked for anything
    hosts = {urlsplit(u).hostname for u in urls if urlsplit(u).scheme in ("http", "https")}
    assert hosts == {"127.0.0.1"}, hosts
    assert shot.stat().st_size > 30_000
    json.dumps(popup)   # plain values came back
