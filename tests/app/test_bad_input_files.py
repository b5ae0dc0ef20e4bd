"""Bad input that arrives as a file, a form or a name: damaged and hostile archives, drawings too
large to build, forms posted urlencoded, and user text that other programs would interpret (a
spreadsheet formula, TeX math). Each case is a clear answer in Chinese naming the problem with
nothing written, or — for valid text — the text shown exactly as it was typed."""

from __future__ import annotations

import io
import json
import re
import struct
import subprocess
import time
import zipfile
from pathlib import Path

import ezdxf
import openpyxl
import psycopg2
import pytest

from tests import import_files as F
from tests.app.test_bad_input import _counts
from tests.auth import api_client
from tests.corpus import CJK

FORMULA = "=cmd|' /C calc'!A0"


def _sql(url: str, query: str, params=()):
    conn = psycopg2.connect(url)
    conn.autocommit = True
    try:
        with conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall() if cur.description else None
    finally:
        conn.close()


def _said(r) -> str:
    body = r.json()
    return str(body.get("detail", "")) + " " + json.dumps(body.get("errors", []), ensure_ascii=False)


# -- spreadsheets: text is never a formula ------------------------------------------------------------


def _formula_cells(data: bytes) -> list[str]:
    wb = openpyxl.load_workbook(io.BytesIO(data))   # not data_only: a formula stays a formula
    return [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets for row in ws.iter_rows() for c in row
            if c.data_type == "f"]


def test_names_beginning_with_equals_are_exported_as_text_and_read_back_the_same(conn):
    """An enterprise renamed to a formula, and a post named like one: every xlsx export holds them as
    text cells (no formula anywhere), Excel's quote prefix keeps them text when edited, and importing
    the exported workbook reads back exactly the stored names (nothing to change)."""
    from layers.risk_lists.importer import import_workbook
    from layers.risk_lists.tables import risk_list_tables, significant_tables
    from maps.excel import write_workbook

    with conn.cursor() as cur:
        cur.execute("UPDATE enterprise SET name = %s WHERE id = 1", (FORMULA,))
        cur.execute("""SELECT a.id, a.name FROM area a WHERE a.enterprise_id = 1 AND a.kind IN ('post', 'unit')
                       AND EXISTS (SELECT 1 FROM risk r WHERE r.area_id = a.id) ORDER BY a.id LIMIT 1""")
        post, _ = cur.fetchone()
        cur.execute("UPDATE area SET name = %s WHERE id = %s", ("=1+1", post))
    name, tables = risk_list_tables(conn, 1)
    assert name == FORMULA
    data = write_workbook(tables, title=name)
    assert _formula_cells(data) == []
    wb = openpyxl.load_workbook(io.BytesIO(data))
    for ws in wb.worksheets:
        title = ws["A1"]
        assert title.value == f"{FORMULA}  {ws.title}" and title.data_type == "s" and title.quotePrefix
    posts = [c for c in wb.worksheets[0]["A"] if isinstance(c.value, str) and "=1+1" in c.value]
    assert posts and all(c.data_type == "s" and c.quotePrefix for c in posts)

    _, sig = significant_tables(conn, 1)
    sig_data = write_workbook(sig, title=name)
    assert _formula_cells(sig_data) == []
    assert openpyxl.load_workbook(io.BytesIO(sig_data)).worksheets[0]["A1"].value.startswith(FORMULA)

    result = import_workbook(conn, 1, data, dry_run=True)   # the round trip changes nothing
    assert result.operating is not None and result.management is not None
    assert result.operating["inserted"] == result.operating["updated"] == result.operating["deleted"] == 0
    assert result.operating["post_attributes_updated"] == 0
    assert result.management["posts_inserted"] == 0


# -- a console form posted urlencoded -------------------------------------------------------------------


def test_console_hazard_form_posted_urlencoded_is_answered(demo_url):
    """The console's report form without a photo, posted as application/x-www-form-urlencoded (as a
    browser does for a form without a file input): a valid form reports the hazard, a form missing
    the 排查人 says so and writes nothing."""
    (last,), = _sql(demo_url, "SELECT coalesce(max(id), 0) FROM hidden_hazard")
    try:
        with api_client(demo_url, "enterprise", enterprise_id=1) as c:
            before = _counts(demo_url)
            r = c.post("/enterprises/1/hidden-hazards", data={"description": "楼梯扶手松动", "grade": "general"},
                       follow_redirects=False)
            assert r.status_code == 303, r.text
            assert "error=" in r.headers["location"] and re.search("排查人|found_by",
                                                                   _unquote(r.headers["location"]))
            assert _counts(demo_url) == before

            r = c.post("/enterprises/1/hidden-hazards", data={"description": "楼梯扶手松动", "grade": "general",
                                                              "found_by": "检查员"}, follow_redirects=False)
            assert r.status_code == 303, r.text
            assert "done=" in r.headers["location"]
            rows = _sql(demo_url, "SELECT description, found_by FROM hidden_hazard WHERE id > %s", (last,))
            assert rows == [("楼梯扶手松动", "检查员")]
    finally:
        _sql(demo_url, "DELETE FROM hidden_hazard WHERE id > %s AND enterprise_id = 1", (last,))


