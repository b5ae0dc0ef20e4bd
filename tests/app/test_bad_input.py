"""The bad-input corpus: over HTTP, as a logged-in enterprise user and an admin, every case
gets a clear 4xx — a message in Chinese naming what is wrong — and nothing is written (row counts
and the audit log are the same after the whole corpus as before)."""

from __future__ import annotations

import io
import json
import re
import zipfile

import ezdxf
import psycopg2
import pytest

from tests import import_files as F
from tests.auth import api_client
from tests.corpus import CJK, row_counts

TABLES = ("enterprise", "area", "risk", "hidden_hazard", "hidden_hazard_photo", "emergency_resource",
          "protection_target", "management_post", "audit_log")


def _counts(url: str) -> dict[str, int]:
    return row_counts(url, TABLES)


@pytest.fixture(scope="module")
def demo(demo_url):
    conn = psycopg2.connect(demo_url)
    with conn.cursor() as cur:
        cur.execute("SELECT a.code, ST_XMin(a.geom), ST_YMin(a.geom), ST_XMax(a.geom), ST_YMax(a.geom) "
                    "FROM area a WHERE a.enterprise_id = 1 AND a.kind = 'plant'")
        code, x0, y0, x1, y1 = cur.fetchone()
        cur.execute("SELECT id FROM hidden_hazard WHERE enterprise_id = 1 AND status = 'reported' ORDER BY id LIMIT 1")
        hazard = cur.fetchone()[0]
        cur.execute("SELECT e.id FROM enterprise e WHERE e.id <> 1 ORDER BY e.id DESC LIMIT 1")
        foreign = cur.fetchone()[0]
    conn.close()
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return {"plant": code, "cx": cx, "cy": cy, "hazard": hazard, "foreign": foreign}


def _area(geom, **props) -> bytes:
    return F.geojson([(geom, {"code": "BAD-1", "name": "坏数据车间", "kind": "workshop", "parent_code": "P1", **props})])


def _raw_fc(geometry: dict) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": geometry, "properties": {
        "code": "BAD-1", "name": "坏数据车间", "kind": "workshop", "parent_code": "P1"}}]}).encode()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _dxf_square() -> bytes:
    doc = ezdxf.new()
    doc.modelspace().add_lwpolyline([(0, 0), (50, 0), (50, 30), (0, 30)], close=True, dxfattribs={"layer": "车间"})
    buf = io.StringIO()
    doc.write(buf)
    return buf.getvalue().encode()


