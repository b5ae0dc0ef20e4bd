"""Drawing slots: one user cannot take every worker of the server with slow documents."""

from __future__ import annotations

import pytest

from app.renders import RenderBusy, RenderSlots
from tests.auth import api_client


def test_slots_per_user_and_in_all_and_given_back_after_a_failure():
    s = RenderSlots(total=3, per_user=2)
    with s.slot(1), s.slot(1):
        with pytest.raises(RenderBusy, match="已有 2 份图件正在生成"):
            with s.slot(1):
                pass
        with s.slot(2):
            with pytest.raises(RenderBusy, match="服务器正在生成其他图件"):
                with s.slot(3):
                    pass
    assert s.in_progress() == 0
    with pytest.raises(ValueError), s.slot(1):
        raise ValueError("a drawing that failed")
    assert s.in_progress() == 0


def test_a_users_second_drawing_waits_for_the_first_but_pages_do_not(demo_url, monkeypatch):
    monkeypatch.setenv("RISKATLAS_RENDERS_PER_USER", "1")
    from app.settings import web_settings

    web_settings.cache_clear()
    try:
        with api_client(demo_url, "enterprise", enterprise_id=1) as c:
            slots = c.app.state.render_slots
            me = c.get("/api/auth/me").json()["id"]
            with slots.slot(me):                 # a drawing of this user's is in progress
                r = c.get("/api/enterprises/1/maps/plant.png", params={"dpi": 72})
                assert r.status_code == 429 and r.headers["Retry-After"] == "10"
                assert "已有 1 份图件正在生成" in r.json()["detail"]
                page = c.get("/api/enterprises/1/report.pdf", headers={"Accept": "text/html"})
                assert page.status_code == 429 and "请待其完成后再试" in page.text
                assert c.get("/api/enterprises/1").status_code == 200          # reading needs no slot
            r = c.get("/api/enterprises/1/maps/plant.png", params={"dpi": 72})
            assert r.status_code == 200 and r.headers["content-type"] == "image/png"
            assert slots.in_progress() == 0
    finally:
        web_settings.cache_clear()
