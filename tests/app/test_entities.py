"""REST for every stored object: GeoJSON in and out, pages and filters, versions (If-Match),
deletes that lose nothing, the audit trail of each change, and the import checks on creation."""

from __future__ import annotations

import psycopg2
import pytest
import shapely
import shapely.geometry

from tests.auth import api_client

GEOJSON = "application/geo+json"


@pytest.fixture(scope="module")
def admin(demo_url):
    with api_client(demo_url, "admin") as c:
        yield c


@pytest.fixture(scope="module")
def owner(demo_url):
    with api_client(demo_url, "enterprise", enterprise_id=1) as c:
        yield c


def _sql(url: str, query: str, params=()):
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


@pytest.fixture
def workshop(demo_url):
    """A workshop of enterprise 1 (with units inside it and risks), put back as it was afterwards."""
    (aid, name, geom, headcount), = _sql(demo_url, """SELECT id, name, ST_AsBinary(geom), headcount FROM area
        WHERE enterprise_id = 1 AND kind = 'workshop' AND EXISTS (SELECT 1 FROM area c WHERE c.parent_id = area.id)
        ORDER BY id LIMIT 1""")
    yield aid
    _sql(demo_url, "UPDATE area SET name = %s, geom = ST_GeomFromWKB(%s, 4326), headcount = %s WHERE id = %s",
         (name, geom, headcount, aid))


@pytest.fixture
def enterprise1(demo_url):
    (row,) = _sql(demo_url, "SELECT name, employees, scale, ST_AsBinary(location), ST_AsBinary(boundary), region_id, "
                            "contact_phone FROM enterprise WHERE id = 1")
    yield 1
    _sql(demo_url, """UPDATE enterprise SET name = %s, employees = %s, scale = %s, location = ST_GeomFromWKB(%s, 4326),
                      boundary = ST_GeomFromWKB(%s, 4326), region_id = %s, contact_phone = %s WHERE id = 1""", row)


def _etag(client, path: str) -> str:
    r = client.get(path)
    assert r.status_code == 200, r.text
    return r.headers["ETag"]


def test_one_object_is_a_geojson_feature_with_its_version(admin, workshop):
    r = admin.get(f"/api/areas/{workshop}")
    assert r.status_code == 200 and r.headers["content-type"].startswith(GEOJSON)
    f = r.json()
    assert f["type"] == "Feature" and f["id"] == workshop and f["geometry"]["type"] == "MultiPolygon"
    assert f["properties"]["kind"] == "workshop" and f["properties"]["enterprise_id"] == 1
    assert r.headers["ETag"] == f'"area-{workshop}-{f["properties"]["version"]}"'
    # the richer answers elsewhere carry the same ETag
    for path in ("/api/enterprises/1", "/api/hazard-sources/{}".format(
            admin.get("/api/hazard-sources").json()["features"][0]["properties"]["id"])):
        assert admin.get(path).headers["ETag"].startswith(('"enterprise-1-', '"hazard_source-')), path


