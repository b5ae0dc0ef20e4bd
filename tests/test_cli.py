"""The riskatlas command line, run as a user would."""

from __future__ import annotations

import os
import subprocess
import sys

import psycopg2

CLI = [sys.executable, "-m", "app.cli"]


def _env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url}


def test_render_plant_pdf_from_the_cli(demo_url, tmp_path):
    conn = psycopg2.connect(demo_url)
    with conn.cursor() as cur:
        cur.execute("SELECT enterprise_id FROM area WHERE kind IN ('unit','post') LIMIT 1")
        eid = cur.fetchone()[0]
    conn.close()
    out = tmp_path / "plant.pdf"
    p = subprocess.run([*CLI, "maps", "plant", str(eid), "-o", str(out), "--dpi", "100"],
                       env=_env(demo_url), capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert out.read_bytes().startswith(b"%PDF")
    png = subprocess.run(["pdftoppm", "-r", "30", "-png", "-singlefile", str(out), str(tmp_path / "page")],
                         capture_output=True)
    assert png.returncode == 0 and (tmp_path / "page.png").stat().st_size > 1000


def test_render_errors_are_clear(demo_url, tmp_path):
    p = subprocess.run([*CLI, "maps", "plant", "1", "-o", str(tmp_path / "x.gif")],
                       env=_env(demo_url), capture_output=True, text=True)
    assert p.returncode == 2 and "unsupported format" in p.stderr
    p = subprocess.run([*CLI, "maps", "plant", "99999999"], env=_env(demo_url), capture_output=True, text=True)
    assert p.returncode == 1 and "不存在" in p.stderr
    assert "Traceback" not in p.stderr


def test_demo_load_refuses_reset_on_external_database(demo_url):
    p = subprocess.run([*CLI, "demo", "load", "--reset"], env=_env(demo_url), capture_output=True, text=True)
    assert p.returncode == 1 and "外部数据库" in p.stderr
