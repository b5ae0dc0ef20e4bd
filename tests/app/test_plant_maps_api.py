"""Plant and workshop maps over HTTP: content types, file names, 404 and 422 (never 500)."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from urllib.parse import unquote

import psycopg2
import pytest
from PIL import Image

from tests.auth import api_client


@pytest.fixture(scope="module")
def client(demo_url):
    with api_client(demo_url) as c:
        yield c


@pytest.fixture(scope="module")
def demo(demo_url):
    conn = psycopg2.connect(demo_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT e.id, e.name FROM enterprise e WHERE EXISTS (SELECT 1 FROM area a WHERE "
                        "a.enterprise_id = e.id AND a.kind IN ('unit', 'post')) ORDER BY e.id LIMIT 1")
            eid, name = cur.fetchone()
            cur.execute("SELECT id, name FROM area WHERE enterprise_id = %s AND kind = 'workshop' ORDER BY code "
                        "LIMIT 1", (eid,))
            ws, ws_name = cur.fetchone()
            cur.execute("SELECT id FROM area WHERE enterprise_id = %s AND kind = 'unit' LIMIT 1", (eid,))
            unit = cur.fetchone()[0]
    finally:
        conn.close()
    return {"id": eid, "name": name, "ws": ws, "ws_name": ws_name, "unit": unit}


def _filename(resp) -> str:
    cd = resp.headers["content-disposition"]
    assert cd.startswith("attachment;") and 'filename="' in cd
    ascii_part = cd.split('filename="')[1].split('"')[0]
    assert ascii_part.isascii()
    return unquote(cd.split("filename*=UTF-8''")[1])


def test_plant_pdf(client, demo):
    r = client.get(f"/api/enterprises/{demo['id']}/maps/plant.pdf", params={"paper": "A3", "basis": "inherent"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")
    name = _filename(r)
    assert name.startswith(demo["name"]) and name.endswith(".pdf") and "固有风险" in name


def test_plant_png_page_and_svg(client, demo):
    r = client.get(f"/api/enterprises/{demo['id']}/maps/plant.png",
                   params={"dpi": 72, "orient": "portrait", "pair": "true", "page": 2})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    assert int(r.headers["x-page-count"]) >= 2
    w, h = Image.open(io.BytesIO(r.content)).size
    assert h > w  # portrait
    assert _filename(r).endswith("-p2.png")
    r = client.get(f"/api/enterprises/{demo['id']}/maps/plant.svg", params={"basis": "current"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("image/svg+xml")
    ET.fromstring(r.content)  # well-formed XML
    assert demo["name"] in r.text


def test_workshop_png(client, demo):
    r = client.get(f"/api/areas/{demo['ws']}/maps/workshop.png", params={"dpi": 72})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "image/png"
    name = _filename(r)
    assert demo["name"] in name and demo["ws_name"] in name


@pytest.mark.parametrize("path", ["/api/enterprises/99999999/maps/plant.pdf", "/api/areas/99999999/maps/workshop.png"])
def test_unknown_ids_are_404(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert "不存在" in r.json()["detail"]


def test_bad_parameters_are_422_in_chinese(client, demo):
    base = f"/api/enterprises/{demo['id']}/maps"
    for url, params in [(f"{base}/plant.gif", {}), (f"{base}/plant.pdf", {"paper": "A5"}),
                        (f"{base}/plant.pdf", {"basis": "worst"}), (f"{base}/plant.png", {"dpi": 5000}),
                        (f"{base}/plant.png", {"orient": "sideways"}), ("/api/enterprises/0/maps/plant.pdf", {})]:
        r = client.get(url, params=params)
        assert r.status_code == 422, (url, params, r.status_code)
        assert "无效" in r.json()["detail"]
    r = client.get(f"/api/areas/{demo['unit']}/maps/workshop.pdf")  # a unit, not a workshop
    assert r.status_code == 422 and "不是车间" in r.json()["detail"]
    r = client.get(f"{base}/plant.png", params={"dpi": 72, "page": 40})
    assert r.status_code == 422 and "页码" in r.json()["detail"]
