"""Bad input to setting up a district: every case ends the command with exit code 1 and a Chinese
message naming what is wrong, and nothing is written (row counts and the audit log unchanged)."""

from __future__ import annotations

import json
import os
import re

import psycopg2
import pytest
from shapely.affinity import translate
from shapely.geometry import box, mapping
from typer.testing import CliRunner

from layers.boundaries import boundary
from tests import import_files as F
from tests.conftest import drop_database, migrated_database
from tests.corpus import CJK

CITY, DISTRICT = "321100", "321102"      # 镇江市, 京口区
TABLES = ("region", "enterprise", "audit_log")


@pytest.fixture(scope="module")
def url(server_url):
    name = f"riskatlas_badregions_{os.getpid()}"
    u = migrated_database(server_url, name)
    yield u
    drop_database(server_url, name)


@pytest.fixture(scope="module")
def cli(url):
    from app.cli import app
    from db.settings import database_settings

    runner = CliRunner()
    mp = pytest.MonkeyPatch()
    mp.setenv("DATABASE_URL", url)
    database_settings.cache_clear()         # the settings are read once per process
    yield lambda *args: runner.invoke(app, list(args))
    mp.undo()
    database_settings.cache_clear()


def _counts(url: str) -> dict[str, int]:
    with psycopg2.connect(url) as conn, conn.cursor() as cur:
        return {t: (cur.execute(f"SELECT count(*) FROM {t}"), cur.fetchone()[0])[1] for t in TABLES}


def _fc(features: list[tuple[object, dict]]) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": p, "geometry": mapping(g)} for g, p in features]}, ensure_ascii=False).encode()


@pytest.fixture(scope="module")
def district(cli, url, tmp_path_factory):
    """镇江市 imported, 京口区 split in a west and an east town; the files of the bad cases."""
    r = cli("regions", "import", CITY)
    assert r.exit_code == 0, r.output
    g = boundary(DISTRICT)
    minx, miny, maxx, maxy = g.bounds
    mid = (minx + maxx) / 2
    west, east = g.intersection(box(minx - 1, miny - 1, mid, maxy + 1)), g.intersection(box(mid, miny - 1, maxx + 1, maxy + 1))
    d = tmp_path_factory.mktemp("regions")
    (d / "west.geojson").write_bytes(_fc([(west, {"名称": "西镇", "区划代码": f"{DISTRICT}001"})]))
    r = cli("regions", "import-file", str(d / "west.geojson"), "--parent", DISTRICT, "--level", "town")
    assert r.exit_code == 0, r.output
    assert "gap" in r.output and "警告" in r.output     # the east half is covered by no town yet
    files = {
        "overlap": _fc([(east, {"名称": "东镇", "区划代码": f"{DISTRICT}002"}),
                        (west.buffer(-0.001), {"名称": "重叠镇", "区划代码": f"{DISTRICT}003"})]),
        "outside": _fc([(translate(east, xoff=0.5), {"名称": "外镇", "区划代码": f"{DISTRICT}004"})]),
        "grid": _fc([(west.buffer(-0.002), {"名称": "西镇第01网格", "区划代码": f"{DISTRICT}001001"})]),
    }
    for k, v in files.items():
        (d / f"{k}.geojson").write_bytes(v)
    return d


CASES = [
    ("overlapping towns", lambda d: ("regions", "import-file", str(d / "overlap.geojson"), "--parent", DISTRICT),
     r"第 2 个要素.*重叠镇.*与同级区域「西镇」重叠"),
    ("a town outside its parent", lambda d: ("regions", "import-file", str(d / "outside.geojson"), "--parent", DISTRICT),
     r"外镇.*在上级区域「京口区」之外"),
    ("a grid without 网格员", lambda d: ("regions", "import-file", str(d / "grid.geojson"), "--parent",
                                       f"{DISTRICT}001", "--level", "grid"), r"网格员 \(officer_name\) 不能为空"),
    ("grids under a district", lambda d: ("regions", "import-file", str(d / "grid.geojson"), "--parent", DISTRICT,
                                          "--level", "grid"), r"其下级应为镇/街道"),
    ("an unknown adcode", lambda d: ("regions", "import", "329999"), r"行政区划代码 329999 未知"),
    ("a malformed adcode", lambda d: ("regions", "import", "32110"), r"应为 6 位数字"),
    ("a different top region", lambda d: ("regions", "import", "320200"), r"已有顶级区域「镇江市」"),
    ("the same city twice", lambda d: ("regions", "import", CITY), r"「镇江市」\(321100\) 已导入"),
    ("an unknown parent", lambda d: ("regions", "import-file", str(d / "west.geojson"), "--parent", "999999999"),
     r"区域 999999999 不存在"),
    ("a name field that is not there", lambda d: ("regions", "import-file", str(d / "outside.geojson"), "--parent",
                                                  DISTRICT, "--name-field", "乡镇"), r"没有字段「乡镇」"),
]


@pytest.mark.parametrize(("case", "args", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bad_region_input_is_refused_and_writes_nothing(cli, url, district, case, args, expected):
    before = _counts(url)
    r = cli(*args(district))
    assert r.exit_code == 1, r.output
    assert CJK.search(r.output) and re.search(expected, r.output, re.S), r.output
    assert _counts(url) == before


def test_bad_enterprise_rows_are_listed_by_row_and_field(cli, url, district, tmp_path):
    p = boundary(DISTRICT).representative_point()
    good = F.uscc("91321102MA1XY0001")
    header = ["统一社会信用代码", "企业名称", "行业", "企业规模", "从业人数", "经度", "纬度"]
    csv = tmp_path / "e.csv"
    csv.write_bytes(F.csv_bytes([header, [good, "好企业", "机械", "小型", 10, p.x, p.y],
                                 [good[:-1] + ("0" if good[-1] != "0" else "1"), "坏企业", "机械", "小型", 10, p.x, p.y],
                                 ["", "无码企业", "无此行业", "小型", 10, p.x, p.y]]))
    before = _counts(url)
    r = cli("import", "enterprises", str(csv))
    assert r.exit_code == 1, r.output
    assert re.search(r"第 3 行 \(row 3\) 字段 uscc.*校验码", r.output), r.output
    assert re.search(r"第 4 行 \(row 4\) 字段 industry", r.output), r.output
    assert _counts(url) == before
