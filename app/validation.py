"""The request's input as FastAPI checks it: pydantic's complaints in Chinese, and the NUL character
refused in every field at once (PostgreSQL text cannot hold it)."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from fastapi import Request
from fastapi.exceptions import RequestValidationError

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
    """One pydantic error in Chinese, pydantic's English after it in parentheses."""
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
            try:
                found += _nul_fields(json.loads(body), ("body",))
            except ValueError:
                pass  # invalid JSON: FastAPI's own validation answers it
    elif ctype.startswith("application/x-www-form-urlencoded"):
        # read as the body (kept by Starlette, so the route can still read it, as a form or as a
        # stream: app/uploads.py), not as request.form(), which consumes the stream and leaves
        # nothing to stream; a route with Form parameters has had its form parsed by FastAPI already
        # (the stream is consumed, the parsed form kept): look at that
        try:
            body = await request.body()
        except RuntimeError:  # Starlette's "Stream consumed"
            fields = [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
        else:
            fields = parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
        found += [("body", k) for k, v in fields if "\x00" in k or "\x00" in v]
    if found:
        raise RequestValidationError([{"type": "string_nul", "loc": loc, "input": None,
                                       "msg": "String should not contain the NUL character"} for loc in found])
