"""The interactive API documentation (``/docs``: Swagger UI, ``/redoc``: ReDoc) with its viewers served by
the app from ``/static/vendor/`` (installed at set-up), so it works on an intranet with no internet.
FastAPI's own pages load them from a public CDN; these are the same pages pointed here."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse

from maps import vendor

router = APIRouter(include_in_schema=False)
TITLE = "riskatlas 安全风险四色分布图 · 接口文档"


@router.get("/docs", response_class=HTMLResponse)
def swagger_ui(request: Request) -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url=request.app.openapi_url, title=TITLE, oauth2_redirect_url="/docs/oauth2-redirect",
        swagger_js_url=vendor.URL_PREFIX + vendor.SWAGGER_JS, swagger_css_url=vendor.URL_PREFIX + vendor.SWAGGER_CSS,
        swagger_favicon_url="/favicon.ico")


@router.get("/docs/oauth2-redirect", response_class=HTMLResponse)
def swagger_ui_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc", response_class=HTMLResponse)
def redoc(request: Request) -> HTMLResponse:
    return get_redoc_html(openapi_url=request.app.openapi_url, title=TITLE,
                          redoc_js_url=vendor.URL_PREFIX + vendor.REDOC_JS, redoc_favicon_url="/favicon.ico",
                          with_google_fonts=False)
