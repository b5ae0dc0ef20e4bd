"""The connection pool of the web app and the dependency that lends a connection to a request."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import psycopg2
import psycopg2.extensions
from fastapi import Request

from app.auth import accept, required_token


class PoolBusy(RuntimeError):
    """Every connection stayed lent for the whole wait: the server is overloaded (HTTP 503)."""


class Pool:
    """A thread-safe pool of up to ``maxconn`` connections that makes a request wait for a free one
    (up to ``wait`` seconds) instead of failing at once when all are lent, and keeps every connection
    given back open for the next request. (psycopg2's own pool closed all but ``minconn`` of them: a
    request's connection comes back only after its response is sent, when the client's next request
    already wants one, so it opened a new connection, password exchange and all, for almost every
    request — 4–10 ms of a 1 ms vector tile.)"""

    def __init__(self, url: str, minconn: int = 1, maxconn: int = 20, wait: float = 30.0):
        self.url = url
        self._idle: list[psycopg2.extensions.connection] = []
        self._lock = threading.Lock()
        self._slots = threading.BoundedSemaphore(maxconn)
        self._closed = False
        self.wait = wait
        for _ in range(minconn):
            self._idle.append(self._connect())

    def _connect(self) -> psycopg2.extensions.connection:
        return psycopg2.connect(self.url, application_name="riskatlas-web")

    def getconn(self) -> psycopg2.extensions.connection:
        if not self._slots.acquire(timeout=self.wait):
            raise PoolBusy(f"数据库连接全部占用超过 {self.wait:.0f} 秒, 请稍后重试 (server busy, retry later)")
        try:
            with self._lock:
                conn = self._idle.pop() if self._idle else None
            if conn is None or conn.closed:
                conn = self._connect()
            return conn
        except BaseException:
            self._slots.release()
            raise

    def putconn(self, conn: psycopg2.extensions.connection) -> None:
        try:
            if not conn.closed and conn.info.transaction_status != psycopg2.extensions.TRANSACTION_STATUS_IDLE:
                try:
                    conn.rollback()
                except psycopg2.Error:
                    conn.close()
            with self._lock:
                if not conn.closed and not self._closed:
                    self._idle.append(conn)
                    return
            conn.close()
        finally:
            self._slots.release()

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def _release(pool: Pool, conn: psycopg2.extensions.connection) -> None:
    """Give a scoped connection back without its scope (the next borrower may be anyone)."""
    from layers.accounts import clear_scope

    try:
        conn.rollback()
        clear_scope(conn)
    except psycopg2.Error:
        conn.close()          # never hand a connection with someone's scope to the next request
    pool.putconn(conn)


def _scoped(pool: Pool, user) -> Iterator[psycopg2.extensions.connection]:
    from layers.accounts import apply_scope

    conn = pool.getconn()
    try:
        apply_scope(conn, user)
        yield conn
    finally:
        _release(pool, conn)


def get_conn(request: Request) -> Iterator[psycopg2.extensions.connection]:
    """A connection that sees only what the logged-in user may see (row-level security).

    The session is checked on this connection by the statement that scopes it to its user, one
    round trip (:func:`layers.accounts.session_scope`); when a dependency before this one already
    checked it in this request (:func:`app.auth.current_user`), that user's scope is applied."""
    from layers.accounts import apply_scope, session_scope

    pool = request.app.state.pool
    user = getattr(request.state, "user", None)
    token = required_token(request) if user is None else None
    conn = pool.getconn()
    try:
        if user is None:
            accept(request, token, session_scope(conn, token))
        else:
            apply_scope(conn, user)
        yield conn
    finally:
        _release(pool, conn)


def get_public_conn(request: Request) -> Iterator[psycopg2.extensions.connection]:
    """A connection for pages without login (health, a notification card's QR landing page): it
    sees no enterprise's rows; such routes read what they publish through narrow functions."""
    yield from _scoped(request.app.state.pool, None)


def get_publishing_conn(request: Request) -> Iterator[psycopg2.extensions.connection]:
    """A connection without row-level scope, for the few pages that publish a fixed public view of
    one object to anyone (the QR landing page of a post's notification card, which hangs on the
    workshop wall anyway). Such a route must read only what it publishes, by the object's id."""
    pool = request.app.state.pool
    conn = pool.getconn()
    try:
        yield conn
    finally:
        pool.putconn(conn)
