"""The first API slice against the demo database."""

from __future__ import annotations

import pytest

from layers.levels import PALETTE
from tests.auth import api_client


@pytest.fixture(scope="module")
def client(demo_url):
    with api_client(demo_url) as c:
        yield c


def _drawn_plant(conn) -> int:
    with conn.cursor() as cur:
        cur.execute("SELECT enterprise_id FROM area WHERE kind IN ('unit','post') ORDER BY enterprise_id LIMIT 1")
        return cur.fetchone()[0]


def test_areas_geojson_carries_each_area_level(client, conn):
    eid = _drawn_plant(conn)
    r = client.get(f"/api/enterprises/{eid}/areas")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and fc["basis"] == "residual"
    with conn.cursor() as cur:
        cur.execute("SELECT a.id, al.residual_level::text, a.kind::text FROM area a "
                    "JOIN area_level al ON al.area_id = a.id WHERE a.enterprise_id = %s", (eid,))
        expected = {i: (lv, kind) for i, lv, kind in cur.fetchall()}
    assert {f["properties"]["id"] for f in fc["features"]} == set(expected)
    kinds = {f["properties"]["kind"] for f in fc["features"]}
    assert {"plant", "workshop"} <= kinds and kinds & {"unit", "post"}
    for f in fc["features"]:
        p = f["properties"]
        assert p["level"] == expected[p["id"]][0]
        assert f["geometry"]["type"] == "MultiPolygon"
        if p["kind"] != "building":
            assert p["colour"] == PALETTE.colour(p["level"])


def test_inherent_basis_is_never_below_residual(client, conn):
    eid = _drawn_plant(conn)
    res = {f["properties"]["id"]: f["properties"]["level"] for f in client.get(f"/api/enterprises/{eid}/areas").json()["features"]}
    inh = {f["properties"]["id"]: f["properties"]["level"]
           for f in client.get(f"/api/enterprises/{eid}/areas?basis=inherent").json()["features"]}
    order = [None, "low", "general", "significant", "major"]
    assert all(order.index(inh[k]) >= order.index(res[k]) for k in res)
    assert any(inh[k] != res[k] for k in res), "the demo plant should show controls lowering some levels"


@pytest.mark.parametrize("path,status", [
    ("/api/enterprises/99999999/areas", 404),
    ("/api/enterprises/abc/areas", 422),
    ("/api/enterprises/0/areas", 422),
    ("/api/enterprises/1/areas?basis=green", 422),
    ("/api/enterprises/99999999999999999999/areas", 422),
    ("/api/enterprises/99999999", 404),
    ("/api/enterprises?limit=100000", 422),
])
def test_bad_requests_get_clear_4xx(client, path, status):
    r = client.get(path)
    assert r.status_code == status
    assert r.json()["detail"]


def test_enterprise_list_and_search(client):
    r = client.get("/api/enterprises", params={"limit": 5})
    body = r.json()
    assert r.status_code == 200 and body["total"] >= 1900 and len(body["items"]) == 5
    r = client.get("/api/enterprises", params={"q": "%_\\"})
    assert r.status_code == 200  # LIKE wildcards are escaped, not interpreted




def test_console_list_pages_most_severe_first(client, conn):
    """The console's enterprise list: enterprises with drawn plants, by residual level (most severe
    first) then id, 50 a page, optionally by name."""
    import re

    def ids(html: str) -> list[int]:
        return [int(x) for x in re.findall(r"<tr><td>(\d+)</td>", html)]

    order = """SELECT e.id FROM enterprise e JOIN enterprise_state s ON s.enterprise_id = e.id
               WHERE EXISTS (SELECT 1 FROM area a WHERE a.enterprise_id = e.id AND a.kind <> 'plant') {}
               ORDER BY s.residual_level DESC NULLS LAST, e.id"""
    with conn.cursor() as cur:
        cur.execute(order.format(""))
        expected = [r[0] for r in cur.fetchall()]
        cur.execute(order.format("AND e.name LIKE '%%化工%%'"))
        chemical = [r[0] for r in cur.fetchall()]
    assert len(expected) > 50 and chemical
    headers = {"Accept": "text/html"}
    assert ids(client.get("/", headers=headers).text) == expected[:50]
    assert ids(client.get("/", params={"page": 2}, headers=headers).text) == expected[50:100]
    assert ids(client.get("/", params={"q": "化工"}, headers=headers).text) == chemical[:50]
