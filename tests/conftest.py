"""Test fixtures: a real PostGIS started by the suite itself, never a mock.

The session ensures the embedded cluster is running (or uses ``DATABASE_URL``), creates a fresh
database ``riskatlas_test_<pid>`` by running the migrations, loads the demo city into it once, and
drops it at the end.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import psycopg2
import pytest
from psycopg2 import sql

from db.cluster import Cluster
from db.connection import database_url, with_dbname
from db.migrate import migrate
from db.settings import DatabaseSettings


def _admin(url: str):
    conn = psycopg2.connect(with_dbname(url, "postgres"))
    conn.autocommit = True
    return conn


def create_database(server_url: str, name: str) -> str:
    conn = _admin(server_url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    finally:
        conn.close()
    return with_dbname(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    conn = _admin(server_url)
    try:
        with conn.cursor() as cur:
            cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    finally:
        conn.close()


def migrated_database(server_url: str, name: str, *, demo: bool = False) -> str:
    """A new database ``name``, migrated (and with the demo city when ``demo``); its URL. The
    caller drops it (drop_database)."""
    url = create_database(server_url, name)
    conn = psycopg2.connect(url)
    try:
        migrate(conn, log=lambda m: None)
        if demo:
            from demo import load_demo

            with conn:
                load_demo(conn, progress=False)
    finally:
        conn.close()
    return url


@pytest.fixture(scope="session")
def server_url() -> str:
    """URL of the server under test: the embedded cluster, started here if needed."""
    settings = DatabaseSettings()
    Cluster(settings).start()
    return database_url(settings)


@pytest.fixture(scope="session")
def db_url(server_url: str) -> Iterator[str]:
    """A fresh database for this test session, migrated from empty."""
    name = f"riskatlas_test_{os.getpid()}"
    url = create_database(server_url, name)
    conn = psycopg2.connect(url)
    try:
        migrate(conn, log=lambda m: None)
    finally:
        conn.close()
    yield url
    drop_database(server_url, name)


@pytest.fixture(scope="session")
def demo_url(server_url: str) -> Iterator[str]:
    """A database of its own with the demo city loaded (once per session). Separate from ``db_url``,
    where tests commit constructed scenes: the demo's ids (enterprises 1–3 are the drawn plants)
    are then the same whatever ran before."""
    name = f"riskatlas_demo_{os.getpid()}"
    yield migrated_database(server_url, name, demo=True)
    drop_database(server_url, name)


def _rolled_back(url: str) -> Iterator[psycopg2.extensions.connection]:
    c = psycopg2.connect(url)
    try:
        yield c
    finally:
        c.rollback()
        c.close()


@pytest.fixture
def conn(demo_url: str) -> Iterator[psycopg2.extensions.connection]:
    """A connection to the demo database whose writes are rolled back after the test."""
    yield from _rolled_back(demo_url)


@pytest.fixture
def empty_db(server_url: str) -> Iterator[str]:
    """A brand-new empty database (no migrations), dropped after the test."""
    name = f"riskatlas_empty_{os.getpid()}"
    url = create_database(server_url, name)
    yield url
    drop_database(server_url, name)


@pytest.fixture
def scene_conn(db_url: str) -> Iterator[psycopg2.extensions.connection]:
    """A connection to the migrated test database (demo or not) whose writes are rolled back."""
    yield from _rolled_back(db_url)