def _cases(d: dict) -> list[tuple[str, str, dict, tuple[int, ...], str]]:
    """(name, role, request, expected statuses, what the answer must say — a regex over the message and
    the errors). Requests go to POST /api/imports/areas for enterprise 1 unless they say otherwise."""
    cx, cy = d["cx"], d["cy"]
    sq = F.square(cx - 1e-4, cy - 1e-4, 10)
    ring = [list(p) for p in sq.exterior.coords]

    def areas(data: bytes, name: str = "a.geojson", **params):
        return {"files": {"file": (name, data, "application/octet-stream")},
                "params": {"enterprise_id": 1, **params}}

    xlsx_bad_header = F.xlsx([["区域名字", "种类", "形状"], ["W9", "车间", "POINT (120 31)"]])
    return [
        # -- geometry -----------------------------------------------------------------------------
        ("self-intersecting polygon", "enterprise", areas(_raw_fc({"type": "Polygon", "coordinates": [[
            [cx, cy], [cx + 1e-4, cy + 1e-4], [cx + 1e-4, cy], [cx, cy + 1e-4], [cx, cy]]]})), (422,), r"自相交"),
        ("unclosed ring", "enterprise", areas(_raw_fc({"type": "Polygon", "coordinates": [ring[:-1]]})), (422,), r"未闭合"),
        ("ring of two points", "enterprise", areas(_raw_fc({"type": "Polygon", "coordinates": [[ring[0], ring[1]]]})), (422,), r"未闭合|点数"),
        ("NaN coordinate", "enterprise", areas(json.dumps({"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"code": "BAD-1", "name": "x", "kind": "workshop"},
            "geometry": {"type": "Polygon", "coordinates": [[[cx, cy], [float("nan"), cy], [cx, cy + 1e-4], [cx, cy]]]}}]}
        ).encode()), (422,), r"NaN"),
        ("Infinity coordinate", "enterprise", areas(json.dumps({"type": "FeatureCollection", "features": [{
            "type": "Feature", "properties": {"code": "BAD-1", "name": "x", "kind": "workshop"},
            "geometry": {"type": "Polygon", "coordinates": [[[cx, cy], [float("inf"), cy], [cx, cy + 1e-4], [cx, cy]]]}}]}
        ).encode()), (422,), r"无穷大"),
        ("empty geometry", "enterprise", areas(_raw_fc({"type": "Polygon", "coordinates": []})), (422,), r"几何为空"),
        ("no geometry", "enterprise", areas(_raw_fc(None)), (422,), r"没有几何"),
        ("point for an area", "enterprise", areas(_raw_fc({"type": "Point", "coordinates": [cx, cy]})), (422,), r"应为面"),
        ("swapped lat/lon", "enterprise", areas(_raw_fc({"type": "Polygon", "coordinates": [
            [[y, x] for x, y in ring]]})), (422,), r"颠倒"),
        ("longitude 500", "enterprise", areas(_raw_fc({"type": "Polygon", "coordinates": [
            [[x + 380, y] for x, y in ring]]})), (422,), r"超出经纬度范围"),
        ("projected metres without a CRS", "enterprise", areas(_raw_fc({"type": "Polygon", "coordinates": [
            [[440000 + 1e5 * (x - cx), 3500000 + 1e5 * (y - cy)] for x, y in ring]]})), (422,), r"投影坐标"),
        ("declared EPSG:4326 for projected data", "enterprise", areas(_raw_fc({"type": "Polygon", "coordinates": [
            [[440000 + 1e5 * (x - cx), 3500000 + 1e5 * (y - cy)] for x, y in ring]]}), crs="EPSG:4326"), (422,), r"投影坐标"),
        ("unknown CRS", "enterprise", areas(_area(sq), crs="EPSG:999999"), (422,), r"无法识别的坐标系"),
        ("CRS that is not a CRS", "enterprise", areas(_area(sq), crs="<script>alert(1)</script>"), (422,), r"无法识别的坐标系"),
        ("declared CRS contradicts the file", "enterprise", areas(F.geojson([(sq, {
            "code": "BAD-1", "name": "x", "kind": "workshop"})], crs="urn:ogc:def:crs:EPSG::3857"), crs="EPSG:4490"),
         (422,), r"不一致"),
        ("area outside its plant", "enterprise", areas(_area(F.square(cx + 0.05, cy + 0.05, 10))), (422,), r"超出上级区域"),
        # -- fields ---------------------------------------------------------------------------------
        ("script tag in a name", "enterprise", areas(_area(sq, name="<script>alert(1)</script>")), (422,), r"HTML"),
        ("img onerror in a name", "enterprise", areas(_area(sq, name='<img src=x onerror="alert(1)">')), (422,), r"HTML"),
        ("control character in a name", "enterprise", areas(_area(sq, name="车间\x07")), (422,), r"控制字符"),
        ("empty name", "enterprise", areas(_area(sq, name="")), (422,), r"不能为空"),
        ("name of 500 characters", "enterprise", areas(_area(sq, name="长" * 500)), (422,), r"过长"),
        ("unknown area kind", "enterprise", areas(_area(sq, kind="飞船")), (422,), r"不在词表中"),
        ("duplicate code in the file", "enterprise", areas(F.geojson([
            (sq, {"code": "DUP", "name": "甲", "kind": "workshop"}),
            (F.square(cx, cy, 5), {"code": "DUP", "name": "乙", "kind": "workshop"})])), (422,), r"重复"),
        ("code that already exists", "enterprise", areas(_area(sq, code=d["plant"])), (422,), r"已存在"),
        ("negative headcount", "enterprise", areas(_area(sq, headcount=-3)), (422,), r"岗位人数"),
        # -- files ----------------------------------------------------------------------------------
        ("truncated JSON", "enterprise", areas(_area(sq)[:-20]), (422,), r"无法读取 GeoJSON"),
        ("JSON that is not GeoJSON", "enterprise", areas(b'[1, 2, 3]'), (422,), r"无法读取 GeoJSON"),
        ("FeatureCollection without features", "enterprise", areas(b'{"type": "FeatureCollection", "features": []}'), (422,), r"没有要素"),
        ("empty file", "enterprise", areas(b""), (422, 415), r"文件为空"),
        ("binary garbage named .geojson", "enterprise", areas(bytes(range(256)) * 4), (422, 415), r"无法读取|不支持"),
        ("an executable", "enterprise", areas(b"MZ\x90\x00" + b"\x00" * 200, "setup.exe"), (415,), r"不支持的文件类型"),
        ("xlsx that is a broken zip", "enterprise", areas(b"PK\x03\x04" + b"\x00" * 100, "a.xlsx"), (422, 415), r"不是 .xlsx"),
        ("Excel with the wrong columns", "enterprise", areas(xlsx_bad_header, "a.xlsx"), (422,), r"缺少"),
        ("CSV with the wrong columns", "enterprise", areas(F.csv_bytes([["名字", "x", "y"], ["A", cx, cy]]), "a.csv"), (422,), r"缺少必需的列"),
        ("CSV that is not text", "enterprise", areas(b"\xff\xfe\x00\x00" * 50, "a.csv"), (422,), r"编码"),
        ("malformed DXF", "enterprise", areas(b"0\nSECTION\n2\nENTITIES\n0\nLWPOLYLINE\n garbage", "plant.dxf",
                                              control_points="[[0,0,120,31],[10,0,120.0001,31]]"), (422,), r"无法读取 DXF"),
        ("DXF without control points", "enterprise", areas(_dxf_square(), "plant.dxf"), (422,), r"控制点"),
        ("DXF with one control point", "enterprise", areas(_dxf_square(), "plant.dxf",
                                                             control_points=json.dumps([[0, 0, cx, cy]])), (422,), r"两个控制点"),
        ("DXF control points that are not JSON", "enterprise", areas(_dxf_square(), "plant.dxf",
                                                                       control_points="[[0,0,"), (422,), r"JSON"),
        ("zip without a shapefile", "enterprise", areas(_zip({"readme.txt": b"hello"}), "a.zip"), (422, 415), r"没有 .shp"),
        ("zip with a path escaping its folder", "enterprise", areas(_zip({"../../evil.shp": b"x", "../../evil.dbf": b"x",
                                                                          "../../evil.shx": b"x"}), "a.zip"), (422,), r"解压目录之外"),
        ("GeoPackage that is not one", "enterprise", areas(b"SQLite format 3\x00" + b"\x00" * 200, "a.gpkg"), (422, 415), r"GeoPackage"),
        # -- options, targets, permissions ----------------------------------------------------------
        ("foreign enterprise", "enterprise", areas(_area(sq), enterprise_id=d["foreign"]), (404,), r"不存在"),
        ("enterprise that does not exist", "admin", areas(_area(sq), enterprise_id=2_000_000_000), (404,), r"不存在"),
        ("enterprise id that is not a number", "enterprise", areas(_area(sq), enterprise_id="一"), (422,), r"enterprise_id.*整数"),
        ("unknown import target", "enterprise", {**areas(_area(sq)), "target": "spaceships"}, (422,), r"target"),
        ("risks from a GeoJSON file", "enterprise", {**areas(_area(sq)), "target": "risks"}, (415,), r"不能导入为风险清单"),
        ("enterprises imported by an enterprise user", "enterprise", {**areas(_area(sq)), "target": "enterprises"},
         (403,), r"管理员"),
        ("tolerance of -1 m", "enterprise", areas(_dxf_square(), "plant.dxf", tolerance_m=-1), (422,), r"tolerance_m"),
        ("transform that does not exist", "enterprise", areas(_area(sq), transform="magic"), (422,), r"transform"),
        ("no file at all", "enterprise", {"data": {"crs": "EPSG:4326"}, "params": {"enterprise_id": 1},
                                          "headers": {"content-type": "multipart/form-data; boundary=x"}}, (422, 400), r"表单|没有"),
        # -- other write endpoints --------------------------------------------------------------------
        ("hidden hazard with a script tag", "enterprise", {"path": "/api/enterprises/1/hidden-hazards", "json": {
            "description": "<script>alert(1)</script>", "grade": "general", "found_by": "检查员"}}, (422,), r"HTML"),
        ("hidden hazard with a made-up grade", "enterprise", {"path": "/api/enterprises/1/hidden-hazards", "json": {
            "description": "楼梯扶手松动", "grade": "catastrophic", "found_by": "检查员"}}, (422,), r"grade"),
        ("hidden hazard body that is not JSON", "enterprise", {"path": "/api/enterprises/1/hidden-hazards",
                                                               "content": b"{not json", "headers": {
                                                                   "content-type": "application/json"}}, (422,), r"JSON"),
        ("transition to a made-up status", "enterprise", {"path": f"/api/hidden-hazards/{d['hazard']}/transitions",
                                                          "json": {"to": "vanished"}}, (422,), r"to:"),
        ("photo that is not an image", "enterprise", {"path": f"/api/hidden-hazards/{d['hazard']}/photos", "files": {
            "file": ("x.png", b"<svg onload=alert(1)>", "image/png")}}, (422,), r"不是 JPEG/PNG/WebP"),
        ("risk list that is not a workbook", "enterprise", {"path": "/api/enterprises/1/risk-lists", "files": {
            "file": ("清单.xlsx", b"not a workbook", "application/octet-stream")}}, (422,), r"不是 .xlsx"),
        ("assessment with L out of the scale", "enterprise", {"path": "/api/assess", "json": {
            "method": "LEC", "inputs": {"L": 99, "E": 6, "C": 7}}}, (422,), r"分值表"),
    ]


