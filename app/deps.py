"""What the routes ask FastAPI for, each declared once: the request's connection (scoped to its user),
the user and the roles a route needs, ids and pages.

A route module writes ``conn: Conn``, ``user: WriterUser``, ``enterprise_id: EnterpriseId``,
``limit: Annotated[int, page_limit(500)] = 50, offset: Offset = 0``; the rules behind them (row-level
scope, the session check, ids within PostgreSQL's integer, bounded pages) live here only.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

import psycopg2
import psycopg2.extensions
from fastapi import Depends, Path, Query, Request

from app.auth import accept, current_user, required_token
from app.pool import Pool
from app.ratelimit import limit_anonymous
from layers.access.accounts import Forbidden, User, apply_scope, clear_scope, session_scope

# -- connections -----------------------------------------------------------------------------------


def _release(pool: Pool, conn: psycopg2.extensions.connection) -> None:
    """Give a scoped connection back without its scope (the next borrower may be anyone)."""
    try:
        conn.rollback()
        clear_scope(conn)
    except psycopg2.Error:
        conn.close()          # never hand a connection with someone's scope to the next request
    pool.putconn(conn)


def get_conn(request: Request) -> Iterator[psycopg2.extensions.connection]:
    """A connection that sees only what the logged-in user may see (row-level security).

    The session is checked on this connection by the statement that scopes it to its user, one
    round trip (:func:`layers.access.accounts.session_scope`); when a dependency before this one already
    checked it in this request (:func:`app.auth.current_user`), that user's scope is applied. That
    first statement also finds a connection that died in the pool (:meth:`app.pool.Pool.lend`)."""
    pool: Pool = request.app.state.pool
    user: User | None = getattr(request.state, "user", None)
    if user is None:      # no user checked yet in this request
        token = required_token(request)
        conn, found = pool.lend(lambda c: session_scope(c, token))
    else:
        conn, _ = pool.lend(lambda c: apply_scope(c, user))
    try:
        if user is None:
            accept(request, token, found)
        yield conn
    finally:
        _release(pool, conn)


def get_public_conn(request: Request) -> Iterator[psycopg2.extensions.connection]:
    """A connection for pages without login (health, a notification card's QR landing page): it
    sees no enterprise's rows; such routes read what they publish through narrow functions."""
    pool: Pool = request.app.state.pool
    conn, _ = pool.lend(lambda c: apply_scope(c, None))
    try:
        yield conn
    finally:
        _release(pool, conn)


def get_publishing_conn(request: Request) -> Iterator[psycopg2.extensions.connection]:
    """A connection without row-level scope, for the few pages that publish a fixed public view of
    one object to anyone (the QR landing page of a post's notification card, which hangs on the
    workshop wall anyway). Such a route must read only what it publishes, by the object's id."""
    with request.app.state.pool.connection() as conn:
        yield conn


#: The dependencies of a route anyone may call without login: the per-address rate limit
#: (``@router.get(..., dependencies=RateLimited)``).
RateLimited = [Depends(limit_anonymous)]

Conn = Annotated[psycopg2.extensions.connection, Depends(get_conn)]
PublicConn = Annotated[psycopg2.extensions.connection, Depends(get_public_conn)]
PublishingConn = Annotated[psycopg2.extensions.connection, Depends(get_publishing_conn)]

# -- users and roles -------------------------------------------------------------------------------


def require_role(*roles: str):
    """A dependency refusing (403) users whose role is not in ``roles``."""

    def check(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in roles:
            raise Forbidden(f"此操作需要角色 {'/'.join(roles)} (requires role {'/'.join(roles)}); "
                            f"当前为 {user.role} (you are {user.role})")
        return user

    return check


CurrentUser = Annotated[User, Depends(current_user)]
AdminUser = Annotated[User, Depends(require_role("admin"))]


def render_slot(request: Request, user: Annotated[User, Depends(current_user)]) -> Iterator[None]:
    """Hold one of the server's drawing slots while a route draws (:mod:`app.renders`)."""
    with request.app.state.render_slots.slot(user.id):
        yield


#: The dependencies of a route that draws a sheet, cards, a report or a briefing
#: (``@router.get(..., dependencies=Drawing)``): a few at once in all, a couple per user.
Drawing = [Depends(render_slot)]
WriterUser = Annotated[User, Depends(require_role("admin", "enterprise"))]

# -- ids and pages ---------------------------------------------------------------------------------

#: Ids are PostgreSQL integers: a larger number is the caller's mistake (422), not a database error.
MAX_ID = 2**31 - 1
#: The deepest page a list serves.
MAX_OFFSET = 10_000_000


def path_id(description: str | None = None, *, alias: str | None = None) -> Any:
    """An id in the path (``Annotated[int, path_id("情景 id")]``)."""
    return Path(alias=alias, ge=1, le=MAX_ID, description=description)


def query_id(description: str | None = None) -> Any:
    """An optional id in the query (``Annotated[int | None, query_id("区域 id")] = None``)."""
    return Query(ge=1, le=MAX_ID, description=description)


def page_limit(maximum: int) -> Any:
    """A page's length, 1 to ``maximum`` (``Annotated[int, page_limit(500)] = 50``)."""
    return Query(ge=1, le=maximum)


Id = Annotated[int, path_id()]
EnterpriseId = Annotated[int, path_id("企业 id")]
WithinQ = Annotated[int | None, query_id("只看此区域之内 (辖区)")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
