"""The catalogue of hazardous chemicals through the real app and the ``riskatlas sources chemical``
command: searching (anyone logged in), entering a substance by its GB 18218 表2 category (admins;
audited), the admin page, and an inventory naming such a substance.

The API commits its writes, so this module works in a database of its own (migrated from empty,
dropped at the end) holding the constructed scene (tests/scene.py).
Numbers: GB 18218-2018 表1 序号1 氨 (CAS 7664-41-7), 序号6 碳酰氯 (别名 光气), 序号60 2-丙烯腈;
表2/表4 W5.4 (Q 5000 t, β 1), W3 (150 t, β 1), W2 (10 t, β 1.5).
"""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg2
import pytest

from tests.auth import api_client
from tests.conftest import drop_database, migrated_database
from tests.scene import add_hazard_source, build

CLI = [sys.executable, "-m", "app.cli"]


@pytest.fixture(scope="module")
def world(server_url):
    name = f"riskatlas_chem_api_{os.getpid()}"
    url = migrated_database(server_url, name)
    conn = psycopg2.connect(url)
    try:
        with conn:
            scene = build(conn)
            h = add_hazard_source(conn, scene)
    finally:
        conn.close()
    yield {"url": url, "scene": scene, "hs": h}
    drop_database(server_url, name)


@pytest.fixture(scope="module")
def admin(world):
    with api_client(world["url"]) as c:
        yield c


@pytest.fixture(scope="module")
def enterprise(world):
    with api_client(world["url"], "enterprise", enterprise_id=world["scene"].enterprise) as c:
        yield c


def _audit(url, name_zh):
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT actor, action, after ->> 'category', (after ->> 'critical_t')::float "
                        "FROM audit_log WHERE table_name = 'chemical' AND after ->> 'name_zh' = %s ORDER BY id",
                        (name_zh,))
            return cur.fetchall()
    finally:
        conn.close()


def test_search_by_name_alias_and_cas(enterprise):
    r = enterprise.get("/api/chemicals", params={"q": "丙烯"})
    assert r.status_code == 200, r.text
    names = [c["name_zh"] for c in r.json()["items"]]
    # 表1 rows in their order (丙烯醛 序号19, 3-氨基丙烯 序号27, 2-丙烯腈 序号60, 1,2-环氧丙烷 序号63 by its
    # 别名 氧化丙烯), then 丙烯 by category
    assert names == ["丙烯醛", "3-氨基丙烯", "2-丙烯腈", "1,2-环氧丙烷", "丙烯"]
    assert r.json()["items"][4]["source_zh"] == "按表2类别 W2 登记"
    found = enterprise.get("/api/chemicals", params={"q": "光气"}).json()["items"]
    assert [(c["name_zh"], c["gb_row"], c["critical_t"], c["beta"]) for c in found] == [("碳酰氯", 6, 0.3, 20)]
    found = enterprise.get("/api/chemicals", params={"q": "7664-41-7"}).json()["items"]
    assert [c["name_zh"] for c in found] == ["氨"]
    everything = enterprise.get("/api/chemicals", params={"limit": 500}).json()
    assert everything["total"] == len(everything["items"]) >= 86           # 85 表1 rows and 丙烯
    cats = enterprise.get("/api/chemicals/categories").json()
    assert {c["code"]: (c["critical_t"], c["beta"]) for c in cats}["W3"] == (150, 1)   # 表2 W3 150 t, 表4 β 1


