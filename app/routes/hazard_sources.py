"""重大危险源 (GB 18218-2018): the layer as GeoJSON, one source, its explanation, its inventory."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from app.deps import Conn, WriterUser, path_id, query_id
from layers import entities
from layers import hazard_source as hs

router = APIRouter(prefix="/api", tags=["hazard sources"])

SourceId = Annotated[int, path_id("重大危险源 id")]
RegionQ = Annotated[int | None, query_id("只看该区域 (含下级) 的企业")]


class InventoryItemIn(BaseModel):
    chemical: Any = Field(description="危险化学品名称 (GB 18218 表1 品名, 如 甲醇; 或英文名、CAS 号)")
    quantity_t: Any = Field(description="最大存在量 q (t), ≥ 0")


class InventoryIn(BaseModel):
    items: list[InventoryItemIn] = Field(max_length=500, description="全部危险化学品存量; 未列出的将被删除")


@router.get("/hazard-sources", summary="重大危险源图层 (GeoJSON): S、R、α、500 m 内人口、级别",
            response_class=JSONResponse)
def list_hazard_sources(
    conn: Conn,
    region_id: RegionQ = None,
    enterprise_id: Annotated[int | None, query_id()] = None,
    major_only: Annotated[bool, Query(description="只列构成重大危险源的 (S ≥ 1)")] = False,
):
    gdf = hs.hazard_sources(conn, region_id=region_id, enterprise_id=enterprise_id, major_only=major_only)
    gdf["computed_at"] = [v.isoformat() if v is not None and v == v else None for v in gdf["computed_at"]]
    gdf = gdf.astype({c: "object" for c in gdf.columns if c != "geometry"})
    gdf = gdf.where(gdf.notna(), None)
    fc = json.loads(gdf.to_json(drop_id=True, na="null"))
    return JSONResponse(fc, media_type="application/geo+json")


@router.get("/hazard-sources/{hazard_source_id}", summary="重大危险源: 基本信息、危险化学品存量与分级; ETag 为其版本")
def get_hazard_source(conn: Conn, hazard_source_id: SourceId, response: Response, region_id: RegionQ = None):
    found = hs.hazard_source(conn, hazard_source_id, region_id=region_id)
    response.headers["ETag"] = entities.version(conn, entities.HAZARD_SOURCES, hazard_source_id) or ""
    return found


@router.get("/hazard-sources/{hazard_source_id}/explain",
            summary="解释辨识与分级: 各物质 q/Q、βq/Q, S, 500 m 内防护目标与人口, α, R, 级别")
def explain_hazard_source(conn: Conn, hazard_source_id: SourceId, region_id: RegionQ = None):
    return hs.explain(conn, hazard_source_id, region_id=region_id)


@router.put("/hazard-sources/{hazard_source_id}/inventory",
            summary="整体替换危险化学品存量 (一个事务); 分级随之更新, 返回解释")
def put_inventory(writer: WriterUser, conn: Conn, hazard_source_id: SourceId, body: InventoryIn, region_id: RegionQ = None):
    # the audit records the logged-in user (set on the connection by app.deps.get_conn)
    with conn:
        return hs.replace_inventory(conn, hazard_source_id, [i.model_dump() for i in body.items],
                                    region_id=region_id)
