"""The security headers of every answer, pages and API alike, set in one place (:class:`SecurityHeaders`).

- ``Content-Security-Policy``: a page runs only what this site serves. Scripts, styles, fonts and
  fetches come from this site ('self'); inline scripts and styles are allowed because the pages are
  built of them (folium writes each map as inline script, templates carry their own ``<style>``), but
  no other host's code runs, nothing is sent to another host (``connect-src``, ``form-action``), no
  plugin loads (``object-src``), ``<base>`` cannot redirect relative links, and no other site may
  frame a page (``frame-ancestors 'none'``). Images also come from the configured base map's tile
  hosts (:meth:`maps.settings.MapSettings.tile_origins`); ``data:`` and ``blob:`` images are the maps'
  markers and rendered layers.
- ``X-Frame-Options: DENY``: the same refusal to be framed, for browsers without CSP 2.
- ``X-Content-Type-Options: nosniff``: an uploaded file or an API answer is never run as script or style.
- ``Referrer-Policy: same-origin``: ids in a page's address do not leak to other sites.

The interactive API documentation (``/docs``, ``/redoc``) is FastAPI's, which loads its viewer from a
CDN: its pages get the same headers with that CDN allowed.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from maps.settings import map_settings

#: The CDN hosts FastAPI's documentation pages load their viewer (Swagger UI, ReDoc) and its fonts from.
DOCS_HOSTS = "https://cdn.jsdelivr.net https://fonts.googleapis.com https://fonts.gstatic.com https://fastapi.tiangolo.com"


def content_security_policy(*, tile_origins: tuple[str, ...] = (), docs: bool = False) -> str:
    """The policy of a page (``docs``: of the API documentation pages)."""
    extra = f" {DOCS_HOSTS}" if docs else ""
    tiles = "".join(f" {o}" for o in tile_origins)
    return "; ".join((
        "default-src 'self'",
        f"script-src 'self' 'unsafe-inline'{extra}",
        f"style-src 'self' 'unsafe-inline'{extra}",
        f"img-src 'self' data: blob:{tiles}{extra}",
        f"font-src 'self' data:{extra}",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP answer (a route that sets one keeps its own)."""

    def __init__(self, app: ASGIApp, *, docs_paths: tuple[str, ...] = ("/docs", "/redoc")) -> None:
        self.app = app
        self.docs_paths = docs_paths
        tiles = map_settings().tile_origins()
        common = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
        self.headers = {"Content-Security-Policy": content_security_policy(tile_origins=tiles), **common}
        self.docs_headers = {"Content-Security-Policy": content_security_policy(tile_origins=tiles, docs=True),
                             **common}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        chosen = self.docs_headers if any(path == p or path.startswith(p + "/") for p in self.docs_paths) \
            else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in chosen.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