def test_bad_input_corpus(demo_url, demo):
    cases = _cases(demo)
    assert len(cases) >= 40
    before = _counts(demo_url)
    failures = []
    with api_client(demo_url, "enterprise", enterprise_id=1) as ent, api_client(demo_url, "admin") as admin:
        for name, role, req, expected, says in cases:
            req = dict(req)
            path = req.pop("path", None) or f"/api/imports/{req.pop('target', 'areas')}"
            r = (ent if role == "enterprise" else admin).post(path, **req)
            try:
                body = r.json()
            except ValueError:
                body = {}
            detail = str(body.get("detail", ""))
            said = detail + " " + json.dumps(body.get("errors", []), ensure_ascii=False)
            if r.status_code not in expected or not CJK.search(detail) or not re.search(says, said):
                failures.append(f"{name}: {r.status_code} {r.text[:200]}")
    assert failures == [], "\n".join(failures)
    assert _counts(demo_url) == before


def test_an_oversized_upload_is_413_before_it_is_read(demo_url, monkeypatch):
    from layers import settings

    monkeypatch.setenv("RISKATLAS_MAX_UPLOAD_MB", "1")
    settings.import_settings.cache_clear()
    try:
        with api_client(demo_url, "enterprise", enterprise_id=1) as c:
            big = b'{"type": "FeatureCollection", "features": [' + b" " * (2 * 1024 * 1024) + b"]}"
            r = c.post("/api/imports/areas", params={"enterprise_id": 1},
                       files={"file": ("big.geojson", big, "application/geo+json")})
            assert r.status_code == 413 and "1 MB" in r.json()["detail"]
            r = c.post("/api/imports/areas", params={"enterprise_id": 1, "filename": "big.geojson"}, content=big)
            assert r.status_code == 413
    finally:
        monkeypatch.delenv("RISKATLAS_MAX_UPLOAD_MB")
        settings.import_settings.cache_clear()


