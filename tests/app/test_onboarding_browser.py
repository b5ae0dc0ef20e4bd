"""Setting up a city other than the demo's in the browser, as an administrator does it: the region page
(无锡市 by its code, two 街道 of 锡山区 from a file), the import page (enterprises, a plant's areas, its
risk list), a substance of its own in the chemical catalogue, then the city map. The same steps as tests/test_onboarding.py through the CLI."""

from __future__ import annotations

import io
import json
import os

import openpyxl
import psycopg2
import pytest

from app.auth import COOKIE
from bench.browser import DevTools, live_app
from layers.boundaries import boundary
from tests import import_files as F
from tests.auth import ensure_user, http_token
from tests.conftest import drop_database, migrated_database
from tests.test_onboarding import CITY, CITY_NAME, DISTRICT, OTHER_DISTRICT, split_in_two, towns_geojson, uscc


@pytest.fixture(scope="module")
def empty_city(server_url):
    name = f"riskatlas_onboard_web_{os.getpid()}"
    url = migrated_database(server_url, name)
    yield url
    drop_database(server_url, name)


def _text(b: DevTools) -> str:
    return b.evaluate("document.body.innerText")


def _one(url: str, sql: str, params=()):
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        cur.execute(sql, params)
        return cur.fetchone()[0]


def test_an_administrator_sets_up_a_new_city_in_the_browser(empty_city, tmp_path):
    url = empty_city
    user = ensure_user(url, "admin")
    parts = split_in_two(DISTRICT)
    towns = tmp_path / "towns.geojson"
    towns.write_bytes(towns_geojson(parts, ["东亭街道", "安镇街道"]))
    points = [p.representative_point() for p in parts] + [boundary(OTHER_DISTRICT).representative_point()]
    header = ["统一社会信用代码", "企业名称", "行业", "企业规模", "从业人数", "经度", "纬度"]
    rows = [[uscc(DISTRICT if i < 2 else OTHER_DISTRICT, i), f"无锡网页企业{i}", "机械", "小型", 20 + i, p.x, p.y]
            for i, p in enumerate(points)]
    ents = tmp_path / "enterprises.csv"
    ents.write_bytes(F.csv_bytes([header, *rows]))

    with live_app(url) as base, DevTools.launch(size=(1600, 1000)) as b:
        b.login(base, http_token(base, user), cookie=COOKIE)
        b.navigate(base + "/")
        b.click_and_wait("nav a[href='/admin/regions']")
        assert "还没有区域" in _text(b)

        b.submit("#region-import", {"adcode": CITY})
        page = _text(b)
        assert f"已导入「{CITY_NAME}」({CITY}), 下级 7 个" in page and "锡山区" in page

        parent = b.evaluate("[...document.querySelectorAll('#region-file option')]"
                            ".find(o => o.textContent.startsWith('锡山区')).value")
        b.set_file("#region-file input[name=file]", towns)
        b.submit("#region-file", {"parent": parent})
        page = _text(b)
        assert "已导入: 「锡山区」下 2 个镇/街道" in page and "东亭街道" in page and "安镇街道" in page
        assert _one(url, "SELECT count(*) FROM region WHERE level = 'town'") == 2

        # a file with a problem is refused on the page, row by row, and nothing is written
        bad = tmp_path / "bad.csv"
        bad.write_bytes(F.csv_bytes([header, [*rows[0][:2], "不存在的行业", *rows[0][3:]]]))
        b.click_and_wait("nav a[href='/imports']")
        b.set_file("#import input[name=file]", bad)
        b.submit("#import", {"target": "enterprises"})
        assert b.evaluate("document.querySelectorAll('#problems tbody tr').length") >= 1, _text(b)[:800]
        assert "第 1 行" in _text(b) or "第 2 行" in _text(b)
        assert _one(url, "SELECT count(*) FROM enterprise") == 0

        b.set_file("#import input[name=file]", ents)
        b.submit("#import", {"target": "enterprises"})
        assert "已导入" in _text(b) and "写入 3 条" in _text(b)
        eid = _one(url, "SELECT id FROM enterprise WHERE name = '无锡网页企业0'")

        p0 = points[0]
        areas = tmp_path / "areas.geojson"
        areas.write_bytes(F.geojson([
            (F.square(p0.x, p0.y, 200), {"编号": "P", "名称": "厂区", "类型": "厂区"}),
            (F.square(p0.x, p0.y, 80), {"编号": "W1", "名称": "冲压车间", "类型": "车间", "上级编号": "P"}),
            (F.square(p0.x, p0.y, 20), {"编号": "G1", "名称": "冲压岗位", "类型": "岗位", "上级编号": "W1"}),
        ]))
        b.set_file("#import input[name=file]", areas)
        b.submit("#import", {"target": "areas", "enterprise_id": str(eid)})
        assert "写入 3 条" in _text(b)

        from layers.risk_lists import OPERATING, risk_list_tables
        from maps.excel import write_workbook

        with psycopg2.connect(url) as conn:
            _, tables = risk_list_tables(conn, eid)
        wb = openpyxl.load_workbook(io.BytesIO(write_workbook(tables)))
        values = {"岗位名称": "冲压岗位", "岗位人数": 2, "主要设备设施": "冲床", "主要作业活动": "冲压",
                  "可能导致的事故类型": "机械伤害", "可能导致事故的原因": "光电保护失效", "风险等级": "较大",
                  "管控措施": "工程控制: 双手按钮", "排查内容": "光电保护装置", "责任人": "张三", "排查周期": "每天"}
        wb[OPERATING.sheet].append([values[h] for h in OPERATING.headers])
        risks = tmp_path / "risks.xlsx"
        wb.save(risks)
        b.set_file("#import input[name=file]", risks)
        b.submit("#import", {"target": "risks", "enterprise_id": str(eid)})
        assert "已导入" in _text(b), _text(b)[:500]

        # a substance of the plant's own, not named in GB 18218 表1, added to the catalogue by its category
        b.click_and_wait("nav a[href='/admin/chemicals']")
        b.submit("#add-chemical", {"name": "无锡专用清洗剂", "category": "W5.3"})
        assert "无锡专用清洗剂" in _text(b)
        assert _one(url, "SELECT count(*) FROM chemical WHERE name_zh = '无锡专用清洗剂'") == 1
        b.submit("#add-chemical", {"name": "甲醇", "category": "W5.3"})     # in 表1 already: refused on the page
        assert "甲醇" in _text(b) and _one(url, "SELECT count(*) FROM chemical WHERE name_zh = '甲醇'") == 1

        b.navigate(base + "/maps/city")
        b.wait_for("document.querySelectorAll('.leaflet-interactive').length > 0")
        assert CITY_NAME in b.evaluate("document.title")
        b.screenshot(tmp_path / "city.png")
    counts = json.loads(json.dumps(_one(url, """SELECT json_build_object('significant', count(*) FILTER (WHERE
                                    residual_level = 'significant'), 'total', count(*)) FROM enterprise_state""")))
    assert counts == {"significant": 1, "total": 3}
