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


def _profile_version(demo_url: str, name: str) -> int | None:
    import psycopg2

    conn = psycopg2.connect(demo_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT version FROM assessment_profile WHERE name = %s", (name,))
            row = cur.fetchone()
            return row[0] if row else None
    finally:
        conn.close()


def test_profile_put_of_an_unknown_key_is_refused_naming_its_path(client, demo_url):
    before = _profile_version(demo_url, "default")
    r = client.put("/api/profiles/default", json={"bogus": 1})
    assert r.status_code == 422, r.text
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"bogus", "LEC", "LS", "MES"} <= fields  # the unknown key, and every method it lacks
    assert "bogus: 未知的键" in r.json()["detail"]
    assert _profile_version(demo_url, "default") == before  # nothing stored


def test_profile_get_put_round_trip_bumps_the_version(client, demo_url):
    """What GET returns is what PUT takes: read, edit, save."""
    import psycopg2

    default = client.get("/api/profiles/default").json()
    created = client.put("/api/profiles/i19-roundtrip", json=default["definition"])  # a bare definition still works
    assert created.status_code == 200, created.text
    try:
        got = client.get("/api/profiles/i19-roundtrip").json()
        assert set(got) == {"name", "version", "title_zh", "definition"}
        got["definition"]["LS"]["thresholds"]["major"] = 16
        saved = client.put("/api/profiles/i19-roundtrip", json=got)
        assert saved.status_code == 200, saved.text
        assert saved.json()["version"] == got["version"] + 1 and "regraded" in saved.json()
        again = client.get("/api/profiles/i19-roundtrip").json()
        assert again["version"] == got["version"] + 1 and again["definition"]["LS"]["thresholds"]["major"] == 16
        # saving the old read again is refused: someone (we) changed it since
        stale = client.put("/api/profiles/i19-roundtrip", json=got)
        assert stale.status_code == 412 and "版本" in stale.json()["detail"]
        wrong = client.put("/api/profiles/i19-roundtrip", json={**again, "name": "other"})
        assert wrong.status_code == 422 and wrong.json()["errors"][0]["field"] == "name"
    finally:
        conn = psycopg2.connect(demo_url)
        with conn, conn.cursor() as cur:
            cur.execute("DELETE FROM assessment_profile WHERE name = 'i19-roundtrip'")
        conn.close()


def test_profile_with_unordered_thresholds_is_refused(client, demo_url):
    got = client.get("/api/profiles/default").json()
    got["definition"]["MES"]["thresholds"] = {"major": 50, "significant": 90, "general": 180}
    got["definition"]["LEC"]["thresholds"]["general"] = "seventy"
    r = client.put("/api/profiles/default", json=got)
    assert r.status_code == 422, r.text
    errors = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert "major > significant > general" in errors["MES.thresholds"]
    assert errors["LEC.thresholds.general"].startswith("应为数字")
    assert _profile_version(demo_url, "default") == got["version"]