def test_pages_and_filters(admin, demo_url):
    (n_areas,), = _sql(demo_url, "SELECT count(*) FROM area WHERE enterprise_id = 1")
    r = admin.get("/api/areas", params={"enterprise_id": 1, "limit": 5})
    fc = r.json()
    assert r.headers["content-type"].startswith(GEOJSON) and fc["type"] == "FeatureCollection"
    assert fc["total"] == n_areas and len(fc["features"]) == 5
    second = admin.get("/api/areas", params={"enterprise_id": 1, "limit": 5, "offset": 5}).json()
    assert {f["id"] for f in fc["features"]}.isdisjoint(f["id"] for f in second["features"])
    units = admin.get("/api/areas", params={"enterprise_id": 1, "kind": "unit", "limit": 1000}).json()
    assert units["features"] and {f["properties"]["kind"] for f in units["features"]} == {"unit"}
    # a district's enterprises: the region filter is the subtree
    (district, n_inside), = _sql(demo_url, """SELECT r.id, (SELECT count(*) FROM enterprise e
        WHERE e.region_id IN (SELECT region_id FROM region_subtree(r.id))) FROM region r WHERE r.level = 'district'
        ORDER BY r.id LIMIT 1""")
    got = admin.get("/api/enterprises.geojson", params={"within": district, "limit": 1}).json()
    assert got["total"] == n_inside > 0 and got["features"][0]["geometry"]["type"] == "Point"
    # bbox around enterprise 1
    (x, y), = _sql(demo_url, "SELECT ST_X(location), ST_Y(location) FROM enterprise WHERE id = 1")
    near = admin.get("/api/enterprises.geojson", params={"bbox": f"{x-1e-4},{y-1e-4},{x+1e-4},{y+1e-4}"}).json()
    assert 1 in {f["id"] for f in near["features"]}
    bad = admin.get("/api/enterprises.geojson", params={"bbox": "1,2,3"})
    assert bad.status_code == 422 and "bbox" in bad.json()["detail"]
    # risks, resources, targets, regions
    risks = admin.get("/api/risks", params={"enterprise_id": 1, "level": "major"}).json()
    assert all(f["properties"]["residual_level"] == "major" and f["geometry"] is None for f in risks["features"])
    for path in ("/api/resources", "/api/targets", "/api/regions"):
        page = admin.get(path, params={"limit": 3}).json()
        assert page["total"] > 0 and len(page["features"]) <= 3, path
    # /api/regions/stats is still the statistics, not region "stats"
    assert admin.get("/api/regions/stats").status_code == 200


def test_an_edit_quotes_its_version_and_a_stale_one_is_refused(admin, owner, workshop, demo_url):
    tag = _etag(owner, f"/api/areas/{workshop}")
    r = owner.patch(f"/api/areas/{workshop}", json={"name": "一号车间 (改)"})
    assert r.status_code == 428 and "版本" in r.json()["detail"]
    r = owner.patch(f"/api/areas/{workshop}", json={"type": "Feature", "properties": {"名称": "一号车间 (改)",
                                                                                     "岗位人数": 12}},
                    headers={"If-Match": tag})
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["name"] == "一号车间 (改)" and r.json()["properties"]["headcount"] == 12
    new_tag = r.headers["ETag"]
    assert new_tag != tag
    # someone who read before that change is refused, and the change stands
    r = admin.patch(f"/api/areas/{workshop}", json={"name": "别人的修改"}, headers={"If-Match": tag})
    assert r.status_code == 412 and "已被他人修改" in r.json()["detail"]
    assert admin.get(f"/api/areas/{workshop}").json()["properties"]["name"] == "一号车间 (改)"
    # the audit trail: who, before and after
    (actor, before, after), = _sql(demo_url, """SELECT actor, before->>'name', after->>'name' FROM audit_log
        WHERE table_name = 'area' AND row_id = %s::text AND action = 'UPDATE' ORDER BY id DESC LIMIT 1""", (workshop,))
    assert after == "一号车间 (改)" and before != after and actor.startswith("t-enterprise-1")
    audit = owner.get("/api/enterprises/1/audit", params={"table": "area"}).json()["items"][0]
    assert {"field": "name", "before": before, "after": after} in audit["changes"]


def test_bad_values_are_named_and_nothing_changes(owner, workshop, enterprise1):
    tag = _etag(owner, f"/api/areas/{workshop}")
    r = owner.patch(f"/api/areas/{workshop}", headers={"If-Match": tag},
                    json={"name": "<script>alert(1)</script>", "floor": 999, "colour": "red", "headcount": {"a": 1}})
    assert r.status_code == 422
    fields = {e["field"]: e["message"] for e in r.json()["errors"]}
    assert set(fields) == {"name", "floor", "colour", "headcount"}, fields
    assert "可修改的字段" in fields["colour"] and "-20–300" in fields["floor"]
    assert owner.get(f"/api/areas/{workshop}").headers["ETag"] == tag        # nothing written
    etag_e = _etag(owner, "/api/enterprises/1")
    r = owner.patch("/api/enterprises/1", headers={"If-Match": etag_e}, json={"scale": "巨型", "employees": -3})
    assert r.status_code == 422
    messages = " ".join(e["message"] for e in r.json()["errors"])
    assert "不在词表中" in messages and "大型" in messages and "0–10000000" in messages
    # an enterprise may not change its credit code; only an admin may
    r = owner.patch("/api/enterprises/1", headers={"If-Match": etag_e}, json={"uscc": "91320400MA1MXXXX1X"})
    assert r.status_code == 403 and "管理员" in r.json()["detail"]