def test_admin_adds_a_substance_by_category_audited(world, admin, enterprise):
    r = admin.post("/api/chemicals", json={"name": "乙酸", "category": "w5.4", "cas": "64-19-7",
                                           "aliases": ["醋酸", "冰醋酸"], "name_en": "Acetic acid"})
    assert r.status_code == 201, r.text
    body = r.json()
    # Q and β are the category's: 表2 W5.4 5000 t, 表4 β 1
    assert (body["name_zh"], body["category"], body["critical_t"], body["beta"], body["gb_row"]) == \
        ("乙酸", "W5.4", 5000, 1, None)
    assert _audit(world["url"], "乙酸") == [("t-admin-0 (t-admin-0)", "INSERT", "W5.4", 5000)]
    # an inventory names it by an alias, and by its CAS number
    r = enterprise.put(f"/api/hazard-sources/{world['hs']}/inventory",
                       json={"items": [{"chemical": "醋酸", "quantity_t": 2500}, {"chemical": "丙烯", "quantity_t": 5}]})
    assert r.status_code == 200, r.text
    assert r.json()["s_value"] == pytest.approx(2500 / 5000 + 5 / 10)
    # a duplicate is refused (the name, an alias, the CAS number)
    for dup in ({"name": "乙酸", "category": "W5.4"}, {"name": "醋酸", "category": "W5.3"},
                {"name": "乙酸(工业)", "category": "W5.4", "cas": "64-19-7"}):
        r = admin.post("/api/chemicals", json=dup)
        assert r.status_code == 409 and "已登记" in r.json()["detail"], (dup, r.text)
    assert len(_audit(world["url"], "乙酸")) == 1


def test_a_table_1_name_is_refused_naming_its_row(admin):
    r = admin.post("/api/chemicals", json={"name": "丙烯腈", "category": "W5.3"})
    assert r.status_code == 409
    assert "表1 第60行" in r.json()["detail"] and "2-丙烯腈" in r.json()["detail"]


def test_only_an_admin_adds(enterprise):
    r = enterprise.post("/api/chemicals", json={"name": "某溶剂", "category": "W5.3"})
    assert r.status_code == 403


def test_admin_page_lists_searches_and_adds(world, admin):
    r = admin.get("/admin/chemicals", params={"q": "电石"})
    assert r.status_code == 200 and "危险化学品目录" in r.text
    assert "碳化钙" in r.text and "表1 第83行" in r.text and "甲醇" not in r.text
    r = admin.post("/admin/chemicals", data={"name": "喷漆气雾剂", "category": "W3", "aliases": "气雾漆; 自喷漆"},
                   follow_redirects=False)
    assert r.status_code == 303, r.text
    page = admin.get(r.headers["location"])
    assert "已登记「喷漆气雾剂」" in page.text and "150" in page.text and "自喷漆" in page.text
    r = admin.post("/admin/chemicals", data={"name": "甲醇", "category": "W5.3"})
    assert r.status_code == 409 and "表1 第65行" in r.text and 'value="甲醇"' in r.text   # the form comes back
    assert _audit(world["url"], "喷漆气雾剂")[0][:3] == ("t-admin-0 (t-admin-0)", "INSERT", "W3")


def _cli(url, *args):
    return subprocess.run([*CLI, "sources", "chemical", *args], env={**os.environ, "DATABASE_URL": url},
                          capture_output=True, text=True, timeout=120)


def test_cli_adds_and_lists(world):
    p = _cli(world["url"], "add", "环氧树脂稀释剂", "--category", "W5.3", "--alias", "稀释剂X")
    assert p.returncode == 0, p.stderr
    assert "W5.3" in p.stdout and "Q = 1000 t" in p.stdout and "β = 1" in p.stdout   # 表2 W5.3 1000 t, 表4 β 1
    assert _audit(world["url"], "环氧树脂稀释剂")[0][:3] == ("cli", "INSERT", "W5.3")
    p = _cli(world["url"], "list", "稀释剂X")
    assert p.returncode == 0 and "环氧树脂稀释剂" in p.stdout and "共 1 种" in p.stdout
    p = _cli(world["url"], "add", "氯气", "--category", "J1")
    assert p.returncode == 1 and "表1 第12行" in p.stderr and "Traceback" not in p.stderr
    p = _cli(world["url"], "add", "某物质", "--category", "W99")
    assert p.returncode == 1 and "不在 GB 18218 表2 中" in p.stderr


def test_a_name_with_markup_is_refused(demo_url):
    with api_client(demo_url, "admin") as c:
        r = c.post("/api/chemicals", json={"name": "<b>溶剂</b>", "category": "W5.3"})
        assert r.status_code == 422 and "HTML" in r.json()["detail"]
