"""The permission matrix: every role × every route of the app × own / foreign object.

Routes are enumerated from the application itself, so a route added later without an entry here
fails ``test_every_route_is_in_the_matrix`` until its author says how it is reached. Reads are
checked in both directions (own → 2xx, foreign → 404, lists hold only what the role may see);
writes are checked with valid bodies against foreign objects (→ 404, or 403 for a regulator's or
another non-admin's write) and the audit log proves that nothing was written.
"""

from __future__ import annotations

import io
import json
import math
import re
from dataclasses import dataclass

import psycopg2
import pytest
from fastapi.testclient import TestClient
from PIL import Image

from app.main import create_app
from tests.auth import api_client, ensure_user  # noqa: F401  (ensure_user used via api_client)

#: Routes anyone may call without a login.
PUBLIC = {
    ("GET", "/api/health"), ("POST", "/api/auth/login"), ("GET", "/login"), ("POST", "/login"),
    ("GET", "/favicon.ico"), ("GET", "/openapi.json"), ("GET", "/docs"), ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"), ("GET", "/cards/{token:path}"),   # the QR landing page of a notification card
    ("GET", "/static/vendor/{path:path}"),            # Leaflet and plugins
}
#: Path parameters that differ by route.
OVERRIDES = {"/api/export/{layer}.{fmt}": {"fmt": "geojson"}}
#: Reads that only an admin may make.
ADMIN_ONLY = {("GET", "/api/users"), ("POST", "/api/users"), ("PUT", "/api/profiles/{name}"),
              # shared data, registering and removing enterprises (layers.entities)
              ("POST", "/api/enterprises"), ("DELETE", "/api/enterprises/{enterprise_id}"),
              ("POST", "/api/resources"), ("PATCH", "/api/resources/{resource_id}"),
              ("DELETE", "/api/resources/{resource_id}"), ("POST", "/api/targets"),
              ("PATCH", "/api/targets/{target_id}"), ("DELETE", "/api/targets/{target_id}"),
              ("PATCH", "/api/regions/{region_id}"), ("DELETE", "/api/regions/{region_id}"),
              ("POST", "/api/regions/{region_id}/children"),
              # setting up regions in the browser
              ("GET", "/admin/regions"), ("POST", "/admin/regions/import"), ("POST", "/admin/regions/import-file"),
              # the chemical catalogue: everyone searches it, only an admin extends it
              ("POST", "/api/chemicals"), ("GET", "/admin/chemicals"), ("POST", "/admin/chemicals")}
#: Reads only for the roles that may edit enterprise data (admin, enterprise): a form to edit.
WRITER_PAGES = {("GET", "/risks/{risk_id}/edit"), ("GET", "/imports")}
#: HTML pages (a visitor without a session is sent to the login page).
PAGES = {("GET", "/"), ("GET", "/imports"), ("GET", "/admin/regions"), ("GET", "/admin/chemicals")}


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buf, "PNG")
    return buf.getvalue()