def test_geometry_is_checked_reprojected_and_the_region_follows(owner, admin, enterprise1, demo_url):
    (x, y, region), = _sql(demo_url, "SELECT ST_X(location), ST_Y(location), region_id FROM enterprise WHERE id = 1")
    tag = _etag(owner, "/api/enterprises/1")
    # swapped latitude and longitude
    r = owner.patch("/api/enterprises/1", headers={"If-Match": tag},
                    json={"geometry": {"type": "Point", "coordinates": [y, x]}})
    assert r.status_code == 422 and "颠倒" in r.json()["errors"][0]["message"]
    # a self-intersecting outline (a bow tie)
    bow = {"type": "Polygon", "coordinates": [[[x, y], [x + 1e-3, y + 1e-3], [x + 1e-3, y], [x, y + 1e-3], [x, y]]]}
    r = owner.patch("/api/enterprises/1", headers={"If-Match": tag}, json={"geometry": bow})
    assert r.status_code == 422 and "几何无效" in r.json()["errors"][0]["message"]
    r = owner.patch("/api/enterprises/1", headers={"If-Match": tag}, json={"geometry": {"type": "Point"}})
    assert r.status_code == 422 and "GeoJSON" in r.json()["errors"][0]["message"]
    assert owner.get("/api/enterprises/1").headers["ETag"] == tag
    # the same place in CGCS2000 / 3-degree Gauss-Kruger CM 120E (EPSG:4549) lands where it should
    from pyproj import Transformer

    e, n = Transformer.from_crs(4326, 4549, always_xy=True).transform(x + 2e-4, y + 1e-4)
    r = owner.patch("/api/enterprises/1", params={"crs": "EPSG:4549"}, headers={"If-Match": tag},
                    json={"geometry": {"type": "Point", "coordinates": [e, n]}})
    assert r.status_code == 200, r.text
    lon, lat = r.json()["geometry"]["coordinates"]
    assert abs(lon - (x + 2e-4)) < 1e-7 and abs(lat - (y + 1e-4)) < 1e-7   # CGCS2000 ≈ WGS84 at this scale
    # moved into another district: the region follows the location
    (ox, oy, other), = _sql(demo_url, """SELECT ST_X(ST_PointOnSurface(r.geom)), ST_Y(ST_PointOnSurface(r.geom)), r.id
        FROM region r WHERE r.level = 'grid' AND r.id NOT IN (SELECT region_id FROM region_closure
        WHERE ancestor_id = (SELECT parent_id FROM region WHERE id = %s)) ORDER BY r.id LIMIT 1""", (region,))
    r = admin.patch("/api/enterprises/1", headers={"If-Match": r.headers["ETag"]},
                    json={"geometry": {"type": "Point", "coordinates": [ox, oy]}})
    assert r.status_code == 200, r.text
    assert r.json()["properties"]["region_id"] == other


def test_an_outline_that_would_leave_its_sub_areas_outside_is_refused(owner, workshop, demo_url):
    (x, y), = _sql(demo_url, "SELECT ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom)) FROM area "
                             "WHERE id = %s", (workshop,))
    tiny = shapely.geometry.box(x - 1e-6, y - 1e-6, x + 1e-6, y + 1e-6)
    tag = _etag(owner, f"/api/areas/{workshop}")
    r = owner.patch(f"/api/areas/{workshop}", headers={"If-Match": tag},
                    json={"geometry": shapely.geometry.mapping(tiny)})
    assert r.status_code == 422 and "下级区域" in r.json()["detail"], r.text
    assert owner.get(f"/api/areas/{workshop}").headers["ETag"] == tag


