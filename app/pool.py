"""The connection pool of the web app (the dependencies lending its connections to requests are in
:mod:`app.deps`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg2
import psycopg2.extensions


class PoolBusy(RuntimeError):
    """Every connection stayed lent for the whole wait: the server is overloaded (HTTP 503)."""


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

    @contextmanager
    def connection(self) -> Iterator[psycopg2.extensions.connection]:
        """A connection lent for the ``with`` block and given back after it (unscoped: the owner's
        view of every row, for the few callers that need it, such as logging in)."""
        conn = self.getconn()
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
