"""The one Jinja environment of every server-rendered page (the console, the login page, the public
card page): templates from ``app/templates``, autoescaped, so every name from the database or the
request is HTML-escaped; the level names and colours come from :mod:`layers.levels` only."""

from __future__ import annotations

from pathlib import Path

import jinja2
from fastapi.responses import HTMLResponse

from layers.console import NEXT_STEP
from layers.levels import DESCENDING, NAMES, PALETTE, UNASSESSED

TEMPLATES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).resolve().parent / "templates"),
    autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
)
TEMPLATES.globals.update(DESCENDING=DESCENDING, NAMES=NAMES, PALETTE=PALETTE, UNASSESSED=UNASSESSED,
                         NEXT_STEP=NEXT_STEP)


def render(template: str, **context) -> str:
    """``template`` rendered with ``context``."""
    return TEMPLATES.get_template(template).render(**context)


def html_page(template: str, *, status: int = 200, **context) -> HTMLResponse:
    """``template`` rendered as an HTML answer with ``status``."""
    return HTMLResponse(render(template, **context), status_code=status)
