"""安全风险辨识管控报告 of an enterprise as one PDF."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from app.deps import Conn, Drawing, EnterpriseId
from app.files import file_download
from app.settings import web_settings
from layers.report import report_data
from maps.report import ReportMeta, render_report

router = APIRouter(prefix="/api", tags=["reports"])

Name = Annotated[str, Query(max_length=40)]


@router.get("/enterprises/{enterprise_id}/report.pdf", dependencies=Drawing,
            summary="安全风险辨识管控报告 (封面、汇总、厂区四色图、较大及以上风险管控清单、附件清单、告知卡)")
def get_report(
    conn: Conn,
    enterprise_id: EnterpriseId,
    basis: Annotated[Literal["residual", "inherent"], Query(description="residual 现有 / inherent 固有")] = "residual",
    compiled_by: Name = "",
    reviewed_by: Name = "",
    approved_by: Name = "",
    version: Annotated[str, Query(max_length=20, pattern=r"^[\w.\-]+$")] = "V1.0",
):
    data = report_data(conn, enterprise_id, basis)
    meta = ReportMeta(compiled_by, reviewed_by, approved_by, version, dt.date.today(), web_settings().public_base_url)
    tmp = Path(tempfile.mkdtemp(prefix="riskatlas-report-"))
    out = render_report(data, tmp / "report.pdf", meta).path
    return file_download(out, f"{data.info.name}-安全风险辨识管控报告.pdf", f"report-{enterprise_id}.pdf", cleanup=tmp)
