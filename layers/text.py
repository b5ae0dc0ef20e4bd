"""Rules for free text that people type into names and descriptions.

A safety register has no use for HTML: text with a tag in it (``<script>``, ``<img …>``, ``<!--``)
is refused at the door with a message naming the field, so that names stay clean in every place
they travel — web pages (which escape anyway), PDFs, Excel lists, GIS exports, other systems.
A lone ``<`` or ``>`` as in "压力 <1.6 MPa" is fine.
"""

from __future__ import annotations

import re

_MARKUP = re.compile(r"<(?:[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)|/[A-Za-z]|!|\?)")


def like_pattern(fragment: str) -> str:
    """An ILIKE pattern matching ``fragment`` anywhere, its ``%``, ``_`` and ``\\`` taken literally."""
    return "%" + fragment.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def markup_problem(s: str) -> str | None:
    """Why ``s`` is refused (Chinese first), or None."""
    m = _MARKUP.search(s)
    if m is None:
        return None
    snippet = s[m.start():m.start() + 12]
    return f"不能包含 HTML 标记 {snippet!r} (must not contain HTML markup)"
