"""A city other than the demo's, from an empty database to its city maps, with CLI commands only:
``riskatlas init`` → ``regions import`` → towns from a GeoJSON file → enterprises CSV → a plant's
areas → its risk-list workbook → ``city map`` / ``city heat``."""

from __future__ import annotations

import io
import json
import os

import openpyxl
import psycopg2
import pytest
import shapely
from PIL import Image
from shapely.geometry import box, mapping
from typer.testing import CliRunner

from layers.boundaries import boundary
from layers.uscc import check_char
from tests import import_files as F
from tests.conftest import drop_database, migrated_database

CITY, CITY_NAME = "320200", "无锡市"
DISTRICT, OTHER_DISTRICT = "320205", "320206"      # 锡山区, 惠山区
DISTRICTS = {"320205": "锡山区", "320206": "惠山区", "320211": "滨湖区", "320213": "梁溪区", "320214": "新吴区",
             "320281": "江阴市", "320282": "宜兴市"}


def uscc(adcode: str, n: int) -> str:
    body = f"91{adcode}MA1XY{n:04d}"
    return body + check_char(body)


@pytest.fixture(scope="module")
def city_url(server_url):
    name = f"riskatlas_onboard_{os.getpid()}"
    url = migrated_database(server_url, name)
    yield url
    drop_database(server_url, name)


@pytest.fixture(scope="module")
def cli(city_url, monkeypatch_module):
    from app.cli import app
    from db.settings import database_settings

    monkeypatch_module.setenv("DATABASE_URL", city_url)
    database_settings.cache_clear()         # the settings are read once per process

    runner = CliRunner()

    def invoke(*args: str, input: str | None = None, ok: bool = True):
        r = runner.invoke(app, list(args), input=input)
        if ok:
            assert r.exit_code == 0, (args, r.output, r.exception)
        return r
    return invoke


@pytest.fixture(scope="module")
def monkeypatch_module():
    from db.settings import database_settings

    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()
    database_settings.cache_clear()


def split_in_two(adcode: str) -> list[shapely.Geometry]:
    """The district's boundary cut by the meridian through its centre: two parts that tile it."""
    g = boundary(adcode)
    x = g.centroid.x
    minx, miny, maxx, maxy = g.bounds
    return [g.intersection(box(minx - 1, miny - 1, x, maxy + 1)), g.intersection(box(x, miny - 1, maxx + 1, maxy + 1))]


def towns_geojson(parts, names) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"名称": n, "区划代码": f"{DISTRICT}{i:03d}"}, "geometry": mapping(p)}
        for i, (p, n) in enumerate(zip(parts, names, strict=True), 1)]}, ensure_ascii=False).encode()


