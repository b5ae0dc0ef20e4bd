"""Who is asking: the session token (``Authorization: Bearer …`` or the ``riskatlas_session``
cookie of the console) resolved to a :class:`layers.access.accounts.User`, and the cross-site check of
cookie-authenticated changes and of logins (:func:`same_origin`).

What a route may do is decided elsewhere: its role in :mod:`app.deps` (``WriterUser``,
``AdminUser``), its jurisdiction by the connection :func:`app.deps.get_conn` lends every request,
scoped to its user (row-level security, migration 0009), so a foreign id is not found by any query.
``get_conn`` checks the session itself, on that connection and in the statement that scopes it (one
round trip); :func:`current_user` is for routes that need the user before or without a connection.
Either way the session is looked up once per request.
"""

from __future__ import annotations

from fastapi import Request

from layers.access.accounts import AuthError, Forbidden, User, session_user

COOKIE = "riskatlas_session"


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer …`` header; None without one (or with another scheme)."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        return auth[7:].strip() or None
    return None


def token_of(request: Request) -> str | None:
    """The request's session token: a Bearer header's, else the console's cookie. Another
    ``Authorization`` scheme (Basic, …) authenticates nothing: such a request is a cookie request."""
    if request.headers.get("authorization", "")[:7].lower() == "bearer ":
        return bearer_token(request)
    return request.cookies.get(COOKIE) or None


def same_origin(request: Request) -> None:
    """Refuse (403) a browser's change coming from another site's page (CSRF).

    A browser names the page a POST comes from in ``Origin`` (every cross-site POST) or ``Referer``;
    it must be this site (the ``Host`` the request was sent to). A request naming neither is not a
    browser's cross-site request (browsers send ``Origin`` on cross-site POSTs), and the session cookie
    is ``SameSite=Strict`` besides. Reads (GET, HEAD, OPTIONS) change nothing and pass."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    origin = request.headers.get("origin") or request.headers.get("referer")
    if origin is None:
        return
    host = request.headers.get("host", "")
    if origin.split("://", 1)[-1].split("/", 1)[0] != host:
        raise Forbidden("跨站请求被拒绝 (cross-site request refused)")


def required_token(request: Request) -> str:
    token = token_of(request)
    if token is None:
        raise AuthError("请先登录 (login required)")
    return token


def accept(request: Request, token: str, user: User | None) -> User:
    """The request's user, once its session ``token`` was looked up (``user`` None: no live session)."""
    if user is None:
        raise AuthError("登录已过期或无效, 请重新登录 (session expired or invalid: log in again)")
    if bearer_token(request) != token:   # authenticated by the cookie: only this site's pages may change
        same_origin(request)
    request.state.user = user
    return user


def current_user(request: Request) -> User:
    """The logged-in user (401 without a live session), looked up at most once per request."""
    cached = getattr(request.state, "user", None)
    if cached is not None:
        return cached
    token = required_token(request)
    pool = request.app.state.pool
    conn, user = pool.lend(lambda c: session_user(c, token))
    pool.putconn(conn)
    return accept(request, token, user)
