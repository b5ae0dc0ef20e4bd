"""Assessment, explanation and region endpoints, through the real app."""

from __future__ import annotations

import pytest

from tests.auth import api_client


@pytest.fixture(scope="module")
def client(demo_url):
    with api_client(demo_url) as c:
        yield c


def test_assess_preview(client):
    r = client.post("/api/assess", json={"method": "LEC", "inputs": {"L": 3, "E": 6, "C": 15}})
    assert r.status_code == 200
    body = r.json()
    assert body["score"] == 270 and body["level"] == "significant" and body["level_zh"] == "较大风险"


@pytest.mark.parametrize("payload,status,word", [
    ({"method": "LEC", "inputs": {"L": 4, "E": 6, "C": 15}}, 422, "分值表"),
    ({"method": "XYZ", "inputs": {}}, 422, "invalid"),
    ({"method": "LS", "inputs": {"L": 1, "S": 1}, "profile": "nope"}, 404, "评价方案"),
    ({"method": "direct", "inputs": {"level": "general"}}, 422, "判定依据"),
])
def test_assess_preview_errors(client, payload, status, word):
    r = client.post("/api/assess", json=payload)
    assert r.status_code == status
    assert word in r.text


def test_explain_endpoints(client, demo_url):
    import psycopg2

    conn = psycopg2.connect(demo_url)
    with conn.cursor() as cur:
        cur.execute("SELECT enterprise_id FROM enterprise_level WHERE current_level = 'major' ORDER BY 1 LIMIT 1")
        eid = cur.fetchone()[0]
    conn.close()
    r = client.get(f"/api/enterprises/{eid}/explain")
    assert r.status_code == 200 and r.json()["level"] == "major" and r.json()["because"]
    assert client.get("/api/enterprises/99999999/explain").status_code == 404
    assert client.get("/api/areas/99999999/explain").status_code == 404
    assert client.get(f"/api/enterprises/{eid}/explain?basis=colour").status_code == 422


def test_region_stats_endpoints(client):
    r = client.get("/api/regions/stats", params={"level": "district"})
    assert r.status_code == 200
    rows = r.json()
    assert len(rows) == 6 and sum(x["ent_total"] for x in rows) >= 1800
    assert all(x["colour"].startswith("#") for x in rows)
    g = client.get("/api/regions/stats.geojson", params={"level": "town"})
    assert g.status_code == 200 and len(g.json()["features"]) >= 40
    assert client.get("/api/regions/stats", params={"level": "village"}).status_code == 422
    assert client.get("/api/regions/stats", params={"within": 99999999}).status_code == 404
    s = client.get("/api/supervision", params={"limit": 10})
    assert s.status_code == 200 and len(s.json()) == 10


def test_profiles_listed(client):
    names = {p["name"] for p in client.get("/api/profiles").json()}
    assert {"default", "ls-strict"} <= names
    assert client.put("/api/profiles/Bad Name!", json={}).status_code in (404, 422)