def test_a_new_city_from_an_empty_database(cli, city_url, tmp_path):
    r = cli("init", "--password-stdin", "--region", CITY, input="Wuxi-admin-pass-2024\n")
    assert f"{CITY_NAME} ({CITY})" in r.output and "下一步" in r.output

    again = cli("regions", "import", CITY, ok=False)
    assert again.exit_code == 1 and "已导入" in again.output

    towns = tmp_path / "towns.geojson"
    parts = split_in_two(DISTRICT)
    towns.write_bytes(towns_geojson(parts, ["东亭街道", "安镇街道"]))
    r = cli("regions", "import-file", str(towns), "--parent", DISTRICT, "--level", "town")
    assert "已导入 (imported) 2 个town" in r.output and "gap" in r.output

    # enterprises: one in each town, one in another district
    points = [p.representative_point() for p in parts] + [boundary(OTHER_DISTRICT).representative_point()]
    header = ["统一社会信用代码", "企业名称", "行业", "企业规模", "从业人数", "经度", "纬度"]
    rows = [[uscc(DISTRICT if i < 2 else OTHER_DISTRICT, i), f"无锡测试企业{i}", "机械", "小型", 20 + i, p.x, p.y]
            for i, p in enumerate(points)]
    ents = tmp_path / "enterprises.csv"
    ents.write_bytes(F.csv_bytes([header, *rows]))
    dry = cli("import", "enterprises", str(ents), "--dry-run")
    assert "将导入" in dry.output
    with psycopg2.connect(city_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM enterprise")
        assert cur.fetchone()[0] == 0
    r = cli("import", "enterprises", str(ents))
    assert "已导入 (imported) 3 条" in r.output

    with psycopg2.connect(city_url) as conn, conn.cursor() as cur:
        cur.execute("SELECT id FROM enterprise WHERE name = '无锡测试企业0'")
        eid = cur.fetchone()[0]
    # the first enterprise's plant and one post, then its risk list
    p0 = points[0]
    areas = tmp_path / "areas.geojson"
    areas.write_bytes(F.geojson([
        (F.square(p0.x, p0.y, 200), {"编号": "P", "名称": "厂区", "类型": "厂区"}),
        (F.square(p0.x, p0.y, 80), {"编号": "W1", "名称": "冲压车间", "类型": "车间", "上级编号": "P"}),
        (F.square(p0.x, p0.y, 20), {"编号": "G1", "名称": "冲压岗位", "类型": "岗位", "上级编号": "W1"}),
    ]))
    cli("import", "areas", str(areas), "--enterprise", str(eid))
    from layers.risk_lists import OPERATING, risk_list_tables
    from maps.excel import write_workbook

    with psycopg2.connect(city_url) as conn:
        _, tables = risk_list_tables(conn, eid)
    wb = openpyxl.load_workbook(io.BytesIO(write_workbook(tables)))
    ws = wb[OPERATING.sheet]
    values = {"岗位名称": "冲压岗位", "岗位人数": 2, "主要设备设施": "冲床", "主要作业活动": "冲压",
              "可能导致的事故类型": "机械伤害", "可能导致事故的原因": "光电保护失效", "风险等级": "较大",
              "管控措施": "工程控制: 双手按钮", "排查内容": "光电保护装置", "责任人": "张三", "排查周期": "每天"}
    ws.append([values[h] for h in OPERATING.headers])
    risks = tmp_path / "risks.xlsx"
    wb.save(risks)
    r = cli("import", "risks", str(risks), "--enterprise", str(eid))
    assert "已导入" in r.output

    four, heat = tmp_path / "city.png", tmp_path / "heat.png"
    cli("city", "map", "-o", str(four), "--dpi", "72", "--paper", "A4")
    cli("city", "heat", "-o", str(heat), "--dpi", "72", "--paper", "A4")
    for png in (four, heat):
        with Image.open(png) as im:
            assert im.format == "PNG" and im.size[0] > 500

    from layers import city

    with psycopg2.connect(city_url) as conn:
        page = city.city_layers(conn)
        districts, _ = city.outlined_regions(conn, page)
        counts = city.level_counts(conn, page.filter)
        with conn.cursor() as cur:
            cur.execute("""SELECT e.name, d.adcode, ST_Within(e.location, d.geom)
                           FROM enterprise e JOIN region_closure rc ON rc.region_id = e.region_id
                           JOIN region d ON d.id = rc.ancestor_id AND d.level = 'district' ORDER BY e.name""")
            homes = cur.fetchall()
            cur.execute("SELECT r.name FROM enterprise e JOIN region r ON r.id = e.region_id ORDER BY e.name")
            regions = [n for (n,) in cur.fetchall()]
    assert page.title == CITY_NAME and page.is_city
    assert dict(zip(districts["adcode"], districts["name"], strict=True)) == DISTRICTS
    assert counts == {"major": 0, "significant": 1, "general": 0, "low": 0, "unassessed": 2}
    assert homes == [("无锡测试企业0", DISTRICT, True), ("无锡测试企业1", DISTRICT, True),
                     ("无锡测试企业2", OTHER_DISTRICT, True)]
    assert regions == ["东亭街道", "安镇街道", "惠山区"]      # each in the deepest region holding it