def test_create_then_delete_an_area(owner, demo_url):
    (plant, x, y), = _sql(demo_url, """SELECT id, ST_X(ST_PointOnSurface(geom)), ST_Y(ST_PointOnSurface(geom))
        FROM area WHERE enterprise_id = 1 AND kind = 'plant' ORDER BY id LIMIT 1""")
    box = shapely.geometry.box(x - 2e-5, y - 2e-5, x + 2e-5, y + 2e-5)
    feature = {"type": "Feature", "geometry": shapely.geometry.mapping(box),
               "properties": {"编号": "REST-1", "名称": "临时仓库", "类型": "车间"}}
    bad = owner.post("/api/enterprises/1/areas", json={**feature, "geometry": None})
    assert bad.status_code == 422 and not _sql(demo_url, "SELECT 1 FROM area WHERE code = 'REST-1'")
    r = owner.post("/api/enterprises/1/areas", json=feature)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["properties"]["parent_id"] == plant and r.headers["Location"] == f"/api/areas/{created['id']}"
    # a workshop with a risk cannot go; without, it can (If-Match required)
    assert owner.delete(f"/api/areas/{created['id']}").status_code == 428
    (risk,), = _sql(demo_url, """INSERT INTO risk (area_id, name, hazard_factors, accident_type, method, inherent_level,
        residual_level, control_tier, basis) VALUES (%s, '临时风险', '叉车', 1, 'direct', 'low', 'low', 'post', '测试')
        RETURNING id""", (created["id"],))
    tag = _etag(owner, f"/api/areas/{created['id']}")
    r = owner.delete(f"/api/areas/{created['id']}", headers={"If-Match": tag})
    assert r.status_code == 409 and "1 个风险" in r.json()["detail"]
    # the risk: descriptive fields by PATCH (排查周期 by its Chinese name), then deleted
    rtag = _etag(owner, f"/api/risks/{risk}")
    r = owner.patch(f"/api/risks/{risk}", headers={"If-Match": rtag}, json={"排查周期": "每周", "责任人": "李四"})
    assert r.status_code == 200 and r.json()["properties"]["check_period"] == "weekly", r.text
    assert owner.delete(f"/api/risks/{risk}", headers={"If-Match": r.headers["ETag"]}).status_code == 204
    assert owner.delete(f"/api/areas/{created['id']}", headers={"If-Match": tag}).status_code == 204
    assert owner.get(f"/api/areas/{created['id']}").status_code == 404
    (n,), = _sql(demo_url, "SELECT count(*) FROM audit_log WHERE table_name = 'area' AND row_id = %s::text", (created["id"],))
    assert n == 2    # created and deleted: both recorded


def test_shared_objects_are_changed_by_admins_only(admin, owner, demo_url):
    (x, y), = _sql(demo_url, "SELECT ST_X(location), ST_Y(location) FROM enterprise WHERE id = 1")
    shelter = {"type": "Feature", "geometry": {"type": "Point", "coordinates": [x + 1e-3, y]},
               "properties": {"类型": "应急避难场所", "名称": "REST 测试避难场所", "容量": 300}}
    assert owner.post("/api/resources", json=shelter).status_code == 403
    r = admin.post("/api/resources", json=shelter)
    assert r.status_code == 201, r.text
    rid, tag = r.json()["id"], r.headers["ETag"]
    assert r.json()["properties"]["region_id"] is not None          # the deepest region holding it
    assert owner.patch(f"/api/resources/{rid}", json={"capacity": 1}, headers={"If-Match": tag}).status_code == 403
    r = admin.patch(f"/api/resources/{rid}", json={"capacity": 500}, headers={"If-Match": tag})
    assert r.status_code == 200 and r.json()["properties"]["capacity"] == 500
    assert admin.delete(f"/api/resources/{rid}", headers={"If-Match": r.headers["ETag"]}).status_code == 204
    # a region with enterprises cannot be deleted
    (district,), = _sql(demo_url, "SELECT region_id FROM enterprise WHERE id = 1")
    tag = _etag(admin, f"/api/regions/{district}")
    r = admin.delete(f"/api/regions/{district}", headers={"If-Match": tag})
    assert r.status_code == 409 and "企业" in r.json()["detail"]


