"""Settings of the domain, read from ``RISKATLAS_*`` environment variables in one place: the
palette of the four levels and grey (``RISKATLAS_COLOUR_*``) and the largest file an import takes."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class PaletteSettings(BaseSettings):
    """The colours of 重大/较大/一般/低 and 未评估 as ``#RRGGBB``; defaults red, orange, yellow, blue, grey."""

    model_config = SettingsConfigDict(env_prefix="RISKATLAS_COLOUR_", extra="ignore")

    major: str = "#FF0000"
    significant: str = "#FF8000"
    general: str = "#FFFF00"
    low: str = "#0000FF"
    unassessed: str = "#BFBFBF"

    @field_validator("major", "significant", "general", "low", "unassessed")
    @classmethod
    def _hex(cls, v: str, info: ValidationInfo) -> str:
        try:
            ok = len(v) == 7 and v.startswith("#") and int(v[1:], 16) >= 0
        except ValueError:
            ok = False
        if not ok:
            if info.field_name is None:   # pydantic names the field for a field validator
                raise RuntimeError("颜色校验缺少字段名 (colour validator called without a field name)")
            raise ValueError(f"RISKATLAS_COLOUR_{info.field_name.upper()} 应为 #RRGGBB 格式: {v!r}")
        return v.upper()


class ImportSettings(BaseSettings):
    """How large an import file may be (``RISKATLAS_MAX_UPLOAD_MB``); larger uploads are refused (413)."""

    model_config = SettingsConfigDict(env_prefix="RISKATLAS_", extra="ignore")

    max_upload_mb: float = Field(default=50.0, gt=0)


@lru_cache
def import_settings() -> ImportSettings:
    return ImportSettings()