#: A valid request for every write route (path parameters filled in per object).
WRITES: dict[tuple[str, str], dict] = {
    ("PUT", "/api/enterprises/{enterprise_id}/profile"): {"json": {"name": "default"}},
    ("POST", "/api/risks/{risk_id}/assessment"): {"json": {"method": "LEC", "inputs": {"L": 3, "E": 6, "C": 7}}},
    ("POST", "/api/enterprises/{enterprise_id}/inspections"): {
        "json": {"inspected_at": "2026-01-05", "inspector": "检查员"}},
    ("POST", "/api/enterprises/{enterprise_id}/risk-lists"): {
        "files": {"file": ("清单.xlsx", b"PK\x03\x04 not really a workbook", "application/octet-stream")}},
    ("POST", "/api/enterprises/{enterprise_id}/hidden-hazards"): {
        "json": {"description": "消防通道堵塞", "grade": "general", "found_by": "检查员"}},
    ("POST", "/api/hidden-hazards/{hazard_id}/transitions"): {
        "json": {"to": "rectifying", "measures": "清理", "responsible_person": "张三", "deadline": "2030-01-01"}},
    ("POST", "/api/hidden-hazards/{hazard_id}/photos"): {"files": {"file": ("a.png", _png(), "image/png")}},
    ("PUT", "/api/hazard-sources/{hazard_source_id}/inventory"): {"json": {"items": []}},
    ("PUT", "/api/profiles/{name}"): {"json": {}},
    ("POST", "/api/users"): {"json": {"username": "should-not-exist", "password": "long enough pw", "role": "admin"}},
    ("POST", "/api/assess"): {"json": {"method": "LEC", "inputs": {"L": 3, "E": 6, "C": 7}}},
    ("POST", "/api/auth/logout"): {},
    ("POST", "/api/imports/{target}"): {"params": {"enterprise_id": "{enterprise_id}"}, "files": {"file": (
        "a.geojson", b'{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "M1", '
        b'"name": "matrix", "kind": "workshop"}, "geometry": {"type": "Point", "coordinates": [120, 31]}}]}',
        "application/geo+json")}},
    ("POST", "/api/hazard-sources/{hazard_source_id}/scenarios"): {
        "json": {"model": "vce_tnt", "params": {"fuel_mass_kg": 1000}}},
    ("PATCH", "/api/emergency/scenarios/{scenario_id}"): {"json": {"name": "矩阵改名"}},
    ("DELETE", "/api/emergency/scenarios/{scenario_id}"): {},
    ("POST", "/api/emergency/scenarios/{scenario_id}/compute"): {},
    # a notification card's public token re-issued (a card leaked); mobile numbers on the public page
    ("POST", "/api/posts/{area_id}/card-token"): {},
    ("PUT", "/api/enterprises/{enterprise_id}/card-settings"): {"json": {"publish_mobile": False}},
}
# REST edits of single objects (app/routes/entities.py): a valid change quoting some version; the
# object is looked up first, so a foreign one answers 404 whatever the version
_STALE = {"If-Match": '"matrix-0-0"'}
_POINT = {"type": "Point", "coordinates": [119.95, 31.78]}
for _name, _param, _props in (("enterprises", "enterprise_id", {"contact_phone": "0519-0000"}),
                              ("areas", "area_id", {"name": "矩阵改名"}), ("risks", "risk_id", {"responsible": "矩阵"}),
                              ("hazard-sources", "hazard_source_id", {"name": "矩阵改名"}),
                              ("resources", "resource_id", {"capacity": 1}), ("targets", "target_id", {"population": 1}),
                              ("regions", "region_id", {"officer_name": "矩阵"})):
    WRITES[("PATCH", f"/api/{_name}/{{{_param}}}")] = {"json": _props, "headers": _STALE}
    WRITES[("DELETE", f"/api/{_name}/{{{_param}}}")] = {"headers": _STALE}
WRITES.update({
    ("POST", "/api/enterprises"): {"json": {"type": "Feature", "geometry": _POINT, "properties": {"name": "矩阵企业"}}},
    ("POST", "/api/enterprises/{enterprise_id}/areas"): {"json": {"type": "Feature", "properties": {
        "code": "M2", "name": "matrix", "kind": "workshop"}, "geometry": _POINT}},
    ("POST", "/api/enterprises/{enterprise_id}/hazard-sources"): {"json": {"type": "Feature", "geometry": _POINT,
                                                                           "properties": {"code": "M", "name": "矩阵"}}},
    ("POST", "/api/areas/{area_id}/risks"): {"json": {"properties": {"name": "矩阵"}, "assessment": {}}},
    ("POST", "/api/regions/{region_id}/children"): {"json": {"type": "Feature", "properties": {"name": "矩阵"}}},
    ("POST", "/api/resources"): {"json": {"type": "Feature", "geometry": _POINT, "properties": {"name": "矩阵"}}},
    ("POST", "/api/targets"): {"json": {"type": "Feature", "geometry": _POINT, "properties": {"name": "矩阵"}}},
    ("POST", "/api/chemicals"): {"json": {"name": "矩阵物质", "category": "W5.3"}},
})
# the console's forms (HTML answers)
WRITES.update({
    ("POST", "/enterprises/{enterprise_id}/hidden-hazards"): {
        "data": {"description": "消防通道堵塞", "grade": "general", "found_by": "检查员"},
        "files": {"file": ("", b"", "application/octet-stream")}},
    ("POST", "/hidden-hazards/{hazard_id}/move"): {
        "data": {"to": "rectifying", "measures": "清理", "responsible_person": "张三", "deadline": "2030-01-01"}},
    ("POST", "/risks/{risk_id}/edit"): {"data": {"L": "3", "E": "6", "C": "7", "residual_level": "low", "version": "0"}},
    ("POST", "/logout"): {},
    ("POST", "/admin/regions/import"): {"data": {"adcode": "320200"}},
    ("POST", "/admin/regions/import-file"): {
        "data": {"parent": "{region_id}", "level": "town"},
        "files": {"file": ("towns.geojson", b'{"type": "FeatureCollection", "features": []}', "application/geo+json")}},
    ("POST", "/imports"): {
        "data": {"target": "areas", "enterprise_id": "{enterprise_id}"},
        "files": {"file": ("areas.geojson", b'{"type": "FeatureCollection", "features": []}', "application/geo+json")}},
    ("POST", "/admin/chemicals"): {"data": {"name": "矩阵物质", "category": "W5.3"}},
})
#: Writes that change nothing (previews, one's own session).
HARMLESS_WRITES = {("POST", "/api/assess"), ("POST", "/api/auth/logout"), ("POST", "/logout")}
#: Writes a regulator may make inside the jurisdiction (Qitaihe plan: inspections and hidden hazards).
REGULATOR_WRITES = {("POST", "/api/enterprises/{enterprise_id}/inspections"),
                    ("POST", "/enterprises/{enterprise_id}/hidden-hazards"), ("POST", "/hidden-hazards/{hazard_id}/move"),
                    ("POST", "/api/enterprises/{enterprise_id}/hidden-hazards"),
                    ("POST", "/api/hidden-hazards/{hazard_id}/transitions"),
                    ("POST", "/api/hidden-hazards/{hazard_id}/photos"),
                    # emergency planning is the regulators' work too (scenarios go with the hazard source)
                    ("POST", "/api/hazard-sources/{hazard_source_id}/scenarios"),
                    ("PATCH", "/api/emergency/scenarios/{scenario_id}"),
                    ("DELETE", "/api/emergency/scenarios/{scenario_id}"),
                    ("POST", "/api/emergency/scenarios/{scenario_id}/compute")}


