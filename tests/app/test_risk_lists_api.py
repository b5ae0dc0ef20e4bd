"""Risk-list workbooks over HTTP and on the command line, against a committed scene.

TestClient writes are committed, so this module commits its own scene (tests.layers.test_risk_lists
.build_list_scene) once and deletes it at the end; every test that changes the lists puts them back.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from urllib.parse import unquote

import openpyxl
import psycopg2
import pytest

from layers.risk_lists import MANAGEMENT, OPERATING, SIGNIFICANT, significant_risks
from maps.excel import MEDIA_TYPE
from tests.auth import api_client
from tests.layers.test_risk_lists import ListScene, build_list_scene, col, edit, row_of, values

OP = OPERATING.sheet


@pytest.fixture(scope="module")
def committed(db_url):
    conn = psycopg2.connect(db_url)
    with conn:
        ls = build_list_scene(conn, "R")
    with conn.cursor() as cur:
        cur.execute("SELECT region_id FROM enterprise WHERE id = %s", (ls.enterprise,))
        grid = cur.fetchone()[0]
    try:
        yield ls
    finally:
        conn.rollback()
        with conn, conn.cursor() as cur:
            cur.execute("DELETE FROM enterprise WHERE id IN (%s, %s)", (ls.enterprise, ls.other_enterprise))
            cur.execute("""WITH RECURSIVE up (id, depth) AS (SELECT %s, 0 UNION ALL
                               SELECT r.parent_id, up.depth + 1 FROM region r JOIN up ON r.id = up.id
                               WHERE r.parent_id IS NOT NULL)
                           SELECT id FROM up ORDER BY depth""", (grid,))
            for (rid,) in cur.fetchall():
                cur.execute("DELETE FROM region WHERE id = %s", (rid,))
        conn.close()


@pytest.fixture(scope="module")
def client(db_url, committed):
    with api_client(db_url) as c:
        yield c


@pytest.fixture
def original(client, committed: ListScene):
    """The lists as exported at the start of a test; put back at its end."""
    data = client.get(f"/api/enterprises/{committed.enterprise}/risk-lists.xlsx").content
    yield data
    r = client.post(f"/api/enterprises/{committed.enterprise}/risk-lists", files={"file": ("x.xlsx", data, MEDIA_TYPE)})
    assert r.status_code == 200, r.text


def _filename(disposition: str) -> str:
    star = disposition.split("filename*=", 1)[1].split(";")[0]
    assert star.startswith("UTF-8''")
    return unquote(star[len("UTF-8''"):])


def test_export_both_lists(client, committed):
    r = client.get(f"/api/enterprises/{committed.enterprise}/risk-lists.xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"] == MEDIA_TYPE
    cd = r.headers["content-disposition"]
    assert cd.startswith("attachment;") and f'filename="risk-lists-{committed.enterprise}.xlsx"' in cd
    assert _filename(cd) == "测试机械有限公司-岗位风险管控与隐患排查清单.xlsx"
    v = values(r.content)
    assert list(v) == [OP, MANAGEMENT.sheet]
    assert v[OP][1] == list(OPERATING.headers) and v[MANAGEMENT.sheet][1] == list(MANAGEMENT.headers)


def test_export_significant_list_numbers_like_the_map(client, committed, db_url):
    r = client.get(f"/api/enterprises/{committed.enterprise}/significant-risks.xlsx")
    assert r.status_code == 200 and r.headers["content-type"] == MEDIA_TYPE
    assert _filename(r.headers["content-disposition"]) == "测试机械有限公司-较大及以上风险管控清单.xlsx"
    rows = values(r.content)[SIGNIFICANT.sheet][2:]
    conn = psycopg2.connect(db_url)
    try:
        expected = [(s.number, s.name) for s in significant_risks(conn, committed.enterprise)]
    finally:
        conn.close()
    assert [(row[0], row[1]) for row in rows] == expected and len(expected) == 3
    r = client.get(f"/api/enterprises/{committed.enterprise}/significant-risks.xlsx?basis=inherent")
    assert len(values(r.content)[SIGNIFICANT.sheet]) - 2 == 4


def test_upload_round_trip_changes_nothing(client, committed, original):
    r = client.post(f"/api/enterprises/{committed.enterprise}/risk-lists",
                    files={"file": ("清单.xlsx", original, MEDIA_TYPE)})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["operating"]["unchanged"] == 4 and body["operating"]["inserted"] == 0
    assert body["management"]["unchanged"] == 3
    again = client.get(f"/api/enterprises/{committed.enterprise}/risk-lists.xlsx").content
    assert values(again) == values(original)


def test_upload_edit_then_export_shows_it(client, committed, original):
    def change(wb):
        ws = wb[OP]
        ws.cell(row_of(ws, "行车"), col(OPERATING, "风险等级")).value = "一般风险"
    r = client.post(f"/api/enterprises/{committed.enterprise}/risk-lists?",
                    files={"file": ("x.xlsx", edit(original, change), MEDIA_TYPE)})
    assert r.status_code == 200 and r.json()["operating"]["updated"] == 1
    v = values(client.get(f"/api/enterprises/{committed.enterprise}/risk-lists.xlsx").content)[OP]
    assert next(row for row in v if row[0] == "行车")[col(OPERATING, "风险等级") - 1] == "一般风险"
    sig = values(client.get(f"/api/enterprises/{committed.enterprise}/significant-risks.xlsx").content)
    assert len(sig[SIGNIFICANT.sheet]) - 2 == 2  # 行车 is no longer 较大


def test_raw_xlsx_body_and_dry_run(client, committed, original):
    def change(wb):
        ws = wb[OP]
        ws.cell(row_of(ws, "行车"), col(OPERATING, "排查周期")).value = "每周"
    r = client.post(f"/api/enterprises/{committed.enterprise}/risk-lists?dry_run=true",
                    content=edit(original, change), headers={"content-type": MEDIA_TYPE})
    assert r.status_code == 200 and r.json()["dry_run"] and r.json()["operating"]["updated"] == 1
    assert values(client.get(f"/api/enterprises/{committed.enterprise}/risk-lists.xlsx").content) == values(original)


def test_bad_workbook_gets_422_with_every_error(client, committed, original):
    def change(wb):
        ws = wb[OP]
        ws.cell(row_of(ws, "行车"), col(OPERATING, "风险等级")).value = "很高"
        ws.cell(row_of(ws, "装配岗位"), col(OPERATING, "岗位名称")).value = "焊接岗位"  # another enterprise's post
    r = client.post(f"/api/enterprises/{committed.enterprise}/risk-lists",
                    files={"file": ("x.xlsx", edit(original, change), MEDIA_TYPE)})
    assert r.status_code == 422
    body = r.json()
    assert "未写入任何数据" in body["detail"]
    assert {(e["sheet"], e["row"], e["column"]) for e in body["errors"]} == {(OP, 5, "风险等级"), (OP, 6, "岗位名称")}
    assert values(client.get(f"/api/enterprises/{committed.enterprise}/risk-lists.xlsx").content) == values(original)


@pytest.mark.parametrize("files,content,status,phrase", [
    ({"file": ("a.txt", b"hello", "text/plain")}, None, 422, "不是 .xlsx"),
    ({"other": ("a.xlsx", b"x", MEDIA_TYPE)}, None, 422, None),  # a file part not named file is still taken
    (None, b"", 422, "文件为空"),
    ({"file": ("big.xlsx", b"PK" + b"\0" * (10 * 1024 * 1024 + 10), MEDIA_TYPE)}, None, 413, "10 MB"),
    (None, b"PK" + b"\0" * (11 * 1024 * 1024), 413, "10 MB"),
])
def test_upload_refusals(client, committed, files, content, status, phrase):
    url = f"/api/enterprises/{committed.enterprise}/risk-lists"
    r = client.post(url, files=files) if files else client.post(url, content=content,
                                                                 headers={"content-type": MEDIA_TYPE})
    assert r.status_code == status, r.text
    if phrase:
        assert phrase in r.json()["detail"] or any(phrase in e["message"] for e in r.json().get("errors", []))


def test_multipart_without_a_file(client, committed):
    r = client.post(f"/api/enterprises/{committed.enterprise}/risk-lists", data={"note": "no file"},
                    files={"x": (None, b"just a field")})
    assert r.status_code == 422 and "没有上传文件" in r.json()["detail"]


@pytest.mark.parametrize("method,path", [
    ("get", "/api/enterprises/2147483647/risk-lists.xlsx"),
    ("get", "/api/enterprises/2147483647/significant-risks.xlsx"),
    ("post", "/api/enterprises/2147483647/risk-lists"),
])
def test_unknown_enterprise_is_404(client, original, method, path):
    kw = {"files": {"file": ("x.xlsx", original, MEDIA_TYPE)}} if method == "post" else {}
    r = getattr(client, method)(path, **kw)
    assert r.status_code == 404 and "不存在" in r.json()["detail"]


def test_bad_path_and_query_are_422(client, committed):
    assert client.get("/api/enterprises/0/risk-lists.xlsx").status_code == 422
    assert client.get(f"/api/enterprises/{committed.enterprise}/significant-risks.xlsx?basis=current").status_code == 422


# -- the command line ----------------------------------------------------------------------------

CLI = [sys.executable, "-m", "app.cli"]


def _run(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, "lists", *args], env={**os.environ, "DATABASE_URL": db_url},
                          capture_output=True, text=True)


def test_cli_export_import_significant(db_url, committed, original, tmp_path):
    out = tmp_path / "清单.xlsx"
    p = _run(db_url, "export", str(committed.enterprise), "-o", str(out))
    assert p.returncode == 0, p.stderr
    assert values(out.read_bytes()) == values(original)

    p = _run(db_url, "import", str(committed.enterprise), str(out))
    assert p.returncode == 0, p.stderr
    assert "未变 4" in p.stdout

    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(edit(original, lambda wb: wb[OP].cell(row_of(wb[OP], "行车"),
                                                          col(OPERATING, "可能导致的事故类型")).__setattr__("value", "天灾")))
    p = _run(db_url, "import", str(committed.enterprise), str(bad))
    assert p.returncode == 1 and "Traceback" not in p.stderr
    assert f"工作表 {OP} 第 5 行 列 可能导致的事故类型 (E5)" in p.stderr and "天灾" in p.stderr

    sig = tmp_path / "sig.xlsx"
    p = _run(db_url, "significant", str(committed.enterprise), "-o", str(sig))
    assert p.returncode == 0, p.stderr
    wb = openpyxl.load_workbook(io.BytesIO(sig.read_bytes()))
    assert wb.sheetnames == [SIGNIFICANT.sheet] and wb.active["A3"].value == 1

    p = _run(db_url, "export", "2147483647", "-o", str(tmp_path / "x.xlsx"))
    assert p.returncode == 1 and "不存在" in p.stderr
    p = _run(db_url, "export", str(committed.enterprise), "-o", str(tmp_path / "x.csv"))
    assert p.returncode == 2 and ".xlsx" in p.stderr
