"""Cards, charts and report over HTTP: files with the right type and name, 404/422, the public page."""

from __future__ import annotations

import re
import subprocess
from urllib.parse import unquote

import psycopg2
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from bench.browser import dump_dom, live_app
from layers.levels import PALETTE
from tests.auth import api_client


@pytest.fixture(scope="module")
def client(demo_url):
    with api_client(demo_url) as c:
        yield c


def _post_id(demo_url) -> tuple[int, str]:
    conn = psycopg2.connect(demo_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id, name FROM area WHERE enterprise_id = 1 AND kind = 'post' ORDER BY id LIMIT 1")
            return cur.fetchone()
    finally:
        conn.close()


def _token(demo_url, area_id: int) -> str:
    """The current public token of an area's card (straight from the table, as a printed card has it)."""
    conn = psycopg2.connect(demo_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT token FROM card_token WHERE area_id = %s", (area_id,))
            return cur.fetchone()[0]
    finally:
        conn.close()


def _sql(demo_url, statement: str, params=()) -> list[tuple]:
    conn = psycopg2.connect(demo_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute(statement, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def _filename_star(disposition: str) -> str:
    m = re.search(r"filename\*=UTF-8''([^;]+)", disposition)
    assert m, disposition
    return unquote(m.group(1))


def test_card_pdf_download(client, demo_url, tmp_path):
    aid, name = _post_id(demo_url)
    r = client.get(f"/api/posts/{aid}/card.pdf", params={"paper": "A4"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    cd = r.headers["content-disposition"]
    assert cd.startswith("attachment;") and f'filename="card-{aid}.pdf"' in cd
    assert _filename_star(cd).endswith(f"{name}-岗位安全风险告知卡.pdf")
    pdf = tmp_path / "c.pdf"
    pdf.write_bytes(r.content)
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert name in "".join(text.split())


def test_enterprise_cards_pdf_has_one_page_per_card(client, demo_url, tmp_path):
    from layers.cards import card_areas

    r = client.get("/api/enterprises/2/cards.pdf")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert _filename_star(r.headers["content-disposition"]).endswith("岗位安全风险告知卡.pdf")
    pdf = tmp_path / "all.pdf"
    pdf.write_bytes(r.content)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)$", info, re.M).group(1))
    conn = psycopg2.connect(demo_url)
    try:
        assert pages == len(card_areas(conn, 2)) > 1
    finally:
        conn.close()


@pytest.mark.parametrize("url, status", [
    ("/api/posts/2000000000/card.pdf", 404),
    ("/api/posts/0/card.pdf", 422),
    ("/api/posts/abc/card.pdf", 422),
    ("/api/posts/1/card.pdf?paper=A3", 422),
    ("/api/posts/1/card.pdf?version=<x>", 422),
    ("/api/enterprises/2000000000/cards.pdf", 404),
    ("/api/enterprises/1/charts/posts.jpg", 422),
    ("/api/enterprises/2000000000/charts/posts.png", 404),
    ("/api/enterprises/1/charts/posts.png?by=team", 422),
    ("/api/regions/2000000000/charts/industries.svg", 404),
    ("/api/regions/1/charts/industries.svg?basis=future", 422),
    ("/api/enterprises/2000000000/report.pdf", 404),
    ("/api/enterprises/1/report.pdf?basis=x", 422),
])
def test_caller_mistakes_are_4xx(client, url, status):
    r = client.get(url)
    assert r.status_code == status, r.text
    assert r.json()["detail"]


def test_plant_area_has_no_card(client, demo_url):
    conn = psycopg2.connect(demo_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM area WHERE kind = 'plant' AND enterprise_id = 1")
            plant = cur.fetchone()[0]
    finally:
        conn.close()
    r = client.get(f"/api/posts/{plant}/card.pdf")
    assert r.status_code == 404 and "厂区" in r.json()["detail"]


@pytest.mark.parametrize("fmt, media", [("png", "image/png"), ("svg", "image/svg+xml"), ("pdf", "application/pdf")])
def test_posts_chart_formats(client, fmt, media):
    r = client.get(f"/api/enterprises/1/charts/posts.{fmt}", params={"dpi": 72})
    assert r.status_code == 200 and r.headers["content-type"].startswith(media)
    assert _filename_star(r.headers["content-disposition"]).endswith(f"企业作业安全风险比较图.{fmt}")


def test_industries_chart(client):
    r = client.get("/api/regions/1/charts/industries.png", params={"dpi": 72})
    assert r.status_code == 200 and r.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert _filename_star(r.headers["content-disposition"]).endswith("行业安全风险比较图.png")


def test_report_pdf(client, tmp_path):
    # enterprise 4: a demo enterprise with workshops only (the common small enterprise), quick to draw
    r = client.get("/api/enterprises/4/report.pdf", params={"compiled_by": "测试编制"})
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    assert 'filename="report-4.pdf"' in r.headers["content-disposition"]
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(r.content)
    text = "".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                                  check=True).stdout.split())
    assert "安全风险辨识管控报告" in text and "测试编制" in text and "岗位安全风险告知卡" in text


def test_public_card_page(client, demo_url):
    aid, name = _post_id(demo_url)
    r = client.get(f"/cards/{_token(demo_url, aid)}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert name in r.text and "岗位安全风险告知卡" in r.text
    level = re.search(r'id="level" data-level="(\w+)" style="background:(#[0-9A-Fa-f]{6})', r.text)
    assert level and level.group(2) == PALETTE.colour(level.group(1))
    assert f"/api/posts/{aid}/card.pdf" in r.text
    for bad in ("2000000000", "abc", "0", "１２"):
        r = client.get(f"/cards/{bad}")
        assert r.status_code == 404 and "未找到告知卡" in r.text, bad


def test_sequential_ids_reveal_nothing(demo_url):
    """The URLs of the earlier cards, /cards/<area id>, open no card: every id, existing or not, gets
    the very same 404 page, which names no enterprise and no post — without a login and with one."""
    rows = _sql(demo_url, """SELECT a.id, a.name, e.name FROM area a JOIN enterprise e ON e.id = a.enterprise_id
                             WHERE a.kind IN ('post', 'unit', 'workshop') ORDER BY a.id LIMIT 30""")
    with TestClient(create_app(demo_url)) as anon, api_client(demo_url, "enterprise", enterprise_id=1) as ent:
        missing = anon.get("/cards/2000000000")
        assert missing.status_code == 404
        for c in (anon, ent):
            for aid, post, enterprise in rows[::3]:
                r = c.get(f"/cards/{aid}")
                assert r.status_code == 404 and r.text == missing.text, aid
                assert post not in r.text and enterprise not in r.text


def test_pdf_qr_code_opens_the_card_by_its_token(client, demo_url, tmp_path):
    """The QR code of the downloaded card decodes to the token URL, and that URL opens the card."""
    import numpy as np
    import zxingcpp
    from PIL import Image

    aid, name = _post_id(demo_url)
    r = client.get(f"/api/posts/{aid}/card.pdf")
    assert r.status_code == 200
    (tmp_path / "c.pdf").write_bytes(r.content)
    subprocess.run(["pdftoppm", "-r", "150", "-singlefile", "-png", str(tmp_path / "c.pdf"), str(tmp_path / "c")],
                   check=True, capture_output=True)
    img = Image.fromarray(np.asarray(Image.open(tmp_path / "c.png").convert("RGB")))
    found = [b.text for b in zxingcpp.read_barcodes(img) if b.format == zxingcpp.BarcodeFormat.QRCode]
    token = _token(demo_url, aid)
    assert found == [f"http://localhost:8000/cards/{token}"] and str(aid) not in token
    page = client.get(found[0].removeprefix("http://localhost:8000"))
    assert page.status_code == 200 and name in page.text


def test_a_reissued_token_invalidates_the_old_one(demo_url):
    aid, name = _post_id(demo_url)
    old = _token(demo_url, aid)
    audit_before = _sql(demo_url, "SELECT count(*) FROM audit_log WHERE table_name = 'card_token'")[0][0]
    with api_client(demo_url, "enterprise", enterprise_id=1) as ent:
        assert ent.get(f"/cards/{old}").status_code == 200
        r = ent.post(f"/api/posts/{aid}/card-token")
        assert r.status_code == 200, r.text
        url = r.json()["url"]
        new = url.rsplit("/", 1)[1]
        assert url == f"http://localhost:8000/cards/{new}" and new != old and new == _token(demo_url, aid)
        gone = ent.get(f"/cards/{old}")
        assert gone.status_code == 404 and "已作废" in gone.text and name not in gone.text
        assert ent.get(f"/cards/{new}").status_code == 200
        # the new token is what the printed card carries from now on
        pdf = ent.get(f"/api/posts/{aid}/card.pdf")
        assert pdf.status_code == 200
    assert _sql(demo_url, "SELECT count(*) FROM audit_log WHERE table_name = 'card_token'")[0][0] == audit_before + 1
    # nobody re-issues another enterprise's token (regulators none: tests/app/test_permissions.py)
    foreign = _sql(demo_url, "SELECT min(id) FROM area WHERE enterprise_id <> 1 AND kind = 'post'")[0][0]
    foreign_token = _token(demo_url, foreign)
    with api_client(demo_url, "enterprise", enterprise_id=1) as ent:
        assert ent.post(f"/api/posts/{foreign}/card-token").status_code == 404
    assert _token(demo_url, foreign) == foreign_token


def test_mobile_numbers_are_masked_on_the_public_page_unless_published(demo_url, tmp_path):
    aid, _ = _post_id(demo_url)
    eid = 1
    saved = _sql(demo_url, "SELECT emergency_phone, contact_phone FROM enterprise WHERE id = %s", (eid,))[0]
    risks = _sql(demo_url, "SELECT id, responsible, responsible_phone FROM risk WHERE area_id = %s", (aid,))
    assert risks
    try:
        _sql(demo_url, "UPDATE enterprise SET emergency_phone = '0519-88881234', contact_phone = '13700001111' "
                       "WHERE id = %s", (eid,))
        _sql(demo_url, "UPDATE risk SET responsible = '王五', responsible_phone = '13912345678' WHERE area_id = %s",
             (aid,))
        token = _token(demo_url, aid)
        with TestClient(create_app(demo_url)) as anon, api_client(demo_url, "enterprise", enterprise_id=eid) as ent:
            page = anon.get(f"/cards/{token}").text
            assert "139****5678" in page and "137****1111" in page
            assert "13912345678" not in page and "13700001111" not in page
            assert 'href="tel:0519-88881234"' in page and 'href="tel:119"' in page and 'href="tel:120"' in page
            assert 'tel:139' not in page
            # the printed card keeps the numbers whole: it hangs inside the plant, to be dialled
            (tmp_path / "c.pdf").write_bytes(ent.get(f"/api/posts/{aid}/card.pdf").content)
            text = "".join(subprocess.run(["pdftotext", str(tmp_path / "c.pdf"), "-"], capture_output=True, text=True,
                                          check=True).stdout.split())
            assert "13912345678" in text and "13700001111" in text
            # the enterprise chooses to publish them
            r = ent.put(f"/api/enterprises/{eid}/card-settings", json={"publish_mobile": True})
            assert r.status_code == 200 and r.json() == {"enterprise_id": eid, "publish_mobile": True}
            page = anon.get(f"/cards/{token}").text
            assert 'href="tel:13912345678"' in page and "13700001111" in page and "****" not in page
            r = ent.put(f"/api/enterprises/{eid}/card-settings", json={"publish_mobile": False})
            assert r.json()["publish_mobile"] is False
            assert "139****5678" in anon.get(f"/cards/{token}").text
    finally:
        _sql(demo_url, "UPDATE enterprise SET emergency_phone = %s, contact_phone = %s, card_publish_mobile = false "
                       "WHERE id = %s", (*saved, eid))
        for rid, who, phone in risks:
            _sql(demo_url, "UPDATE risk SET responsible = %s, responsible_phone = %s WHERE id = %s", (who, phone, rid))


def test_anonymous_pages_answer_429_after_the_limit(demo_url, monkeypatch):
    from app.settings import web_settings

    aid, _ = _post_id(demo_url)
    token = _token(demo_url, aid)
    monkeypatch.setenv("RISKATLAS_ANONYMOUS_BURST", "3")
    monkeypatch.setenv("RISKATLAS_ANONYMOUS_PER_MINUTE", "6")
    web_settings.cache_clear()
    try:
        with TestClient(create_app(demo_url)) as anon:
            assert [anon.get(u).status_code for u in (f"/cards/{token}", "/cards/2000000000", "/login")] == [200, 404, 200]
            r = anon.get(f"/cards/{token}")
            assert r.status_code == 429 and 1 <= int(r.headers["Retry-After"]) <= 10
            assert "请求过于频繁" in r.json()["detail"] and "秒后再试" in r.json()["detail"]
            r = anon.get("/login", headers={"Accept": "text/html"})      # a browser gets a page
            assert r.status_code == 429 and r.headers["content-type"].startswith("text/html")
            assert "请求过于频繁" in r.text and int(r.headers["Retry-After"]) >= 1
        with api_client(demo_url, "enterprise", enterprise_id=1) as ent:    # logged-in API use is not limited
            assert {ent.get("/api/enterprises/1").status_code for _ in range(10)} == {200}
    finally:
        monkeypatch.delenv("RISKATLAS_ANONYMOUS_BURST")
        monkeypatch.delenv("RISKATLAS_ANONYMOUS_PER_MINUTE")
        web_settings.cache_clear()


def test_token_bucket_refills_and_stays_bounded():
    from app.ratelimit import TokenBucket

    now = [0.0]
    bucket = TokenBucket(2, 60, max_clients=3, clock=lambda: now[0])     # 2 at once, then 1 a second
    assert [bucket.take("a"), bucket.take("a")] == [0.0, 0.0]
    assert bucket.take("a") == pytest.approx(1.0)
    assert bucket.take("b") == 0.0                                       # another address has its own
    now[0] = 0.5
    assert bucket.take("a") == pytest.approx(0.5)                        # a refused request spends nothing
    now[0] = 1.0
    assert bucket.take("a") == 0.0 and bucket.take("a") > 0
    now[0] = 100.0
    assert [bucket.take("a"), bucket.take("a"), bucket.take("a") > 0] == [0.0, 0.0, True]   # never above burst
    for key in "cdefg":
        bucket.take(key)
    assert len(bucket._buckets) == 3
    with pytest.raises(ValueError):
        TokenBucket(0, 60)


def test_card_page_in_chromium_escapes_names(demo_url):
    """A post named with a <script> shows as text, and the script does not run."""
    evil = '<script>document.title="pwned"</script>冲压"岗位'
    conn = psycopg2.connect(demo_url)
    try:
        with conn, conn.cursor() as cur:
            cur.execute("""INSERT INTO area (enterprise_id, parent_id, kind, code, name, headcount, geom)
                           SELECT enterprise_id, id, 'post', 'XSS-TEST', %s, 2, geom FROM area
                           WHERE enterprise_id = 1 AND kind = 'workshop' ORDER BY id LIMIT 1 RETURNING id""", (evil,))
            aid = cur.fetchone()[0]
        with live_app(demo_url) as base:
            dom = dump_dom(f"{base}/cards/{_token(demo_url, aid)}")
            missing = dump_dom(f"{base}/cards/2000000000")
    finally:
        with conn, conn.cursor() as cur:
            cur.execute("DELETE FROM area WHERE code = 'XSS-TEST' AND enterprise_id = 1")
        conn.close()
    title = re.search(r"<title>(.*?)</title>", dom, re.S).group(1)
    assert title != "pwned" and title.startswith("&lt;script&gt;")  # the script did not run: it is text
    assert "&lt;script&gt;document.title" in dom and "<script>document.title" not in dom
    assert 'id="post-name"' in dom and "冲压" in dom
    assert "未找到告知卡" in missing


def test_cli_batch_cards_and_report_show_progress(demo_url, tmp_path):
    import os
    import sys

    env = {**os.environ, "DATABASE_URL": demo_url, "RISKATLAS_PUBLIC_BASE_URL": "https://qr.example.cn/"}
    cards = subprocess.run([sys.executable, "-m", "app.cli", "cards", "batch", "4", "--out", str(tmp_path / "c.pdf")],
                           capture_output=True, text=True, env=env, timeout=120)
    assert cards.returncode == 0, cards.stderr
    progress = re.findall(r"^\[(\d+)/(\d+)\] ", cards.stderr, re.M)
    assert progress and progress[-1][0] == progress[-1][1] == str(len(progress))
    report = subprocess.run([sys.executable, "-m", "app.cli", "report", "4", "--out", str(tmp_path / "r.pdf"),
                             "--compiled-by", "张工"], capture_output=True, text=True, env=env, timeout=120)
    assert report.returncode == 0, report.stderr
    steps = re.findall(r"^\[(\d+)/(\d+)\] ", report.stderr, re.M)
    assert steps[-1][0] == steps[-1][1] and (tmp_path / "r.pdf").stat().st_size > 50_000
    bad = subprocess.run([sys.executable, "-m", "app.cli", "report", "2000000000", "--out", str(tmp_path / "x.pdf")],
                         capture_output=True, text=True, env=env, timeout=120)
    assert bad.returncode == 1 and "不存在" in bad.stderr


def test_public_base_url_setting(monkeypatch):
    from app.settings import WebSettings

    monkeypatch.setenv("RISKATLAS_PUBLIC_BASE_URL", "https://riskatlas.example.cn/app/")
    assert WebSettings().public_base_url == "https://riskatlas.example.cn/app"
    monkeypatch.setenv("RISKATLAS_PUBLIC_BASE_URL", "riskatlas.example.cn")
    with pytest.raises(ValueError, match="http"):
        WebSettings()
    monkeypatch.delenv("RISKATLAS_PUBLIC_BASE_URL")
    assert WebSettings().public_base_url == "http://localhost:8000"
