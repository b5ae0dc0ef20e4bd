"""FastAPI application factory (a lifespan opens the connection pool, as in tipg)."""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager

import psycopg2
import psycopg2.errors
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from starlette.middleware.gzip import GZipMiddleware

from app.db import Pool, PoolBusy
from app.routes import enterprises, pages
from layers.accounts import AuthError, Forbidden
from layers.errors import Conflict, InvalidInput, NotFound, Stale, VersionRequired
from layers.imports.problems import TooLarge, UnsupportedFormat

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
    conn = pool.getconn()
    try:
        with conn, conn.cursor() as cur:
            cur.execute("SELECT ra_refresh_overdue()")
    finally:
        pool.putconn(conn)


#: Route modules beyond the first slice, one per concept; each exposes ``router``.
ROUTE_MODULES: list[str] = [
    "app.routes.system",
    "app.routes.auth",
    "app.routes.levels",
    "app.routes.regions",
    "app.routes.risk_lists",
    "app.routes.hidden_hazards",
    "app.routes.hazard_sources",
    "app.routes.imports",
    "app.routes.plant_maps",
    "app.routes.cards",
    "app.routes.charts",
    "app.routes.reports",
    "app.routes.emergency",
    "app.routes.tiles",
    "app.routes.exports",
    "app.routes.entities",   # after regions: /api/regions/stats before /api/regions/{region_id}
]


#: Chinese for pydantic's validation error types (English kept in parentheses).
_VALIDATION_ZH = {
    "missing": "必填", "int_parsing": "应为整数", "int_type": "应为整数", "float_parsing": "应为数字",
    "float_type": "应为数字", "bool_parsing": "应为 true 或 false", "string_type": "应为文字",
    "string_too_long": "过长", "string_too_short": "过短", "too_long": "条目过多", "too_short": "条目过少",
    "greater_than": "应大于 {gt}", "greater_than_equal": "应不小于 {ge}", "less_than": "应小于 {lt}",
    "less_than_equal": "应不大于 {le}", "literal_error": "应为 {expected} 之一", "enum": "应为 {expected} 之一",
    "json_invalid": "不是有效的 JSON", "dict_type": "应为 JSON 对象", "list_type": "应为列表",
    "date_parsing": "应为日期 YYYY-MM-DD", "date_from_datetime_parsing": "应为日期 YYYY-MM-DD",
    "datetime_parsing": "应为日期时间", "extra_forbidden": "不是可接受的字段", "string_pattern_mismatch": "格式不符",
    "finite_number": "应为有限数值", "string_nul": "不能含 NUL 字符", "model_attributes_type": "应为 JSON 对象",
}


def validation_message_zh(e: dict) -> str:
    zh = _VALIDATION_ZH.get(e.get("type", ""))
    if zh is None:
        return e.get("msg", "")
    try:
        zh = zh.format(**(e.get("ctx") or {}))
    except (KeyError, IndexError):
        pass
    return f"{zh} ({e.get('msg', '')})"


def _nul_fields(value, loc: tuple) -> list[tuple]:
    """Where a parsed JSON value holds a NUL character (in a key or a string)."""
    if isinstance(value, str):
        return [loc] if "\x00" in value else []
    if isinstance(value, dict):
        found = []
        for k, v in value.items():
            found += [(*loc, k)] if "\x00" in k else _nul_fields(v, (*loc, k))
        return found
    if isinstance(value, list):
        return [f for i, v in enumerate(value) for f in _nul_fields(v, (*loc, i))]
    return []


_NUL_CHECK_MAX_BYTES = 1 << 20


