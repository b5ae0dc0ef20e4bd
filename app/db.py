"""The connection pool of the web app and the dependency that lends a connection to a request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Annotated

import psycopg2
import psycopg2.extensions
import psycopg2.pool
from fastapi import Depends, Request

from app.auth import current_user
from layers.accounts import User


class PoolBusy(RuntimeError):
    """Every connection stayed lent for the whole wait: the server is overloaded (HTTP 503)."""


class Pool:
    """A thread-safe pool that makes a request wait for a free connection (up to ``wait`` seconds)
    instead of failing at once when all ``maxconn`` are lent, as psycopg2's own pool does."""

    def __init__(self, url: str, minconn: int = 1, maxconn: int = 20, wait: float = 30.0):
        self._pool = psycopg2.pool.ThreadedConnectionPool(minconn, maxconn, url, application_name="riskatlas-web")
        self._slots = threading.BoundedSemaphore(maxconn)
        self.wait = wait

    def getconn(self) -> psycopg2.extensions.connection:
        if not self._slots.acquire(timeout=self.wait):
            raise PoolBusy(f"数据库连接全部占用超过 {self.wait:.0f} 秒, 请稍后重试 (server busy, retry later)")
        try:
            return self._pool.getconn()
        except BaseException:
            self._slots.release()
            raise

    def putconn(self, conn: psycopg2.extensions.connection) -> None:
        try:
            if not conn.closed:
                conn.rollback()
            self._pool.putconn(conn, close=bool(conn.closed))
        finally:
            self._slots.release()

    def close(self) -> None:
        self._pool.closeall()


def _scoped(pool: Pool, user) -> Iterator[psycopg2.extensions.connection]:
    from layers.accounts import apply_scope, clear_scope

    conn = pool.getconn()
    try:
        apply_scope(conn, user)
        yield conn
    finally:
        try:
            conn.rollback()
            clear_scope(conn)
        except psycopg2.Error:
            conn.close()          # never hand a connection with someone's scope to the next request
        pool.putconn(conn)


def get_conn(request: Request, user: Annotated[User, Depends(current_user)]) -> Iterator[psycopg2.extensions.connection]:
    """A connection that sees only what the logged-in user may see (row-level security)."""
    yield from _scoped(request.app.state.pool, user)


def get_public_conn(request: Request) -> Iterator[psycopg2.extensions.connection]:
    """A connection for pages without login (health, a notification card's QR landing page): it
    sees no enterprise's rows; such routes read what they publish through narrow functions."""
    yield from _scoped(request.app.state.pool, None)
