"""Accounts, sessions and the jurisdiction of a request.

Passwords are hashed with Argon2id (``argon2-cffi``). A login returns a random token; only its
SHA-256 is stored (``app_session``), with an expiry. Failed logins are throttled by where they come
from, never by locking the account (see :func:`login`). A user's jurisdiction is applied to a database
connection by :func:`apply_scope`, which switches to the role ``riskatlas_web`` and sets the
settings that the row-level security policies of migration 0009 read: from then on the connection
sees only the user's rows, whatever query runs on it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import asdict, dataclass

import psycopg2.extensions
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from db.bulk import Conn
from db.sql import statements
from layers.errors import Conflict, InvalidInput, NotFound
from layers.text import markup_problem

ROLES = ("admin", "regulator", "enterprise")
ROLE_NAMES = {"admin": "管理员", "regulator": "监管人员", "enterprise": "企业用户"}
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{3,64}$")
MIN_PASSWORD = 10
WEB_ROLE = "riskatlas_web"

# -- the login throttle (see login()) ----------------------------------------------------------------
#: Failures of one source address on one user name before that source is held off that user name.
MAX_FAILED = 5
#: Failures of one source address on any user names before it is held off all of them.
MAX_FAILED_SOURCE = 20
#: A source's first hold; each failure after a hold doubles it, up to HOLD_MAX.
HOLD_BASE = dt.timedelta(minutes=1)
HOLD_MAX = dt.timedelta(hours=1)
#: Failures on one user name, from anywhere, after which every attempt on it waits SLOW_BASE
#: seconds before its password is checked, doubled by each further failure, up to SLOW_MAX.
SLOW_AFTER = 10
SLOW_BASE = 0.25
SLOW_MAX = 8.0
#: Failures are forgotten this long after the last one (once no hold runs).
FORGET_AFTER = dt.timedelta(days=1)
#: The source of logins that come from no address (the command line).
LOCAL = "local"

SQL = statements(__file__)

_hasher = PasswordHasher()


class AuthError(Exception):
    """Login refused or session invalid (HTTP 401)."""


class TooManyAttempts(AuthError):
    """Logins from this source are held off for ``retry_after`` seconds (HTTP 429)."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"登录失败次数过多, 请 {retry_after} 秒后再试 (too many failed logins from this address: "
                         f"try again in {retry_after} s)")
        self.retry_after = retry_after


class Forbidden(Exception):
    """Authenticated, but the role may not do this (HTTP 403)."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    display_name: str | None
    role: str
    region_id: int | None
    enterprise_id: int | None

    @property
    def actor(self) -> str:
        """What the audit trail records for this user's changes."""
        return f"{self.display_name or self.username} ({self.username})"

    def to_dict(self) -> dict:
        return {**asdict(self), "role_zh": ROLE_NAMES[self.role]}


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"密码至少 {MIN_PASSWORD} 个字符 (password must have at least {MIN_PASSWORD} characters)",
                           [{"field": "password", "message": "too short"}])
    return _hasher.hash(password)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _user(row) -> User:
    return User(*row)


_USER_COLS = "u.id, u.username, u.display_name, u.role::text, u.region_id, u.enterprise_id"


