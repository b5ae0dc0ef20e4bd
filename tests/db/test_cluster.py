"""The embedded cluster: creation, idempotent start/stop, recovery from a stale pid, DATABASE_URL."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg2
import pytest

from bench.browser import free_port
from db.cluster import Cluster
from db.connection import database_url
from db.settings import DatabaseSettings
from tests.conftest import create_database, drop_database

CLI = [sys.executable, "-m", "app.cli"]


@pytest.fixture
def own_cluster():
    """A throwaway cluster in its own directory and port, destroyed afterwards."""
    base = Path(tempfile.mkdtemp(prefix="riskatlas-cluster-", dir="/tmp"))
    base.chmod(0o755)
    settings = DatabaseSettings(data_dir=base / "pg", port=free_port(), database_url=None)
    cluster = Cluster(settings)
    yield cluster
    cluster.destroy()
    shutil.rmtree(base, ignore_errors=True)


def _query(cluster: Cluster, sql: str):
    conn = psycopg2.connect(database_url(cluster.settings))
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_start_is_idempotent_and_stop_stops(own_cluster: Cluster):
    assert not own_cluster.status().running
    first = own_cluster.start()
    assert first.running and first.pid
    assert own_cluster.initialized()
    # the server listens on loopback only and asks for a password
    assert _query(own_cluster, "SHOW listen_addresses") == "127.0.0.1"
    assert own_cluster.password()
    with pytest.raises(psycopg2.OperationalError):
        psycopg2.connect(f"postgresql://{own_cluster.settings.user}:wrong@127.0.0.1:{own_cluster.port}/postgres")
    second = own_cluster.start()
    assert second.running and second.pid == first.pid, "a second start must report the running server"
    assert own_cluster.stop().running is False
    assert own_cluster.stop().running is False, "stopping a stopped server is not an error"
    third = own_cluster.start()
    assert third.running and third.pid != first.pid


def test_postgis_available_in_database(own_cluster: Cluster):
    own_cluster.start()
    conn = psycopg2.connect(database_url(own_cluster.settings))
    try:
        with conn, conn.cursor() as cur:
            cur.execute("CREATE EXTENSION IF NOT EXISTS postgis")
            cur.execute("SELECT postgis_lib_version()")
            assert cur.fetchone()[0].startswith("3.")
    finally:
        conn.close()


def test_recovers_from_crash_with_stale_pid_file(own_cluster: Cluster):
    own_cluster.start()
    own_cluster.kill()  # SIGKILL: postmaster.pid stays behind
    assert (own_cluster.data_dir / "postmaster.pid").exists()
    st = own_cluster.status()
    assert not st.running and "stale" in st.detail
    again = own_cluster.start()
    assert again.running
    assert _query(own_cluster, "SELECT 1") == 1


def test_recovers_when_stale_pid_belongs_to_another_process(own_cluster: Cluster):
    own_cluster.start()
    own_cluster.stop()
    # a pid file naming a live process that is not postgres (this test process)
    pidfile = own_cluster.data_dir / "postmaster.pid"
    pidfile.write_text(f"{os.getpid()}\n{own_cluster.data_dir}\n0\n{own_cluster.port}\n\n127.0.0.1\n")
    assert not own_cluster.status().running
    assert own_cluster.start().running


def test_port_taken_by_another_server_is_a_clear_error(own_cluster: Cluster, server_url: str):
    session = Cluster(DatabaseSettings())
    clash = Cluster(DatabaseSettings(data_dir=own_cluster.data_dir, port=session.port, database_url=None))
    with pytest.raises(Exception) as info:
        clash.start(wait_seconds=10)
    assert str(session.port) in str(info.value)


def test_database_url_overrides_the_embedded_cluster(server_url: str, tmp_path: Path):
    name = f"riskatlas_override_{os.getpid()}"
    url = create_database(server_url, name)
    try:
        data_dir = tmp_path / "never-created"
        env = {**os.environ, "DATABASE_URL": url, "RISKATLAS_PG_DATA_DIR": str(data_dir),
               "RISKATLAS_PG_PORT": str(free_port())}
        out = subprocess.run([*CLI, "db", "url"], env=env, capture_output=True, text=True, check=True)
        assert out.stdout.strip() == url
        out = subprocess.run([*CLI, "db", "start"], env=env, capture_output=True, text=True, check=True)
        assert "DATABASE_URL" in out.stdout
        out = subprocess.run([*CLI, "db", "migrate"], env=env, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert not data_dir.exists(), "with DATABASE_URL nothing may be started or created"
        conn = psycopg2.connect(url)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT max(version) FROM schema_version")
                assert cur.fetchone()[0] >= 1
        finally:
            conn.close()
    finally:
        drop_database(server_url, name)


def test_cli_status_exit_code_when_stopped(tmp_path: Path):
    env = {**os.environ, "RISKATLAS_PG_DATA_DIR": str(tmp_path / "none" / "pg"), "RISKATLAS_PG_PORT": str(free_port())}
    env.pop("DATABASE_URL", None)
    out = subprocess.run([*CLI, "db", "status"], env=env, capture_output=True, text=True)
    assert out.returncode == 3
    assert "未运行" in out.stdout


@pytest.mark.skipif(os.geteuid() != 0, reason="as an ordinary user the whole suite already exercises this path")
def test_ordinary_user_can_run_its_own_cluster():
    """As root, prove the non-root path too: 'nobody' creates, starts and stops a cluster of its own."""
    import pwd

    nobody = pwd.getpwnam("nobody")
    base = Path(tempfile.mkdtemp(prefix="riskatlas-nobody-", dir="/tmp"))
    os.chown(base, nobody.pw_uid, nobody.pw_gid)
    script = (
        "from db.cluster import Cluster; from db.settings import DatabaseSettings; import psycopg2;"
        "from db.connection import database_url;"
        f"s = DatabaseSettings(data_dir='{base}/pg', port={free_port()}, database_url=None);"
        "c = Cluster(s); st = c.start(); assert st.running, st;"
        "conn = psycopg2.connect(database_url(s)); cur = conn.cursor(); cur.execute('SELECT current_user');"
        "print('user', cur.fetchone()[0]); conn.close(); c.stop(); print('stopped', not c.status().running)"
    )
    env = {**os.environ, "HOME": str(base)}
    python = sys.executable
    if subprocess.run(["runuser", "-u", "nobody", "--", python, "-c", "pass"], capture_output=True).returncode:
        # an interpreter under /root (pyenv) is out of nobody's reach: use the system one on our packages
        python = "/usr/bin/python3"
        import site

        env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[2]), *site.getsitepackages()])
    try:
        p = subprocess.run(["runuser", "-u", "nobody", "--", python, "-c", script],
                           capture_output=True, text=True, timeout=180, cwd=str(Path(__file__).parents[2]), env=env)
        assert p.returncode == 0, p.stderr
        assert "stopped True" in p.stdout
        owner = (base / "pg" / "PG_VERSION").stat().st_uid
        assert owner == nobody.pw_uid, "the server must run as the calling user, not postgres"
    finally:
        subprocess.run(["runuser", "-u", "nobody", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", f"{base}/pg",
                        "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)
