"""The city page's HTML (folium) and the static city maps (matplotlib), without a browser."""

from __future__ import annotations

import re
import subprocess

import pytest
from PIL import Image

from layers import city
from layers.city import CityLayers
from layers.levels import PALETTE
from maps import vendor
from maps.city_map import render_city_page
from maps.city_static import CityStaticLayers, render_city_static
from maps.settings import MapSettings
from tests.auth import api_client

EVIL = '</script><script>alert("x")</script><b>&'


@pytest.fixture(scope="module")
def client(demo_url):
    with api_client(demo_url) as c:
        yield c


def _layers(conn, **kw) -> CityLayers:
    f = city.parse_filter(conn)
    hs = city.hazard_sources_layer(conn, f)
    return CityLayers(title="常州市", bounds=city.extent(conn, f), region_levels=city.CHOROPLETH_LEVELS,
                      heat=city.heat_points(conn, f), hazard_sources=hs, hidden_hazards=city.hidden_hazards_layer(conn, f),
                      counts=city.level_counts(conn, f), industries=city.industries(conn),
                      region_choices=city.region_choices(conn), **kw)


def test_every_name_is_escaped(conn):
    layers = _layers(conn)
    layers.hazard_sources.loc[0, "name"] = EVIL
    layers.hazard_sources.loc[0, "enterprise_name"] = EVIL
    layers.region_choices[0] = (layers.region_choices[0][0], EVIL, "city")
    layers.title = EVIL
    html = render_city_page(layers)
    assert '<script>alert("x")' not in html and "</script><script>alert" not in html
    assert "&lt;/script&gt;&lt;script&gt;alert(&quot;x&quot;)" in html        # title and region filter escaped
    assert "\\u003c/script\\u003e\\u003cscript\\u003ealert" in html          # hazard-source data, safe in a script
    # and the page escapes every name it puts into a popup or tooltip
    assert "raEsc(p.name)" in html and "raEsc(feature.properties.name)" in html


def test_point_layers_are_written_as_utf8_json(conn):
    layers = _layers(conn)
    layers.hazard_sources.loc[0, "name"] = "液氯储罐区\u2028"
    html = render_city_page(layers)
    # a Chinese name is written as itself (3 bytes), not as \\u escapes (6 bytes each)
    assert '"name":"液氯储罐区\\u2028"' in html and "\\u6db2" not in html


def test_the_page_title_is_the_top_region_or_all(conn):
    assert city.region_name(conn, None) == "常州市"            # the demo: one city, no province above it
    with conn.cursor() as cur:
        cur.execute("""INSERT INTO region (adcode, name, level, geom) SELECT '320000', '江苏省', 'province',
                       ST_Multi(ST_Envelope(ST_Buffer(geom, 0.1))) FROM region WHERE adcode = '320400' RETURNING id""")
        province = cur.fetchone()[0]
        cur.execute("UPDATE region SET parent_id = %s WHERE adcode = '320400'", (province,))
        assert city.region_name(conn, None) == "江苏省"
        cur.execute("""INSERT INTO region (adcode, name, level, geom)
                       VALUES ('330000', '浙江省', 'province', ST_Multi(ST_MakeEnvelope(118, 27, 123, 31, 4326)))""")
        assert city.region_name(conn, None) == "全部区域"


def test_region_layers_are_served_compact_and_complete(client, conn):
    r = client.get("/maps/city/regions.geojson", params={"level": "town", "within": 2})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    feats = r.json()["features"]
    with conn.cursor() as cur:
        cur.execute("""SELECT s.region_id, s.name, coalesce(s.region_level_colour::text, 'unassessed'), s.ent_major
                       FROM region_stats s WHERE s.region_level = 'town' AND s.region_id IN
                       (SELECT region_id FROM region_descendant WHERE ancestor_id = 2)""")
        expected = {rid: (name, lv, major) for rid, name, lv, major in cur.fetchall()}
    assert len(expected) > 3
    got = {f["properties"]["id"]: (f["properties"]["name"], f["properties"]["lv"], f["properties"]["ent"][0])
           for f in feats}
    assert got == expected
    full = client.get("/api/regions/stats.geojson", params={"level": "town", "within": 2})
    assert len(r.content) < 0.6 * len(full.content)   # simplified, rounded, without repeated columns
    assert client.get("/maps/city/regions.geojson", params={"level": "city"}).status_code == 422
    assert client.get("/maps/city/regions.geojson", params={"within": 999999}).status_code == 404


def test_page_references_only_the_app_and_its_assets_exist(conn):
    html = render_city_page(_layers(conn))
    refs = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert not [r for r in refs if re.match(r"(https?:)?//", r)], refs
    assets = [r for r in refs if r.startswith(vendor.URL_PREFIX)]
    assert {"/static/vendor/leaflet/leaflet.js", "/static/vendor/vectorgrid/Leaflet.VectorGrid.bundled.min.js",
            "/static/vendor/heat/leaflet-heat.js"} <= set(assets)
    for a in assets:
        assert vendor.resolve(a.removeprefix(vendor.URL_PREFIX)) is not None, a
    assert "http://" not in html and "https://" not in html   # no other host anywhere, scripts included


def test_localise_refuses_an_unknown_host():
    with pytest.raises(ValueError, match="external"):
        vendor.localise('<script src="https://evil.example/x.js"></script>')
    assert vendor.localise('<link href="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css">') == \
        '<link href="/static/vendor/leaflet/leaflet.css">'


