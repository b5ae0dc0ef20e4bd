"""The 隐患排查治理 closed loop over HTTP and on the command line, against a committed scene.

TestClient writes are committed, so this module commits its own scene (tests.scene.build plus a
neighbouring enterprise) once and deletes it, with every hazard reported here, at the end.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from dataclasses import dataclass

import psycopg2
import pytest
from PIL import Image

from layers.hidden_hazards import MAX_PHOTO_BYTES
from tests.auth import api_client
from tests.scene import Scene, add_risk, build

CLI = [sys.executable, "-m", "app.cli"]
FIVE = {"measures": "恢复紧急切断阀并接入SIS", "responsible_dept": "设备部", "responsible_person": "李强",
        "funds_yuan": 120000, "deadline": str(dt.date.today() + dt.timedelta(days=30)),
        "emergency_plan": "液化石油气储罐泄漏专项应急预案"}


@dataclass
class Committed:
    scene: Scene
    other_enterprise: int
    other_plant: int


@pytest.fixture(scope="module")
def committed(db_url):
    from tests.layers.test_hidden_hazards import _second_enterprise

    conn = psycopg2.connect(db_url)
    with conn:
        s = build(conn, "H")
        add_risk(conn, s.units[0], "general", "low")
        other, other_plant = _second_enterprise(conn, s)
    try:
        yield Committed(s, other, other_plant)
    finally:
        conn.rollback()
        with conn, conn.cursor() as cur:
            cur.execute("DELETE FROM enterprise WHERE id IN (%s, %s)", (s.enterprise, other))
            for rid in (s.grid, s.town, s.district, s.city):
                cur.execute("DELETE FROM region WHERE id = %s", (rid,))
        conn.close()


@pytest.fixture(scope="module")
def client(db_url, committed):
    with api_client(db_url) as c:
        yield c


def _level(db_url, area_id) -> str | None:
    conn = psycopg2.connect(db_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT current_level::text FROM area_level WHERE area_id = %s", (area_id,))
            return cur.fetchone()[0]
    finally:
        conn.close()


def _report(client, c: Committed, **kw) -> dict:
    body = {"description": "液化石油气储罐紧急切断阀未投用", "grade": "major", "found_by": "检查员甲",
            "area_id": c.scene.units[0], **kw}
    r = client.post(f"/api/enterprises/{c.scene.enterprise}/hidden-hazards", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _move(client, hid: int, to: str, **kw):
    return client.post(f"/api/hidden-hazards/{hid}/transitions", json={"to": to, **kw})


def test_closing_a_major_hazard_through_the_api_lowers_the_area_level(client, committed, db_url):
    """The levels engine (0002): an open 重大隐患 makes its area red until it is closed."""
    c, unit = committed, committed.scene.units[0]
    assert _level(db_url, unit) == "low"
    h = _report(client, c)
    assert h["supervised"] and h["stop_work"] and h["status"] == "reported"
    assert _level(db_url, unit) == "major" and _level(db_url, c.scene.plant) == "major"

    r = _move(client, h["id"], "rectifying", measures="恢复紧急切断阀")
    assert r.status_code == 422 and "五落实" in r.json()["detail"]
    assert {e["field"] for e in r.json()["errors"]} == set(FIVE) - {"measures"}
    assert _move(client, h["id"], "rectifying", **FIVE).status_code == 200
    assert _move(client, h["id"], "pending_review", rectifier="王五").status_code == 200
    r = _move(client, h["id"], "closed", verified_by="王五", verify_result="合格")
    assert r.status_code == 422 and "整改人" in r.json()["detail"]
    r = _move(client, h["id"], "rectifying", verified_by="赵六", verify_result="报警未接入控制室")
    assert r.status_code == 200 and r.json()["verify_result"] == "报警未接入控制室"
    assert _level(db_url, unit) == "major"
    assert _move(client, h["id"], "pending_review", rectifier="王五", **{"from": "rectifying"}).status_code == 200
    assert _level(db_url, unit) == "major"  # still open while 待验收
    r = _move(client, h["id"], "closed", verified_by="赵六", verify_result="复查合格")
    assert r.status_code == 200, r.text
    closed = r.json()
    assert closed["status"] == "closed" and closed["status_zh"] == "已闭环" and not closed["stop_work"]
    assert _level(db_url, unit) == "low" and _level(db_url, c.scene.plant) == "low"
    explain = client.get(f"/api/areas/{unit}/explain").json()
    assert explain["level"] == "low"

    got = client.get(f"/api/hidden-hazards/{h['id']}").json()
    # every step records the logged-in account that made it, not a name typed into the request
    me = client.get("/api/auth/me").json()
    actor = f"{me['display_name'] or me['username']} ({me['username']})"
    assert [(e["action"], e["from_status"], e["to_status"], e["actor"]) for e in got["history"]] == [
        ("report", None, "reported", actor), ("start", "reported", "rectifying", actor),
        ("submit", "rectifying", "pending_review", actor), ("reject", "pending_review", "rectifying", actor),
        ("submit", "rectifying", "pending_review", actor), ("verify", "pending_review", "closed", actor)]
    assert got["history"][3]["note"] == "报警未接入控制室"


@pytest.mark.parametrize("src,dst", [("reported", "closed"), ("reported", "pending_review"), ("reported", "reported"),
                                     ("rectifying", "closed"), ("closed", "rectifying"), ("closed", "reported")])
def test_refused_transitions_are_409_and_change_nothing(client, committed, src, dst):
    h = _report(client, committed, grade="general", measures="清理", responsible_person="张三",
                deadline=str(dt.date.today()))
    path = [("rectifying", {}), ("pending_review", {"rectifier": "张三"}),
            ("closed", {"verified_by": "李四", "verify_result": "合格"})]
    status = "reported"
    for to, fields in path:
        if status == src:
            break
        assert _move(client, h["id"], to, **fields).status_code == 200
        status = to
    before = client.get(f"/api/hidden-hazards/{h['id']}").json()
    r = _move(client, h["id"], dst, verified_by="李四", verify_result="合格", rectifier="张三")
    assert r.status_code == 409, r.text
    assert "not allowed" in r.json()["detail"]
    assert client.get(f"/api/hidden-hazards/{h['id']}").json() == before


def test_request_errors(client, committed):
    h = _report(client, committed, grade="general")
    assert _move(client, h["id"], "done").status_code == 422
    assert _move(client, h["id"], "rectifying", colour="red").status_code == 422  # unknown field
    assert _move(client, h["id"], "rectifying").status_code == 422  # no measures, person or deadline
    assert _move(client, 99999999, "rectifying").status_code == 404
    r = _move(client, h["id"], "pending_review", **{"from": "rectifying"})
    assert r.status_code == 409 and "changed meanwhile" in r.json()["detail"]
    r = _move(client, h["id"], "rectifying", funds_yuan=-5)
    assert r.status_code == 422
    assert client.get("/api/hidden-hazards/99999999").status_code == 404


def test_area_of_another_enterprise_is_422_naming_it(client, committed):
    c = committed
    r = client.post(f"/api/enterprises/{c.scene.enterprise}/hidden-hazards",
                    json={"description": "跨企业", "grade": "general", "found_by": "甲", "area_id": c.other_plant})
    assert r.status_code == 422
    assert f"区域 {c.other_plant}" in r.json()["detail"] and r.json()["errors"][0]["field"] == "area_id"
    assert "邻厂" not in r.text
    r = client.post("/api/enterprises/99999999/hidden-hazards",
                    json={"description": "x", "grade": "general", "found_by": "甲"})
    assert r.status_code == 404
    r = client.post(f"/api/enterprises/{c.scene.enterprise}/hidden-hazards",
                    json={"description": "x", "grade": "severe", "found_by": "甲"})
    assert r.status_code == 422


def test_list_filters_and_overdue(client, committed):
    c = committed
    eid = c.scene.enterprise
    past = (dt.datetime.now(dt.UTC) - dt.timedelta(days=20)).isoformat()
    late = _report(client, c, grade="general", found_at=past, deadline=str(dt.date.today() - dt.timedelta(days=4)))
    assert late["overdue"] and late["days_overdue"] == 4
    r = client.get("/api/hidden-hazards", params={"enterprise_id": eid, "overdue": "true"})
    assert r.status_code == 200 and late["id"] in [x["id"] for x in r.json()["items"]]
    assert all(x["overdue"] for x in r.json()["items"])
    for region in (c.scene.grid, c.scene.city):
        got = client.get("/api/hidden-hazards", params={"region_id": region, "overdue": True}).json()
        assert late["id"] in [x["id"] for x in got["items"]] and {x["enterprise_id"] for x in got["items"]} == {eid}
    got = client.get("/api/hidden-hazards", params={"enterprise_id": eid, "status": "reported", "limit": 1}).json()
    assert got["total"] >= 1 and len(got["items"]) == 1 and got["items"][0]["status"] == "reported"
    assert client.get("/api/hidden-hazards", params={"status": "open"}).status_code == 422
    layer = client.get("/api/hidden-hazards.geojson", params={"enterprise_id": eid, "overdue": "true"})
    assert layer.status_code == 200 and layer.headers["content-type"].startswith("application/geo+json")
    feature = next(f for f in layer.json()["features"] if f["id"] == late["id"])
    assert feature["geometry"] == {"type": "Point", "coordinates": [late["lon"], late["lat"]]}
    assert feature["properties"]["overdue"] and "lon" not in feature["properties"]
    assert layer.json()["total"] == r.json()["total"]
    assert client.get("/api/hidden-hazards", params={"region_id": 99999999}).status_code == 404
    assert client.get("/api/hidden-hazards", params={"enterprise_id": 99999999}).status_code == 404
    ledger = client.get(f"/api/enterprises/{eid}/hidden-hazard-ledger").json()
    assert ledger["columns"][:3] == ["编号", "排查时间", "排查人"] and ledger["rows"]


def test_transition_table_endpoint(client):
    rows = client.get("/api/hidden-hazards/transitions").json()
    assert {(r["from_status"], r["to_status"]) for r in rows} == {
        ("reported", "rectifying"), ("rectifying", "pending_review"), ("pending_review", "closed"),
        ("pending_review", "rectifying")}
    start = next(r for r in rows if r["action"] == "start")
    assert set(start["requires_major"]) == set(FIVE) and start["labels"]["funds_yuan"].startswith("整改资金")


def _image(fmt: str) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 12), (255, 128, 0)).save(buf, format=fmt)
    return buf.getvalue()


def test_photos(client, committed):
    h = _report(client, committed, grade="general")
    url = f"/api/hidden-hazards/{h['id']}/photos"
    png = _image("PNG")
    r = client.post(url, params={"caption": "现场"}, files={"file": ("现场.png", png, "image/png")})
    assert r.status_code == 201, r.text
    p1 = r.json()
    assert p1["content_type"] == "image/png" and p1["stage"] == "reported" and p1["byte_size"] == len(png)
    jpeg = _image("JPEG")  # raw body; the declared type is not trusted, the magic bytes are
    r = client.post(url, content=jpeg, headers={"content-type": "image/png"})
    assert r.status_code == 201 and r.json()["content_type"] == "image/jpeg"
    webp = _image("WEBP")
    assert client.post(url, files={"file": ("a.webp", webp)}).json()["content_type"] == "image/webp"

    listed = client.get(url).json()
    assert [x["id"] for x in listed][0] == p1["id"] and len(listed) == 3
    got = client.get(p1["url"])
    assert got.status_code == 200 and got.content == png and got.headers["content-type"] == "image/png"
    assert client.get(f"/api/hidden-hazards/{h['id']}").json()["photo_count"] == 3

    r = client.post(url, files={"file": ("a.gif", _image("GIF"), "image/gif")})
    assert r.status_code == 422 and "JPEG/PNG/WebP" in r.json()["detail"]
    r = client.post(url, files={"file": ("x.png", b"not an image", "image/png")})
    assert r.status_code == 422
    big = png + b"\0" * MAX_PHOTO_BYTES
    r = client.post(url, files={"file": ("big.png", big, "image/png")})
    assert r.status_code == 413 and "5 MB" in r.json()["detail"]
    r = client.post(url, content=big, headers={"content-type": "image/png"})
    assert r.status_code == 413
    assert client.post(url, files={"other": ("a", b"")}).status_code == 422
    # who uploads is the session's user: a wrong token is refused before anything is read
    assert client.post(url, files={"file": ("a.png", png)}, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post("/api/hidden-hazards/99999999/photos",
                       files={"file": ("a.png", png)}).status_code == 404
    other = _report(client, committed, grade="general")
    assert client.get(f"/api/hidden-hazards/{other['id']}/photos/{p1['id']}").status_code == 404
    assert client.get(f"{url}/99999999").status_code == 404


def test_openapi_documents_the_loop(client):
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/api/enterprises/{enterprise_id}/hidden-hazards", "/api/hidden-hazards", "/api/hidden-hazards/{hazard_id}",
              "/api/hidden-hazards/{hazard_id}/transitions", "/api/hidden-hazards/{hazard_id}/photos",
              "/api/hidden-hazards/{hazard_id}/photos/{photo_id}", "/api/hidden-hazards/transitions"):
        assert p in paths, p
    t = paths["/api/hidden-hazards/{hazard_id}/transitions"]["post"]
    assert "409" in t["responses"] and "五落实" in t["description"]


def _cli(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "hazards", *args], env={**os.environ, "DATABASE_URL": db_url},
                          capture_output=True, text=True, timeout=120)


def test_cli_report_move_show_list(db_url, committed):
    c = committed
    p = _cli(db_url, "report", str(c.scene.enterprise), "-d", "洗眼器水压不足", "--found-by", "检查员乙",
             "--area", str(c.scene.units[2]), "--deadline", str(dt.date.today() + dt.timedelta(days=7)))
    assert p.returncode == 0, p.stderr
    hid = int(p.stdout.split(":", 1)[1].split()[0])
    p = _cli(db_url, "move", str(hid), "closed", "--actor", "甲")
    assert p.returncode == 1 and "不能变为" in p.stderr
    p = _cli(db_url, "move", str(hid), "rectifying", "--actor", "设备员", "--measures", "更换减压阀")
    assert p.returncode == 1 and "responsible_person" in p.stderr
    for args in (["rectifying", "--actor", "设备员", "--measures", "更换减压阀", "--person", "孙七"],
                 ["pending_review", "--actor", "孙七", "--rectifier", "孙七"],
                 ["closed", "--actor", "周八", "--reviewer", "周八", "--result", "复查合格"]):
        p = _cli(db_url, "move", str(hid), *args)
        assert p.returncode == 0, p.stderr
    p = _cli(db_url, "show", str(hid))
    assert p.returncode == 0 and "已闭环" in p.stdout and "周八 验收闭环" in p.stdout
    p = _cli(db_url, "list", "-e", str(c.scene.enterprise), "--status", "closed")
    assert p.returncode == 0 and str(hid) in p.stdout
    p = _cli(db_url, "show", "99999999")
    assert p.returncode == 1 and "不存在" in p.stderr
