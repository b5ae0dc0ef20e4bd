"""Comparison charts as files: 企业作业安全风险比较图 and 行业安全风险比较图 (PNG, SVG or PDF)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi import Path as PathParam

from app.deps import Conn, Drawing, Id
from app.files import file_download
from layers.charts import industry_level_counts, post_risk_counts
from maps.charts import render_chart

router = APIRouter(prefix="/api", tags=["charts"])

Fmt = Annotated[Literal["png", "svg", "pdf"], PathParam(description="png / svg / pdf")]
DpiQ = Annotated[int, Query(ge=72, le=300, description="PNG 分辨率")]


def _send(data, fmt: str, dpi: int, filename: str, fallback: str):
    tmp = Path(tempfile.mkdtemp(prefix="riskatlas-chart-"))
    drawn = render_chart(data, tmp / f"chart.{fmt}", dpi=dpi)
    if drawn.path is None:    # render_chart always saves to the file it is given
        raise RuntimeError("图表未写入文件 (render_chart returned no file path)")
    return file_download(drawn.path, filename, fallback, inline=True, cleanup=tmp)


@router.get("/enterprises/{enterprise_id}/charts/posts.{fmt}", dependencies=Drawing, summary="企业作业安全风险比较图 (各岗位/车间风险点数按等级)")
def get_posts_chart(
    conn: Conn, enterprise_id: Id, fmt: Fmt,
    basis: Annotated[Literal["residual", "inherent"], Query(description="residual 现有 / inherent 固有")] = "residual",
    by: Annotated[Literal["post", "workshop"], Query(description="post 按岗位 / workshop 按车间")] = "post",
    dpi: DpiQ = 200,
):
    data = post_risk_counts(conn, enterprise_id, basis=basis, by=by)
    return _send(data, fmt, dpi, f"{data.subject}-企业作业安全风险比较图.{fmt}", f"posts-chart-{enterprise_id}.{fmt}")


@router.get("/regions/{region_id}/charts/industries.{fmt}", dependencies=Drawing, summary="行业安全风险比较图 (区域内各行业企业数按等级)")
def get_industries_chart(
    conn: Conn, region_id: Id, fmt: Fmt,
    basis: Annotated[Literal["current", "residual", "inherent"],
                     Query(description="current 当前(含动态调整) / residual 现有 / inherent 固有")] = "current",
    dpi: DpiQ = 200,
):
    data = industry_level_counts(conn, region_id, basis=basis)
    return _send(data, fmt, dpi, f"{data.subject}-行业安全风险比较图.{fmt}", f"industries-chart-{region_id}.{fmt}")