def _unquote(s: str) -> str:
    from urllib.parse import unquote_plus

    return unquote_plus(s)


# -- names with dollars are text, not TeX --------------------------------------------------------------

ENTERPRISE_NAME = "精研五金 $E=mc^2$"
POST_NAME = r"岗位 $\frac{1}{0}$"
WORKSHOP_NAME = "储罐 $x^{2$ 区"
#: What must appear as typed: the part between the dollars (pdftotext may put the Chinese of a line
#: in another order than the Latin runs drawn in the fallback font).
ENTERPRISE, POST, WORKSHOP = "$E=mc^2$", r"$\frac{1}{0}$", "$x^{2$"


@pytest.fixture(scope="module")
def dollar_names(demo_url):
    """Enterprise 2, one of its posts with risks and that post's workshop renamed with ``$``; put back."""
    (post, post_name, workshop, workshop_name), = _sql(demo_url, """
        SELECT p.id, p.name, w.id, w.name FROM area p JOIN area w ON w.id = p.parent_id
        WHERE p.enterprise_id = 2 AND p.kind IN ('post', 'unit') AND w.kind = 'workshop'
          AND EXISTS (SELECT 1 FROM risk r WHERE r.area_id = p.id) ORDER BY p.id LIMIT 1""")
    (name,), = _sql(demo_url, "SELECT name FROM enterprise WHERE id = 2")
    _sql(demo_url, "UPDATE enterprise SET name = %s WHERE id = 2", (ENTERPRISE_NAME,))
    _sql(demo_url, "UPDATE area SET name = %s WHERE id = %s", (POST_NAME, post))
    _sql(demo_url, "UPDATE area SET name = %s WHERE id = %s", (WORKSHOP_NAME, workshop))
    try:
        yield {"post": post, "workshop": workshop}
    finally:
        _sql(demo_url, "UPDATE enterprise SET name = %s WHERE id = 2", (name,))
        _sql(demo_url, "UPDATE area SET name = %s WHERE id = %s", (post_name, post))
        _sql(demo_url, "UPDATE area SET name = %s WHERE id = %s", (workshop_name, workshop))


def _pdftext(data: bytes, tmp_path: Path) -> str:
    pdf = tmp_path / "out.pdf"
    pdf.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("path,expected", [
    ("/api/enterprises/2/cards.pdf", (ENTERPRISE, POST, WORKSHOP)),
    ("/api/posts/{post}/card.pdf", (ENTERPRISE, POST, WORKSHOP)),
    ("/api/enterprises/2/report.pdf?compiled_by=$$", (ENTERPRISE, POST, WORKSHOP, "编制$$")),
    ("/api/enterprises/2/charts/posts.pdf", (POST,)),
    ("/api/enterprises/2/charts/posts.pdf?by=workshop", (WORKSHOP,)),
    ("/api/enterprises/2/maps/plant.pdf", (ENTERPRISE, WORKSHOP)),
    ("/api/areas/{workshop}/maps/workshop.pdf", (ENTERPRISE, WORKSHOP)),
])
def test_names_with_dollars_are_drawn_as_typed(demo_url, dollar_names, tmp_path, path, expected):
    with api_client(demo_url, "admin") as c:
        r = c.get(path.format(**dollar_names))
    assert r.status_code == 200, r.text[:300]
    text = "".join(_pdftext(r.content, tmp_path).split())
    for s in expected:
        assert s in text, (s, text[:800])


# -- archives and drawings --------------------------------------------------------------------------


def _shapefile_parts() -> dict[str, bytes]:
    frame = F.gdf([{"code": "Z-1", "name": "压缩包车间", "kind": "workshop",
                    "geometry": F.square(119.95, 31.78, 10)}], 4326)
    with zipfile.ZipFile(io.BytesIO(F.shapefile_zip(frame))) as z:
        return {n: z.read(n) for n in z.namelist()}


