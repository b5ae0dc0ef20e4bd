"""Risk lists as Excel workbooks: export both lists, export the 较大及以上 list, import an edited workbook.

The upload is a multipart field ``file`` (parsed by Starlette with python-multipart); a raw .xlsx
body (``Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet``) is
accepted too.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from app.deps import Conn, EnterpriseId, WriterUser
from app.uploads import read_upload
from layers.risk_lists import MAX_WORKBOOK_BYTES, import_workbook, risk_list_tables, significant_tables
from maps.excel import MEDIA_TYPE, write_workbook

router = APIRouter(prefix="/api", tags=["risk lists"])




def _filename(name: str) -> str:
    return re.sub(r'[<>\\/:*?"|\x00-\x1f]+', "_", name).strip() or "riskatlas"


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
    data = (await read_upload(request, MAX_WORKBOOK_BYTES, what_zh="风险清单")).data

    def run():
        with conn:
            return import_workbook(conn, enterprise_id, data, actor=user.actor, dry_run=dry_run)

    result = await run_in_threadpool(run)
    return result.as_dict()
