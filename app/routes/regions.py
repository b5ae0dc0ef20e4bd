"""Regions for regulators: statistics by district / town / grid, and supervision."""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from app.deps import Conn, Id, Offset, WithinQ, page_limit
from layers import regions

router = APIRouter(prefix="/api", tags=["regions"])
LevelQ = Annotated[Literal[regions.REGION_LEVELS], Query(description="区域层级")]  # type: ignore[valid-type]


@router.get("/regions/stats", summary="区域统计: 各等级企业数与风险点数、风险指数、区域颜色")
def stats(conn: Conn, level: LevelQ = "district", within: WithinQ = None):
    if within is not None:
        regions.region_exists(conn, within)
    return regions.region_stats(conn, level=level, within=within)


@router.get("/regions/stats.geojson", summary="区域统计 (GeoJSON, 用于分级设色图)")
def stats_geojson(conn: Conn, level: LevelQ = "district", within: WithinQ = None):
    if within is not None:
        regions.region_exists(conn, within)
    gdf = regions.region_stats_layer(conn, level=level, within=within)
    return JSONResponse(json.loads(gdf.to_json(drop_id=True, na="null")), media_type="application/geo+json")


@router.get("/supervision", summary="差异化监管: 企业等级、检查频次、下次检查日期")
def supervision(conn: Conn, within: WithinQ = None, overdue: bool = False,
                limit: Annotated[int, page_limit(5000)] = 500, offset: Offset = 0):
    return regions.supervision(conn, within=within, overdue_only=overdue, limit=limit, offset=offset)


class InspectionIn(BaseModel):
    inspected_at: dt.date
    inspector: str = Field(min_length=1, max_length=64)
    findings: str | None = Field(default=None, max_length=4000)


@router.post("/enterprises/{enterprise_id}/inspections", status_code=201, summary="记录一次执法检查")
def add_inspection(conn: Conn, enterprise_id: Id, body: InspectionIn):
    with conn:
        new_id = regions.record_inspection(conn, enterprise_id, body.inspected_at, body.inspector, body.findings)
    return {"id": new_id}