def create_user(conn: Conn, username: str, password: str, role: str, *, display_name: str | None = None,
                region_id: int | None = None, enterprise_id: int | None = None) -> User:
    """Create an account (in the caller's transaction). A regulator needs a region, an enterprise
    user an enterprise; an admin neither."""
    errors = []
    if not USERNAME.match(username or ""):
        errors.append({"field": "username", "message": "3–64 个字母、数字或 _.@- (3–64 letters, digits or _.@-)"})
    if role not in ROLES:
        errors.append({"field": "role", "message": f"应为 {'/'.join(ROLES)} (must be one of {', '.join(ROLES)})"})
    if role == "regulator" and region_id is None:
        errors.append({"field": "region_id", "message": "监管人员必须指定辖区 (a regulator needs a region)"})
    if role == "enterprise" and enterprise_id is None:
        errors.append({"field": "enterprise_id", "message": "企业用户必须指定企业 (an enterprise user needs an enterprise)"})
    if display_name and (why := markup_problem(display_name)) is not None:
        errors.append({"field": "display_name", "message": why})
    if role == "admin" and (region_id or enterprise_id):
        errors.append({"field": "role", "message": "管理员不属于某个区域或企业 (an admin has no region or enterprise)"})
    if errors:
        raise InvalidInput("账号信息无效 (invalid account): " + "; ".join(f"{e['field']}: {e['message']}" for e in errors),
                           errors)
    digest = hash_password(password)
    with conn.cursor() as cur:
        if region_id is not None:
            cur.execute("SELECT 1 FROM region WHERE id = %s", (region_id,))
            if cur.fetchone() is None:
                raise NotFound(f"区域 {region_id} 不存在 (region not found)")
        if enterprise_id is not None:
            cur.execute("SELECT 1 FROM enterprise WHERE id = %s", (enterprise_id,))
            if cur.fetchone() is None:
                raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
        cur.execute("SELECT 1 FROM app_user WHERE username = %s", (username,))
        if cur.fetchone():
            raise Conflict(f"用户名 {username} 已存在 (username taken)")
        cur.execute(f"""INSERT INTO app_user AS u (username, display_name, password_hash, role, region_id, enterprise_id)
                        VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_USER_COLS}""",
                    (username, display_name, digest, role, region_id if role == "regulator" else None,
                     enterprise_id if role == "enterprise" else None))
        return _user(cur.fetchone())


def create_demo_accounts(conn: Conn) -> list[tuple[str, str, str, str]]:
    """The demo city's three accounts — admin, a regulator of its first district, its first
    enterprise's user — each created unless its username exists, with a random password (in the
    caller's transaction): ``(username, password, role, display name)`` of those created now."""
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM region WHERE level = 'district' ORDER BY adcode LIMIT 1")
        district = cur.fetchone()[0]
        cur.execute("SELECT id, name FROM enterprise ORDER BY id LIMIT 1")
        ent, ent_name = cur.fetchone()
        wanted = [("admin", "admin", "系统管理员", {}),
                  ("jianguan", "regulator", "区应急管理局", {"region_id": district}),
                  ("qiye1", "enterprise", ent_name, {"enterprise_id": ent})]
        created = []
        for username, role, name, scope in wanted:
            cur.execute("SELECT 1 FROM app_user WHERE username = %s", (username,))
            if cur.fetchone() is None:
                password = secrets.token_urlsafe(9)
                create_user(conn, username, password, role, display_name=name, **scope)
                created.append((username, password, role, name))
    return created


def set_password(conn: Conn, username: str, password: str) -> None:
    """A new password (an admin's reset): the account's sessions end and its failed logins are
    forgotten, holds of sources on it included."""
    digest = hash_password(password)
    with conn.cursor() as cur:
        cur.execute("UPDATE app_user SET password_hash = %s, password_changed_at = now() "
                    "WHERE username = %s RETURNING id", (digest, username))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"用户 {username} 不存在 (user not found)")
        cur.execute("DELETE FROM app_session WHERE user_id = %s", (row[0],))   # log out everywhere
        cur.execute("DELETE FROM login_throttle WHERE username = %s", (username,))


def _throttle(cur, username: str, source: str) -> tuple[int, int]:
    """(seconds ``source`` is still held off ``username``, failures on ``username`` from anywhere)."""
    cur.execute(SQL["throttle_forget"], {"forget": FORGET_AFTER})
    cur.execute(SQL["throttle_state"], {"username": username, "source": source})
    hold, failures = cur.fetchone()
    return hold, failures


def slow_down(failures: int) -> float:
    """Seconds an attempt on a user name with ``failures`` recent failures waits (0 below SLOW_AFTER)."""
    if failures < SLOW_AFTER:
        return 0.0
    return min(SLOW_BASE * 2.0 ** min(failures - SLOW_AFTER, 16), SLOW_MAX)


def login_wait(conn: Conn, username: str, source: str = LOCAL) -> float:
    """Seconds the caller waits before :func:`login` checks the password of ``username`` from
    ``source`` (the user name's own slow-down); :class:`TooManyAttempts` while that source is held off.
    The web app waits without holding a thread; the hold itself is checked again by :func:`login`."""
    with conn.cursor() as cur:
        hold, failures = _throttle(cur, username[:64], source or LOCAL)
    conn.commit()
    if hold:
        raise TooManyAttempts(hold)
    return slow_down(failures)


