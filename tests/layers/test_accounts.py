"""Accounts: argon2id hashes, uniform login errors, the login throttle, sessions (layers.access.accounts).

login() commits (a session must survive the request), so these tests use their own connection
to the test database and delete their accounts afterwards."""

from __future__ import annotations

import uuid

import psycopg2
import pytest

from layers.access import accounts
from layers.errors import Conflict, InvalidInput, NotFound

PASSWORD = "a long enough password"


@pytest.fixture
def own(db_url):
    conn = psycopg2.connect(db_url)
    made: list[str] = []

    def user(role: str = "admin", **scope) -> str:
        name = f"acct-{uuid.uuid4().hex[:10]}"
        accounts.create_user(conn, name, PASSWORD, role, display_name="测试员", **scope)
        conn.commit()
        made.append(name)
        return name

    yield conn, user
    conn.rollback()
    with conn.cursor() as cur:
        cur.execute("DELETE FROM app_user WHERE username = ANY (%s)", (made,))
    conn.commit()
    conn.close()


def test_passwords_are_stored_as_argon2id_and_never_in_clear(own):
    conn, user = own
    name = user()
    with conn.cursor() as cur:
        cur.execute("SELECT password_hash FROM app_user WHERE username = %s", (name,))
        digest = cur.fetchone()[0]
    assert digest.startswith("$argon2id$") and PASSWORD not in digest
    with pytest.raises(InvalidInput, match="至少"):
        accounts.create_user(conn, "shortpw", "short", "admin")


def test_unknown_and_existing_names_get_the_same_answers_and_five_failures_hold_off_their_source(own):
    conn, user = own
    name = user()
    unknown = "nobody-" + name
    answers: dict[str, list[str]] = {name: [], unknown: []}
    for who in (name, unknown):
        for _ in range(accounts.MAX_FAILED):
            with pytest.raises(accounts.AuthError) as wrong:
                accounts.login(conn, who, "wrong password!", hours=1, source="198.51.100.7")
            answers[who].append(str(wrong.value))
        with pytest.raises(accounts.TooManyAttempts) as held:   # the right password, but held off
            accounts.login(conn, who, PASSWORD, hours=1, source="198.51.100.7")
        answers[who].append(str(held.value))
    assert answers[name] == answers[unknown]                 # nothing tells which account exists
    assert "60 秒后再试" in answers[name][-1]
    # the owner, from another address, is not held off by these failures
    token, _, u = accounts.login(conn, name, PASSWORD, hours=1, source="192.0.2.1")
    assert u.username == name and token
    accounts.set_password(conn, name, PASSWORD + "!")        # an admin reset forgets the holds on it
    conn.commit()
    token, _, u = accounts.login(conn, name, PASSWORD + "!", hours=1, source="198.51.100.7")
    assert u.username == name and token


def test_sessions_hash_their_token_expire_and_end_at_logout(own):
    conn, user = own
    name = user()
    token, expires, u = accounts.login(conn, name, PASSWORD, hours=2)
    assert accounts.session_user(conn, token) == u
    with conn.cursor() as cur:
        cur.execute("SELECT token_hash FROM app_session WHERE user_id = %s", (u.id,))
        stored = [r[0] for r in cur.fetchall()]
    assert stored and token not in stored and len(stored[0]) == 64
    assert accounts.session_user(conn, token + "x") is None
    with conn.cursor() as cur:
        cur.execute("UPDATE app_session SET expires_at = now() - interval '1 second' WHERE user_id = %s", (u.id,))
    conn.commit()
    assert accounts.session_user(conn, token) is None
    token2, _, _ = accounts.login(conn, name, PASSWORD, hours=2)
    accounts.logout(conn, token2)
    assert accounts.session_user(conn, token2) is None


def test_account_rules(own, conn):
    c, user = own
    with pytest.raises(InvalidInput) as e:
        accounts.create_user(c, "reg-without-region", PASSWORD, "regulator")
    assert e.value.errors[0]["field"] == "region_id"
    with pytest.raises(InvalidInput):
        accounts.create_user(c, "x", PASSWORD, "admin")                    # name too short
    with pytest.raises(InvalidInput):
        accounts.create_user(c, "superuser", PASSWORD, "root")             # no such role
    with pytest.raises(InvalidInput) as e:
        accounts.create_user(c, "scripted", PASSWORD, "admin", display_name="<script>alert(1)</script>")
    assert e.value.errors[0]["field"] == "display_name" and "HTML" in e.value.errors[0]["message"]
    c.rollback()
    with pytest.raises(NotFound):
        accounts.create_user(c, "ghost-enterprise", PASSWORD, "enterprise", enterprise_id=2_000_000_000)
    c.rollback()
    name = user()
    with pytest.raises(Conflict):
        accounts.create_user(c, name, PASSWORD, "admin")
