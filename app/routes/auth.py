"""Login, logout, the current user, and account administration (admins)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from pydantic import BaseModel, Field

from app.auth import COOKIE, same_origin, token_of
from app.deps import MAX_ID, AdminUser, Conn, CurrentUser, RateLimited
from app.render import html_page
from app.settings import web_settings
from layers.access import accounts
from layers.access.accounts import AuthError, Forbidden, TooManyAttempts
from layers.access.audit import set_actor

router = APIRouter(tags=["accounts"])


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class UserIn(BaseModel):
    username: str = Field(min_length=3, max_length=64, description="登录名 (字母、数字、_.@-)")
    password: str = Field(min_length=1, max_length=200, description=f"至少 {accounts.MIN_PASSWORD} 个字符")
    role: Literal["admin", "regulator", "enterprise"]
    display_name: str | None = Field(default=None, max_length=100)
    region_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="监管人员的辖区")
    enterprise_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="企业用户所属企业")


async def _login(request: Request, username: str, password: str):
    """Log in from the request's address: a login posted by another site's page is refused (it would
    log the browser into the other site's account), the throttle's slow-down is waited out without
    holding a thread, then the password is checked (:func:`layers.access.accounts.login`)."""
    same_origin(request)
    pool = request.app.state.pool
    source = request.client.host if request.client else accounts.LOCAL

    def wait() -> float:
        with pool.connection() as conn:
            return accounts.login_wait(conn, username, source)

    def attempt():
        with pool.connection() as conn:
            return accounts.login(conn, username, password, hours=web_settings().session_hours, source=source,
                                  user_agent=request.headers.get("user-agent"))

    delay = await run_in_threadpool(wait)
    if delay:
        await asyncio.sleep(delay)
    return await run_in_threadpool(attempt)


def _set_cookie(resp, token: str) -> None:
    s = web_settings()
    resp.set_cookie(COOKIE, token, max_age=int(s.session_hours * 3600), httponly=True, samesite="strict",
                    secure=s.cookie_secure, path="/")


@router.post("/api/auth/login", summary="登录: 返回令牌 (Bearer), 同时设置控制台会话 Cookie",
             responses={429: {"description": "此地址登录失败次数过多, 稍后再试 (Retry-After)"}})
async def login(request: Request, body: LoginIn):
    token, expires, user = await _login(request, body.username, body.password)
    resp = JSONResponse({"token": token, "token_type": "bearer", "expires_at": expires.isoformat(),
                         "user": user.to_dict()})
    _set_cookie(resp, token)
    return resp


def _end_session(request: Request) -> None:
    with request.app.state.pool.connection() as conn:
        accounts.logout(conn, token_of(request) or "")


@router.post("/api/auth/logout", summary="退出登录 (令牌作废)")
def logout(request: Request, user: CurrentUser):
    _end_session(request)
    resp = JSONResponse({"status": "logged out"})
    resp.delete_cookie(COOKIE, path="/")
    return resp


@router.post("/logout", include_in_schema=False)
def logout_form(request: Request, user: CurrentUser):
    """The console's 退出 button: the session ends on the server, the cookie is cleared."""
    _end_session(request)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


@router.get("/api/auth/me", summary="当前用户")
def me(user: CurrentUser) -> dict:
    return user.to_dict()


@router.get("/api/users", summary="账号列表 (管理员)")
def users(admin: AdminUser, conn: Conn) -> list[dict]:
    return [u.to_dict() for u in accounts.list_users(conn)]


@router.post("/api/users", status_code=201, summary="创建账号 (管理员)")
def create_user(admin: AdminUser, body: UserIn, request: Request) -> dict:
    # account rows are not visible to the request role (password hashes): the owner writes them
    with request.app.state.pool.connection() as conn, conn:
        set_actor(conn, admin.actor)
        user = accounts.create_user(conn, body.username, body.password, body.role, display_name=body.display_name,
                                    region_id=body.region_id, enterprise_id=body.enterprise_id)
    return user.to_dict()


# -- the console's login page ------------------------------------------------------------------------
def _safe_next(target: str | None) -> str:
    """Only a path on this site (no scheme, no host, no //): an open redirect helps phishing."""
    if not target or not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/"
    return target


@router.get("/login", response_class=HTMLResponse, include_in_schema=False, dependencies=RateLimited)
def login_page(next: str | None = None) -> HTMLResponse:
    return html_page("login.html", next_url=_safe_next(next), message=None)


@router.post("/login", include_in_schema=False)
async def login_form(request: Request, username: Annotated[str, Form(max_length=64)],
                     password: Annotated[str, Form(max_length=200)], next: Annotated[str, Form(max_length=2000)] = "/"):
    try:
        token, _expires, _user = await _login(request, username, password)
    except TooManyAttempts as exc:
        page = html_page("login.html", status=429, next_url=_safe_next(next), message=str(exc))
        page.headers["Retry-After"] = str(exc.retry_after)
        return page
    except (AuthError, Forbidden) as exc:
        return html_page("login.html", status=403 if isinstance(exc, Forbidden) else 401,
                         next_url=_safe_next(next), message=str(exc))
    resp = RedirectResponse(_safe_next(next), status_code=303)
    _set_cookie(resp, token)
    return resp
