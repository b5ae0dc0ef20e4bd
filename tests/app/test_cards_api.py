"""Cards, charts and report over HTTP: files with the right type and name, 404/422, the public page."""

from __future__ import annotations

import re
import subprocess
from urllib.parse import unquote

import psycopg2
import pytest

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
    r = client.get(f"/cards/{aid}")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert name in r.text and "岗位安全风险告知卡" in r.text
    level = re.search(r'id="level" data-level="(\w+)" style="background:(#[0-9A-Fa-f]{6})', r.text)
    assert level and level.group(2) == PALETTE.colour(level.group(1))
    assert f"/api/posts/{aid}/card.pdf" in r.text
    for bad in ("2000000000", "abc", "0", "１２"):
        r = client.get(f"/cards/{bad}")
        assert r.status_code == 404 and "未找到告知卡" in r.text, bad


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
            dom = dump_dom(f"{base}/cards/{aid}")
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
