"""Logged-in API clients for tests: real accounts, real login, real tokens (no overrides)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
from fastapi.testclient import TestClient

from app.auth import COOKIE
from app.main import create_app
from layers.access.accounts import create_user

PASSWORD = "correct horse battery"


def ensure_user(url: str, role: str = "admin", *, region_id: int | None = None,
                enterprise_id: int | None = None, username: str | None = None) -> str:
    """An account for ``role`` (and its region or enterprise), created once per database."""
    username = username or f"t-{role}-{region_id or enterprise_id or 0}"
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM app_user WHERE username = %s", (username,))
            if cur.fetchone() is None:
                create_user(conn, username, PASSWORD, role, region_id=region_id, enterprise_id=enterprise_id,
                            display_name=username)
        conn.commit()
    finally:
        conn.close()
    return username


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    r = client.post("/api/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    client.cookies.clear()
    return r.json()["token"]


@contextmanager
def api_client(url: str, role: str = "admin", *, region_id: int | None = None,
               enterprise_id: int | None = None) -> Iterator[TestClient]:
    """A TestClient of the app on ``url`` logged in as a user of ``role`` (Bearer token)."""
    username = ensure_user(url, role, region_id=region_id, enterprise_id=enterprise_id)
    with TestClient(create_app(url)) as c:
        c.headers["Authorization"] = f"Bearer {login(c, username)}"
        yield c


def http_token(base: str, username: str, password: str = PASSWORD) -> str:
    """Log in to a running app (a live server, not a TestClient) and return the session token."""
    import json
    import urllib.request

    req = urllib.request.Request(base + "/api/auth/login", method="POST",
                                 data=json.dumps({"username": username, "password": password}).encode(),
                                 headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=30).read())["token"]


def login_browser(browser, base: str, database_url: str, role: str = "admin", **scope) -> str:
    """Give a tests.browser.DevTools a console session of a user of ``role``; returns the user name."""
    username = ensure_user(database_url, role, **scope)
    browser.login(base, http_token(base, username), cookie=COOKIE)
    return username