def login(conn: Conn, username: str, password: str, *, hours: float, source: str = LOCAL,
          user_agent: str | None = None) -> tuple[str, dt.datetime, User]:
    """Check the password and open a session; commits. Returns (token, expires_at, user).

    An unknown user name and a wrong password get the same answer, and the throttle treats them
    alike: it counts what was typed, not accounts. Failures are counted per (user name, source
    address), per source and per user name. After MAX_FAILED failures on one user name (or
    MAX_FAILED_SOURCE on any) a source is held off for HOLD_BASE, doubling up to HOLD_MAX
    (:class:`TooManyAttempts`); attempts on a user name with SLOW_AFTER failures from anywhere are
    slowed (:func:`login_wait`), never refused. So nobody can lock an owner out: their own address
    is not held off by anyone else's failures. Attempts on one user name are checked one at a time
    (an advisory lock), so parallel guesses cannot outrun the counts."""
    refused = "用户名或密码错误 (wrong username or password)"
    username, source = username[:64], source or LOCAL
    if not username:
        raise AuthError(refused)
    throttle = {"username": username, "source": source, "max_pair": MAX_FAILED, "max_source": MAX_FAILED_SOURCE,
                "hold_base": HOLD_BASE, "hold_max": HOLD_MAX}
    with conn.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(hashtext('riskatlas.login'), hashtext(%s))", (username,))
        hold, _ = _throttle(cur, username, source)
        if hold:
            conn.commit()
            raise TooManyAttempts(hold)
        cur.execute(f"SELECT {_USER_COLS}, u.password_hash, u.active FROM app_user u WHERE u.username = %s",
                    (username,))
        row = cur.fetchone()
        if row is None:
            _hasher.hash("timing-equaliser")   # spend the same time as a real check
            user, digest, active, ok = None, "", False, False
        else:
            user, digest, active = _user(row[:6]), row[6], row[7]
            try:
                ok = _hasher.verify(digest, password)
            except (VerificationError, InvalidHashError):
                ok = False
        if not ok or user is None:
            cur.execute(SQL["throttle_fail"], throttle)
            conn.commit()
            raise AuthError(refused)
        if not active:
            conn.rollback()
            raise AuthError("账号已停用 (account disabled)")
        if _hasher.check_needs_rehash(digest):
            cur.execute("UPDATE app_user SET password_hash = %s WHERE id = %s", (_hasher.hash(password), user.id))
        token = secrets.token_urlsafe(32)
        cur.execute("DELETE FROM login_throttle WHERE username = %s AND source = %s", (username, source))
        cur.execute("DELETE FROM app_session WHERE expires_at < now()")
        cur.execute("INSERT INTO app_session (token_hash, user_id, expires_at, user_agent) "
                    "VALUES (%s, %s, now() + make_interval(secs => %s), %s) RETURNING expires_at",
                    (_token_hash(token), user.id, hours * 3600, (user_agent or "")[:200]))
        expires = cur.fetchone()[0]
    conn.commit()
    return token, expires, user


def _one_statement(conn: Conn, sql: str, params) -> list[tuple]:
    """Run ``sql`` and commit it, in one round trip when ``conn`` has no transaction open (psycopg2
    would otherwise send BEGIN and COMMIT each on its own, three round trips for one statement; a
    request pays them twice or more). An open transaction is committed as before."""
    if conn.autocommit or conn.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            rows = cur.fetchall() if cur.description else []
        conn.commit()
        return rows
    conn.autocommit = True          # a client-side switch: nothing is sent to the server
    try:
        with conn.cursor() as cur:
            cur.execute(sql, params)
            return cur.fetchall() if cur.description else []
    finally:
        conn.autocommit = False