def test_basemap_setting_is_the_only_other_host(conn):
    html = render_city_page(_layers(conn), MapSettings(basemap="xyz", xyz_url="http://10.1.2.3/t/{z}/{x}/{y}.png"))
    assert "http://10.1.2.3/t/{z}/{x}/{y}.png" in html
    html = render_city_page(_layers(conn), MapSettings(basemap="tianditu", tianditu_key="k123"))
    assert "tianditu.gov.cn" in html and "tk=k123" in html
    with pytest.raises(ValueError, match="KEY"):
        render_city_page(_layers(conn), MapSettings(basemap="tianditu"))
    assert "tianditu" not in render_city_page(_layers(conn), MapSettings())


def test_legend_counts_and_palette_come_from_the_database(client, conn):
    r = client.get("/maps/city", params={"within": 2})
    assert r.status_code == 200
    with conn.cursor() as cur:
        cur.execute("""SELECT coalesce(current_level::text, 'unassessed'), count(*) FROM enterprise_level el
                       JOIN enterprise e ON e.id = el.enterprise_id WHERE e.region_id IN
                       (SELECT region_id FROM region_descendant WHERE ancestor_id = 2) GROUP BY 1""")
        counts = dict(cur.fetchall())
        cur.execute("SELECT name FROM region WHERE id = 2")
        name = cur.fetchone()[0]
    legend = re.search(r'<div class="ra-panel ra-legend" id="ra-legend">(.*?)</div></div>', r.text).group(1)
    assert f"重大风险(红) {counts.get('major', 0)} 家" in legend
    assert f"低风险(蓝) {counts.get('low', 0)} 家" in legend
    assert PALETTE.colour("major") in legend and PALETTE.colour("low") in legend
    assert f"{name} 安全风险四色分布图" in r.text
    # the tiles of the page carry the same filter
    assert "/tiles/enterprises/{z}/{x}/{y}.pbf?within=2" in r.text
    assert r.headers["content-encoding"] == "gzip"       # sent compressed (the client decoded it)
    raw = client.get("/maps/city", params={"within": 2}, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in raw.headers and len(raw.content) == len(r.content)   # (ids differ per render)


@pytest.mark.parametrize(("params", "status"), [
    ({"within": 999999}, 404), ({"level": "purple"}, 422), ({"industry": "mining"}, 422), ({"within": 0}, 422),
    ({"within": "x"}, 422),
    # the page's own filter form with 全部 (辖区) chosen and nothing else: the whole jurisdiction
    ({"within": "", "industry": "", "level": ""}, 200), ({"within": ""}, 200)])
def test_page_filters_are_checked(client, params, status):
    assert client.get("/maps/city", params=params).status_code == status


def test_vendor_assets_are_served_and_nothing_else(client):
    r = client.get("/static/vendor/leaflet/leaflet.js")
    assert r.status_code == 200 and "javascript" in r.headers["content-type"] and len(r.content) > 100_000
    for bad in ("/static/vendor/../pyproject.toml", "/static/vendor/%2e%2e/pyproject.toml",
                "/static/vendor/.installed-leaflet-1.9.3", "/static/vendor/none.js"):
        assert client.get(bad).status_code == 404, bad


def _static_layers(conn, within=None) -> CityStaticLayers:
    f = city.parse_filter(conn, within=within)
    return CityStaticLayers(title=city.region_name(conn, within), districts=city.regions_layer(conn, "district", f),
                            towns=city.regions_layer(conn, "town", f), enterprises=city.enterprises_layer(conn, f),
                            hazard_sources=city.hazard_sources_layer(conn, f), heat=city.heat_points(conn, f),
                            is_city=within is None)


def test_static_four_colour_map_png_uses_the_palette(conn, tmp_path):
    out = render_city_static(_static_layers(conn), tmp_path / "city.png", paper="A4", dpi=80)
    img = Image.open(out).convert("RGB")
    assert img.size == (round(297 / 25.4 * 80), round(210 / 25.4 * 80))
    colours = {c for _, c in img.getcolors(maxcolors=1 << 20)}
    for lv in ("major", "significant", "general", "low"):   # every level's dots in the exact palette colour
        assert PALETTE.rgb(lv) in colours, lv


def test_static_heat_map_pdf_has_chinese_text(conn, tmp_path):
    out = render_city_static(_static_layers(conn, within=2), tmp_path / "heat.pdf", kind="heat", paper="A4", dpi=72)
    text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
    assert "安全风险热力图" in text and "图" in text and "千米" in text
    with pytest.raises(ValueError):
        render_city_static(_static_layers(conn), tmp_path / "x.png", kind="pie")


def test_cli_city_map_and_export(demo_url, tmp_path):
    import os
    import sys

    env = {**os.environ, "DATABASE_URL": demo_url}
    cli = [sys.executable, "-m", "app.cli", "city"]
    p = subprocess.run([*cli, "map", "--within", "2", "--out", str(tmp_path / "d.png"), "--dpi", "72", "--paper", "A4"],
                       env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert Image.open(tmp_path / "d.png").size[0] > 500
    p = subprocess.run([*cli, "export", "all", "--out", str(tmp_path / "all.gpkg"), "--within", "2"],
                       env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    listing = subprocess.run(["ogrinfo", "-ro", "-q", str(tmp_path / "all.gpkg")], capture_output=True,
                             text=True).stdout
    for layer in ("enterprises", "areas", "regions", "hazard_sources", "hidden_hazards", "layer_styles"):
        assert layer in listing
    p = subprocess.run([*cli, "map", "--out", str(tmp_path / "d.gif")], env=env, capture_output=True, text=True)
    assert p.returncode == 2 and "不支持的输出格式" in p.stderr and "Traceback" not in p.stderr
