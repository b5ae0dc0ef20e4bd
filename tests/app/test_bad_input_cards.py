"""Bad input to the notification cards' public page and to the enterprise's card controls: every case
a clear 4xx with a Chinese message naming what is wrong, and nothing written (tokens, settings and
the audit log are the same afterwards)."""

from __future__ import annotations

import re

import psycopg2
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.auth import api_client
from tests.corpus import CJK


def _state(url: str) -> tuple:
    """Everything these requests could change: every token, the enterprises' setting, the audit log."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT md5(string_agg(area_id || ':' || token || ':' || issued_at, ',' ORDER BY area_id)) "
                        "FROM card_token")
            tokens = cur.fetchone()[0]
            cur.execute("SELECT count(*) FILTER (WHERE card_publish_mobile) FROM enterprise")
            published = cur.fetchone()[0]
            cur.execute("SELECT count(*) FROM audit_log")
            return tokens, published, cur.fetchone()[0]
    finally:
        conn.close()


@pytest.fixture(scope="module")
def ids(demo_url) -> dict:
    conn = psycopg2.connect(demo_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT a.id, t.token FROM area a JOIN card_token t ON t.area_id = a.id "
                        "WHERE a.enterprise_id = 1 AND a.kind = 'post' ORDER BY a.id LIMIT 1")
            post, token = cur.fetchone()
            cur.execute("SELECT a.id, t.token FROM area a JOIN card_token t ON t.area_id = a.id "
                        "WHERE a.enterprise_id = 1 AND a.kind = 'plant'")
            plant, plant_token = cur.fetchone()
    finally:
        conn.close()
    return {"post": post, "token": token, "plant": plant, "plant_token": plant_token}


def _malformed(token: str) -> list[tuple[str, str]]:
    """(name, path) of public card URLs that are not a card's token."""
    return [
        ("numeric area id of the old URLs", "/cards/1"),
        ("a large number", "/cards/2147483648"),
        ("one character short", f"/cards/{token[:-1]}"),
        ("one character too many", f"/cards/{token}A"),
        ("the token in upper case", f"/cards/{token.upper()}" if token.upper() != token else "/cards/" + "A" * 22),
        ("base64 padding", f"/cards/{token}=="),
        ("standard base64 alphabet", "/cards/" + "+" * 11 + "/" * 11),
        ("SQL in the token", "/cards/'%20OR%20'1'='1'--%20xxxxxxx"),
        ("LIKE wildcard", "/cards/" + "%25" * 22),
        ("HTML in the token", "/cards/%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
        ("a path below the token", f"/cards/{token}/card.pdf"),
        ("a trailing slash", f"/cards/{token}/"),
        ("nothing after /cards/", "/cards/"),
        ("full-width digits", "/cards/１２３"),
        ("Chinese characters", "/cards/" + "告" * 22),
        ("a very long token", "/cards/" + "a" * 5000),
        ("a trailing space", f"/cards/{token}%20"),
        ("an encoded newline", f"/cards/{token[:21]}%0A"),
        ("a plant's token (an area without a card)", "PLANT"),
    ]


def test_malformed_card_tokens_are_404_pages_that_say_so(demo_url, ids):
    """Whatever the path holds, the public page answers the same Chinese 404 page: no 500, nothing
    about any enterprise, nothing written."""
    before = _state(demo_url)
    failures = []
    with TestClient(create_app(demo_url)) as anon:
        reference = anon.get("/cards/" + "Z" * 22)
        assert reference.status_code == 404 and "未找到该告知卡" in reference.text
        for name, path in _malformed(ids["token"]):
            path = f"/cards/{ids['plant_token']}" if path == "PLANT" else path
            r = anon.get(path)
            if r.status_code != 404 or r.text != reference.text:
                failures.append(f"{name}: {r.status_code} {r.text[:200]}")
        r = anon.get(f"/cards/{ids['token'][:11]}%00{ids['token'][12:]}")     # NUL: the field is named
        if r.status_code != 422 or "NUL" not in r.json()["detail"] or not CJK.search(r.json()["detail"]):
            failures.append(f"NUL: {r.status_code} {r.text[:200]}")
        assert anon.get(f"/cards/{ids['token']}").status_code == 200        # the real one still opens
    assert failures == [], "\n".join(failures)
    assert _state(demo_url) == before


def _control_cases(d: dict) -> list[tuple[str, str, str, dict, int, str]]:
    """(name, method, path, request, expected status, what the answer must say)."""
    settings = "/api/enterprises/1/card-settings"
    return [
        ("re-issue: id 0", "post", "/api/posts/0/card-token", {}, 422, "area_id"),
        ("re-issue: id not a number", "post", "/api/posts/abc/card-token", {}, 422, "area_id"),
        ("re-issue: id beyond integer", "post", "/api/posts/2147483648/card-token", {}, 422, "area_id"),
        ("re-issue: unknown post", "post", "/api/posts/2000000000/card-token", {}, 404, "不存在"),
        ("re-issue: the plant has no card", "post", f"/api/posts/{d['plant']}/card-token", {}, 404, "没有告知卡"),
        ("settings: a string for the flag", "put", settings, {"json": {"publish_mobile": "yes"}}, 422, "publish_mobile"),
        ("settings: a number for the flag", "put", settings, {"json": {"publish_mobile": 1}}, 422, "publish_mobile"),
        ("settings: null", "put", settings, {"json": {"publish_mobile": None}}, 422, "publish_mobile"),
        ("settings: missing flag", "put", settings, {"json": {}}, 422, "publish_mobile"),
        ("settings: unknown field", "put", settings, {"json": {"publish_mobile": True, "publish_all": True}}, 422,
         "publish_all"),
        ("settings: not JSON", "put", settings, {"content": b"{publish_mobile: true",
                                                "headers": {"content-type": "application/json"}}, 422, "JSON"),
        ("settings: unknown enterprise", "put", "/api/enterprises/2000000000/card-settings",
         {"json": {"publish_mobile": True}}, 404, "不存在"),
        ("settings: enterprise id 0", "put", "/api/enterprises/0/card-settings", {"json": {"publish_mobile": True}},
         422, "enterprise_id"),
    ]


def test_bad_card_controls_are_refused_and_change_nothing(demo_url, ids):
    before = _state(demo_url)
    failures = []
    with api_client(demo_url, "enterprise", enterprise_id=1) as ent:
        for name, method, path, req, status, says in _control_cases(ids):
            r = ent.request(method.upper(), path, **req)
            body = r.json() if r.headers.get("content-type", "").startswith("application/json") else {}
            detail = str(body.get("detail", ""))
            said = detail + " " + str(body.get("errors", ""))
            if r.status_code != status or not CJK.search(detail) or not re.search(says, said):
                failures.append(f"{name}: {r.status_code} {r.text[:200]}")
    assert failures == [], "\n".join(failures)
    assert _state(demo_url) == before
