"""How every error the app knows is answered: one table from exception class to HTTP status.

Domain errors (:mod:`layers.errors`, the accounts' and the imports'), the database's refusals and
FastAPI's own validation all answer ``{"detail": <the reason>}`` — with ``"errors"`` (field by
field) where the error carries them — never a 500. :func:`install` registers the table on an app;
a subclass finds its own row before its base's (Starlette looks up the exception's MRO).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import quote

import psycopg2
import psycopg2.errors
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from app.pool import UNAVAILABLE, DatabaseUnavailable, PoolBusy
from app.ratelimit import RateLimited
from app.render import html_page
from app.renders import RenderBusy
from app.validation import validation_message_zh
from layers.access.accounts import AuthError, Forbidden, TooManyAttempts
from layers.errors import Conflict, InvalidInput, NotFound, Stale, VersionRequired
from layers.imports.problems import TooLarge, UnsupportedFormat

Handler = Callable[[Request, Exception], Awaitable[Response]]

logger = logging.getLogger("riskatlas")


@dataclass(frozen=True)
class Answer:
    """The answer to one kind of error: its status, ``{"detail": str(exc)}`` and, with ``errors``,
    the exception's ``errors`` list beside it; ``headers`` go with it."""

    status: int
    errors: bool = False
    headers: dict[str, str] = field(default_factory=dict)

    async def __call__(self, request: Request, exc: Exception) -> Response:
        content = {"detail": str(exc)}
        if self.errors:
            content["errors"] = exc.errors  # type: ignore[attr-defined]
        return JSONResponse(status_code=self.status, content=content, headers=self.headers or None)


async def _unauthenticated(request: Request, exc: Exception) -> Response:
    """401, or for a browser's page request the login page, which comes back here afterwards."""
    if request.method == "GET" and "text/html" in request.headers.get("accept", ""):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)
    return await Answer(401, headers={"WWW-Authenticate": "Bearer"})(request, exc)


async def _rate_limited(request: Request, exc: Exception) -> Response:
    """429 with Retry-After (too many anonymous requests, or no drawing slot free): a page for a
    browser, else JSON."""
    assert isinstance(exc, RateLimited | RenderBusy)
    headers = {"Retry-After": str(exc.retry_after)}
    if "text/html" in request.headers.get("accept", ""):
        resp: Response = html_page("too_many_requests.html", status=429, message=str(exc))
        resp.headers.update(headers)
        return resp
    return JSONResponse(status_code=429, content={"detail": str(exc)}, headers=headers)


async def _too_many_attempts(request: Request, exc: Exception) -> Response:
    """429 with the seconds to wait (``Retry-After``): this address failed to log in too often."""
    retry = str(getattr(exc, "retry_after", 60))
    return await Answer(429, headers={"Retry-After": retry})(request, exc)


async def _outside_jurisdiction(request: Request, exc: Exception) -> Response:
    """Row-level security refused a write: the target is outside the user's jurisdiction (a foreign
    id is "not found", as for reads), or the user's role may only read it."""
    user = getattr(request.state, "user", None)
    if user is not None and user.role == "regulator":
        return JSONResponse(status_code=403, content={
            "detail": "监管人员对企业数据只读, 可记录执法检查和隐患 (regulators read enterprise data; they record "
                      "inspections and hidden hazards)"})
    return JSONResponse(status_code=404, content={"detail": "对象不存在或不在您的权限范围内 (not found)"})


async def _database_refused(request: Request, exc: Exception) -> Response:
    """A check at the door in PostGIS (invalid geometry, wrong CRS, bad code, broken nesting...)
    refused the write: the caller's mistake, with the database's reason."""
    diag = getattr(exc, "diag", None)
    message = (diag.message_primary if diag else None) or str(exc).splitlines()[0]
    return JSONResponse(status_code=422, content={"detail": message})


async def _value_error(request: Request, exc: Exception) -> Response:
    """A text holding the NUL character reached the database driver, which refuses it before sending
    (a body too large for the early NUL check): the caller's mistake, 422. Any other ValueError is a
    bug: logged with its traceback, and answered 500 in Chinese."""
    if "NUL (0x00)" in str(exc):
        return JSONResponse(status_code=422, content={
            "detail": "文本不能含 NUL 字符 (text must not contain the NUL character)",
            "errors": [{"field": "body", "message": "不能含 NUL 字符 (must not contain NUL)"}]})
    logger.error("unexpected error", exc_info=exc)
    return JSONResponse(status_code=500, content={"detail": "服务器内部错误 (internal server error)"})


#: How long a client should wait before asking again when the database is away or busy.
RETRY_AFTER = {"Retry-After": "5"}


#: What the database answered when it could not run a statement for a while (a timeout, a lock, no
#: memory): not the caller's mistake, and it passes.
DATABASE_BUSY = "数据库暂时无法完成此请求, 请稍后重试 (the database could not complete the request: retry later)"


def _lost_connection(exc: Exception) -> bool:
    """The connection itself failed: no code from the server (it is gone), a connection error
    (class 08) or the server ending the session (57P01 shutdown, 57P02 crash, 57P03 starting up...)."""
    code = getattr(exc, "pgcode", None)
    return code is None or code.startswith(("08", "57P"))


async def _database_unavailable(request: Request, exc: Exception) -> Response:
    """A statement failed for the database's state, not the request's (the server restarted or shut
    down under it, a timeout): a transient state of the service, neither the caller's mistake nor a
    bug, so 503 with Retry-After."""
    detail = UNAVAILABLE if _lost_connection(exc) else DATABASE_BUSY
    return JSONResponse(status_code=503, content={"detail": detail}, headers=RETRY_AFTER)


async def _invalid_request(request: Request, exc: Exception) -> Response:
    """FastAPI's validation: every field named, with pydantic's reason in Chinese."""
    problems = [
        {"field": ".".join(str(p) for p in e.get("loc", ()) if p not in ("body", "query", "path")),
         "message": validation_message_zh(e)} for e in exc.errors()  # type: ignore[attr-defined]
    ]
    summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:3])
    return JSONResponse(status_code=422, content={"detail": f"请求参数无效 (invalid request): {summary}",
                                                  "errors": problems})


#: exception class -> its answer
ANSWERS: dict[type[Exception], Handler] = {
    ValueError: _value_error,
    NotFound: Answer(404),
    InvalidInput: Answer(422, errors=True),
    AuthError: _unauthenticated,
    TooManyAttempts: _too_many_attempts,
    Forbidden: Answer(403),
    psycopg2.errors.InsufficientPrivilege: _outside_jurisdiction,
    PoolBusy: Answer(503, headers=RETRY_AFTER),
    DatabaseUnavailable: Answer(503, headers=RETRY_AFTER),
    psycopg2.OperationalError: _database_unavailable,
    psycopg2.InterfaceError: _database_unavailable,
    RateLimited: _rate_limited,
    RenderBusy: _rate_limited,
    TooLarge: Answer(413, errors=True),
    UnsupportedFormat: Answer(415, errors=True),
    Stale: Answer(412),
    VersionRequired: Answer(428, errors=True),
    Conflict: Answer(409),
    psycopg2.IntegrityError: _database_refused,
    psycopg2.DataError: _database_refused,
    RequestValidationError: _invalid_request,
}


def install(app: FastAPI) -> None:
    """Answer every error of :data:`ANSWERS` as the table says."""
    for exc_class, answer in ANSWERS.items():
        app.add_exception_handler(exc_class, answer)
