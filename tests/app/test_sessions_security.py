"""Sessions and logins against abuse, over HTTP with the real app and in a real chromium:

- a request authenticated by the session cookie passes the same-origin check whatever other headers
  it carries (only a Bearer token authenticates without the cookie), and a login posted by another
  site's page is refused (login CSRF);
- every answer carries the security headers, and the pages still run their scripts under the CSP;
- failed logins hold off their source, never the account: unknown and existing names are answered
  alike, and the owner logs in from elsewhere whatever an attacker did.

Each test logs in from addresses of its own (TestClient's ``client``), so the per-source counts of
one test never meet another's.
"""

from __future__ import annotations

import itertools
import time
import uuid

import psycopg2
import pytest
from fastapi.testclient import TestClient

from app.auth import COOKIE
from app.main import create_app
from bench.browser import DevTools, live_app
from layers.access import accounts
from tests.auth import PASSWORD, ensure_user, login_browser

OWN = "http://testserver"          # the Host TestClient sends
EVIL = "http://evil.example"
_addresses = itertools.count(1)


def _address() -> str:
    """A source address no other test (nor an earlier run on the same database) used."""
    return f"10.{uuid.uuid4().int % 250}.{next(_addresses) % 250}.{uuid.uuid4().int % 250 + 1}"


def _scalar(url: str, sql: str, *args):
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql, args)
            return cur.fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def app(db_url):
    """One app for the module; its lifespan (the pool) runs while the module's tests do."""
    application = create_app(db_url)
    with TestClient(application):
        yield application


def _from(app, address: str | None = None) -> TestClient:
    """A client of ``app`` sending from ``address`` (the app's pool is already open)."""
    return TestClient(app, client=(address or _address(), 50000))


def _new_account(db_url: str, role: str = "admin") -> str:
    return ensure_user(db_url, role, username=f"sec-{uuid.uuid4().hex[:10]}")


def _users(db_url: str) -> int:
    return _scalar(db_url, "SELECT count(*) FROM app_user")


def _new_user_body() -> dict:
    return {"username": f"made-{uuid.uuid4().hex[:8]}", "password": "another long password", "role": "admin"}


# -- CSRF ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("authorization", ["Basic YWRtaW46YWRtaW4=", "Digest username=x", "Token abc", "NTLM x"])
def test_a_cookie_session_is_origin_checked_whatever_authorization_header_it_carries(app, db_url, authorization):
    admin = _new_account(db_url)
    c = _from(app)
    r = c.post("/api/auth/login", json={"username": admin, "password": PASSWORD}, headers={"Origin": OWN})
    assert r.status_code == 200 and COOKIE in c.cookies
    before = _users(db_url)
    r = c.post("/api/users", json=_new_user_body(), headers={"Authorization": authorization, "Origin": EVIL})
    assert r.status_code == 403, r.text
    assert "跨站请求被拒绝" in r.json()["detail"]
    r = c.post("/api/users", json=_new_user_body(), headers={"Authorization": authorization, "Referer": EVIL + "/x"})
    assert r.status_code == 403, r.text
    assert _users(db_url) == before                                 # nothing written
    # the same cookie request from this site's own page goes through
    r = c.post("/api/users", json=_new_user_body(), headers={"Authorization": authorization, "Origin": OWN})
    assert r.status_code == 201, r.text


def test_a_bearer_token_authenticates_without_the_cookie_and_needs_no_origin(app, db_url):
    admin = _new_account(db_url)
    c = _from(app)
    token = c.post("/api/auth/login", json={"username": admin, "password": PASSWORD}).json()["token"]
    c.cookies.clear()
    r = c.post("/api/users", json=_new_user_body(), headers={"Authorization": f"Bearer {token}", "Origin": EVIL})
    assert r.status_code == 201, r.text      # a script on another site cannot set this header (no CORS)


@pytest.mark.parametrize("where", [{"Origin": EVIL}, {"Referer": EVIL + "/phish.html"}, {"Origin": "null"}])
def test_a_login_posted_by_another_site_is_refused(app, db_url, where):
    """Login CSRF: another site's form would log the visitor's browser into the attacker's account."""
    attacker = _new_account(db_url)
    sessions = _scalar(db_url, "SELECT count(*) FROM app_session s JOIN app_user u ON u.id = s.user_id "
                               "WHERE u.username = %s", attacker)
    c = _from(app)
    r = c.post("/login", data={"username": attacker, "password": PASSWORD, "next": "/"}, headers=where,
               follow_redirects=False)
    assert r.status_code == 403 and "跨站请求被拒绝" in r.text and "set-cookie" not in r.headers
    r = c.post("/api/auth/login", json={"username": attacker, "password": PASSWORD}, headers=where)
    assert r.status_code == 403 and "set-cookie" not in r.headers
    assert COOKIE not in c.cookies
    assert _scalar(db_url, "SELECT count(*) FROM app_session s JOIN app_user u ON u.id = s.user_id "
                           "WHERE u.username = %s", attacker) == sessions
    # from the login page of this site it works
    r = c.post("/login", data={"username": attacker, "password": PASSWORD, "next": "/"},
               headers={"Origin": OWN}, follow_redirects=False)
    assert r.status_code == 303 and COOKIE in r.headers["set-cookie"]


# -- security headers --------------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/login", "/api/health", "/api/auth/me", "/nowhere", "/openapi.json", "/docs"])
def test_every_answer_carries_the_security_headers(app, path):
    r = _from(app).get(path, follow_redirects=False)
    csp = r.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, (path, r.status_code, csp)
    assert "default-src 'self'" in csp and "base-uri 'self'" in csp
    assert r.headers.get("x-frame-options") == "DENY"
    assert r.headers.get("x-content-type-options") == "nosniff"
    assert r.headers.get("referrer-policy") == "same-origin"