def _zip(members: dict[str, bytes], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def _lying_zip_bomb() -> bytes:
    """A Shapefile whose .shp unpacks to 50 MB of zeros while the zip's headers (local and central)
    claim 1 000 bytes: a check of the declared sizes lets it through."""
    members = _shapefile_parts()
    members["layer.shp"] = bytes(50 * 1024 * 1024)
    raw = bytearray(_zip(members))
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as z:
        info = z.getinfo("layer.shp")
    struct.pack_into("<I", raw, info.header_offset + 22, 1000)             # local header: uncompressed size
    i = raw.find(b"PK\x01\x02")
    while i != -1:                                                           # central directory entries
        n = struct.unpack_from("<H", raw, i + 28)[0]
        if raw[i + 46:i + 46 + n] == b"layer.shp":
            struct.pack_into("<I", raw, i + 24, 1000)
        i = raw.find(b"PK\x01\x02", i + 4)
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as z:
        assert z.getinfo("layer.shp").file_size == 1000
    return bytes(raw)


def _one_byte_damaged(method: int) -> bytes:
    """A zipped Shapefile with one byte of the .dbf's data changed, as in a damaged download."""
    raw = bytearray(_zip(_shapefile_parts(), method))
    with zipfile.ZipFile(io.BytesIO(bytes(raw))) as z:
        info = z.getinfo("layer.dbf")
    n, m = struct.unpack_from("<HH", raw, info.header_offset + 26)
    at = info.header_offset + 30 + n + m + info.compress_size // 2
    raw[at] ^= 0x5A
    return bytes(raw)


def _dxf_with_records(n: int) -> bytes:
    """A drawing of ``n`` short lines, written as text directly (ezdxf takes minutes to build that many)."""
    base = F.dxf([], []).decode()
    line = "  0\nLINE\n  8\n0\n 10\n{x}\n 20\n0.0\n 30\n0.0\n 11\n{x}\n 21\n1.0\n 31\n0.0\n"
    lines = "".join(line.format(x=i % 100) for i in range(n))
    head, sep, tail = base.partition("  0\nENDSEC\n  0\nSECTION\n  2\nOBJECTS")
    assert sep, "the drawing's ENTITIES section is followed by OBJECTS"
    return (head + lines + sep + tail).encode()


def _huge_arc_dxf() -> bytes:
    """A workshop boundary one of whose edges is a half circle of 10⁸ km radius: flattened within
    1 cm it would have tens of millions of vertices."""
    doc = ezdxf.new("R2010")
    doc.header["$INSUNITS"] = 6
    doc.modelspace().add_lwpolyline([(0, 0, 0, 0, 1), (2e11, 0, 0, 0, 0), (2e11, -10), (0, -10)], format="xyseb",
                                    close=True, dxfattribs={"layer": "车间"})
    out = io.StringIO()
    doc.write(out)
    return out.getvalue().encode()


def _nested_blocks_dxf(per_block: int, inserts: int) -> bytes:
    """A small drawing whose blocks explode to ``per_block`` × ``inserts`` entities."""
    doc = ezdxf.new("R2010")
    blk = doc.blocks.new("MANY")
    for i in range(per_block):
        blk.add_line((i, 0), (i, 1))
    msp = doc.modelspace()
    for i in range(inserts):
        msp.add_blockref("MANY", (0, i))
    out = io.StringIO()
    doc.write(out)
    return out.getvalue().encode()


CONTROL = json.dumps([[0, 0, 119.95, 31.78], [100, 0, 119.951052, 31.78]])


def _cases() -> list[tuple[str, dict, tuple[int, ...], str]]:
    """(name, request, expected statuses, what the answer must say) for POST /api/imports/areas of
    enterprise 1 unless the request says otherwise."""
    def areas(data: bytes, name: str, **params):
        return {"files": {"file": (name, data, "application/octet-stream")},
                "params": {"enterprise_id": 1, **params}}

    return [
        ("zip bomb whose headers lie about its size", areas(_lying_zip_bomb(), "a.zip"), (413, 422), r"zip 炸弹"),
        ("zip with one damaged byte (stored)", areas(_one_byte_damaged(zipfile.ZIP_STORED), "a.zip"), (422,),
         r"layer\.dbf 已损坏.*CRC"),
        ("zip with one damaged byte (deflated)", areas(_one_byte_damaged(zipfile.ZIP_DEFLATED), "a.zip"), (422,),
         r"layer\.dbf 已损坏"),
        ("DXF boundary with an arc of 10⁸ km", areas(_huge_arc_dxf(), "plant.dxf", control_points=CONTROL), (422,),
         r"顶点过多"),
        ("hidden hazard API posted urlencoded", {"path": "/api/enterprises/1/hidden-hazards", "data": {
            "description": "楼梯扶手松动", "grade": "general", "found_by": "检查员"}}, (422,), r"JSON|body"),
        ("photo posted urlencoded", {"path": "/api/hidden-hazards/{hazard}/photos", "data": {"caption": "x"}},
         (422,), r"不是 JPEG/PNG/WebP"),
    ]


def test_bad_files_corpus(demo_url):
    (hazard,), = _sql(demo_url, "SELECT min(id) FROM hidden_hazard WHERE enterprise_id = 1")
    cases = _cases()
    before = _counts(demo_url)
    failures = []
    with api_client(demo_url, "enterprise", enterprise_id=1) as c:
        for name, req, expected, says in cases:
            req = dict(req)
            path = req.pop("path", "/api/imports/areas").format(hazard=hazard)
            t = time.monotonic()
            r = c.post(path, **req)
            took = time.monotonic() - t
            try:
                said = _said(r)
            except ValueError:
                said = ""
            if r.status_code not in expected or not CJK.search(said) or not re.search(says, said) or took > 20:
                failures.append(f"{name}: {r.status_code} in {took:.1f} s {r.text[:300]}")
    assert failures == [], "\n".join(failures)
    assert _counts(demo_url) == before


def test_a_drawing_of_too_many_objects_is_refused_before_it_is_built(demo_url):
    """Just above the limit of 100 000 records, the drawing is refused (413) from a count of its text
    in well under the time building it takes (about 10 s per 100 000 entities); nothing is written."""
    data = _dxf_with_records(100_001)
    before = _counts(demo_url)
    with api_client(demo_url, "enterprise", enterprise_id=1) as c:
        t = time.monotonic()
        r = c.post("/api/imports/areas", params={"enterprise_id": 1, "control_points": CONTROL},
                   files={"file": ("plant.dxf", data, "application/octet-stream")})
        took = time.monotonic() - t
    assert r.status_code == 413, r.text[:300]
    assert re.search(r"对象过多.*100000", _said(r))
    assert took < 5, took
    assert _counts(demo_url) == before


def test_blocks_exploding_past_the_limit_are_refused(demo_url, monkeypatch):
    """A small file whose blocks explode to more entities than the limit (lowered here to keep the
    test fast) is refused with 413 naming the limit, not read."""
    from layers.imports import dxf

    monkeypatch.setattr(dxf, "MAX_ENTITIES", 2000, raising=False)
    before = _counts(demo_url)
    with api_client(demo_url, "enterprise", enterprise_id=1) as c:
        r = c.post("/api/imports/areas", params={"enterprise_id": 1, "control_points": CONTROL},
                   files={"file": ("plant.dxf", _nested_blocks_dxf(100, 30), "application/octet-stream")})
    assert r.status_code == 413, r.text[:300]
    assert re.search(r"图元.*过多.*2000", _said(r))
    assert _counts(demo_url) == before


@pytest.mark.parametrize("path,form,field", [
    ("/login", {"username": "adm\x00in", "password": "x"}, "username"),     # a form FastAPI parses itself
    ("/enterprises/1/hidden-hazards", {"description": "楼梯\x00扶手", "grade": "general", "found_by": "检查员"},
     "description"),                                                        # a form the route reads
])
def test_a_nul_in_an_urlencoded_form_is_422_naming_the_field(demo_url, path, form, field):
    before = _counts(demo_url)
    with api_client(demo_url, "enterprise", enterprise_id=1) as c:
        r = c.post(path, data=form, follow_redirects=False)
    assert r.status_code == 422, r.text[:300]
    assert "NUL" in r.json()["detail"] and field in [e["field"] for e in r.json()["errors"]]
    assert _counts(demo_url) == before


def test_a_nul_the_driver_refuses_is_a_422_and_any_other_value_error_a_logged_500():
    """Bodies too large for the early NUL check reach psycopg2, which refuses NUL with a ValueError."""
    import asyncio

    from starlette.requests import Request

    from app.errors import ANSWERS

    handler = ANSWERS[ValueError]
    request = Request({"type": "http", "method": "POST", "path": "/", "headers": [], "query_string": b""})
    r = asyncio.run(handler(request, ValueError("A string literal cannot contain NUL (0x00) characters.")))
    assert r.status_code == 422 and "NUL" in r.body.decode()
    r = asyncio.run(handler(request, ValueError("something else")))
    assert r.status_code == 500 and "服务器内部错误" in r.body.decode()
