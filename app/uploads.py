"""Reading an uploaded file from a request, never holding more than the limit in memory.

One helper for every upload route (risk-list workbooks, hidden-hazard photos, imports): the file
comes as the multipart field ``file`` (or the first file of the form) or as the raw request body;
anything larger than the limit is answered 413 as soon as it is seen — from Content-Length when the
client declares it, else while streaming.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from fastapi import HTTPException, Request
from starlette.datastructures import UploadFile  # what request.form() yields (FastAPI's is a subclass)
from starlette.exceptions import HTTPException as StarletteHTTPException

from layers.errors import InvalidInput

#: Room for the multipart envelope (boundaries, headers, small form fields) around the file.
ENVELOPE = 64 * 1024


@dataclass
class Upload:
    data: bytes
    filename: str | None = None
    fields: dict[str, str] = field(default_factory=dict)   # the form's text fields (multipart only)


def too_large(max_bytes: int, what_zh: str = "上传文件") -> HTTPException:
    mb = max_bytes / (1024 * 1024)
    size = f"{mb:.0f}" if mb == int(mb) else f"{mb:.1f}"
    return HTTPException(413, f"{what_zh}超过 {size} MB 上限 (upload larger than the {size} MB limit)")


async def _read_body(request: Request, max_bytes: int, what_zh: str) -> bytes:
    """The raw body, answered 413 as soon as it passes ``max_bytes``."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise too_large(max_bytes, what_zh)
        chunks.append(chunk)
    return b"".join(chunks)


def _form_fields(pairs) -> dict[str, str]:
    """A form's text fields; a NUL character in one is refused here (PostgreSQL text cannot hold it;
    psycopg2 would raise a ValueError, a 500, later)."""
    fields = {k: v for k, v in pairs if isinstance(v, str)}
    nul = [k for k, v in fields.items() if "\x00" in k or "\x00" in v]
    if nul:
        raise InvalidInput("表单字段不能含 NUL 字符 (form fields must not contain NUL): " + ", ".join(nul),
                           [{"field": k, "message": "不能含 NUL 字符 (must not contain NUL)"} for k in nul])
    return fields


async def read_upload(request: Request, max_bytes: int, *, what_zh: str = "上传文件", max_fields: int = 20,
                      required: bool = True) -> Upload:
    """The upload (``required=False``: a form whose file is optional gives empty ``data``).

    A body that is not multipart is the file itself (a raw upload; ``curl --data-binary`` labels
    one urlencoded). Where the file is optional (a console form), an urlencoded body is the form's
    text fields and no file: a browser posts a form so when it has no file input."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes + ENVELOPE:
        raise too_large(max_bytes, what_zh)
    ctype = request.headers.get("content-type", "")
    chosen: UploadFile | None = None
    if ctype.startswith("application/x-www-form-urlencoded") and not required:
        body = (await _read_body(request, max_bytes, what_zh)).decode("utf-8", "replace")
        try:
            pairs = parse_qsl(body, keep_blank_values=True, max_num_fields=max_fields)
        except ValueError:  # more fields than max_fields
            raise InvalidInput(f"表单字段过多 (too many form fields: more than {max_fields})",
                               [{"field": "body", "message": f"more than {max_fields} fields"}]) from None
        fields = _form_fields(pairs)
    elif not ctype.startswith("multipart/"):
        return Upload(await _read_body(request, max_bytes, what_zh))
    else:
        try:
            form = await request.form(max_files=4, max_fields=max_fields)
        except StarletteHTTPException as exc:     # "Invalid multipart data", too many fields or files
            raise InvalidInput(f"上传的表单无法解析 (malformed multipart form): {exc.detail}",
                               [{"field": "file", "message": str(exc.detail)}]) from None
        uploads = [v for v in form.values() if isinstance(v, UploadFile)]
        named = form.get("file")
        chosen = named if isinstance(named, UploadFile) else (uploads[0] if uploads else None)
        fields = _form_fields(form.multi_items())
    if chosen is None and not required:
        return Upload(b"", None, fields)
    if chosen is None:
        raise InvalidInput(f"请求中没有{what_zh} (no file in the upload): 请以 multipart 字段 file 上传",
                           [{"field": "file", "message": "缺少文件 (missing file)"}])
    data = await chosen.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(max_bytes, what_zh)
    return Upload(data, chosen.filename, fields)
