"""Imports: each format and CRS path, DXF georeferencing by control points, reprojection accuracy
against points computed independently, all-or-nothing with every error located. Writes go through
the ``conn`` fixture and are rolled back."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
import shapely

from db.coords import wgs84_to_gcj02
from layers.errors import InvalidInput, NotFound
from layers.imports import ImportOptions, TooLarge, UnsupportedFormat, import_file
from layers.imports.dxf import fit_transform
from tests import import_files as F
from tests.scene import X0, Y0, build

# The scene (tests/scene.py): plant P at (X0+0.5, Y0+0.5), 10e-3° square; workshops W1 and W2 inside.
PX, PY = X0 + 0.5, Y0 + 0.5


def _count(conn, table: str) -> int:
    with conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")
        return cur.fetchone()[0]


def _meridian_arc(lat_deg: float, inv_f: float, a: float = 6378137.0) -> float:
    """Meridian distance from the equator (Snyder 1987, Map Projections: A Working Manual, eq. 3-21),
    an independent check on what pyproj does for a point on a Transverse Mercator central meridian."""
    f = 1 / inv_f
    e2 = f * (2 - f)
    e4, e6 = e2 * e2, e2 * e2 * e2
    p = math.radians(lat_deg)
    return a * ((1 - e2 / 4 - 3 * e4 / 64 - 5 * e6 / 256) * p - (3 * e2 / 8 + 3 * e4 / 32 + 45 * e6 / 1024) * math.sin(2 * p)
                + (15 * e4 / 256 + 45 * e6 / 1024) * math.sin(4 * p) - (35 * e6 / 3072) * math.sin(6 * p))


def _demo_enterprise(conn) -> tuple[int, float, float]:
    """Demo enterprise 1 (常州, about 120°E) and its location."""
    with conn.cursor() as cur:
        cur.execute("SELECT id, ST_X(location), ST_Y(location) FROM enterprise WHERE id = 1")
        return cur.fetchone()


def _point(conn, table: str, id_: int, col: str = "geom") -> tuple[float, float]:
    with conn.cursor() as cur:
        cur.execute(f"SELECT ST_X({col}), ST_Y({col}) FROM {table} WHERE id = %s", (id_,))
        return cur.fetchone()


# ------------------------------------------------------------------------------------------------
# areas: GeoJSON, parents by code and by containment
# ------------------------------------------------------------------------------------------------


def test_geojson_areas_with_parent_codes_and_inferred_parent(conn):
    s = build(conn)
    w3 = F.square(PX + 0.5e-3, PY + 6e-3, 300)
    unit = F.square(PX + 0.6e-3, PY + 6.1e-3, 50)
    post = F.square(PX + 0.62e-3, PY + 6.12e-3, 10)
    data = F.geojson([
        (w3, {"编号": "W3", "名称": "喷涂车间", "类型": "车间", "上级编号": "P"}),
        (unit, {"编号": "W3-U1", "名称": "喷漆房", "类型": "装置/单元", "上级编号": "W3", "岗位人数": 4}),
        (post, {"编号": "W3-G1", "名称": "调漆岗位", "类型": "post", "上级编号": None}),   # parent by containment
    ])
    before = _count(conn, "audit_log")
    r = import_file(conn, "areas", data, "areas.geojson", ImportOptions(enterprise_id=s.enterprise, actor="tester"))
    assert r.created == 3 and len(r.ids) == 3 and r.counts == {"workshop": 1, "unit": 1, "post": 1}
    assert r.crs == "EPSG:4326" and any("WGS84" in n for n in r.notes)
    with conn.cursor() as cur:
        cur.execute("SELECT a.code, p.code, a.kind::text, a.headcount FROM area a JOIN area p ON p.id = a.parent_id "
                    "WHERE a.id = ANY(%s) ORDER BY a.id", (r.ids,))
        assert cur.fetchall() == [("W3", "P", "workshop", None), ("W3-U1", "W3", "unit", 4),
                                  ("W3-G1", "W3-U1", "post", None)]
        cur.execute("SELECT DISTINCT actor FROM audit_log WHERE table_name = 'area' AND row_id = ANY(%s)",
                    ([str(i) for i in r.ids],))
        assert cur.fetchall() == [("tester",)]
    assert _count(conn, "audit_log") == before + 3


def test_dry_run_validates_and_writes_nothing(conn):
    s = build(conn)
    data = F.geojson([(F.square(PX + 0.5e-3, PY + 6e-3, 300), {"code": "W9", "name": "新车间", "kind": "workshop",
                                                                "parent_code": "P"})])
    before = _count(conn, "area")
    r = import_file(conn, "areas", data, "a.geojson", ImportOptions(enterprise_id=s.enterprise, dry_run=True))
    assert r.dry_run and r.created == 1 and r.ids == []
    assert _count(conn, "area") == before


def test_every_error_is_collected_with_its_feature_and_nothing_is_written(conn):
    s = build(conn)
    bowtie = {"type": "Polygon", "coordinates": [[[PX, PY], [PX + 1e-3, PY + 1e-3], [PX + 1e-3, PY], [PX, PY + 1e-3],
                                                   [PX, PY]]]}
    outside = F.square(PX + 0.5e-3, PY + 6e-3, 300)
    data = F.geojson([
        (F.square(PX + 0.5e-3, PY + 6e-3, 100), {"code": "W1", "name": "重复", "kind": "workshop", "parent_code": "P"}),
        (bowtie, {"code": "X2", "name": "自相交", "kind": "workshop", "parent_code": "P"}),
        (outside, {"code": "X3", "name": "越界单元", "kind": "unit", "parent_code": "W1"}),
        (F.square(PX + 0.5e-3, PY + 6e-3, 10), {"code": "X4", "name": "", "kind": "仓库", "parent_code": "P"}),
    ])
    before = _count(conn, "area")
    with pytest.raises(InvalidInput) as e:
        import_file(conn, "areas", data, "a.geojson", ImportOptions(enterprise_id=s.enterprise))
    errs = {(x["feature"], x["field"]): x["message"] for x in e.value.errors}
    assert "已存在" in errs[(1, "code")]
    assert "自相交" in errs[(2, "geometry")] and "self-intersection" in errs[(2, "geometry")]
    assert "超出上级区域 W1" in errs[(3, "geometry")]
    assert "不能为空" in errs[(4, "name")]
    assert "仓库" in errs[(4, "kind")] and "车间" in errs[(4, "kind")]   # the allowed values are listed
    assert "5 处错误" in str(e.value) and "nothing written" in str(e.value)
    assert str(e.value).endswith(errs[(1, "code")])      # the first error in file order leads
    assert _count(conn, "area") == before


def test_unit_in_a_plant_is_refused_by_the_nesting_rule(conn):
    s = build(conn)
    data = F.geojson([(F.square(PX + 0.5e-3, PY + 6e-3, 50), {"code": "U9", "name": "单元", "kind": "unit",
                                                               "parent_code": "P"})])
    with pytest.raises(InvalidInput) as e:
        import_file(conn, "areas", data, "a.geojson", ImportOptions(enterprise_id=s.enterprise))
    assert "unit 不能位于 plant" in e.value.errors[0]["message"]


def test_unknown_enterprise_is_not_found(conn):
    data = F.geojson([(F.square(PX, PY, 10), {"code": "P", "name": "x", "kind": "plant"})])
    with pytest.raises(NotFound):
        import_file(conn, "areas", data, "a.geojson", ImportOptions(enterprise_id=999_999))


# ------------------------------------------------------------------------------------------------
# CRS paths and reprojection accuracy
# ------------------------------------------------------------------------------------------------


def test_epsg_4549_point_on_the_central_meridian_lands_on_its_latitude(conn):
    # EPSG:4549 = CGCS2000 / 3-degree Gauss-Kruger CM 120E (k = 1, false easting 500 000 m): a point on
    # the central meridian has northing = the meridian arc on the CGCS2000 ellipsoid (1/f = 298.257222101).
    north = _meridian_arc(31.75, 298.257222101)
    data = F.geojson([(shapely.Point(500_000.0, north), {"类型": "学校", "名称": "子午线小学", "人数": 800})],
                     crs="urn:ogc:def:crs:EPSG::4549")
    r = import_file(conn, "targets", data, "t.geojson")
    assert r.crs == "EPSG:4549" and any("CGCS2000" in n for n in r.notes)
    lon, lat = _point(conn, "protection_target", r.ids[0])
    assert lon == pytest.approx(120.0, abs=1e-9)
    assert lat == pytest.approx(31.75, abs=1e-8)        # 1e-8° ≈ 1 mm


def test_utm_32650_shapefile_with_prj_is_read_in_its_own_crs(conn):
    # UTM zone 50N (EPSG:32650): central meridian 117°E, k0 = 0.9996, false easting 500 000 m, WGS84.
    north = 0.9996 * _meridian_arc(31.5, 298.257223563)
    frame = F.gdf([{"kind": "fire_station", "name": "子午线消防站", "capacity": 30,
                    "geometry": shapely.Point(500_000.0, north)}], 32650)
    r = import_file(conn, "resources", F.shapefile_zip(frame), "stations.zip")
    assert r.crs == "EPSG:32650" and r.format.startswith("Shapefile")
    lon, lat = _point(conn, "emergency_resource", r.ids[0])
    assert lon == pytest.approx(117.0, abs=1e-9) and lat == pytest.approx(31.5, abs=1e-8)


def test_declared_crs_contradicting_the_prj_is_refused(conn):
    frame = F.gdf([{"kind": "shelter", "name": "避难场所", "geometry": shapely.Point(500_000.0, 3_480_000.0)}], 32650)
    with pytest.raises(InvalidInput) as e:
        import_file(conn, "resources", F.shapefile_zip(frame), "s.zip", ImportOptions(crs="EPSG:4549"))
    assert e.value.errors[0]["field"] == "crs" and "EPSG:32650" in str(e.value)


def test_gcj02_only_when_declared(conn):
    _, lon, lat = _demo_enterprise(conn)
    glon, glat = (float(v) for v in wgs84_to_gcj02(lon, lat))
    assert math.dist((glon, glat), (lon, lat)) > 1e-3      # the offset is hundreds of metres
    rows = [["名称", "类型", "人数", "经度", "纬度"], ["高德小学", "school", 500, glon, glat]]
    declared = import_file(conn, "targets", F.csv_bytes(rows), "t.csv", ImportOptions(crs="GCJ-02"))
    assert declared.crs == "GCJ-02" and any("GCJ-02" in n for n in declared.notes)
    assert _point(conn, "protection_target", declared.ids[0]) == pytest.approx((lon, lat), abs=1e-8)
    undeclared = import_file(conn, "targets", F.csv_bytes(rows), "t.csv")
    assert _point(conn, "protection_target", undeclared.ids[0]) == pytest.approx((glon, glat), abs=1e-12)


def test_cgcs2000_is_stored_unchanged_and_said_so(conn):
    _, lon, lat = _demo_enterprise(conn)
    data = F.geojson([(shapely.Point(lon + 0.01, lat), {"类型": "医院", "名称": "测试医院", "容量": 200})],
                     crs="EPSG:4490")
    r = import_file(conn, "resources", data, "h.geojson")
    assert any("厘米" in n and "centimetres" in n for n in r.notes)
    assert _point(conn, "emergency_resource", r.ids[0]) == pytest.approx((lon + 0.01, lat), abs=1e-12)


def test_swapped_lat_lon_and_projected_coordinates_are_named(conn):
    _, lon, lat = _demo_enterprise(conn)
    rows = [["名称", "类型", "人数", "经度", "纬度"],
            ["颠倒", "school", 1, lat, lon],
            ["投影", "school", 1, 500_000, 3_500_000],
            ["海外", "school", 1, 2.35, 48.85]]
    with pytest.raises(InvalidInput) as e:
        import_file(conn, "targets", F.csv_bytes(rows), "t.csv")
    by_row = {x["row"]: x["message"] for x in e.value.errors}
    assert "颠倒" in by_row[2] and "swapped" in by_row[2]
    assert "投影坐标" in by_row[3] and "EPSG:4549" in by_row[3]
    assert "中国范围之外" in by_row[4]


def test_lon_lat_declared_projected_is_refused(conn):
    _, lon, lat = _demo_enterprise(conn)
    rows = [["名称", "类型", "人数", "经度", "纬度"], ["x", "school", 1, lon, lat]]
    with pytest.raises(InvalidInput) as e:
        import_file(conn, "targets", F.csv_bytes(rows), "t.csv", ImportOptions(crs="EPSG:4549"))
    assert "像经纬度" in e.value.errors[0]["message"]


# ------------------------------------------------------------------------------------------------
# GeoPackage, CSV (GBK), Excel (title row), WKT, enterprises
# ------------------------------------------------------------------------------------------------


def test_geopackage_layer_choice_and_projected_areas(conn):
    eid, lon, lat = _demo_enterprise(conn)
    from pyproj import Transformer

    e, n = Transformer.from_crs(4326, 4549, always_xy=True).transform(lon, lat)
    plant = shapely.box(e + 100, n + 100, e + 300, n + 200)
    ws = shapely.box(e + 110, n + 110, e + 200, n + 190)
    frame = F.gdf([{"code": "IMP-P", "name": "二厂区", "kind": "plant", "geometry": plant},
                   {"code": "IMP-W", "name": "二车间", "kind": "workshop", "parent_code": "IMP-P", "geometry": ws}],
                  4549)
    other = F.gdf([{"x": 1, "geometry": shapely.Point(e, n)}], 4549)
    data = F.gpkg({"areas": frame, "other": other})
    with pytest.raises(InvalidInput) as e1:
        import_file(conn, "areas", data, "plant.gpkg", ImportOptions(enterprise_id=eid))
    assert e1.value.errors[0]["field"] == "layer" and "areas" in str(e1.value)
    r = import_file(conn, "areas", data, "plant.gpkg", ImportOptions(enterprise_id=eid, layer="areas"))
    assert r.crs == "EPSG:4549" and r.counts == {"plant": 1, "workshop": 1} and r.layer == "areas"
    with conn.cursor() as cur:
        cur.execute("SELECT ST_Area(geom::geography) FROM area WHERE id = %s", (r.ids[0],))
        assert cur.fetchone()[0] == pytest.approx(200 * 100, rel=2e-3)   # Gauss-Krüger scale ~1 near the CM


def test_csv_in_gbk_with_row_numbers(conn):
    _, lon, lat = _demo_enterprise(conn)
    rows = [["名称", "类型", "人数", "经度", "纬度", "备注"],
            ["阳光幼儿园", "幼儿园", 120, lon + 0.01, lat + 0.01, "午休 12:00"],
            ["", "幼儿园", -5, lon + 0.01, lat + 0.01, ""]]
    with pytest.raises(InvalidInput) as e:
        import_file(conn, "targets", F.csv_bytes(rows, "gbk"), "t.csv")
    got = sorted((x["row"], x["field"]) for x in e.value.errors)
    assert got == [(3, "name"), (3, "population")]
    rows.pop()
    r = import_file(conn, "targets", F.csv_bytes(rows, "gbk"), "t.csv")
    assert r.counts == {"kindergarten": 1}
    assert any("GB18030" in w for w in r.warnings) and any("备注" in w for w in r.warnings)


def test_excel_with_a_title_row_and_wkt_footprint(conn):
    _, lon, lat = _demo_enterprise(conn)
    fp = F.square(lon + 0.01, lat + 0.01, 80)
    rows = [["XX区防护目标一览表"], ["名称", "类型", "人数", "WKT"], ["幸福小区", "居民区", 3000, fp.wkt]]
    r = import_file(conn, "targets", F.xlsx(rows), "t.xlsx")
    with conn.cursor() as cur:
        cur.execute("SELECT ST_Within(geom, footprint), ST_Area(footprint::geography) FROM protection_target "
                    "WHERE id = %s", (r.ids[0],))
        within, area = cur.fetchone()
    assert within and area == pytest.approx(80 * 80, rel=0.01)


def test_enterprises_from_csv_with_region_found_and_uscc_checked(conn):
    _, lon, lat = _demo_enterprise(conn)
    good = F.uscc("91320412MA1XYP001")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    header = ["统一社会信用代码", "企业名称", "行业", "企业规模", "从业人数", "经度", "纬度"]
    with pytest.raises(InvalidInput) as e:
        import_file(conn, "enterprises", F.csv_bytes([header, [bad, "甲公司", "机械", "小型", 30, lon, lat]]), "e.csv")
    assert e.value.errors[0]["field"] == "uscc" and "校验码" in e.value.errors[0]["message"]
    r = import_file(conn, "enterprises", F.csv_bytes([header, [good, "乙公司", "machinery", "small", 30, lon, lat]]),
                    "e.csv")
    with conn.cursor() as cur:
        cur.execute("SELECT r.level::text FROM enterprise e JOIN region r ON r.id = e.region_id WHERE e.id = %s",
                    (r.ids[0],))
        assert cur.fetchone()[0] == "grid"        # the deepest region containing the point


def test_risks_target_calls_the_risk_list_import(conn):
    s = build(conn)
    with pytest.raises(InvalidInput) as e:
        import_file(conn, "risks", F.xlsx([["岗位", "风险"], ["a", "b"]]), "r.xlsx",
                    ImportOptions(enterprise_id=s.enterprise))
    assert "清单导入被拒绝" in str(e.value)
    with pytest.raises(UnsupportedFormat):
        import_file(conn, "risks", b"a,b\n", "r.csv", ImportOptions(enterprise_id=s.enterprise))


def test_size_limit(conn, monkeypatch):
    from layers.settings import import_settings

    monkeypatch.setenv("RISKATLAS_MAX_UPLOAD_MB", "0.001")
    import_settings.cache_clear()
    try:
        with pytest.raises(TooLarge):
            import_file(conn, "targets", b"x" * 2000, "t.csv")
    finally:
        monkeypatch.delenv("RISKATLAS_MAX_UPLOAD_MB")
        import_settings.cache_clear()


# ------------------------------------------------------------------------------------------------
# DXF: georeferencing by control points
# ------------------------------------------------------------------------------------------------


def test_fit_recovers_a_known_similarity_and_refuses_collinear_affine():
    rng = np.random.default_rng(1)
    local = rng.uniform(0, 300, (5, 2))
    a, b = math.cos(math.radians(30)), math.sin(math.radians(30))
    target = np.column_stack([a * local[:, 0] - b * local[:, 1] + 1000, b * local[:, 0] + a * local[:, 1] - 500])
    fit = fit_transform(local, target)
    assert fit.scale == pytest.approx(1.0, abs=1e-12) and fit.rotation_deg == pytest.approx(30.0, abs=1e-9)
    assert fit.max_m < 1e-6 and fit.redundant
    with pytest.raises(InvalidInput, match="共线"):
        fit_transform(np.array([[0, 0], [1, 1], [2, 2.0]]), target[:3], "affine")


def _layout() -> tuple[list, list]:
    boundaries = [("厂区", [(0, 0), (200, 0), (200, 120), (0, 120)], True),
                  ("车间", [(10, 10), (90, 10), (90, 60), (10, 60)], True),
                  ("车间", [(110, 10), (190, 10), (190, 60), (110, 60)], True),
                  ("装置", [(20, 20), (40, 20), (40, 40), (20, 40)], True)]
    labels = [("Q 一号厂区", 150, 100), ("Q-W1 冲压车间", 60, 50), ("Q-W2 装配车间", 150, 30), ("Q-U1 冲床", 30, 30)]
    return boundaries, labels


def test_dxf_areas_georeferenced_by_three_control_points(conn):
    s = build(conn)
    frame = F.LocalFrame(X0 + 0.3, Y0 + 0.3, rotation_deg=25.0)
    boundaries, labels = _layout()
    cps = frame.control_points([(0, 0), (200, 0), (200, 120)])
    r = import_file(conn, "areas", F.dxf(boundaries, labels), "plant.dxf",
                    ImportOptions(enterprise_id=s.enterprise, control_points=json.dumps(cps)))
    assert r.counts == {"plant": 1, "workshop": 2, "unit": 1}
    geo = r.georeference      # (the rotation differs from 25° by the meridian convergence between the planes)
    assert geo["kind"] == "similarity" and geo["redundant"] and geo["max_m"] < 0.01
    assert geo["scale"] == pytest.approx(1.0, abs=1e-6) and geo["rotation_deg"] == pytest.approx(25.0, abs=1e-3)
    with conn.cursor() as cur:
        cur.execute("SELECT a.code, a.name, p.code, ST_X(ST_Centroid(a.geom)), ST_Y(ST_Centroid(a.geom)) "
                    "FROM area a LEFT JOIN area p ON p.id = a.parent_id WHERE a.id = ANY(%s) ORDER BY a.code", (r.ids,))
        rows = {code: (name, parent, x, y) for code, name, parent, x, y in cur.fetchall()}
    assert rows["Q-U1"][:2] == ("冲床", "Q-W1") and rows["Q-W1"][1] == "Q" and rows["Q"][1] is None
    # the unit's centre (30, 30) in drawing metres, where the frame puts it (to a centimetre)
    ex, ey = frame.lonlat(30, 30)
    assert math.dist(rows["Q-U1"][2:], (ex, ey)) * 111_000 < 0.01


def test_dxf_residual_over_tolerance_is_refused_and_reported(conn):
    s = build(conn)
    frame = F.LocalFrame(X0 + 0.3, Y0 + 0.3)
    boundaries, labels = _layout()
    cps = frame.control_points([(0, 0), (200, 0), (200, 120), (0, 120)])
    cps[2]["lon"], cps[2]["lat"] = F.offset(cps[2]["lon"], cps[2]["lat"], 4.0, 0.0)   # one point 4 m off
    data = F.dxf(boundaries, labels)
    with pytest.raises(InvalidInput) as e:
        import_file(conn, "areas", data, "plant.dxf",
                    ImportOptions(enterprise_id=s.enterprise, control_points=cps, dry_run=True))
    assert e.value.errors[0]["field"] == "control_points" and "残差" in str(e.value) and "第 3 个" in str(e.value)
    # A looser tolerance accepts it and reports the residuals: 4 m spread over four points by least
    # squares leaves the largest at about half of it.
    r = import_file(conn, "areas", data, "plant.dxf", ImportOptions(enterprise_id=s.enterprise, control_points=cps,
                                                                    tolerance_m=5, dry_run=True))
    assert 1.0 < r.georeference["max_m"] < 4.0 and len(r.georeference["residuals_m"]) == 4


def test_dxf_millimetres_hatch_holes_layer_map_and_open_polyline(conn):
    s = build(conn)
    frame = F.LocalFrame(X0 + 0.3, Y0 + 0.3)
    mm = 1000.0
    hatch = ("SITE", [[(0, 0), (200 * mm, 0), (200 * mm, 120 * mm), (0, 120 * mm)],
                      [(150 * mm, 80 * mm), (180 * mm, 80 * mm), (180 * mm, 110 * mm), (150 * mm, 110 * mm)]])
    boundaries = [("WS", [(10 * mm, 10 * mm), (90 * mm, 10 * mm), (90 * mm, 60 * mm), (10 * mm, 60 * mm)], True)]
    labels = [("Q 厂区", 100 * mm, 100 * mm), ("Q-W1 车间", 50 * mm, 30 * mm)]
    cps = [dict(cp, x=cp["x"] * mm, y=cp["y"] * mm) for cp in frame.control_points([(0, 0), (200, 0), (0, 120)])]
    opts = ImportOptions(enterprise_id=s.enterprise, control_points=cps, layer_map={"SITE": "厂区", "WS": "workshop"})
    # an open boundary is named by its handle and layer
    open_line = ("WS", [(100 * mm, 10 * mm), (150 * mm, 10 * mm), (150 * mm, 50 * mm)], False)
    with pytest.raises(InvalidInput) as e:
        import_file(conn, "areas", F.dxf([*boundaries, open_line], labels, units=4, hatches=[hatch]), "p.dxf", opts)
    err = e.value.errors[0]
    assert "未闭合" in err["message"] and err["layer"] == "WS" and err["handle"] and len(e.value.errors) == 1
    r = import_file(conn, "areas", F.dxf(boundaries, labels, units=4, hatches=[hatch]), "p.dxf", opts)
    with conn.cursor() as cur:
        cur.execute("SELECT code, ST_NumInteriorRings(ST_GeometryN(geom, 1)), ST_Area(geom::geography) FROM area "
                    "WHERE id = ANY(%s) ORDER BY code", (r.ids,))
        (p, holes, area), (w, _, _) = cur.fetchall()
    assert (p, w, holes) == ("Q", "Q-W1", 1) and area == pytest.approx(200 * 120 - 30 * 30, rel=1e-3)
