"""FastAPI application factory (a lifespan opens the connection pool, as in tipg)."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from app.db import Pool
from app.routes import enterprises, pages
from layers.plant import NotFound


def create_app(database_url: str | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI):
        from db.connection import database_url as default_url

        app.state.pool = Pool(database_url or default_url())
        try:
            yield
        finally:
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

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError):
        problems = [
            {"field": ".".join(str(p) for p in e.get("loc", ())), "message": e.get("msg", "")} for e in exc.errors()
        ]
        return JSONResponse(status_code=422, content={"detail": "请求参数无效 (invalid request)", "errors": problems})

    app.include_router(enterprises.router)
    app.include_router(pages.router)
    return app
