"""Emergency endpoints and the ``riskatlas emergency`` command, through the real app.

The API commits its writes, so this module works in a database of its own (migrated from empty,
dropped at the end) holding the constructed scene. The consequence models are replaced by the
stand-in of tests/scene.py (circles of radius_m, 2× and 4×): these tests are about storage, lists,
routes and errors, not physics.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import psycopg2
import pytest

from bench.browser import DevTools, live_app
from tests.auth import api_client, login_browser
from tests.conftest import drop_database, migrated_database
from tests.scene import (
    add_hazard_source,
    add_resource,
    add_road_grid,
    add_target,
    build,
    fake_consequences,
    source_lonlat,
)


@pytest.fixture(scope="module")
def world(server_url):
    name = f"riskatlas_emergency_api_{os.getpid()}"
    url = migrated_database(server_url, name)
    conn = psycopg2.connect(url)
    try:
        with conn:
            scene = build(conn)
            hs = add_hazard_source(conn, scene, {"液化石油气": 60})
            src = source_lonlat(conn, hs)
            nodes = add_road_grid(conn, src, half=3, spacing_m=200)
            west = add_target(conn, *nodes[(-2, 0)], population=50, name="西侧小区")     # 400 m: yellow for r=100
            add_resource(conn, "shelter", nodes[(3, 0)], 1000, "东侧避难场所")
            add_resource(conn, "fire_station", nodes[(3, 3)], 30, "东北消防站")
    finally:
        conn.close()
    yield {"url": url, "scene": scene, "hs": hs, "west": west}
    drop_database(server_url, name)


@pytest.fixture(scope="module")
def client(world):
    with pytest.MonkeyPatch.context() as mp:
        mp.setitem(sys.modules, "layers.consequences", fake_consequences())
        with api_client(world["url"]) as c:       # an admin; jurisdiction is tests/app/test_permissions.py's
            yield c


@pytest.fixture(scope="module")
def scenario(client, world):
    r = client.post(f"/api/hazard-sources/{world['hs']}/scenarios",
                    json={"model": "vce_tnt", "params": {"radius_m": 100}, "name": "储罐区爆炸"})
    assert r.status_code == 201, r.text
    return r.json()


def test_create_and_zones_geojson(client, scenario):
    assert scenario["stale"] is False and scenario["model"] == "vce_tnt"
    r = client.get(f"/api/emergency/scenarios/{scenario['id']}/zones")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection"
    assert [(f["properties"]["level"], f["properties"]["distance_m"]) for f in fc["features"]] == \
        [("red", 100), ("orange", 200), ("yellow", 400)]
    assert fc["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_affected_and_routes(client, scenario, world):
    a = client.get(f"/api/emergency/scenarios/{scenario['id']}/affected").json()
    assert [(t["id"], t["level"]) for t in a["protection_targets"]] == [(world["west"], "yellow")]
    assert a["summary"]["yellow"]["population"] == 50 and a["notify"] == []
    r = client.get(f"/api/emergency/scenarios/{scenario['id']}/routes")
    assert r.status_code == 200, r.text
    feats = r.json()["features"]
    (ev,) = [f for f in feats if f["properties"]["route_kind"] == "evacuation"]
    # round the red zone by the next street: 1400 m instead of 1000 m straight through (test_emergency.py)
    assert ev["properties"]["red_m"] == 0 and abs(ev["properties"]["length_m"] - 1400) < 3
    kinds = {f["properties"]["resource_kind"] for f in feats if f["properties"]["route_kind"] == "resource"}
    assert kinds == {"shelter", "fire_station"}


def test_patch_recomputes(client, world):
    r = client.post(f"/api/hazard-sources/{world['hs']}/scenarios", json={"model": "pool_fire",
                                                                          "params": {"radius_m": 50}})
    sid = r.json()["id"]
    r = client.patch(f"/api/emergency/scenarios/{sid}", json={"params": {"radius_m": 60}})
    assert r.status_code == 200 and r.json()["inputs_version"] == 2 and not r.json()["stale"]
    dist = [f["properties"]["distance_m"] for f in client.get(f"/api/emergency/scenarios/{sid}/zones").json()["features"]]
    assert dist == [60, 120, 240]
    # a change made behind the API's back (SQL) is picked up on the next read
    conn = psycopg2.connect(world["url"])
    try:
        with conn, conn.cursor() as cur:
            cur.execute("UPDATE scenario SET params = '{\"radius_m\": 70}' WHERE id = %s", (sid,))
    finally:
        conn.close()
    assert client.get(f"/api/emergency/scenarios/{sid}").json()["stale"] is True
    dist = [f["properties"]["distance_m"] for f in client.get(f"/api/emergency/scenarios/{sid}/zones").json()["features"]]
    assert dist == [70, 140, 280]
    assert client.delete(f"/api/emergency/scenarios/{sid}").status_code == 204
    assert client.get(f"/api/emergency/scenarios/{sid}").status_code == 404


@pytest.mark.parametrize(("source", "body", "status", "field"), [
    (999999, {"model": "vce_tnt", "params": {"radius_m": 1}}, 404, None),
    ("abc", {"model": "vce_tnt", "params": {"radius_m": 1}}, 422, "hazard_source_id"),
    ("__HS__", {"model": "nuke", "params": {"radius_m": 1}}, 422, "model"),
    ("__HS__", {"params": {"radius_m": 1}}, 422, "model"),
    ("__HS__", {"model": "vce_tnt", "params": {"radius_m": -5}}, 422, "params.radius_m"),
    ("__HS__", {"model": "vce_tnt", "params": {"radius_m": [1]}}, 422, "params.radius_m"),
    ("__HS__", {"model": "vce_tnt", "params": {"radius_m": 1}, "weather": {"gust": 9}}, 422, "weather.gust"),
    ("__HS__", {"model": "vce_tnt", "params": "big"}, 422, "params"),
])
def test_bad_input_is_4xx_in_chinese(client, world, source, body, status, field):
    source = world["hs"] if source == "__HS__" else source
    r = client.post(f"/api/hazard-sources/{source}/scenarios", json=body)
    assert r.status_code == status, r.text
    detail = r.json()["detail"]
    assert re.search(r"[\u4e00-\u9fff]", detail)
    if status == 404:
        assert "危险源 999999" in detail
    else:
        fields = [e["field"] for e in r.json().get("errors", [])]
        assert any(f.endswith(field) for f in fields) or detail.startswith(field), (fields, detail)


def test_unknown_scenario_is_404_everywhere(client):
    for path in ("", "/zones", "/affected", "/routes", "/map", "/briefing.pdf"):
        r = client.get(f"/api/emergency/scenarios/424242{path}")
        assert r.status_code == 404 and "情景 424242 不存在" in r.json()["detail"], path
    assert client.get("/api/emergency/coverage/424242").status_code == 404


def test_overlay_page_is_offline(client, scenario, world):
    r = client.get(f"/api/emergency/scenarios/{scenario['id']}/map")
    assert r.status_code == 200 and "text/html" in r.headers["content-type"]
    html = r.text
    assert "储罐区爆炸" in html and "L.map(" in html
    # nothing is fetched from elsewhere: no external script or stylesheet
    assert not re.findall(r'<(?:script|link)[^>]+(?:src|href)="https?://', html)
    assert "cdn" not in " ".join(re.findall(r'(?:src|href)="[^"]*"', html)).lower()
    # in a real browser with only loopback reachable, Leaflet (served by the app) builds the map
    with live_app(world["url"]) as base, DevTools.launch() as browser:
        login_browser(browser, base, world["url"])
        browser.navigate(f"{base}/api/emergency/scenarios/{scenario['id']}/map")
        browser.wait_for("!!(document.querySelector('.leaflet-container') && "
                         "document.querySelector('.leaflet-control-layers'))")
        assert "威胁区 (threat zones)" in browser.evaluate("document.documentElement.innerHTML")
        browser.pump(0.5)
        assert browser.console_errors() == []
        assert all(u.startswith((base, "data:", "about:")) for u in browser.requests()), browser.requests()


def test_briefing_pdf(client, scenario, tmp_path):
    r = client.get(f"/api/emergency/scenarios/{scenario['id']}/briefing.pdf")
    assert r.status_code == 200 and r.content[:5] == b"%PDF-"
    pdf = tmp_path / "b.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for s in ("应急处置简报", "储罐区爆炸", "西侧小区", "东侧避难场所", "疏散路线"):
        assert s in text, s


def test_coverage_and_safety_distances(client, world):
    r = client.get(f"/api/emergency/coverage/{world['scene'].grid}")
    assert r.status_code == 200
    fc = r.json()
    assert fc["summary"]["stations"] == 1 and fc["summary"]["covered_km2"] > 0
    assert {f["properties"]["kind"] for f in fc["features"]} == {"coverage", "gap"}
    assert client.get(f"/api/emergency/coverage/{world['scene'].grid}", params={"minutes": 0}).status_code == 422
    r = client.get(f"/api/hazard-sources/{world['hs']}/safety-distances")
    assert r.status_code == 200 and r.json() == []          # the nearest target is 400 m away
    assert client.get("/api/hazard-sources/999999/safety-distances").status_code == 404


def test_cli_affected(world, scenario):
    env = {**os.environ, "DATABASE_URL": world["url"]}
    proc = subprocess.run([sys.executable, "-m", "app.cli", "emergency", "scenario", "affected", str(scenario["id"])],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "西侧小区" in proc.stdout and "黄区" in proc.stdout
