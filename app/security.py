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

The API documentation (``/docs``, ``/redoc``) gets the same policy: its viewers are served by the app.
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from maps.settings import map_settings


def content_security_policy(*, tile_origins: tuple[str, ...] = ()) -> str:
    """The policy of every answer; images may also come from the base map's tile hosts."""
    tiles = "".join(f" {o}" for o in tile_origins)
    return "; ".join((
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        f"img-src 'self' data: blob:{tiles}",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


class SecurityHeaders:
    """ASGI middleware adding the headers above to every HTTP answer (a route that sets one keeps its own)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        tiles = map_settings().tile_origins()
        self.headers = {"Content-Security-Policy": content_security_policy(tile_origins=tiles),
                        "X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chosen = self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in chosen.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
