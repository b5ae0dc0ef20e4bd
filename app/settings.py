"""Settings of the web application, read from ``RISKATLAS_*`` environment variables in one place."""

from __future__ import annotations

from functools import lru_cache

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class WebSettings(BaseSettings):
    """Where the web app listens, its public address and its login sessions."""

    model_config = SettingsConfigDict(env_prefix="RISKATLAS_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    #: Public base URL of the web app: QR codes on notification cards link to {public_base_url}/cards/{token}.
    #: Env RISKATLAS_PUBLIC_BASE_URL (RISKATLAS_BASE_URL, the earlier name, is still read).
    public_base_url: str = Field(
        default="http://localhost:8000",
        validation_alias=AliasChoices("RISKATLAS_PUBLIC_BASE_URL", "RISKATLAS_BASE_URL", "public_base_url"),
    )
    #: Hours a login session lasts.
    session_hours: float = 12.0
    #: Send the console's session cookie only over HTTPS (set when the app is behind TLS).
    cookie_secure: bool = False
    #: Requests one client address may make at once to the routes without login (the public card
    #: page, the login page) before it must wait (RISKATLAS_ANONYMOUS_BURST) ...
    anonymous_burst: int = Field(default=30, ge=1, le=100_000)
    #: ... and how many more it may make a minute after that (RISKATLAS_ANONYMOUS_PER_MINUTE).
    anonymous_per_minute: float = Field(default=60.0, gt=0, le=1_000_000)
    #: Sheets, cards, reports and briefings drawn at once in all (``RISKATLAS_RENDERS_TOTAL``) and per user
    #: (``RISKATLAS_RENDERS_PER_USER``); a request beyond either is answered 429 at once.
    renders_total: int = Field(default=4, ge=1, le=1000)
    renders_per_user: int = Field(default=2, ge=1, le=1000)

    @field_validator("public_base_url")
    @classmethod
    def _public_base_url(cls, v: str) -> str:
        v = v.strip().rstrip("/")
        if not v.startswith(("http://", "https://")) or len(v) <= len("https://"):
            raise ValueError(f"RISKATLAS_PUBLIC_BASE_URL 应以 http:// 或 https:// 开头: {v!r} (must be an http(s) URL)")
        return v


@lru_cache
def web_settings() -> WebSettings:
    return WebSettings()
