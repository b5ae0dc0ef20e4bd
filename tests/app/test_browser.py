"""The index page in a real headless chromium, served by the real app, behind the real login."""

from __future__ import annotations

import re

from app.auth import COOKIE
from bench.browser import DevTools, live_app
from tests.auth import PASSWORD, ensure_user, http_token


def test_index_page_lists_enterprises_with_level_colours(demo_url, tmp_path):
    user = ensure_user(demo_url, "admin")
    with live_app(demo_url) as base, DevTools.launch() as page:
        page.goto(base + "/")
        # without a session the console sends the visitor to the login page
        assert page.evaluate("location.pathname") == "/login"
        page.login(base, http_token(base, user), cookie=COOKIE)
        page.goto(base + "/")
        dom = page.evaluate("document.documentElement.outerHTML")
        shot = page.screenshot(tmp_path / "index.png")
        errors = page.console_errors()
    assert "企业风险一览" in dom
    rows = re.findall(r"<tr><td>\d+</td>", dom)
    assert len(rows) == 50
    levels = set(re.findall(r'data-level="(\w+)"', dom))
    assert {"major", "significant"} <= levels
    # nothing on the page points at another host
    assert not re.search(r'(src|href)="https?://(?!127\.0\.0\.1)', dom)
    assert shot.stat().st_size > 10_000
    assert errors == []


def test_login_form_in_the_browser(demo_url):
    """A person types a user name and password into the login page and lands on the index."""
    user = ensure_user(demo_url, "admin")
    with live_app(demo_url) as base, DevTools.launch() as page:
        page.goto(base + "/login?next=%2F")
        page.submit("form", {"username": user, "password": "wrong password"})
        assert "用户名或密码错误" in page.evaluate("document.body.innerText")
        page.submit("form", {"username": user, "password": PASSWORD})
        assert page.evaluate("location.pathname") == "/"
        assert "企业风险一览" in page.evaluate("document.body.innerText")
        # the session cookie is HttpOnly: page scripts cannot read it
        assert "riskatlas_session" not in page.evaluate("document.cookie")
