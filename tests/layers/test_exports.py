"""GeoPackage and GeoJSON exports: GDAL's ogrinfo reads them, QGIS finds its style in layer_styles."""

from __future__ import annotations

import re
import sqlite3
import subprocess

import pytest

from layers import exports
from layers.filters import LayerFilter
from layers.levels import DESCENDING, PALETTE
from tests.auth import api_client


def _ogrinfo(*args: str) -> str:
    proc = subprocess.run(["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def client(demo_url):
    with api_client(demo_url) as c:
        yield c


def test_enterprises_geopackage_opens_in_ogrinfo_with_its_qgis_style(client, conn, tmp_path):
    # district 2 of the demo (a 常州 district) and its subtree
    r = client.get("/api/export/enterprises.gpkg", params={"within": 2})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geopackage+sqlite3"
    path = tmp_path / "e.gpkg"
    path.write_bytes(r.content)
    listing = _ogrinfo("-q", str(path))
    assert "enterprises (Point)" in listing and "layer_styles" in listing
    with conn.cursor() as cur:
        cur.execute("""SELECT count(*) FROM enterprise WHERE region_id IN
                       (SELECT region_id FROM region_descendant WHERE ancestor_id = 2)""")
        n = cur.fetchone()[0]
    assert n > 50
    summary = _ogrinfo("-so", str(path), "enterprises")
    assert f"Feature Count: {n}" in summary
    assert re.search(r"level: String", summary)
    con = sqlite3.connect(path)
    try:
        table, default, qml, sld = con.execute(
            "SELECT f_table_name, useAsDefault, styleQML, styleSLD FROM layer_styles").fetchone()
        # levels in the file are what SQL says, unassessed written out
        levels = dict(con.execute("SELECT level, count(*) FROM enterprises GROUP BY 1").fetchall())
    finally:
        con.close()
    assert table == "enterprises" and default == 1
    assert 'type="categorizedSymbol" attr="level"' in qml
    for lv in DESCENDING:   # every level's colour, as QGIS writes it (r,g,b,a)
        r_, g, b = PALETTE.rgb(lv)
        assert f'<category value="{lv.value}"' in qml and f'value="{r_},{g},{b},255"' in qml
        assert PALETTE.colour(lv) in sld
    with conn.cursor() as cur:
        cur.execute("""SELECT coalesce(current_level::text, 'unassessed'), count(*) FROM enterprise_level el
                       JOIN enterprise e ON e.id = el.enterprise_id WHERE e.region_id IN
                       (SELECT region_id FROM region_descendant WHERE ancestor_id = 2) GROUP BY 1""")
        assert levels == dict(cur.fetchall())


@pytest.mark.parametrize("layer", ["areas", "regions", "hazard_sources", "hidden_hazards"])
def test_every_layer_exports_styled(conn, tmp_path, layer):
    path = exports.write_gpkg(conn, [layer], tmp_path / f"{layer}.gpkg")
    listing = _ogrinfo("-q", str(path))
    assert layer in listing and "layer_styles" in listing
    gdf = exports.read_layer(conn, layer)
    assert f"Feature Count: {len(gdf)}" in _ogrinfo("-so", str(path), layer)
    assert len(gdf) > 0


def test_geojson_export_with_filter(client, conn):
    r = client.get("/api/export/enterprises.geojson", params={"level": "major"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/geo+json"
    fc = r.json()
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM enterprise_level WHERE current_level = 'major'")
        assert len(fc["features"]) == cur.fetchone()[0] > 0
    assert {f["properties"]["level"] for f in fc["features"]} == {"major"}
    assert fc["features"][0]["geometry"]["type"] == "Point"


def test_unknown_layer_and_format(client):
    assert client.get("/api/export/rivers.gpkg").status_code == 404
    assert client.get("/api/export/areas.shp").status_code == 422
    assert client.get("/api/export/areas.gpkg", params={"within": 999999}).status_code == 404


def test_filter_object_reaches_every_reader(conn):
    f = LayerFilter(within=2)
    for name in exports.LAYERS:
        exports.read_layer(conn, name, f)