@pytest.mark.parametrize("method,path,kw,field", [
    # found by tests/app/test_schemathesis.py: psycopg2 refuses NUL in a string with a ValueError (was 500)
    ("post", "/api/auth/login", {"json": {"username": "adm\x00in", "password": "x"}}, "username"),
    ("get", "/api/enterprises", {"params": {"q": "化工\x00"}}, "q"),
    ("post", "/api/enterprises/1/hidden-hazards", {"json": {"description": "楼梯\x00扶手松动", "grade": "general",
                                                           "found_by": "检查员"}}, "description"),
    ("post", "/api/assess", {"json": {"method": "LEC", "inputs": {"L\x00": 3, "E": 6, "C": 7}}}, "inputs.L\x00"),
    ("get", "/api/profiles/de%00fault", {}, "name"),
    ("post", "/api/imports/areas", {"params": {"enterprise_id": 1}, "data": {"crs": "EPSG:4326\x00"},
                                    "files": {"file": ("a.geojson", b"{}", "application/geo+json")}}, "crs"),
])
def test_a_nul_character_is_422_naming_the_field(demo_url, method, path, kw, field):
    before = _counts(demo_url)
    with api_client(demo_url, "enterprise", enterprise_id=1) as c:
        r = getattr(c, method)(path, **kw)
    assert r.status_code == 422, r.text
    assert "NUL" in r.json()["detail"] and field in [e["field"] for e in r.json()["errors"]]
    assert _counts(demo_url) == before