def test_pages_run_their_scripts_under_the_policy(demo_url):
    """The console, the city map (folium's inline scripts), a plant page and a card page: each is
    served with the policy, draws what its scripts draw, and the browser reports no violation."""
    post = _scalar(demo_url, "SELECT t.token FROM card_token t JOIN area a ON a.id = t.area_id "
                             "WHERE a.kind = 'post' AND a.enterprise_id = 1 ORDER BY a.id LIMIT 1")
    pages = {
        "/": "document.querySelectorAll('a').length > 0",
        "/enterprises/1": "!!document.querySelector('#plant-map [data-area-id]')",
        "/maps/city": "document.querySelectorAll('.leaflet-ra_vector-pane svg path').length > 0",
        f"/cards/{post}": "document.body.innerText.length > 0",
    }
    with live_app(demo_url) as base, DevTools.launch() as browser:
        browser.call("Page.addScriptToEvaluateOnNewDocument", source=(
            "window.__csp = []; document.addEventListener('securitypolicyviolation', "
            "e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI));"))
        login_browser(browser, base, demo_url)
        for path, drawn in pages.items():
            browser.navigate(base + path)
            browser.wait_for(drawn)
            browser.pump(0.5)
            header = browser.evaluate("fetch(location.href).then(r => "
                                      "r.headers.get('content-security-policy'))")
            assert header and "frame-ancestors 'none'" in header, (path, header)
            assert browser.evaluate("window.__csp") == [], path
        assert not [e for e in browser.console_errors() if "Content Security Policy" in e]
        assert browser.console_errors() == []


# -- the login throttle --------------------------------------------------------------------------------

def _attempt(c: TestClient, username: str, password: str = "wrong password!"):
    return c.post("/api/auth/login", json={"username": username, "password": password})


def test_unknown_and_existing_accounts_get_the_same_answers_and_only_the_source_is_held_off(app, db_url):
    owner = _new_account(db_url)
    unknown = f"nobody-{uuid.uuid4().hex[:8]}"
    attacker = _from(app)
    answers = {}
    for name in (owner, unknown):
        seen = []
        for _ in range(accounts.MAX_FAILED + 2):
            r = _attempt(attacker, name)
            seen.append((r.status_code, r.json()["detail"], r.headers.get("retry-after")))
        answers[name] = seen
    assert answers[owner] == answers[unknown]        # nothing tells an account that exists
    assert [s for s, _, _ in answers[owner]] == [401] * accounts.MAX_FAILED + [429, 429]
    assert answers[owner][-1][2] == "60" and "60 秒后再试" in answers[owner][-1][1]
    assert "锁定" not in str(answers[owner])
    # even the right password waits, from that address
    assert _attempt(attacker, owner, PASSWORD).status_code == 429
    # the owner, from another address, logs in at once
    r = _attempt(_from(app), owner, PASSWORD)
    assert r.status_code == 200, r.text


def test_a_hold_ends_and_grows_with_each_further_failure(app, db_url):
    owner = _new_account(db_url)
    address = _address()
    attacker = _from(app, address)
    for _ in range(accounts.MAX_FAILED):
        assert _attempt(attacker, owner).status_code == 401
    assert _attempt(attacker, owner).headers["retry-after"] == "60"
    conn = psycopg2.connect(db_url)     # let the minute pass
    with conn, conn.cursor() as cur:
        cur.execute("UPDATE login_throttle SET blocked_until = now() - interval '1 second' WHERE source = %s",
                    (address,))
    conn.close()
    assert _attempt(attacker, owner).status_code == 401          # tried again: one more failure
    assert _attempt(attacker, owner).headers["retry-after"] == "120"


def test_a_source_failing_on_many_names_is_held_off_all_of_them_but_not_their_owners(app, db_url):
    victim = _new_account(db_url)
    sprayer = _from(app)
    for i in range(accounts.MAX_FAILED_SOURCE):
        assert _attempt(sprayer, f"spray-{uuid.uuid4().hex[:8]}-{i}").status_code == 401
    r = _attempt(sprayer, victim, PASSWORD)
    assert r.status_code == 429 and r.headers["retry-after"] == "60"
    assert _attempt(_from(app), victim, PASSWORD).status_code == 200


def test_failures_from_everywhere_slow_a_name_down_but_never_keep_its_owner_out(app, db_url):
    """Many addresses guessing one name (the admin's, say): each attempt on it waits longer, the
    owner's too, but the owner still gets in."""
    owner = _new_account(db_url)
    guesses = accounts.SLOW_AFTER + 2
    for _ in range(guesses):
        assert _attempt(_from(app), owner).status_code == 401      # each from another address
    wait = accounts.slow_down(guesses)
    assert wait >= 1.0
    started = time.monotonic()
    r = _attempt(_from(app), owner, PASSWORD)
    assert r.status_code == 200, r.text
    assert time.monotonic() - started >= wait


def test_the_login_form_answers_a_held_off_source_with_429(app, db_url):
    owner = _new_account(db_url)
    c = _from(app)
    for _ in range(accounts.MAX_FAILED):
        r = c.post("/login", data={"username": owner, "password": "wrong password!"}, headers={"Origin": OWN})
        assert r.status_code == 401 and "用户名或密码错误" in r.text
    r = c.post("/login", data={"username": owner, "password": PASSWORD}, headers={"Origin": OWN},
               follow_redirects=False)
    assert r.status_code == 429 and "秒后再试" in r.text and r.headers["retry-after"] == "60"