async def reject_nul(request: Request) -> None:
    """PostgreSQL text cannot hold the NUL character (psycopg2 refuses it with a ValueError before
    the query is sent): a path, query, form or JSON value holding one is the caller's mistake, 422
    naming the field, for every route at once (multipart fields: app/uploads.py)."""
    found = [("path", k) for k, v in request.path_params.items() if isinstance(v, str) and "\x00" in v]
    found += [("query", k) for k, v in request.query_params.multi_items() if "\x00" in k or "\x00" in v]
    ctype = request.headers.get("content-type", "")
    # bodies are looked at only when small and already read by FastAPI's own parsing (JSON, console
    # forms): uploads stream under their size limits (app/uploads.py, which checks multipart fields)
    length = request.headers.get("content-length", "")
    if not (length.isdigit() and int(length) <= _NUL_CHECK_MAX_BYTES):
        ctype = ""
    if ctype.startswith("application/json"):
        body = await request.body()
        if b"\\u0000" in body:  # cheap test first; the parse confirms (an escaped backslash may precede)
            import json

            try:
                found += _nul_fields(json.loads(body), ("body",))
            except ValueError:
                pass  # invalid JSON: FastAPI's own validation answers it
    elif ctype.startswith("application/x-www-form-urlencoded"):
        form = await request.form()
        found += [("body", k) for k, v in form.multi_items() if "\x00" in k or (isinstance(v, str) and "\x00" in v)]
    if found:
        raise RequestValidationError([{"type": "string_nul", "loc": loc, "input": None,
                                       "msg": "String should not contain the NUL character"} for loc in found])


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
        dependencies=[Depends(reject_nul)],
    )

    # Pages, GeoJSON and JSON compress 5–10×: a province's city page is ~740 KB of HTML, its towns'
    # GeoJSON several MB. Vector tiles are left alone (small, and their cost is per-request latency),
    # as are formats that are compressed already.
    app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=6, exclude_content_types=GZIP_EXCLUDED)

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound):
        return JSONResponse(status_code=404, content={"detail": str(exc)})

    @app.exception_handler(InvalidInput)
    async def invalid_input(request: Request, exc: InvalidInput):
        return JSONResponse(status_code=422, content={"detail": str(exc), "errors": exc.errors})

    @app.exception_handler(AuthError)
    async def unauthenticated(request: Request, exc: AuthError):
        if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
            from urllib.parse import quote

            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
        return JSONResponse(status_code=401, content={"detail": str(exc)}, headers={"WWW-Authenticate": "Bearer"})

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, exc: Forbidden):
        return JSONResponse(status_code=403, content={"detail": str(exc)})

    @app.exception_handler(psycopg2.errors.InsufficientPrivilege)
    async def outside_jurisdiction(request: Request, exc: psycopg2.Error):
        # row-level security refused a write: the target is outside the user's jurisdiction (a
        # foreign id is "not found", as for reads), or the user's role may only read it
        user = getattr(request.state, "user", None)
        if user is not None and user.role == "regulator":
            return JSONResponse(status_code=403, content={
                "detail": "监管人员对企业数据只读, 可记录执法检查和隐患 (regulators read enterprise data; they record "
                          "inspections and hidden hazards)"})
        return JSONResponse(status_code=404, content={"detail": "对象不存在或不在您的权限范围内 (not found)"})

    @app.exception_handler(PoolBusy)
    async def busy(request: Request, exc: PoolBusy):
        return JSONResponse(status_code=503, content={"detail": str(exc)}, headers={"Retry-After": "5"})

    @app.exception_handler(TooLarge)
    async def too_large(request: Request, exc: TooLarge):
        return JSONResponse(status_code=413, content={"detail": str(exc), "errors": exc.errors})

    @app.exception_handler(UnsupportedFormat)
    async def unsupported(request: Request, exc: UnsupportedFormat):
        return JSONResponse(status_code=415, content={"detail": str(exc), "errors": exc.errors})

    @app.exception_handler(Stale)
    async def stale(request: Request, exc: Stale):
        return JSONResponse(status_code=412, content={"detail": str(exc)})

    @app.exception_handler(VersionRequired)
    async def version_required(request: Request, exc: VersionRequired):
        return JSONResponse(status_code=428, content={"detail": str(exc), "errors": exc.errors})

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
            {"field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")),
             "message": validation_message_zh(e)} for e in exc.errors()
        ]
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:3])
        return JSONResponse(status_code=422, content={"detail": f"请求参数无效 (invalid request): {summary}",
                                                      "errors": problems})

    app.include_router(enterprises.router)
    for router in extra_routers():
        app.include_router(router)
    app.include_router(pages.router)
    return app