def test_register_a_hazard_source_then_fill_its_inventory(owner, demo_url):
    (x, y), = _sql(demo_url, "SELECT ST_X(location), ST_Y(location) FROM enterprise WHERE id = 1")
    tank = {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[
        [x, y], [x + 1e-4, y], [x + 1e-4, y + 1e-4], [x, y + 1e-4], [x, y]]]},
        "properties": {"编号": "REST-HS1", "名称": "甲醇储罐区", "类型": "储存单元", "备案日期": "2026-03-01"}}
    missing = owner.post("/api/enterprises/1/hazard-sources", json={**tank, "properties": {"名称": "无编号"}})
    assert missing.status_code == 422 and {e["field"] for e in missing.json()["errors"]} == {"code"}
    r = owner.post("/api/enterprises/1/hazard-sources", json=tank)
    assert r.status_code == 201, r.text
    hs = r.json()
    try:
        assert hs["properties"]["kind"] == "storage" and hs["properties"]["registered_at"] == "2026-03-01"
        assert hs["properties"]["boundary"]["type"] == "MultiPolygon" and hs["geometry"]["type"] == "Point"
        # GB 18218-2018 表1: 甲醇 Q = 500 t; 600 t makes it a major hazard source (q/Q = 1.2 ≥ 1)
        r = owner.put(f"/api/hazard-sources/{hs['id']}/inventory", json={"items": [{"chemical": "甲醇", "quantity_t": 600}]})
        assert r.status_code == 200, r.text
        assert owner.get(f"/api/hazard-sources/{hs['id']}/explain").json()["s_value"] == pytest.approx(1.2)
        trail = owner.get("/api/enterprises/1/audit", params={"table": "hazard_source_inventory"}).json()["items"]
        assert any(str(row["row_id"]).startswith(f"{hs['id']}/") and row["action"] == "INSERT" for row in trail), trail[:3]
    finally:
        tag = owner.get(f"/api/hazard-sources/{hs['id']}").headers["ETag"]
        assert owner.delete(f"/api/hazard-sources/{hs['id']}", headers={"If-Match": tag}).status_code == 204


def test_add_a_risk_to_an_area_graded_with_the_enterprise_profile(owner, workshop, demo_url):
    (foreign,), = _sql(demo_url, "SELECT id FROM area WHERE enterprise_id <> 1 ORDER BY id LIMIT 1")
    risk = {"properties": {"name": "REST 新增: 储罐区动火作业", "hazard_factors": "可燃气体积聚, 动火", "accident_type": "火灾",
                           "check_period": "每周"},
            # LEC D = 3 × 6 × 7 = 126: 一般风险 (70 < D ≤ 160, the default profile's LEC bands, docs/domain.md §3)
            "assessment": {"method": "LEC", "inputs": {"L": 3, "E": 6, "C": 7}, "residual_level": "low"}}
    assert owner.post(f"/api/areas/{foreign}/risks", json=risk).status_code == 404
    bad = owner.post(f"/api/areas/{workshop}/risks", json={**risk, "properties": {**risk["properties"], "accident_type": "飞碟"}})
    assert bad.status_code == 422 and "飞碟" in bad.json()["detail"] and bad.json()["errors"][0]["field"] == "accident_type"
    upside = owner.post(f"/api/areas/{workshop}/risks", json={**risk, "assessment": {**risk["assessment"], "residual_level": "major"}})
    assert upside.status_code == 422 and upside.json()["errors"][0]["field"] == "residual_level"
    nameless = owner.post(f"/api/areas/{workshop}/risks", json={**risk, "properties": {"accident_type": "火灾"}})
    assert nameless.status_code == 422 and {e["field"] for e in nameless.json()["errors"]} == {"name", "hazard_factors"}
    assert _sql(demo_url, "SELECT count(*) FROM risk WHERE name LIKE 'REST 新增%%'") == [(0,)]

    r = owner.post(f"/api/areas/{workshop}/risks", json=risk)
    assert r.status_code == 201, r.text
    created = r.json()
    rid = created["id"]
    try:
        p = created["properties"]
        assert (p["inherent_level"], p["residual_level"], p["control_tier"], p["check_period"], p["area_id"]) == \
            ("general", "low", "post", "weekly", workshop)
        assert r.headers["Location"] == f"/api/risks/{rid}"
        (atype, score, by), = _sql(demo_url, "SELECT a.name_zh, r.score, r.assessed_by FROM risk r "
                                             "JOIN accident_type a ON a.code = r.accident_type WHERE r.id = %s", (rid,))
        assert atype == "火灾" and float(score) == 126 and "enterprise" in by
        trail = owner.get("/api/enterprises/1/audit", params={"table": "risk"}).json()["items"]
        assert any(row["row_id"] == str(rid) and row["action"] == "INSERT" for row in trail)
    finally:
        tag = owner.get(f"/api/risks/{rid}").headers["ETag"]
        assert owner.delete(f"/api/risks/{rid}", headers={"If-Match": tag}).status_code == 204


