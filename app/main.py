"""FastAPI application factory (a lifespan opens the connection pool, as in tipg)."""

from __future__ import annotations

import asyncio
import importlib
import logging
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from starlette.middleware.gzip import GZipMiddleware

from app import errors
from app.pool import Pool
from app.validation import reject_nul
from layers import rollup

logger = logging.getLogger("riskatlas")

OVERDUE_REFRESH_SECONDS = 3600
#: responses not worth compressing: compressed already, or vector tiles (small; their cost is latency)
GZIP_EXCLUDED = ("image/png", "image/jpeg", "image/webp", "image/gif", "application/pdf", "application/zip",
                 "application/gzip", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                 "application/vnd.mapbox-vector-tile", "font/woff2", "text/event-stream")


async def _refresh_overdue_levels(pool: Pool) -> None:
    """Deadlines pass without any write: pick up newly overdue hidden hazards at start and hourly."""
    while True:
        try:
            await asyncio.to_thread(_refresh_once, pool)
        except Exception:  # noqa: BLE001 - a failed refresh must not stop the app; it is logged
            logger.exception("refreshing overdue levels failed")
        await asyncio.sleep(OVERDUE_REFRESH_SECONDS)


def _refresh_once(pool: Pool) -> None:
    with pool.connection() as conn, conn:
        rollup.refresh_overdue(conn)


#: The route modules, one per concept; each exposes ``router``. Order matters where paths overlap.
ROUTE_MODULES: list[str] = [
    "app.routes.enterprises",
    "app.routes.system",
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
    )

    # Pages, GeoJSON and JSON compress 5–10×: a province's city page is ~740 KB of HTML, its towns'
    # GeoJSON several MB. Vector tiles are left alone (small, and their cost is per-request latency),
    # as are formats that are compressed already.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6, exclude_content_types=GZIP_EXCLUDED)
    errors.install(app)
    for module in ROUTE_MODULES:
        app.include_router(importlib.import_module(module).router)
    return app
