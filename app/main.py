"""FastAPI application factory (a lifespan opens the connection pool, as in tipg)."""

from __future__ import annotations

import asyncio
import importlib
import logging
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.middleware.gzip import GZipMiddleware

from app import errors
from app.pool import DISCONNECTED, DatabaseUnavailable, Pool
from app.ratelimit import TokenBucket
from app.renders import RenderSlots
from app.security import SecurityHeaders
from app.settings import web_settings
from app.validation import reject_nul
from layers import rollup

logger = logging.getLogger("riskatlas")

OVERDUE_REFRESH_SECONDS = 3600
#: after a failed refresh (the database was away), the next try comes sooner than the next hour
OVERDUE_RETRY_SECONDS = 60
#: responses not worth compressing: compressed already, or vector tiles (small; their cost is latency)
GZIP_EXCLUDED = ("image/png", "image/jpeg", "image/webp", "image/gif", "application/pdf", "application/zip",
                 "application/gzip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "application/vnd.mapbox-vector-tile", "font/woff2", "text/event-stream")


async def _refresh_overdue_levels(pool: Pool) -> None:
    """Deadlines pass without any write: pick up newly overdue hidden hazards at start and hourly.
    Nothing stops the loop: a refresh that fails (the database is away) is logged and tried again
    a minute later."""
    while True:
        pause = OVERDUE_REFRESH_SECONDS
        try:
            await asyncio.to_thread(_refresh_once, pool)
        except (DatabaseUnavailable, *DISCONNECTED) as e:
            logger.warning("refreshing overdue levels failed, the database is away: %s", str(e).strip())
            pause = OVERDUE_RETRY_SECONDS
        except Exception:  # noqa: BLE001 - a failed refresh must not stop the app; it is logged
            logger.exception("refreshing overdue levels failed")
            pause = OVERDUE_RETRY_SECONDS
        await asyncio.sleep(pause)


def _refresh_once(pool: Pool) -> None:
    """One refresh, on a pooled connection checked first (it may have died in a database restart)."""
    with pool.connection() as conn, conn:
        rollup.refresh_overdue(conn)


#: The route modules, one per concept; each exposes ``router``. Order matters where paths overlap.
ROUTE_MODULES: list[str] = [
    "app.routes.enterprises",
    "app.routes.system",
    "app.routes.docs",
    "app.routes.auth",
    "app.routes.levels",
    "app.routes.regions",
    "app.routes.risk_lists",
    "app.routes.hidden_hazards",
    "app.routes.hazard_sources",
    "app.routes.chemicals",
    "app.routes.imports",
    "app.routes.plant_maps",
    "app.routes.cards",
    "app.routes.charts",
    "app.routes.reports",
    "app.routes.emergency",
    "app.routes.tiles",
    "app.routes.exports",
    "app.routes.entities",   # after regions: /api/regions/stats before /api/regions/{region_id}
    "app.routes.setup",
    "app.routes.pages",      # the console's pages last
]


def create_app(database_url: str | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from db.connection import database_url as default_url

        app.state.pool = Pool(database_url or default_url())
        refresher = asyncio.create_task(_refresh_overdue_levels(app.state.pool))
        try:
            yield
        finally:
            refresher.cancel()
            app.state.pool.close()

    app = FastAPI(
        title="riskatlas 安全风险四色分布图",
        description="双重预防机制: 安全风险分级管控与隐患排查治理的地图服务",
        version="0.1.0",
        lifespan=lifespan,
        dependencies=[Depends(reject_nul)],
        docs_url=None, redoc_url=None,          # app/routes/docs.py serves them with local viewers
    )

    # Pages, GeoJSON and JSON compress 5–10×: a province's city page is ~740 KB of HTML, its towns'
    # GeoJSON several MB. Vector tiles are left alone (small, and their cost is per-request latency),
    # as are formats that are compressed already.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6, exclude_content_types=GZIP_EXCLUDED)
    # outermost: every answer carries the security headers, errors and compressed ones included
    app.add_middleware(SecurityHeaders)
    errors.install(app)
    settings = web_settings()
    app.state.anonymous_limit = TokenBucket(settings.anonymous_burst, settings.anonymous_per_minute)
    app.state.render_slots = RenderSlots(settings.renders_total, settings.renders_per_user)
    for module in ROUTE_MODULES:
        app.include_router(importlib.import_module(module).router)
    return app
