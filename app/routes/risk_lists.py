"""Risk lists as Excel workbooks: export both lists, export the 较大及以上 list, import an edited workbook.

The upload is a multipart field ``file`` (parsed by Starlette with python-multipart); a raw .xlsx
body (``Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``) is
accepted too.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import quote

import psycopg2.extensions
from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from app.auth import WriterUser
from app.db import get_conn
from layers.errors import InvalidInput
from layers.risk_lists import MAX_WORKBOOK_BYTES, import_workbook, risk_list_tables, significant_tables
from maps.excel import MEDIA_TYPE, write_workbook

router = APIRouter(prefix="/api", tags=["risk lists"])

Conn = Annotated[psycopg2.extensions.connection, Depends(get_conn)]
EnterpriseId = Annotated[int, PathParam(ge=1, le=2**31 - 1, description="企业 id")]

#: Room for the multipart envelope around a file of MAX_WORKBOOK_BYTES.
_ENVELOPE = 64 * 1024
_TOO_LARGE = (f"上传文件超过 {MAX_WORKBOOK_BYTES // (1024 * 1024)} MB 上限 "
              f"(upload larger than the {MAX_WORKBOOK_BYTES // (1024 * 1024)} MB limit)")


def _filename(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", name).strip() or "riskatlas"


def _xlsx(data: bytes, filename: str, fallback: str) -> Response:
    """An .xlsx download; the Chinese file name per RFC 5987/6266 (``filename*``), ASCII fallback."""
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(_filename(filename))}"
    return Response(data, media_type=MEDIA_TYPE, headers={"Content-Disposition": disposition})


@router.get("/enterprises/{enterprise_id}/risk-lists.xlsx",
            summary="导出岗位风险管控与隐患排查清单 (附件1 操作岗位, 附件2 管理岗位)")
def get_risk_lists(conn: Conn, enterprise_id: EnterpriseId):
    name, tables = risk_list_tables(conn, enterprise_id)
    data = write_workbook(tables, title=f"{name} 岗位风险管控与隐患排查清单")
    return _xlsx(data, f"{name}-岗位风险管控与隐患排查清单.xlsx", f"risk-lists-{enterprise_id}.xlsx")


@router.get("/enterprises/{enterprise_id}/significant-risks.xlsx",
            summary="导出较大及以上风险管控清单 (编号与厂区四色图一致)")
def get_significant_risks(
    conn: Conn,
    enterprise_id: EnterpriseId,
    basis: Annotated[Literal["residual", "inherent"], Query(description="residual 现有风险 / inherent 固有风险")]
    = "residual",
):
    name, tables = significant_tables(conn, enterprise_id, basis)
    data = write_workbook(tables, title=f"{name} 较大及以上风险管控清单")
    return _xlsx(data, f"{name}-较大及以上风险管控清单.xlsx", f"significant-risks-{enterprise_id}.xlsx")


async def _read_body(request: Request) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_WORKBOOK_BYTES + _ENVELOPE:
        raise HTTPException(413, _TOO_LARGE)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_WORKBOOK_BYTES + _ENVELOPE:
            raise HTTPException(413, _TOO_LARGE)
        chunks.append(chunk)
    return b"".join(chunks)


async def _upload(request: Request) -> bytes:
    """The uploaded workbook: the multipart field ``file`` (parsed by Starlette/python-multipart),
    else the first uploaded file, or a raw .xlsx body."""
    if not request.headers.get("content-type", "").startswith("multipart/"):
        return await _read_body(request)
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_WORKBOOK_BYTES + _ENVELOPE:
        raise HTTPException(413, _TOO_LARGE)
    form = await request.form(max_files=4, max_fields=20)
    uploads = [v for v in form.values() if isinstance(v, UploadFile)]
    chosen = form.get("file") if isinstance(form.get("file"), UploadFile) else (uploads[0] if uploads else None)
    if chosen is None:
        raise InvalidInput("请求中没有上传文件 (no file in the upload): 请以 multipart 字段 file 上传 .xlsx",
                           [{"field": "file", "message": "缺少文件 (missing file)"}])
    data = await chosen.read(MAX_WORKBOOK_BYTES + 1)
    if len(data) > MAX_WORKBOOK_BYTES:
        raise HTTPException(413, _TOO_LARGE)
    return data


@router.post(
    "/enterprises/{enterprise_id}/risk-lists",
    summary="导入岗位风险清单 (.xlsx): 全部校验通过才写入, 否则 422 列出每个错误的工作表、行、列",
    openapi_extra={"requestBody": {"required": True, "content": {
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                           "properties": {"file": {"type": "string", "format": "binary"}}}},
        MEDIA_TYPE: {"schema": {"type": "string", "format": "binary"}},
    }}},
)
async def post_risk_lists(
    request: Request,
    user: WriterUser,
    conn: Conn,
    enterprise_id: EnterpriseId,
    dry_run: Annotated[bool, Query(description="只校验并统计将要做的修改, 不写入")] = False,
):
    data = await _upload(request)
    if len(data) > MAX_WORKBOOK_BYTES:
        raise HTTPException(413, _TOO_LARGE)

    def run():
        with conn:
            return import_workbook(conn, enterprise_id, data, actor=user.actor, dry_run=dry_run)

    result = await run_in_threadpool(run)
    return result.as_dict()
