"""Bad input to the chemical catalogue (GB 18218-2018) and to the inventories naming it: over HTTP,
as a logged-in enterprise user and an admin, every case gets a clear 4xx with a Chinese message
naming what is wrong (the unknown substance, the unknown category, the duplicate, the 表1 row a
name belongs to), and nothing is written (row counts and the audit log are the same after)."""

from __future__ import annotations

import json
import re

import psycopg2
import pytest

from tests.auth import api_client
from tests.corpus import CJK, row_counts

TABLES = ("chemical", "gb18218_category", "hazard_source_inventory", "hazard_source_state", "audit_log")


def _counts(url: str) -> dict[str, int]:
    return row_counts(url, TABLES)


@pytest.fixture(scope="module")
def source(demo_url):
    """A hazard source of enterprise 1 (the enterprise user's), holding 10 t of 甲醇; removed after."""
    conn = psycopg2.connect(demo_url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute("""INSERT INTO hazard_source (enterprise_id, code, name, kind, location)
                           SELECT id, 'BAD-HS', '坏数据储罐区', 'storage', location FROM enterprise WHERE id = 1
                           RETURNING id""")
            hs = cur.fetchone()[0]
            cur.execute("INSERT INTO hazard_source_inventory (hazard_source_id, chemical_id, quantity_t) "
                        "SELECT %s, id, 10 FROM chemical WHERE name_zh = '甲醇'", (hs,))
        yield hs
        with conn.cursor() as cur:
            cur.execute("DELETE FROM hazard_source WHERE id = %s", (hs,))
    finally:
        conn.close()


def _inventory(*items):
    return {"json": {"items": [{"chemical": c, "quantity_t": q} for c, q in items]}}


def _add(**body):
    return {"json": body}


def _cases(hs: int) -> list[tuple[str, str, str, str, dict, tuple[int, ...], str]]:
    """(name, role, method, path, request, expected statuses, what the answer must say: a regex over
    the message and the errors)."""
    inv = f"/api/hazard-sources/{hs}/inventory"
    return [
        # -- an inventory naming what the catalogue does not hold ------------------------------------
        ("unknown substance", "enterprise", "put", inv, _inventory(("二氧化碳", 5)), (422,),
         r"二氧化碳.*不在 GB 18218 临界量表中"),
        ("unknown substance beside a known one", "enterprise", "put", inv,
         _inventory(("甲醇", 100), ("某某溶剂", 1)), (422,), r"items\[1\]\.chemical.*某某溶剂"),
        ("a name several 表1 rows share", "enterprise", "put", inv, _inventory(("硝化棉", 1)), (422,),
         r"对应多个.*表1 第37行"),
        ("a CAS number several rows share", "enterprise", "put", inv, _inventory(("6484-52-2", 1)), (422,),
         r"对应多个.*硝酸铵"),
        # -- entering a substance by category ----------------------------------------------------------
        ("unknown category", "admin", "post", "/api/chemicals", _add(name="某溶剂", category="W12"), (422,),
         r"W12.*不在 GB 18218 表2 中"),
        ("category of 表1's kind but not a code", "admin", "post", "/api/chemicals",
         _add(name="某溶剂", category="易燃液体"), (422,), r"不在 GB 18218 表2 中"),
        ("no category", "admin", "post", "/api/chemicals", _add(name="某溶剂"), (422,), r"category.*必填"),
        ("empty name", "admin", "post", "/api/chemicals", _add(name="  ", category="W5.3"), (422,), r"名称必填"),
        ("name not a string", "admin", "post", "/api/chemicals", _add(name=["甲"], category="W5.3"), (422,),
         r"名称必填"),
        ("name too long", "admin", "post", "/api/chemicals", _add(name="溶" * 101, category="W5.3"), (422,),
         r"名称过长"),
        ("control character in the name", "admin", "post", "/api/chemicals",
         _add(name="溶\u0007剂", category="W5.3"), (422,), r"控制字符"),
        ("CAS check digit wrong", "admin", "post", "/api/chemicals",
         _add(name="某溶剂", category="W5.3", cas="64-19-8"), (422,), r"CAS 号.*校验位"),
        ("CAS not a CAS", "admin", "post", "/api/chemicals", _add(name="某溶剂", category="W5.3", cas="abc"), (422,),
         r"CAS 号"),
        ("aliases not a list", "admin", "post", "/api/chemicals",
         _add(name="某溶剂", category="W5.3", aliases="醋酸"), (422,), r"别名应为列表"),
        ("duplicate of an entry by category", "admin", "post", "/api/chemicals",
         _add(name="丙烯", category="W2"), (409,), r"已登记为「丙烯」"),
        ("duplicate by a full-width variant", "admin", "post", "/api/chemicals",
         _add(name=" 丙烯 ", category="W2"), (409,), r"已登记"),
        ("duplicate CAS of an entry", "admin", "post", "/api/chemicals",
         _add(name="丙烯(聚合级)", category="W2", cas="115-07-1"), (409,), r"cas.*115-07-1.*已登记"),
        ("a 表1 name entered as custom", "admin", "post", "/api/chemicals",
         _add(name="丙烯腈", category="W5.3"), (409,), r"表1 第60行「2-丙烯腈」.*临界量 50 t"),
        ("a 表1 alias entered as custom", "admin", "post", "/api/chemicals",
         _add(name="光气", category="J1"), (409,), r"表1 第6行「碳酰氯」"),
        ("a 表1 CAS number as custom", "admin", "post", "/api/chemicals",
         _add(name="液氨(工业)", category="J3", cas="7664-41-7"), (409,), r"表1 第1行「氨」"),
        ("a 表1 name as an alias", "admin", "post", "/api/chemicals",
         _add(name="某溶剂", category="W5.3", aliases=["甲苯"]), (409,), r"aliases\[0\].*表1 第64行"),
        ("a NUL in the search", "enterprise", "get", "/api/chemicals", {"params": {"q": "丙\x00烯"}}, (422,), r"NUL"),
        # -- the role ------------------------------------------------------------------------------------
        ("an enterprise user adds", "enterprise", "post", "/api/chemicals", _add(name="某溶剂", category="W5.3"),
         (403,), r"需要角色 admin"),
    ]


def test_bad_chemical_input_corpus(demo_url, source):
    cases = _cases(source)
    before = _counts(demo_url)
    failures = []
    with api_client(demo_url, "enterprise", enterprise_id=1) as ent, api_client(demo_url, "admin") as admin:
        for name, role, method, path, req, expected, says in cases:
            r = getattr(ent if role == "enterprise" else admin, method)(path, **req)
            try:
                body = r.json()
            except ValueError:
                body = {}
            detail = str(body.get("detail", ""))
            said = detail + " " + json.dumps(body.get("errors", []), ensure_ascii=False)
            if r.status_code not in expected or not CJK.search(detail) or not re.search(says, said):
                failures.append(f"{name}: {r.status_code} {r.text[:300]}")
    assert failures == [], "\n".join(failures)
    assert _counts(demo_url) == before


@pytest.mark.parametrize("form,status,says", [
    ({"name": "某溶剂", "category": "W12"}, 422, "不在 GB 18218 表2 中"),
    ({"name": "甲苯", "category": "W5.3"}, 409, "表1 第64行"),
    ({"name": "丙烯", "category": "W2"}, 409, "已登记"),
])
def test_the_admin_page_says_what_is_wrong_and_writes_nothing(demo_url, form, status, says):
    before = _counts(demo_url)
    with api_client(demo_url, "admin") as admin:
        r = admin.post("/admin/chemicals", data=form)
    assert r.status_code == status and says in r.text and 'role="alert"' in r.text
    assert _counts(demo_url) == before