def _rest_cases(d: dict, area: int, foreign_area: int) -> list[tuple[str, str, str, dict, int, str]]:
    """(name, method, path, request, expected status, what the answer must say) for the REST edits."""
    x, y = d["cx"], d["cy"]
    sq = [[x, y], [x + 1e-5, y], [x + 1e-5, y + 1e-5], [x, y + 1e-5]]
    area_path = f"/api/areas/{area}"
    return [
        ("unclosed ring", "patch", area_path, {"json": {"geometry": {"type": "Polygon", "coordinates": [sq]}}}, 422,
         "未闭合"),
        ("NaN coordinate", "patch", area_path, {"content": '{"geometry": {"type": "Polygon", "coordinates": '
                                                           f'[[[{x}, {y}], [NaN, {y}], [{x}, {y + 1e-5}], [{x}, {y}]]]}}}}',
                                                "headers": {"Content-Type": "application/json"}}, 422, "NaN"),
        ("self-intersecting", "patch", area_path, {"json": {"geometry": {"type": "Polygon", "coordinates": [
            [sq[0], sq[2], sq[1], sq[3], sq[0]]]}}}, 422, "自相交|几何无效"),
        ("point for an area", "patch", area_path, {"json": {"geometry": {"type": "Point", "coordinates": [x, y]}}}, 422,
         "应为面"),
        ("swapped lat/lon", "patch", "/api/enterprises/1", {"json": {"geometry": {"type": "Point",
                                                                                 "coordinates": [y, x]}}}, 422, "颠倒"),
        ("lon/lat declared projected", "patch", "/api/enterprises/1", {
            "params": {"crs": "EPSG:4549"}, "json": {"geometry": {"type": "Point", "coordinates": [x, y]}}}, 422, "像经纬度"),
        ("unknown CRS", "patch", "/api/enterprises/1", {"params": {"crs": "EPSG:99999"},
                                                        "json": {"geometry": {"type": "Point", "coordinates": [x, y]}}},
         422, "无法识别的坐标系"),
        ("outside China", "patch", "/api/enterprises/1", {"json": {"geometry": {"type": "Point",
                                                                               "coordinates": [2.35, 48.85]}}}, 422,
         "中国"),
        ("script in a name", "patch", area_path, {"json": {"name": "<img src=x onerror=alert(1)>"}}, 422, "name"),
        ("text for a number", "patch", "/api/enterprises/1", {"json": {"employees": "很多"}}, 422, "整数"),
        ("unknown field", "patch", area_path, {"json": {"colour": "red"}}, 422, "colour"),
        ("body is a list", "patch", area_path, {"json": [{"name": "x"}]}, 422, "body|JSON"),
        ("properties not an object", "patch", area_path, {"json": {"type": "Feature", "properties": "x"}}, 422,
         "properties"),
        ("required set to null", "patch", area_path, {"json": {"name": None}}, 422, "不能为空"),
        ("foreign enterprise's area", "patch", f"/api/areas/{foreign_area}", {"json": {"name": "x"}}, 404, "不存在"),
        ("create with one bad feature", "post", "/api/enterprises/1/areas", {"json": {"type": "FeatureCollection",
            "features": [
                {"type": "Feature", "properties": {"code": "REST-OK", "name": "好", "kind": "workshop"},
                 "geometry": {"type": "Polygon", "coordinates": [[*sq, sq[0]]]}},
                {"type": "Feature", "properties": {"code": "REST-BAD", "name": "坏", "kind": "workshop"},
                 "geometry": {"type": "Polygon", "coordinates": [[sq[0], sq[2], sq[1], sq[3], sq[0]]]}}]}}, 422,
         "第 2 个要素"),
    ]


def test_bad_edits_over_rest_are_refused_and_change_nothing(demo_url, demo):
    """PATCH/POST of the REST API: every case a clear 4xx in Chinese naming the problem, with the
    current ETag (so only the content is at fault); versions and row counts unchanged afterwards."""
    conn = psycopg2.connect(demo_url)
    with conn.cursor() as cur:
        cur.execute("SELECT min(id) FROM area WHERE enterprise_id = 1 AND kind = 'workshop'")
        area = cur.fetchone()[0]
        cur.execute("SELECT min(id) FROM area WHERE enterprise_id = %s", (demo["foreign"],))
        foreign_area = cur.fetchone()[0]
    conn.close()
    before = _counts(demo_url)
    failures = []
    with api_client(demo_url, "enterprise", enterprise_id=1) as c:
        tags = {p: c.get(p).headers["ETag"] for p in (f"/api/areas/{area}", "/api/enterprises/1")}
        for name, method, path, req, expected, says in _rest_cases(demo, area, foreign_area):
            req = dict(req)
            req["headers"] = {**req.get("headers", {}), "If-Match": tags.get(path, '"x-0-0"')}
            r = c.request(method.upper(), path, **req)
            body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
            said = str(body.get("detail", "")) + " " + json.dumps(body.get("errors", []), ensure_ascii=False)
            if r.status_code != expected or not CJK.search(said) or not re.search(says, said):
                failures.append(f"{name}: {r.status_code} {r.text[:300]}")
        assert {p: c.get(p).headers["ETag"] for p in tags} == tags     # nothing changed
    assert failures == [], "\n".join(failures)
    assert _counts(demo_url) == before
