"""File downloads: the right content type and a sensible file name (RFC 6266 ``filename*`` in UTF-8 for
the Chinese name, with an ASCII ``filename`` fallback for old clients)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from urllib.parse import quote

from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

MEDIA_TYPES = {"pdf": "application/pdf", "png": "image/png", "svg": "image/svg+xml"}


def safe_filename(name: str) -> str:
    """A file name without path separators or characters Windows refuses."""
    return re.sub(r'[<>\\/:*?"|\x00-\x1f]+', "_", name).strip() or "riskatlas"


def content_disposition(filename: str, fallback: str, *, inline: bool = False) -> str:
    ascii_fallback = re.sub(r"[^A-Za-z0-9._-]+", "_", fallback) or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_fallback}\"; filename*=UTF-8''{quote(safe_filename(filename))}"


def file_download(path: Path, filename: str, fallback: str, *, inline: bool = False,
                  cleanup: Path | None = None) -> FileResponse:
    """Serve ``path``; ``cleanup`` (a temporary directory) is removed after the response is sent."""
    media = MEDIA_TYPES.get(Path(path).suffix.lower().lstrip("."), "application/octet-stream")
    task = BackgroundTask(shutil.rmtree, cleanup, ignore_errors=True) if cleanup else None
    return FileResponse(path, media_type=media, background=task,
                        headers={"Content-Disposition": content_disposition(filename, fallback, inline=inline)})