def test_add_a_risk_with_an_alias_keeps_every_type_and_says_how_it_read_it(owner, workshop, demo_url):
    risk = {"properties": {"name": "REST 别名: 调漆间", "hazard_factors": "稀释剂挥发", "accident_type": "火灾爆炸、中毒"},
            "assessment": {"method": "LEC", "inputs": {"L": 3, "E": 6, "C": 7}, "residual_level": "low"}}
    r = owner.post(f"/api/areas/{workshop}/risks", json=risk)
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    try:
        p = r.json()["properties"]
        assert (p["accident_type"], p["accident_types"], p["accident_types_zh"]) == (8, [8, 18, 19], "火灾、其它爆炸、中毒和窒息")
        assert "火灾爆炸 → 火灾、其它爆炸" in " ".join(r.json()["notes"]) and "中毒 → 中毒和窒息" in " ".join(r.json()["notes"])
        assert _sql(demo_url, "SELECT accident_type, accident_types FROM risk WHERE id = %s", (rid,)) == [(8, [8, 18, 19])]
        assert owner.get(f"/api/risks/{rid}").json()["accident_types"] == [8, 18, 19]
    finally:
        tag = owner.get(f"/api/risks/{rid}").headers["ETag"]
        assert owner.delete(f"/api/risks/{rid}", headers={"If-Match": tag}).status_code == 204
    # a list of types is accepted too
    r = owner.post(f"/api/areas/{workshop}/risks",
                   json={**risk, "properties": {**risk["properties"], "accident_type": None, "accident_types": ["高空坠落", 5]}})
    assert r.status_code == 201, r.text
    try:
        assert r.json()["properties"]["accident_types"] == [9, 5]
    finally:
        tag = owner.get(f"/api/risks/{r.json()['id']}").headers["ETag"]
        assert owner.delete(f"/api/risks/{r.json()['id']}", headers={"If-Match": tag}).status_code == 204


def test_unknown_accident_type_over_rest_lists_the_accepted_values(owner, workshop, demo_url):
    risk = {"properties": {"name": "REST 别名: 未知", "hazard_factors": "雷雨", "accident_type": "雷击"},
            "assessment": {"method": "LEC", "inputs": {"L": 3, "E": 6, "C": 7}, "residual_level": "low"}}
    r = owner.post(f"/api/areas/{workshop}/risks", json=risk)
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert "雷击" in detail and "物体打击" in detail and "中毒和窒息" in detail and "火灾爆炸(火灾+其它爆炸)" in detail
    assert r.json()["errors"][0]["field"] == "accident_type"
    assert _sql(demo_url, "SELECT count(*) FROM risk WHERE name LIKE 'REST 别名%%'") == [(0,)]


def _square(x: float, y: float, w: float, h: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x, y], [x + w, y], [x + w, y + h], [x, y + h], [x, y]]]}


