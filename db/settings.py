"""The one settings module of riskatlas.

It lives in ``db/`` because that is the bottom of the data flow (db -> layers -> maps -> app), so
every layer may import it. One class per concern, each read from ``RISKATLAS_*`` environment
variables (and ``DATABASE_URL``), in the manner of tipg.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The checkout riskatlas runs from (``db/`` lives directly under it in an editable install).
PACKAGE_ROOT = Path(__file__).resolve().parent.parent


def project_root() -> Path:
    """The project directory: the checkout when running from one, else ``~/.local/share/riskatlas``."""
    if (PACKAGE_ROOT / "pyproject.toml").is_file():
        return PACKAGE_ROOT
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "riskatlas"


class DatabaseSettings(BaseSettings):
    """Where the database is: the embedded cluster, or ``DATABASE_URL`` when that is set."""

    model_config = SettingsConfigDict(env_prefix="RISKATLAS_PG_", extra="ignore")

    #: A full libpq URL. When set, riskatlas uses that server and starts nothing.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "RISKATLAS_DATABASE_URL")
    )
    #: Directory of the embedded cluster; default ``var/pg`` in the project.
    data_dir: Path | None = None
    #: Directory holding initdb/pg_ctl/postgres; default: the newest /usr/lib/postgresql/*/bin.
    bin_dir: Path | None = None
    host: str = "127.0.0.1"
    port: int = 55432
    database: str = "riskatlas"
    user: str = "riskatlas"

    def resolved_data_dir(self) -> Path:
        if self.data_dir is not None:
            return Path(self.data_dir).resolve()
        default = project_root() / "var" / "pg"
        if os.geteuid() == 0 and not _world_traversable(default.parent):
            # As root the server runs as the ``postgres`` user, who must be able to reach the data
            # directory; a checkout under /root is not reachable, so keep the cluster under /var/lib.
            digest = hashlib.sha1(str(project_root()).encode()).hexdigest()[:10]
            return Path("/var/lib/riskatlas") / digest / "pg"
        return default


def _world_traversable(path: Path) -> bool:
    """True when every existing ancestor of ``path`` lets other users through (o+x)."""
    for p in [path, *path.parents]:
        if p.exists():
            if not p.stat().st_mode & 0o001:
                return False
    return True


class AppSettings(BaseSettings):
    """The web application and the rendered outputs."""

    model_config = SettingsConfigDict(env_prefix="RISKATLAS_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    #: Public base URL of the web app: QR codes on notification cards link to {public_base_url}/cards/{id}.
    #: Env RISKATLAS_PUBLIC_BASE_URL (RISKATLAS_BASE_URL, the earlier name, is still read).
    public_base_url: str = Field(
        default="http://localhost:8000",
        validation_alias=AliasChoices("RISKATLAS_PUBLIC_BASE_URL", "RISKATLAS_BASE_URL", "public_base_url"),
    )
    out_dir: Path = Field(default_factory=lambda: project_root() / "out")
    #: zh (default) or en.
    locale: str = "zh"
    #: Hours a login session lasts.
    session_hours: float = 12.0
    #: Send the console's session cookie only over HTTPS (set when the app is behind TLS).
    cookie_secure: bool = False
    #: Largest file accepted by the imports (MB); larger uploads are answered 413.
    max_upload_mb: float = Field(default=50.0, gt=0)

    @field_validator("public_base_url")
    @classmethod
    def _public_base_url(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if not v.startswith(("http://", "https://")) or len(v) <= len("https://"):
            raise ValueError(f"RISKATLAS_PUBLIC_BASE_URL 应以 http:// 或 https:// 开头: {v!r} (must be an http(s) URL)")
        return v

    @property
    def base_url(self) -> str:
        """The earlier name of :attr:`public_base_url`."""
        return self.public_base_url


class MapSettings(BaseSettings):
    """The interactive maps: which base map under the risk layers, and where the front-end assets are.

    ``RISKATLAS_MAP_BASEMAP``: ``none`` (region boundaries only, the default: works on an intranet with no
    internet), ``tianditu`` (天地图, needs ``RISKATLAS_MAP_TIANDITU_KEY``), ``amap`` (高德; its tiles are in
    GCJ-02, so points drawn in WGS84 sit a few hundred metres off) or ``xyz`` (a local tile server:
    ``RISKATLAS_MAP_XYZ_URL`` such as ``http://10.0.0.5/tiles/{z}/{x}/{y}.png``). Only a configured base
    map makes a page reference another host.
    """

    model_config = SettingsConfigDict(env_prefix="RISKATLAS_MAP_", extra="ignore")

    basemap: Literal["none", "tianditu", "amap", "xyz"] = "none"
    tianditu_key: str | None = None
    xyz_url: str | None = None
    #: Attribution shown for a configured base map (xyz); tianditu and amap have their own.
    attribution: str = ""
    #: Leaflet and its plugins, installed at set-up (``riskatlas city assets``), served at /static/vendor/.
    vendor_dir: Path = Field(default_factory=lambda: project_root() / "var" / "vendor")


@lru_cache
def map_settings() -> MapSettings:
    return MapSettings()


@lru_cache
def database_settings() -> DatabaseSettings:
    return DatabaseSettings()


@lru_cache
def app_settings() -> AppSettings:
    return AppSettings()
