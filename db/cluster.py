"""The embedded PostGIS cluster: a private PostgreSQL server in the project's ``var/pg``.

- created with ``initdb`` on first use, with a random password (scram-sha-256) kept beside it;
- listens on loopback only, on a configurable port (``RISKATLAS_PG_PORT``);
- works as root (the server then runs as the ``postgres`` system user, since PostgreSQL refuses
  root) and as an ordinary user;
- idempotent: starting a running server reports it; a stale ``postmaster.pid`` left by a crash is
  detected and removed before the next start.

``DATABASE_URL`` overrides all of this: riskatlas then uses that server and starts nothing.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from db.settings import DatabaseSettings, database_settings

SERVER_USER_WHEN_ROOT = "postgres"


class ClusterError(RuntimeError):
    """The embedded server could not be created, started or reached; the message says why."""


@dataclass
class Status:
    running: bool
    pid: int | None
    data_dir: Path
    port: int
    external: bool = False
    detail: str = ""

    def describe(self) -> str:
        if self.external:
            return "使用 DATABASE_URL 指定的外部数据库 (external server from DATABASE_URL); 未启动内置集群"
        if self.running:
            return f"内置 PostGIS 正在运行 (running): pid {self.pid}, 127.0.0.1:{self.port}, 数据目录 {self.data_dir}"
        return f"内置 PostGIS 未运行 (stopped): 数据目录 {self.data_dir}{'; ' + self.detail if self.detail else ''}"


def find_bin_dir(settings: DatabaseSettings | None = None) -> Path:
    s = settings or database_settings()
    if s.bin_dir:
        return Path(s.bin_dir)
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name), reverse=True
    )
    if candidates:
        return candidates[0].parent
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    raise ClusterError(
        "找不到 PostgreSQL 服务器程序 initdb (PostgreSQL server binaries not found): "
        "运行 `make setup` 安装 postgresql-15-postgis-3, 或设置 RISKATLAS_PG_BIN_DIR"
    )


class Cluster:
    """One embedded cluster, described by :class:`DatabaseSettings`."""

    def __init__(self, settings: DatabaseSettings | None = None):
        self.settings = settings or database_settings()
        self.data_dir = self.settings.resolved_data_dir()
        self.port = self.settings.port
        self.log_file = self.data_dir.parent / "postgresql.log"
        self.password_file = self.data_dir.parent / "password"

    # -- helpers -------------------------------------------------------------------------------
    @property
    def external(self) -> bool:
        return bool(self.settings.database_url)

    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    def _bin(self, name: str) -> str:
        return str(find_bin_dir(self.settings) / name)

    def _run(self, args: list[str], *, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        if self.as_root:
            args = ["runuser", "-u", SERVER_USER_WHEN_ROOT, "--", *args]
        proc = subprocess.run(args, capture_output=True, text=True, timeout=timeout, cwd="/")
        if check and proc.returncode != 0:
            raise ClusterError(f"{' '.join(args)} 失败 (failed):\n{proc.stdout}{proc.stderr}")
        return proc

    def password(self) -> str | None:
        try:
            return self.password_file.read_text().strip()
        except FileNotFoundError:
            return None

    def initialized(self) -> bool:
        return (self.data_dir / "PG_VERSION").is_file()

    # -- status --------------------------------------------------------------------------------
    def _pid_from_file(self) -> int | None:
        try:
            first = (self.data_dir / "postmaster.pid").read_text().splitlines()[0]
            return int(first.strip())
        except (FileNotFoundError, IndexError, ValueError, PermissionError):
            return None

    def _pid_is_our_postmaster(self, pid: int) -> bool:
        """True when ``pid`` is a live postgres process serving this data directory."""
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            return False
        if not cmdline or not cmdline[0]:
            return False
        exe = os.path.basename(cmdline[0].decode(errors="replace"))
        if "postgres" not in exe and "postmaster" not in exe:
            return False
        try:
            return Path(f"/proc/{pid}/cwd").resolve() == self.data_dir.resolve()
        except (FileNotFoundError, PermissionError):
            # Without permission to read cwd, a postgres process with our pid file is ours.
            return True

    def status(self) -> Status:
        if self.external:
            return Status(False, None, self.data_dir, self.port, external=True)
        pid = self._pid_from_file()
        if pid is None:
            detail = "" if self.initialized() else "尚未创建 (not created yet)"
            return Status(False, None, self.data_dir, self.port, detail=detail)
        if self._pid_is_our_postmaster(pid):
            return Status(True, pid, self.data_dir, self.port)
        return Status(False, None, self.data_dir, self.port, detail=f"残留的 postmaster.pid (stale pid {pid})")

    # -- lifecycle -----------------------------------------------------------------------------
    def _prepare_dirs(self) -> None:
        parent = self.data_dir.parent
        parent.mkdir(parents=True, exist_ok=True)
        if self.as_root:
            try:
                pw = pwd.getpwnam(SERVER_USER_WHEN_ROOT)
            except KeyError:
                raise ClusterError(
                    "以 root 运行时需要系统用户 postgres (as root the server runs as user 'postgres', "
                    "which does not exist): 运行 `make setup` 安装 postgresql-15"
                ) from None
            os.chown(parent, pw.pw_uid, pw.pw_gid)
            probe = subprocess.run(
                ["runuser", "-u", SERVER_USER_WHEN_ROOT, "--", "test", "-w", str(parent)], capture_output=True
            )
            if probe.returncode != 0:
                raise ClusterError(
                    f"postgres 用户无法访问数据目录 {parent} (user postgres cannot reach the data directory): "
                    "设置 RISKATLAS_PG_DATA_DIR 到其可访问的位置"
                )

    def init(self) -> bool:
        """Create the cluster if it does not exist. Returns True when it was created now."""
        if self.initialized():
            return False
        self._prepare_dirs()
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise ClusterError(
                f"数据目录 {self.data_dir} 非空但不是 PostgreSQL 集群 (data directory is not empty and not a cluster)"
            )
        password = secrets.token_urlsafe(24)
        pwfile = self.data_dir.parent / ".initdb-pw"
        pwfile.write_text(password + "\n")
        os.chmod(pwfile, 0o600)
        if self.as_root:
            pw = pwd.getpwnam(SERVER_USER_WHEN_ROOT)
            os.chown(pwfile, pw.pw_uid, pw.pw_gid)
        try:
            self._run([
                self._bin("initdb"), "-D", str(self.data_dir), "-U", self.settings.user,
                "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", f"--pwfile={pwfile}",
                "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions",
            ])
        except ClusterError:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            raise
        finally:
            pwfile.unlink(missing_ok=True)
        self.password_file.write_text(password + "\n")
        os.chmod(self.password_file, 0o600)
        conf = self.data_dir / "postgresql.conf"
        with conf.open("a") as f:
            f.write(
                "\n# riskatlas embedded cluster\n"
                "listen_addresses = '127.0.0.1'\n"
                "unix_socket_directories = ''\n"
                "shared_buffers = 512MB\n"
                "work_mem = 32MB\n"
                "maintenance_work_mem = 512MB\n"
                "max_wal_size = 4GB\n"
                "max_connections = 200\n"
                "jit = off\n"
            )
        return True

    def _clear_stale_pid(self) -> bool:
        pidfile = self.data_dir / "postmaster.pid"
        pid = self._pid_from_file()
        if pid is None or self._pid_is_our_postmaster(pid):
            return False
        # Backends of a crashed postmaster may still hold the shared memory for a moment.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and self._orphans():
            time.sleep(0.2)
        pidfile.unlink(missing_ok=True)
        return True

    def _orphans(self) -> list[int]:
        """Postgres processes still running in this data directory (children of a dead postmaster)."""
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and self._pid_is_our_postmaster(int(entry.name)):
                found.append(int(entry.name))
        return found

    def start(self, *, wait_seconds: float = 60) -> Status:
        """Start the server (creating it first if needed); report it if it already runs."""
        if self.external:
            return self.status()
        self.init()
        st = self.status()
        if st.running:
            return st
        if _port_in_use(self.settings.host, self.port):
            raise ClusterError(
                f"端口 {self.port} 已被其他程序占用 (port {self.port} on {self.settings.host} is in use, "
                f"perhaps by another checkout's cluster): 设置 RISKATLAS_PG_PORT 换一个端口"
            )
        if self._clear_stale_pid():
            print(f"已清除残留的 postmaster.pid (removed stale pid file in {self.data_dir})", file=sys.stderr)
        if self.as_root:
            pw = pwd.getpwnam(SERVER_USER_WHEN_ROOT)
            self.log_file.touch(exist_ok=True)
            os.chown(self.log_file, pw.pw_uid, pw.pw_gid)
        proc = self._run(
            [self._bin("pg_ctl"), "-D", str(self.data_dir), "-l", str(self.log_file), "-w",
             "-t", str(int(wait_seconds)), "-o", f"-p {self.port}", "start"],
            check=False, timeout=wait_seconds + 30,
        )
        st = self.status()
        if proc.returncode != 0 or not st.running:
            tail = ""
            try:
                tail = "\n".join(self.log_file.read_text(errors="replace").splitlines()[-15:])
            except OSError:
                pass
            raise ClusterError(
                f"内置 PostGIS 启动失败 (server did not start) on port {self.port}:\n"
                f"{proc.stdout}{proc.stderr}\n--- {self.log_file} ---\n{tail}"
            )
        self._wait_accepting(wait_seconds)
        self.ensure_database(self.settings.database)
        return st

    def _wait_accepting(self, wait_seconds: float) -> None:
        deadline = time.monotonic() + wait_seconds
        while True:
            proc = subprocess.run(
                [self._bin("pg_isready"), "-h", self.settings.host, "-p", str(self.port)], capture_output=True
            )
            if proc.returncode == 0:
                return
            if time.monotonic() > deadline:
                raise ClusterError(f"内置 PostGIS 未在 {wait_seconds}s 内就绪 (server not accepting connections)")
            time.sleep(0.2)

    def stop(self, *, mode: str = "fast") -> Status:
        if self.external:
            return self.status()
        st = self.status()
        if not st.running:
            self._clear_stale_pid()
            return self.status()
        self._run([self._bin("pg_ctl"), "-D", str(self.data_dir), "-m", mode, "-w", "stop"], timeout=120)
        return self.status()

    def kill(self) -> None:
        """Kill the postmaster with SIGKILL, as a crash would (for tests of recovery)."""
        st = self.status()
        if st.running and st.pid:
            os.kill(st.pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and Path(f"/proc/{st.pid}").exists():
                time.sleep(0.05)

    def destroy(self) -> None:
        """Stop the server and delete the cluster and its password (tests only)."""
        self.stop(mode="immediate")
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)

    # -- databases -----------------------------------------------------------------------------
    def admin_url(self, dbname: str = "postgres") -> str:
        from urllib.parse import quote

        return (
            f"postgresql://{quote(self.settings.user)}:{quote(self.password() or '')}@"
            f"{self.settings.host}:{self.port}/{quote(dbname)}"
        )

    def ensure_database(self, name: str) -> bool:
        """Create database ``name`` if it does not exist. True when created now."""
        import psycopg2
        from psycopg2 import sql

        conn = psycopg2.connect(self.admin_url())
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
                if cur.fetchone():
                    return False
                cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
                return True
        finally:
            conn.close()

    def drop_database(self, name: str) -> None:
        import psycopg2
        from psycopg2 import sql

        conn = psycopg2.connect(self.admin_url())
        conn.autocommit = True
        try:
            with conn.cursor() as cur:
                cur.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        finally:
            conn.close()


def _port_in_use(host: str, port: int) -> bool:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def ensure_running(settings: DatabaseSettings | None = None) -> Status:
    """Start the embedded cluster unless ``DATABASE_URL`` is set; return its status."""
    return Cluster(settings).start()