#: The settings that make a connection act for a user, from a row ``me`` (role, region_id,
#: enterprise_id, id, actor): the role riskatlas_web (set_config('role', …) is SET ROLE) and the
#: jurisdiction the row-level security policies of migrations 0010–0012 read, and the audit actor.
#: An admin's scope role is '' (every row).
_SCOPE_SETTINGS = f"""set_config('role', '{WEB_ROLE}', false),
    set_config('riskatlas.scope_role', CASE me.role WHEN 'admin' THEN '' ELSE me.role END, false),
    set_config('riskatlas.scope_region', coalesce(me.region_id::text, ''), false),
    set_config('riskatlas.scope_enterprise', coalesce(me.enterprise_id::text, ''), false),
    set_config('riskatlas.scope_user', coalesce(me.id::text, ''), false),
    set_config('riskatlas.actor', me.actor, false)"""

#: A live session's user (``me``, with the audit actor as :attr:`User.actor` spells it) and, once a
#: minute, its "last seen" touched — without waiting for the disk: it is a hint, not a record.
#: The update runs in the FROM clause, before any setting of the select list is made.
_SESSION = """WITH me AS (
        SELECT u.id, u.username, u.display_name, u.role::text AS role, u.region_id, u.enterprise_id,
               coalesce(nullif(u.display_name, ''), u.username) || ' (' || u.username || ')' AS actor,
               s.last_seen < now() - interval '1 minute' AS stale
        FROM app_session s JOIN app_user u ON u.id = s.user_id
        WHERE s.token_hash = %(token_hash)s AND s.expires_at > now() AND u.active),
    touched AS (
        UPDATE app_session SET last_seen = now()
        WHERE token_hash = %(token_hash)s AND (SELECT stale FROM me) RETURNING 1)
    SELECT me.id, me.username, me.display_name, me.role, me.region_id, me.enterprise_id, {settings}
    FROM me LEFT JOIN (SELECT count(*) AS n FROM touched) t ON true"""
_TOUCH_ASYNC = "CASE WHEN me.stale THEN set_config('synchronous_commit', 'off', true) END"


def session_user(conn: Conn, token: str) -> User | None:
    """The user of a live session (None for an unknown, expired or disabled one); one round trip."""
    if not token or len(token) > 200:
        return None
    rows = _one_statement(conn, _SESSION.format(settings=_TOUCH_ASYNC), {"token_hash": _token_hash(token)})
    return _user(rows[0][:6]) if rows else None


def session_scope(conn: Conn, token: str) -> User | None:
    """:func:`session_user` and :func:`apply_scope` of its user in the same statement: a request's
    session is checked and its connection scoped in one round trip. For an unknown, expired or
    disabled session None, and ``conn`` is left as it was (no scope is set)."""
    if not token or len(token) > 200:
        return None
    rows = _one_statement(conn, _SESSION.format(settings=f"{_TOUCH_ASYNC}, {_SCOPE_SETTINGS}"),
                          {"token_hash": _token_hash(token)})
    return _user(rows[0][:6]) if rows else None


def logout(conn: Conn, token: str) -> None:
    with conn.cursor() as cur:
        cur.execute("DELETE FROM app_session WHERE token_hash = %s", (_token_hash(token),))
    conn.commit()


def list_users(conn: Conn) -> list[User]:
    with conn.cursor() as cur:
        cur.execute(f"SELECT {_USER_COLS} FROM app_user u ORDER BY u.id")
        return [_user(r) for r in cur.fetchall()]


def apply_scope(conn: Conn, user: User | None) -> None:
    """Make ``conn`` act for ``user`` (session level, committed): role riskatlas_web, the
    jurisdiction settings and the audit actor. ``None`` is the anonymous public: no rows of any
    enterprise (scope 'enterprise' with no enterprise)."""
    me = (user.role, user.region_id, user.enterprise_id, user.id, user.actor) if user else \
        ("enterprise", None, None, None, "anonymous")
    _one_statement(conn, f"""SELECT {_SCOPE_SETTINGS}
        FROM (VALUES (%s, %s::int, %s::int, %s::int, %s)) me (role, region_id, enterprise_id, id, actor)""", me)


def clear_scope(conn: Conn) -> None:
    """Back to the connection's own role with no jurisdiction settings (before reuse)."""
    _one_statement(conn, "RESET ROLE; RESET riskatlas.scope_role; RESET riskatlas.scope_region; "
                         "RESET riskatlas.scope_enterprise; RESET riskatlas.scope_user; RESET riskatlas.actor", None)
