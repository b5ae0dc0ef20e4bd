"""Where the database is, and where the project keeps its files.

Settings are one class per concern, each read from ``RISKATLAS_*`` environment variables in one
place, in the manner of tipg: the database here, the palette and imports in ``layers/settings.py``,
the maps in ``maps/settings.py``, the web app in ``app/settings.py``.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
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


@lru_cache
def database_settings() -> DatabaseSettings:
    return DatabaseSettings()

