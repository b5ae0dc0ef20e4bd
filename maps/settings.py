"""Settings of the maps, read from ``RISKATLAS_MAP_*`` (and ``RISKATLAS_OUT_DIR``) in one place."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from db.settings import project_root


class MapSettings(BaseSettings):
    """The interactive maps' base map, their front-end assets, and where rendered maps are written.

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
    #: Leaflet and its plugins, installed at set-up, served at /static/vendor/.
    vendor_dir: Path = Field(default_factory=lambda: project_root() / "var" / "vendor")
    #: Where the CLI writes rendered maps, sheets, cards and reports (``RISKATLAS_OUT_DIR``).
    out_dir: Path = Field(default_factory=lambda: project_root() / "out",
                          validation_alias=AliasChoices("RISKATLAS_OUT_DIR", "out_dir"))

    def tile_origins(self) -> tuple[str, ...]:
        """The hosts the configured base map's tiles come from, as a Content-Security-Policy source
        list (``*.`` for a template's ``{s}`` subdomain); none for ``none``."""
        if self.basemap == "tianditu":
            return ("https://*.tianditu.gov.cn",)
        if self.basemap == "amap":
            return ("https://*.is.autonavi.com",)
        if self.basemap == "xyz" and self.xyz_url:
            url = urlsplit(self.xyz_url)
            host = url.netloc.replace("{s}.", "*.", 1) if url.netloc.startswith("{s}.") else url.netloc
            if url.scheme in ("http", "https") and host and "{" not in host:
                return (f"{url.scheme}://{host}",)
        return ()


@lru_cache
def map_settings() -> MapSettings:
    return MapSettings()
