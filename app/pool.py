"""The connection pool of the web app (the dependencies lending its connections to requests are in
:mod:`app.deps`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

import psycopg2
import psycopg2.extensions

T = TypeVar("T")

#: What psycopg2 raises when the server cannot be reached, or a connection died under a statement
#: (the server restarted, or terminated the session).
DISCONNECTED = (psycopg2.OperationalError, psycopg2.InterfaceError)
UNAVAILABLE = "数据库暂时不可用 (可能正在重启或维护), 请稍后重试 (database unavailable: retry later)"
#: Seconds a new connection may take; an unreachable host then fails a request quickly instead of
#: holding it (and its slot of the pool) for the operating system's TCP timeout.
CONNECT_TIMEOUT = 5


class PoolBusy(RuntimeError):
    """Every connection stayed lent for the whole wait: the server is overloaded (HTTP 503)."""


class DatabaseUnavailable(RuntimeError):
    """No connection to the database could be made: it is down or restarting (HTTP 503)."""


class Pool:
    """A thread-safe pool of up to ``maxconn`` connections that makes a request wait for a free one
    (up to ``wait`` seconds) instead of failing at once when all are lent, and keeps every connection
    given back open for the next request. (psycopg2's own pool closed all but ``minconn`` of them: a
    request's connection comes back only after its response is sent, when the client's next request
    already wants one, so it opened a new connection, password exchange and all, for almost every
    request: several times the cost of a small query.)"""

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
        try:
            return psycopg2.connect(self.url, application_name="riskatlas-web", connect_timeout=CONNECT_TIMEOUT)
        except psycopg2.OperationalError as e:
            raise DatabaseUnavailable(UNAVAILABLE) from e

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

    def lend(self, first: Callable[[psycopg2.extensions.connection], T]) -> tuple[psycopg2.extensions.connection, T]:
        """A connection and what ``first``, the first statement of its borrower, returned on it; the
        borrower gives it back (:meth:`putconn`).

        A pooled connection whose server went away while it was idle (a restart) fails only at its
        next statement: then it is dropped with every other idle one (they went with the same server)
        and ``first`` runs once more on a new connection. The first request after a restart thus
        succeeds, and a request pays nothing for the check (no ping) while the database is up.
        ``first`` must be safe to repeat when its connection died under it (a lookup, setting the
        session's scope). Without a database: :class:`DatabaseUnavailable`."""
        conn = self.getconn()
        try:
            try:
                return conn, first(conn)
            except DISCONNECTED:
                if not conn.closed:
                    raise                 # the server answered: an error of the statement itself
            self._drop_idle()
            conn = self._connect()
            return conn, first(conn)
        except BaseException:
            self.putconn(conn)
            raise

    def _drop_idle(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()

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

    @contextmanager
    def connection(self) -> Iterator[psycopg2.extensions.connection]:
        """A connection lent for the ``with`` block and given back after it (unscoped: the owner's
        view of every row, for the few callers that need it, such as logging in). It is checked
        with a round trip first (:meth:`lend`): these callers are rare, and their own statements
        are not all safe to repeat."""
        conn, _ = self.lend(_ping)
        try:
            yield conn
        finally:
            self.putconn(conn)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def _ping(conn: psycopg2.extensions.connection) -> None:
    """One round trip that leaves no transaction open."""
    conn.autocommit = True          # a client-side switch: nothing is sent to the server
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT 1")
    finally:
        if not conn.closed:
            conn.autocommit = False
