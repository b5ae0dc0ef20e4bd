"""The connection pool of the web app and the dependency that lends a connection to a request."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg2.extensions
import psycopg2.pool
from fastapi import Request


class Pool:
    def __init__(self, url: str, minconn: int = 1, maxconn: int = 20):
        self._pool = psycopg2.pool.ThreadedConnectionPool(minconn, maxconn, url, application_name="riskatlas-web")

    def getconn(self) -> psycopg2.extensions.connection:
        return self._pool.getconn()

    def putconn(self, conn: psycopg2.extensions.connection) -> None:
        if not conn.closed:
            conn.rollback()
        self._pool.putconn(conn, close=bool(conn.closed))

    def close(self) -> None:
        self._pool.closeall()


def get_conn(request: Request) -> Iterator[psycopg2.extensions.connection]:
    pool: Pool = request.app.state.pool
    conn = pool.getconn()
    try:
        yield conn
    finally:
        pool.putconn(conn)
