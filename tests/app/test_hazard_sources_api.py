"""重大危险源 endpoints and the ``riskatlas sources`` command, through the real app.

The API commits its writes, so this module works in a database of its own (migrated from empty,
dropped at the end) holding the constructed scene (tests/scene.py), never the shared test database.
Numbers: GB 18218-2018 表1 (甲醇 Q 500 t, 液化石油气 Q 50 t), 表4 (β 1 and 1.5), 表5 (α), 表6 (grades);
docs/domain.md §5 (42 t LPG → S 0.84).
"""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg2
import pytest

from tests.auth import api_client
from tests.conftest import drop_database, migrated_database
from tests.scene import add_hazard_source, add_target, beside_plant, build


@pytest.fixture(scope="module")
def world(server_url):
    name = f"riskatlas_hs_api_{os.getpid()}"
    url = migrated_database(server_url, name)
    conn = psycopg2.connect(url)
    try:
        with conn:
            scene = build(conn)
            h = add_hazard_source(conn, scene, {"液化石油气": 42})   # S = 0.84, not major
            add_target(conn, *beside_plant(conn, 450), population=60, name="450 m 小区")
            add_target(conn, *beside_plant(conn, 550), population=100, name="550 m 小区")
    finally:
        conn.close()
    yield {"url": url, "scene": scene, "hs": h}
    drop_database(server_url, name)


@pytest.fixture(scope="module")
def client(world):
    with api_client(world["url"]) as c:
        yield c


def _put(client, h, items, **params):
    return client.put(f"/api/hazard-sources/{h}/inventory", json={"items": items}, params=params)


def test_list_is_geojson(client, world):
    r = client.get("/api/hazard-sources")
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/geo+json")
    fc = r.json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 1
    f = fc["features"][0]
    assert f["geometry"]["type"] == "Point"
    p = f["properties"]
    assert p["id"] == world["hs"] and p["enterprise_name"] == "测试机械有限公司"
    assert p["area_id"] == world["scene"].plant and p["code"] == "HS-1"
    assert (p["s_value"], p["population_500m"], p["alpha"], p["is_major"], p["grade"]) == (0.84, 60, 1.5, False, None)
    assert p["grade_zh"] == "未构成重大危险源" and p["colour"].startswith("#")
    assert client.get("/api/hazard-sources", params={"region_id": world["scene"].city}).json()["features"]
    assert client.get("/api/hazard-sources", params={"major_only": True}).json()["features"] == []


def test_list_filters_answer_404_and_422(client):
    assert client.get("/api/hazard-sources", params={"region_id": 99999999}).status_code == 404
    assert client.get("/api/hazard-sources", params={"enterprise_id": 99999999}).status_code == 404
    assert client.get("/api/hazard-sources", params={"region_id": "abc"}).status_code == 422


def test_get_and_explain(client, world):
    h = world["hs"]
    r = client.get(f"/api/hazard-sources/{h}")
    assert r.status_code == 200
    body = r.json()
    assert body["inventory"] == [{"chemical_id": body["inventory"][0]["chemical_id"], "chemical": "液化石油气",
                                  "cas": "68476-85-7", "quantity_t": 42.0, "critical_t": 50.0, "beta": 1.5}]
    assert body["location"]["type"] == "Point" and body["s_value"] == 0.84
    e = client.get(f"/api/hazard-sources/{h}/explain").json()
    assert e["consistent"] and e["population"]["total"] == 60 and len(e["population"]["targets"]) == 1
    assert "未构成重大危险源" in e["steps_zh"][0]
    for path in (f"/api/hazard-sources/{99999999}", f"/api/hazard-sources/{99999999}/explain"):
        r = client.get(path)
        assert r.status_code == 404 and "重大危险源 99999999 不存在" in r.json()["detail"]
    assert client.get("/api/hazard-sources/0").status_code == 422


def test_put_inventory_regrades_and_commits(client, world):
    h = world["hs"]
    r = _put(client, h, [{"chemical": "甲醇", "quantity_t": 600}, {"chemical": "液化石油气", "quantity_t": 42}])
    assert r.status_code == 200, r.text
    e = r.json()
    # S = 600/500 + 42/50 = 2.04; Σβq/Q = 2.46; 60 people → α 1.5; R = 3.69 → 四级
    assert (e["s_value"], e["beta_sum"], e["alpha"], e["r_value"], e["grade"]) == (2.04, 2.46, 1.5, 3.69, 4)
    assert client.get(f"/api/hazard-sources/{h}").json()["grade_zh"] == "四级重大危险源"   # committed
    assert len(client.get("/api/hazard-sources", params={"major_only": True}).json()["features"]) == 1
    conn = psycopg2.connect(world["url"])
    try:
        with conn.cursor() as cur:
            # the audit names the logged-in account, whatever the request body says
            me = client.get("/api/auth/me").json()
            cur.execute("""SELECT action, actor, after ->> 'quantity_t' FROM audit_log
                           WHERE table_name = 'hazard_source_inventory' AND actor LIKE %s""", (f"%({me['username']})",))
            assert cur.fetchall() == [("INSERT", f"{me['display_name']} ({me['username']})", "600")]  # LPG unchanged
    finally:
        conn.close()


@pytest.mark.parametrize("items,field,word", [
    ([{"chemical": "二氧化碳", "quantity_t": 5}], "items[0].chemical", "二氧化碳"),
    ([{"chemical": "甲醇", "quantity_t": -0.5}], "items[0].quantity_t", "不能为负"),
    ([{"chemical": "甲醇", "quantity_t": "lots"}], "items[0].quantity_t", "数值"),
    ([{"chemical": "甲醇", "quantity_t": 1}, {"chemical": "67-56-1", "quantity_t": 2}], "items[1].chemical", "重复"),
])
def test_put_inventory_refuses_bad_rows_whole(client, world, items, field, word):
    h = world["hs"]
    before = client.get(f"/api/hazard-sources/{h}").json()["inventory"]
    r = _put(client, h, [{"chemical": "氯", "quantity_t": 100}, *items])
    assert r.status_code == 422
    body = r.json()
    shifted = field.replace("items[0]", "items[1]") if field.startswith("items[0]") else field.replace(
        "items[1]", "items[2]")
    assert word in body["detail"] and [e["field"] for e in body["errors"]] == [shifted]
    assert client.get(f"/api/hazard-sources/{h}").json()["inventory"] == before   # nothing written


def test_put_inventory_other_answers(client, world):
    assert _put(client, 99999999, []).status_code == 404
    r = client.put(f"/api/hazard-sources/{world['hs']}/inventory", json={"items": [{"chemical": "甲醇"}]})
    assert r.status_code == 422 and "quantity_t" in r.text
    assert client.put(f"/api/hazard-sources/{world['hs']}/inventory", json=[1, 2]).status_code == 422


def test_cli_list_and_explain(world):
    env = {**os.environ, "DATABASE_URL": world["url"]}
    cli = [sys.executable, "-m", "app.cli", "sources"]
    p = subprocess.run([*cli, "list"], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "测试机械有限公司" in p.stdout and "共 1 处" in p.stdout
    p = subprocess.run([*cli, "explain", str(world["hs"])], env=env, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "450 m 小区" in p.stdout and "550 m 小区" not in p.stdout and "S = Σq/Q" in p.stdout
    p = subprocess.run([*cli, "explain", "99999999"], env=env, capture_output=True, text=True)
    assert p.returncode == 1 and "不存在" in p.stderr and "Traceback" not in p.stderr
    p = subprocess.run([*cli, "refresh"], env=env, capture_output=True, text=True)
    assert p.returncode == 0 and "已更新 0 处" in p.stdout