def _routes(app) -> list[tuple[str, str]]:
    out = []

    def walk(routes):
        for r in routes:
            if hasattr(r, "path") and hasattr(r, "methods"):
                out.extend((m, r.path) for m in sorted(r.methods) if m != "HEAD")
            elif hasattr(r, "original_router"):
                walk(r.original_router.routes)

    walk(app.router.routes)
    return sorted(set(out))


@dataclass
class World:
    url: str
    own: dict[str, int | str]        # enterprise 1's objects (the enterprise user's, inside the regulator's district)
    foreign: dict[str, int | str]    # an enterprise outside that district
    own_enterprises: set[int]        # what the regulator may see
    photos: list[int]


@pytest.fixture(scope="module")
def world(demo_url) -> World:
    conn = psycopg2.connect(demo_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        def first(sql, params):
            cur.execute(sql, params)
            row = cur.fetchone()
            assert row is not None, sql
            return row[0]

        def objects(ent: int) -> dict:
            return {
                "enterprise_id": ent,
                "area_id": first("SELECT id FROM area WHERE enterprise_id = %s AND kind = 'workshop' ORDER BY id LIMIT 1", (ent,)),
                "risk_id": first("SELECT r.id FROM risk r JOIN area a ON a.id = r.area_id WHERE a.enterprise_id = %s "
                                 "ORDER BY r.id LIMIT 1", (ent,)),
                "hazard_id": first("SELECT id FROM hidden_hazard WHERE enterprise_id = %s AND status <> 'closed' "
                                   "ORDER BY id LIMIT 1", (ent,)),
                "region_id": first("SELECT r.id FROM region r JOIN enterprise e ON e.id = %s "
                                   "WHERE r.level = 'district' AND e.region_id IN (SELECT region_id FROM region_subtree(r.id))",
                                   (ent,)),
                "name": "default",
                "target": "areas",
                "fmt": "png",
                "layer": "enterprises",
                "path": "leaflet/leaflet.js",
                **dict(zip("zxy", _tile(*first("SELECT ARRAY[ST_X(location), ST_Y(location)] FROM enterprise "
                                               "WHERE id = %s", (ent,))), strict=True)),
            }

        own = objects(1)
        # shared data: the same object for both (everyone reads it; only admins change it)
        own["resource_id"] = first("SELECT min(id) FROM emergency_resource", ())
        own["target_id"] = first("SELECT min(id) FROM protection_target", ())
        own["token"] = first("SELECT token FROM card_token WHERE area_id = %s", (own["area_id"],))
        cur.execute("SELECT e.id FROM enterprise e WHERE e.region_id NOT IN (SELECT region_id FROM region_subtree(%s)) "
                    "AND EXISTS (SELECT 1 FROM hidden_hazard h WHERE h.enterprise_id = e.id AND h.status <> 'closed') "
                    "AND EXISTS (SELECT 1 FROM area a WHERE a.enterprise_id = e.id AND a.kind = 'workshop') "
                    "ORDER BY e.id LIMIT 1", (own["region_id"],))
        foreign = objects(cur.fetchone()[0])
        foreign["resource_id"], foreign["target_id"] = own["resource_id"], own["target_id"]
        foreign["token"] = first("SELECT token FROM card_token WHERE area_id = %s", (foreign["area_id"],))
        for objs in (own, foreign):
            cur.execute("SELECT hs.id FROM hazard_source hs WHERE hs.enterprise_id = %s ORDER BY id LIMIT 1",
                        (objs["enterprise_id"],))
            row = cur.fetchone()
            if row is None:       # give every enterprise of the matrix a hazard source
                cur.execute("""INSERT INTO hazard_source (enterprise_id, code, name, kind, location)
                               SELECT e.id, 'PM-1', '矩阵测试储罐区', 'storage', e.location FROM enterprise e
                               WHERE e.id = %s RETURNING id""", (objs["enterprise_id"],))
                row = cur.fetchone()
            objs["hazard_source_id"] = row[0]
            cur.execute("INSERT INTO scenario (hazard_source_id, name, model, params) "
                        "VALUES (%s, '矩阵测试情景', 'vce_tnt', '{\"fuel_mass_kg\": 1000}') RETURNING id", (row[0],))
            objs["scenario_id"] = cur.fetchone()[0]
            cur.execute("INSERT INTO hidden_hazard_photo (hidden_hazard_id, stage, content_type, data) "
                        "SELECT id, status, 'image/png', %s FROM hidden_hazard WHERE id = %s RETURNING id",
                        (_png(), objs["hazard_id"]))
            objs["photo_id"] = cur.fetchone()[0]
        cur.execute("SELECT e.id FROM enterprise e JOIN region_subtree(%s) s ON s.region_id = e.region_id",
                    (own["region_id"],))
        inside = {r[0] for r in cur.fetchall()}
    yield World(demo_url, own, foreign, inside, [own["photo_id"], foreign["photo_id"]])
    with conn.cursor() as cur:
        cur.execute("DELETE FROM hidden_hazard_photo WHERE id = ANY (%s)", ([own["photo_id"], foreign["photo_id"]],))
        cur.execute("DELETE FROM scenario WHERE name IN ('矩阵测试情景', '矩阵改名')")
        cur.execute("DELETE FROM hazard_source WHERE code = 'PM-1' AND name = '矩阵测试储罐区'")
    conn.close()


@pytest.fixture(scope="module")
def clients(world):
    with api_client(world.url, "admin") as admin, \
         api_client(world.url, "regulator", region_id=world.own["region_id"]) as regulator, \
         api_client(world.url, "enterprise", enterprise_id=1) as enterprise, \
         TestClient(create_app(world.url)) as anonymous:
        yield {"admin": admin, "regulator": regulator, "enterprise": enterprise, "anonymous": anonymous}


def _fill(path: str, objs: dict) -> str:
    objs = {**objs, **OVERRIDES.get(path, {})}

    def sub(m: re.Match) -> str:
        key = m.group(1)
        if key not in objs:
            raise KeyError(f"no object for path parameter {{{key}}} in {path}: add it to the matrix")
        return str(objs[key])

    return re.sub(r"\{(\w+)(?::\w+)?\}", sub, path)


def _tile(lon: float, lat: float, z: int = 14) -> tuple[int, int, int]:
    """The web-mercator tile holding a point."""
    n = 2 ** z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return z, x, y


def _request(request: dict, objs: dict) -> dict:
    """A WRITES request with ``{placeholders}`` in its query parameters and form fields filled for ``objs``."""
    out = dict(request)
    for part in ("params", "data"):
        if part in out:
            out[part] = {k: _fill(v, objs) if isinstance(v, str) else v for k, v in out[part].items()}
    return out


def _tile_ids(data: bytes) -> set[int]:
    """Enterprise ids in a vector tile's point layer."""
    import mapbox_vector_tile

    if not data:
        return set()
    layers = mapbox_vector_tile.decode(data)
    return {f["properties"]["id"] for name, layer in layers.items() if name == "enterprises"
            for f in layer["features"] if "id" in f["properties"]}


def _enterprise_ids(payload) -> set[int]:
    """Every enterprise id mentioned in a JSON answer (lists, GeoJSON properties)."""
    found: set[int] = set()

    def walk(v):
        if isinstance(v, dict):
            for k, x in v.items():
                if k == "enterprise_id" and isinstance(x, int):
                    found.add(x)
                walk(x)
        elif isinstance(v, list):
            for x in v:
                walk(x)

    walk(payload)
    return found


def test_every_route_is_in_the_matrix(world):
    app = create_app(world.url)
    reads = [r for r in _routes(app) if r[0] == "GET"]
    writes = [r for r in _routes(app) if r[0] != "GET"]
    missing = [r for r in writes if r not in WRITES and r not in PUBLIC]
    assert missing == [], f"write routes without a request in the permission matrix: {missing}"
    for _, path in reads:
        _fill(path, world.own)       # raises for a path parameter the matrix cannot fill


def test_anonymous_gets_401_or_the_login_page_everywhere_but_public_routes(world, clients):
    anon = clients["anonymous"]
    for method, path in _routes(create_app(world.url)):
        if (method, path) in PUBLIC:
            continue
        url = _fill(path, world.own)
        if (method, path) in PAGES:
            r = anon.request(method, url, headers={"Accept": "text/html"}, follow_redirects=False)
            assert r.status_code == 303 and r.headers["location"].startswith("/login"), (method, path)
            continue
        r = anon.request(method, url, **_request(WRITES.get((method, path), {}), world.own))
        assert r.status_code == 401, (method, path, r.status_code, r.text[:200])


@pytest.mark.parametrize("role", ["admin", "regulator", "enterprise"])
def test_reads_own_and_foreign(world, clients, role):
    """Own objects answer 2xx; foreign ones 404 (the admin sees both); lists hold only what the role
    may see; admin-only routes answer 403 to others."""
    c = clients[role]
    may_see = {"admin": None, "regulator": world.own_enterprises, "enterprise": {1}}[role]
    checked = 0
    for method, path in _routes(create_app(world.url)):
        if method != "GET" or (method, path) in PUBLIC:
            continue
        own, foreign = _fill(path, world.own), _fill(path, world.foreign)
        r = c.get(own)
        if ((method, path) in ADMIN_ONLY and role != "admin") or ((method, path) in WRITER_PAGES and role == "regulator"):
            assert r.status_code == 403, (role, path, r.status_code)
            continue
        assert 200 <= r.status_code < 300, (role, path, r.status_code, r.text[:300])
        if path.startswith("/tiles/") and may_see is not None:
            assert not _tile_ids(r.content) - may_see, (role, path)
        if path.startswith("/tiles/"):
            r = c.get(foreign)               # a foreign tile is drawn without what the role may not see
            assert r.status_code in (200, 204) and (role == "admin" or not _tile_ids(r.content) - may_see), (role, path)
            checked += 1
            continue
        if r.headers.get("content-type", "").startswith(("application/json", "application/geo+json")) \
                and may_see is not None:
            body = r.json()
            seen = _enterprise_ids(body)
            if path == "/api/enterprises":
                seen |= {item["id"] for item in body["items"]}
            if path == "/api/enterprises.geojson":
                seen |= {f["id"] for f in body["features"]}
            if path == "/api/export/{layer}.{fmt}":          # enterprises.geojson
                seen |= {f["properties"]["id"] for f in body["features"]}
                assert seen, "the enterprise list is empty for " + role
            leaked = seen - may_see
            assert not leaked, (role, path, sorted(leaked)[:5])
        if own != foreign:
            r = c.get(foreign)
            expected = (200,) if role == "admin" else (404,)
            assert r.status_code in expected, (role, path, "foreign", r.status_code, r.text[:300])
        checked += 1
    assert checked >= 20   # the routes were enumerated (24 when this was written)


def _audit_rows(url: str) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM audit_log")
            return cur.fetchone()[0]
    finally:
        conn.close()


@pytest.mark.parametrize("role", ["regulator", "enterprise"])
def test_writes_to_foreign_objects_are_refused_and_write_nothing(world, clients, role):
    c = clients[role]
    before = _audit_rows(world.url)
    for (method, path), request in WRITES.items():
        if (method, path) in HARMLESS_WRITES:
            continue
        r = c.request(method, _fill(path, world.foreign), **_request(request, world.foreign))
        # a role that may never make this write is refused by role (403) whatever the object, so the
        # answer reveals nothing about it; otherwise the foreign object is simply not found
        refused_by_role = (method, path) in ADMIN_ONLY or (role == "regulator" and (method, path) not in REGULATOR_WRITES)
        expected = (403,) if refused_by_role else (404,)
        assert r.status_code in expected, (role, method, path, r.status_code, r.text[:300])
        if r.headers.get("content-type", "").startswith("application/json"):
            assert r.json()["detail"]
        else:                                        # a console page: says so in Chinese
            assert "不存在" in r.text, (method, path, r.text[:300])
    assert _audit_rows(world.url) == before


def test_a_regulator_reads_but_does_not_change_enterprise_data_in_the_jurisdiction(world, clients):
    c = clients["regulator"]
    before = _audit_rows(world.url)
    for (method, path), request in WRITES.items():
        if (method, path) in HARMLESS_WRITES or (method, path) in REGULATOR_WRITES:
            continue
        r = c.request(method, _fill(path, world.own), **_request(request, world.own))
        assert r.status_code == 403, (method, path, r.status_code, r.text[:300])
        assert "监管" in r.json()["detail"] or "需要角色" in r.json()["detail"], r.json()
    assert _audit_rows(world.url) == before
    # what a regulator may do inside the jurisdiction: record an inspection (then it is removed)
    r = c.post(_fill("/api/enterprises/{enterprise_id}/inspections", world.own),
               json={"inspected_at": "2026-01-05", "inspector": "矩阵检查员"})
    assert r.status_code == 201, r.text
    conn = psycopg2.connect(world.url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("DELETE FROM inspection WHERE inspector = '矩阵检查员'")
    conn.close()


def test_a_foreign_id_never_reveals_whether_it_exists(world, clients):
    """Someone else's hazard and a hazard that does not exist get the same answer."""
    c = clients["enterprise"]
    a = c.get(f"/api/hidden-hazards/{world.foreign['hazard_id']}")
    b = c.get("/api/hidden-hazards/2000000000")
    assert (a.status_code, b.status_code) == (404, 404)
    assert json.loads(a.text)["detail"].split("(")[0].replace(str(world.foreign["hazard_id"]), "N") == \
        json.loads(b.text)["detail"].split("(")[0].replace("2000000000", "N")


def _notify_reads(url: str, scenario_id: int) -> int:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM audit_log WHERE table_name = 'scenario' AND row_id = %s "
                        "AND action = 'READ'", (str(scenario_id),))
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_the_notify_list_shows_each_role_only_what_it_may_and_every_read_is_audited(world, clients):
    """GET /api/emergency/scenarios/{id}/affected, role by role, on a plausible scenario reaching
    7.6 km: an enterprise outside the caller's jurisdiction comes with only what a warning needs,
    within 5 km and at most 200 of them; inside it, with everything (as the caller sees it anyway)."""
    warning = {"name", "level", "distance_m", "emergency_phone", "in_jurisdiction"}
    r = clients["admin"].post(_fill("/api/hazard-sources/{hazard_source_id}/scenarios", world.own), json={
        "model": "vce_tnt", "params": {"fuel_mass_kg": 1_000_000, "yellow_threshold": 2.0}, "name": "矩阵测试情景"})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    path = f"/api/emergency/scenarios/{sid}/affected"
    lists = {}
    for role in ("admin", "regulator", "enterprise"):
        before = _notify_reads(world.url, sid)
        r = clients[role].get(path)
        assert r.status_code == 200, (role, r.text[:300])
        lists[role] = r.json()["notify"]
        assert _notify_reads(world.url, sid) == before + 1, role
        for n in lists[role]:
            if n["in_jurisdiction"]:
                assert role != "enterprise" and {"id", "contact_phone", "safety_manager", "address"} <= set(n)
                assert role == "admin" or n["id"] in world.own_enterprises, (role, n)
            else:
                assert role != "admin" and set(n) == warning, (role, n)
                assert n["distance_m"] <= 5_000, (role, n)
        assert len([n for n in lists[role] if not n["in_jurisdiction"]]) <= 200
    assert max(n["distance_m"] for n in lists["admin"]) > 5_000          # the admin's list is not cut
    assert lists["enterprise"] and len(lists["enterprise"]) < len(lists["admin"])
    # a foreign scenario's list: not found, and nothing read
    foreign = world.foreign["scenario_id"]
    before = _notify_reads(world.url, foreign)
    for role in ("regulator", "enterprise"):
        assert clients[role].get(f"/api/emergency/scenarios/{foreign}/affected").status_code == 404
    assert _notify_reads(world.url, foreign) == before
    assert clients["admin"].delete(f"/api/emergency/scenarios/{sid}").status_code == 204
