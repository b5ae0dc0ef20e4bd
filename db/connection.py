"""Connections to the riskatlas database (the embedded cluster, or ``DATABASE_URL``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import quote

import psycopg2
import psycopg2.extensions
import psycopg2.extras

from db.settings import DatabaseSettings, database_settings


def database_url(settings: DatabaseSettings | None = None, dbname: str | None = None) -> str:
    """The libpq URL riskatlas uses: ``DATABASE_URL`` when set, else the embedded cluster's."""
    s = settings or database_settings()
    if s.database_url:
        if dbname is None:
            return s.database_url
        return with_dbname(s.database_url, dbname)
    from db.cluster import Cluster

    cluster = Cluster(s)
    pw = cluster.password()
    auth = f"{quote(s.user)}:{quote(pw)}@" if pw else f"{quote(s.user)}@"
    return f"postgresql://{auth}{s.host}:{s.port}/{quote(dbname or s.database)}"


def with_dbname(url: str, dbname: str) -> str:
    """The same server URL, pointing at another database."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + quote(dbname), parts.query, parts.fragment))


def connect(url: str | None = None, *, actor: str | None = None) -> psycopg2.extensions.connection:
    """A new connection. ``actor`` is recorded by the audit trigger for every write in it."""
    conn = psycopg2.connect(url or database_url(), application_name="riskatlas")
    if actor:
        with conn.cursor() as cur:
            cur.execute("SELECT set_config('riskatlas.actor', %s, false)", (actor,))
        conn.commit()
    return conn


def server_version(conn: psycopg2.extensions.connection) -> str:
    """The server's version as it reports it (one round trip: the database answers)."""
    with conn.cursor() as cur:
        cur.execute("SELECT current_setting('server_version')")
        return str(cur.fetchone()[0])


@contextmanager
def transaction(url: str | None = None, *, actor: str | None = None) -> Iterator[psycopg2.extensions.cursor]:
    """One transaction: committed when the block ends normally, rolled back on any error."""
    conn = connect(url, actor=actor)
    try:
        with conn:
            with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
                yield cur
    finally:
        conn.close()
