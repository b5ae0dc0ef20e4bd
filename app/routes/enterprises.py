"""Enterprises and their plant areas (first slice of the API)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response

from app.deps import Conn, EnterpriseId, Offset, page_limit
from layers import entities, plant
from layers.levels import NAMES, PALETTE, UNASSESSED
from layers.plant import enterprise_info, plant_areas

router = APIRouter(prefix="/api", tags=["enterprises"])

BasisQ = Annotated[Literal["residual", "inherent"], Query(description="着色依据: residual 现有风险 / inherent 固有风险")]


def _level_fields(level: str | None) -> dict:
    key = level or UNASSESSED
    return {"level": level, "level_zh": NAMES[key]["zh"], "colour": PALETTE.colour(level)}


@router.get("/enterprises", summary="企业列表 (分页)")
def list_enterprises(
    conn: Conn,
    q: Annotated[str | None, Query(max_length=100, description="名称关键字")] = None,
    limit: Annotated[int, page_limit(500)] = 50,
    offset: Offset = 0,
):
    total, rows = plant.list_enterprises(conn, q=q, limit=limit, offset=offset)
    for r in rows:
        r.update(_level_fields(r.pop("residual_level")))
    return {"total": total, "limit": limit, "offset": offset, "items": rows}


@router.get("/enterprises/{enterprise_id}", summary="企业基本信息与风险等级; ETag 为其版本 (修改时以 If-Match 回传)")
def get_enterprise(conn: Conn, enterprise_id: EnterpriseId, response: Response):
    info = enterprise_info(conn, enterprise_id)
    response.headers["ETag"] = entities.version(conn, entities.ENTERPRISES, enterprise_id) or ""
    return {**asdict(info), **_level_fields(info.residual_level)}


@router.get(
    "/enterprises/{enterprise_id}/areas",
    summary="企业的厂区/车间/单元区域 (GeoJSON), 含各区域风险等级",
    response_class=JSONResponse,
)
def get_areas(conn: Conn, enterprise_id: EnterpriseId, basis: BasisQ = "residual"):
    gdf = plant_areas(conn, enterprise_id, basis)
    gdf = gdf.astype({"headcount": "object"}).where(gdf.notna(), None)
    fc = json.loads(gdf.to_json(drop_id=True, na="null"))
    fc["basis"] = basis
    return JSONResponse(fc, media_type="application/geo+json")




@router.get("/enterprises/{enterprise_id}/audit", summary="企业的审计记录 (痕迹化): 谁、何时、改了什么、改前改后")
def get_audit(
    conn: Conn,
    enterprise_id: EnterpriseId,
    table: Annotated[str | None, Query(max_length=40, description="只看某类对象, 如 risk、hidden_hazard")] = None,
    limit: Annotated[int, page_limit(500)] = 100,
    offset: Offset = 0,
):
    from layers.access.audit import enterprise_audit

    total, rows = enterprise_audit(conn, enterprise_id, table=table, limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset, "items": rows}
