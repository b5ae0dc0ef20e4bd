"""FastAPI application factory (a lifespan opens the connection pool, as in tipg)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

import psycopg2
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.db import Pool, PoolBusy
from app.routes import enterprises, pages
from layers.errors import Conflict, InvalidInput, NotFound

logger = logging.getLogger("riskatlas")

OVERDUE_REFRESH_SECONDS = 3600


async def _refresh_overdue_levels(pool: Pool) -> None:
    """Deadlines pass without any write: pick up newly overdue hidden hazards at start and hourly."""
    while True:
        try:
            await asyncio.to_thread(_refresh_once, pool)
        except Exception:  # noqa: BLE001 - a failed refresh must not stop the app; it is logged
            logger.exception("refreshing overdue levels failed")
        await asyncio.sleep(OVERDUE_REFRESH_SECONDS)


def _refresh_once(pool: Pool) -> None:
    conn = pool.getconn()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT ra_refresh_overdue()")
    finally:
        pool.putconn(conn)


#: Route modules beyond the first slice, one per concept; each exposes ``router``.
ROUTE_MODULES: list[str] = [
    "app.routes.system",
    "app.routes.levels",
    "app.routes.regions",
    "app.routes.risk_lists",
    "app.routes.hidden_hazards",
    "app.routes.hazard_sources",
    "app.routes.tiles",
    "app.routes.exports",
]


def extra_routers():
    import importlib

    return [importlib.import_module(m).router for m in ROUTE_MODULES]


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
    )

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    @app.exception_handler(InvalidInput)
    async def invalid_input(request: Request, exc: InvalidInput):
        return JSONResponse(status_code=422, content={"detail": str(exc), "errors": exc.errors})

    @app.exception_handler(PoolBusy)
    async def busy(request: Request, exc: PoolBusy):
        return JSONResponse(status_code=503, content={"detail": str(exc)}, headers={"Retry-After": "5"})

    @app.exception_handler(Conflict)
    async def conflict(request: Request, exc: Conflict):
        return JSONResponse(status_code=409, content={"detail": str(exc)})

    @app.exception_handler(psycopg2.IntegrityError)
    @app.exception_handler(psycopg2.DataError)
    async def database_refused(request: Request, exc: psycopg2.Error):
        # A check at the door in PostGIS (invalid geometry, wrong CRS, bad code, broken nesting...)
        # refused the write: the caller's mistake, with the database's reason.
        message = (exc.diag.message_primary if exc.diag else None) or str(exc).splitlines()[0]
        return JSONResponse(status_code=422, content={"detail": message})

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": "请求参数无效 (invalid request)", "errors": problems})

    app.include_router(enterprises.router)
    for router in extra_routers():
        app.include_router(router)
    app.include_router(pages.router)
    return app