def test_divide_a_district_into_towns_and_grids(admin, owner, demo_url):
    """A regulator's admin draws a new town, then a supervision grid in it (Wujin 2022 key points 网格化): the
    enterprise inside moves with it; outlines outside the parent or over a sibling are refused."""
    from layers.uscc import check_char

    x0, y0 = 100.0, 40.0                  # far from the demo city
    body = "91990201MA1REG001"[:17]
    ids: dict[str, int] = {}
    try:
        (ids["city"],), = _sql(demo_url, "INSERT INTO region (adcode, name, level, geom) VALUES ('990200', '划分测试市', 'city', "
                                         "ST_Multi(ST_MakeEnvelope(%s, %s, %s, %s, 4326))) RETURNING id", (x0, y0, x0 + 1, y0 + 1))
        (ids["district"],), = _sql(demo_url, "INSERT INTO region (adcode, name, level, parent_id, geom) VALUES ('990201', "
                                             "'划分测试区', 'district', %s, ST_Multi(ST_MakeEnvelope(%s, %s, %s, %s, 4326))) "
                                             "RETURNING id", (ids["city"], x0, y0, x0 + 1, y0 + 1))
        (ids["enterprise"],), = _sql(demo_url, "INSERT INTO enterprise (uscc, name, industry, scale, employees, region_id, "
                                               "location) VALUES (%s, '划分测试企业', 'machinery', 'small', 10, %s, "
                                               "ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id",
                                     (body + check_char(body), ids["district"], x0 + 0.25, y0 + 0.25))
        town = {"type": "Feature", "geometry": _square(x0, y0, 0.5, 0.5),
                "properties": {"区划代码": "990201001", "名称": "划分测试镇"}}
        path = f"/api/regions/{ids['district']}/children"
        assert owner.post(path, json=town).status_code == 403
        assert admin.post("/api/regions/2147483647/children", json=town).status_code == 404
        outside = admin.post(path, json={**town, "geometry": _square(x0 + 0.8, y0, 0.5, 0.5)})
        assert outside.status_code == 422 and "之外" in outside.json()["detail"]
        r = admin.post(path, json=town)
        assert r.status_code == 201, r.text
        created = r.json()
        ids["town"] = created["id"]
        assert created["properties"]["level"] == "town" and created["properties"]["parent_id"] == ids["district"]
        assert created["properties"]["moved"]["enterprise"] == 1
        assert _sql(demo_url, "SELECT region_id FROM enterprise WHERE id = %s", (ids["enterprise"],)) == [(ids["town"],)]
        over = admin.post(path, json={**town, "geometry": _square(x0 + 0.25, y0, 0.5, 0.5),
                                      "properties": {"区划代码": "990201002", "名称": "重叠镇"}})
        assert over.status_code == 422 and "划分测试镇" in over.json()["detail"]

        grid = {"type": "Feature", "geometry": _square(x0 + 0.2, y0 + 0.2, 0.1, 0.1),
                "properties": {"区划代码": "990201001001", "名称": "划分测试网格"}}
        nameless = admin.post(f"/api/regions/{ids['town']}/children", json=grid)
        assert nameless.status_code == 422
        assert {e["field"] for e in nameless.json()["errors"]} == {"officer_name", "officer_phone"}
        grid["properties"].update({"网格员": "王五", "网格员电话": "13900000001"})
        r = admin.post(f"/api/regions/{ids['town']}/children", json=grid)
        assert r.status_code == 201, r.text
        ids["grid"] = r.json()["id"]
        assert r.json()["properties"]["level"] == "grid" and r.json()["properties"]["moved"]["enterprise"] == 1
        below = admin.post(f"/api/regions/{ids['grid']}/children", json=grid)
        assert below.status_code == 422 and "网格" in below.json()["detail"]
        # the jurisdiction follows at once: the district's subtree holds the enterprise through the new grid
        assert _sql(demo_url, "SELECT count(*) FROM region_closure WHERE region_id = %s AND ancestor_id = %s",
                    (ids["grid"], ids["district"])) == [(1,)]
    finally:
        if "enterprise" in ids:
            _sql(demo_url, "DELETE FROM enterprise WHERE id = %s", (ids["enterprise"],))
        for key in ("grid", "town", "district", "city"):
            if key in ids:
                _sql(demo_url, "DELETE FROM region WHERE id = %s", (ids[key],))
