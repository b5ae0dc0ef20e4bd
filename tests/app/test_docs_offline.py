"""The API documentation works with no internet: its viewers are served by the app, and in a
chromium that can reach only loopback both pages draw the API's operations."""

from __future__ import annotations

import re

from app.auth import COOKIE
from bench.browser import DevTools, live_app
from maps import vendor
from tests.auth import ensure_user, http_token


def test_docs_pages_reference_only_this_site(demo_url):
    from fastapi.testclient import TestClient

    from app.main import create_app

    with TestClient(create_app(demo_url)) as c:
        for path in ("/docs", "/redoc"):
            html = c.get(path).text
            refs = re.findall(r'(?:src|href)="([^"]+)"', html) + re.findall(r"url: '([^']+)'", html)
            assert refs and not [r for r in refs if re.match(r"(https?:)?//", r)], (path, refs)
            for r in refs:
                if r.startswith(vendor.URL_PREFIX):
                    assert vendor.resolve(r.removeprefix(vendor.URL_PREFIX)) is not None, r
            assert "fonts.googleapis" not in html and "cdn.jsdelivr" not in html


def test_docs_pages_draw_the_api_offline(demo_url):
    user = ensure_user(demo_url, "admin")
    with live_app(demo_url) as base, DevTools.launch(size=(1400, 1000)) as b:
        b.login(base, http_token(base, user), cookie=COOKIE)
        b.navigate(base + "/docs")
        b.wait_for("document.querySelectorAll('.opblock').length > 20", 60)
        assert "/api/enterprises" in b.evaluate("document.body.innerText")
        b.navigate(base + "/redoc")
        b.wait_for("document.body.innerText.includes('/api/enterprises')", 60)
        failed = [u for u, status, _ in b.responses()
                  if not u.startswith(("data:", "blob:")) and (status >= 400 or not u.startswith(base))]
        assert failed == [], failed
