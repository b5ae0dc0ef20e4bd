"""The console walk in a real headless chromium: log in → edit a risk → the plant map's
colour changes → report a hidden hazard with a photo → move it to closed. The demo is put back."""

from __future__ import annotations

import io

import psycopg2
import pytest
from PIL import Image

from bench.browser import DevTools, live_app
from layers.levels import PALETTE
from tests.auth import PASSWORD, ensure_user


@pytest.fixture
def target(demo_url):
    """A unit of enterprise 1 that is not red yet, its highest risk, and a way back afterwards."""
    conn = psycopg2.connect(demo_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("""SELECT a.id, r.id FROM area a JOIN area_state s ON s.area_id = a.id
                       JOIN risk r ON r.area_id = a.id
                       WHERE a.enterprise_id = 1 AND a.kind IN ('unit', 'post') AND s.current_level <> 'major'
                       ORDER BY a.id, r.residual_level DESC, r.id LIMIT 1""")
        area, risk = cur.fetchone()
        cur.execute("CREATE TEMP TABLE saved AS SELECT * FROM risk WHERE id = %s", (risk,))
        cur.execute("SELECT coalesce(max(id), 0) FROM hidden_hazard")
        last_hazard = cur.fetchone()[0]
    yield area, risk
    with conn.cursor() as cur:
        cur.execute("""UPDATE risk r SET method = s.method, inputs = s.inputs, score = s.score,
                          inherent_level = s.inherent_level, residual_inputs = s.residual_inputs,
                          residual_score = s.residual_score, residual_level = s.residual_level,
                          assessed_at = s.assessed_at, assessed_by = s.assessed_by, basis = s.basis
                       FROM saved s WHERE r.id = s.id""")
        cur.execute("DELETE FROM hidden_hazard WHERE id > %s AND enterprise_id = 1", (last_hazard,))
    conn.close()


def _fill_of(page: DevTools, area: int) -> tuple[str, str]:
    return tuple(page.evaluate(f"""(function () {{ const p = document.querySelector('#plant-map [data-area-id="{area}"]');
                                   return [p.getAttribute('fill'), p.dataset.level]; }})()"""))


def test_console_walk(demo_url, target, tmp_path):
    area, risk = target
    user = ensure_user(demo_url, "enterprise", enterprise_id=1)
    photo = tmp_path / "现场.png"
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(buf, "PNG")
    photo.write_bytes(buf.getvalue())
    with live_app(demo_url) as base, DevTools.launch() as page:
        # log in through the form; the console sends us back to the page we asked for
        page.goto(base + "/enterprises/1")
        assert page.evaluate("location.pathname") == "/login"
        page.submit("form", {"username": user, "password": PASSWORD})
        assert page.evaluate("location.pathname") == "/enterprises/1"
        before = _fill_of(page, area)
        assert before[1] != "major"

        # edit the risk: L=10, E=6, C=40 → D = 2400, 重大; residual kept 重大
        page.click_and_wait(f"#risk-{risk} a")
        assert page.evaluate("location.pathname") == f"/risks/{risk}/edit"
        page.submit("#assess", {"L": "10", "E": "6", "C": "40", "residual_level": "major"})
        assert page.evaluate("location.pathname") == "/enterprises/1"
        assert "已保存" in page.evaluate("document.querySelector('.msg.ok').innerText")
        assert _fill_of(page, area) == (PALETTE.colour("major"), "major")     # the map turned red
        page.evaluate(f"""document.querySelector('#plant-map [data-area-id="{area}"]')
                        .dispatchEvent(new MouseEvent('click', {{bubbles: true}}))""")
        assert page.evaluate(f"document.querySelector('#risk-{risk}').classList.contains('selected')")

        # report a hidden hazard with a photo
        page.set_file("#report input[type=file]", photo)
        page.submit("#report", {"description": "冷却水回路压力表失效", "grade": "general", "area_id": str(area),
                                "found_by": "安全员甲", "deadline": "2030-06-30"})
        ok = page.evaluate("document.querySelector('.msg.ok').innerText")
        assert "已上报隐患" in ok
        hazard = int(ok.split("隐患")[1].split()[0])
        row = f"#hazard-{hazard}"
        assert page.evaluate(f"document.querySelector('{row}').dataset.status") == "reported"
        assert page.evaluate(f"document.querySelector('{row} td:nth-child(7)').innerText") == "1"   # the photo

        # and close it: start → submit → verify (the reviewer is not the rectifier)
        page.submit(f"{row} form.move", {"measures": "更换压力表并校验", "responsible_person": "李工",
                                         "deadline": "2030-06-30"})
        assert page.evaluate(f"document.querySelector('{row}').dataset.status") == "rectifying"
        page.submit(f"{row} form.move", {"rectifier": "李工"})
        assert page.evaluate(f"document.querySelector('{row}').dataset.status") == "pending_review"
        page.submit(f"{row} form.move", {"verified_by": "李工", "verify_result": "合格"})
        assert "复查人" in page.evaluate("document.querySelector('.msg.err').innerText")   # refused: same person
        page.submit(f"{row} form.move", {"verified_by": "周主任", "verify_result": "复查合格"})
        assert page.evaluate(f"document.querySelector('{row}').dataset.status") == "closed"
        page.screenshot(tmp_path / "console.png")
        assert page.console_errors() == []

        # the audit trail names the logged-in account, the risk change and the hazard's steps
        page.goto(base + "/enterprises/1/audit")
        trail = page.evaluate("document.querySelector('#audit').innerText")
        assert user in trail and f"风险 {risk}" in trail and f"隐患 {hazard}" in trail
        assert "residual_level" in trail and "major" in trail
        assert page.console_errors() == []
