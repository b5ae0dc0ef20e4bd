"""Mapbox vector tiles of enterprises and areas: GET /tiles/{layer}/{z}/{x}/{y}.pbf (SQL in layers/tiles.py)."""

from __future__ import annotations

import hashlib
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from app.deps import Conn, WithinQ
from layers import tiles
from layers.city import parse_filter
from layers.errors import InvalidInput, NotFound

router = APIRouter(tags=["tiles"])
IndustryQ = Annotated[str | None, Query(max_length=200, description="行业代码, 逗号分隔 (e.g. hazchem,machinery)")]
LevelQ = Annotated[str | None, Query(max_length=100, description="风险等级, 逗号分隔 (major,significant,…,unassessed)")]

MEDIA_TYPE = "application/vnd.mapbox-vector-tile"
#: Levels change with every risk or hidden-hazard write: browsers keep a tile a minute, then revalidate
#: (a strong ETag makes that a 304). Private: what a tile holds depends on the caller's jurisdiction.
CACHE_CONTROL = "private, max-age=60, must-revalidate"


def etag(data: bytes) -> str:
    return '"' + hashlib.sha256(data).hexdigest()[:32] + '"'


def _matches(header: str | None, tag: str) -> bool:
    if not header:
        return False
    return header.strip() == "*" or tag in [t.strip().removeprefix("W/") for t in header.split(",")]


@router.get("/tiles/{layer}/{z}/{x}/{y}.pbf", summary="矢量瓦片 (Mapbox Vector Tile): enterprises / areas",
            responses={200: {"content": {MEDIA_TYPE: {}}}, 204: {"description": "空瓦片 (empty tile)"},
                       304: {"description": "未修改 (not modified)"}})
def get_tile(request: Request, conn: Conn, layer: str, z: int, x: int, y: int,
             within: WithinQ = None, industry: IndustryQ = None, level: LevelQ = None) -> Response:
    if layer not in tiles.LAYERS:
        raise NotFound(f"图层 {layer!r} 不存在, 可选 {'/'.join(tiles.LAYERS)} (unknown tile layer)")
    problems = tiles.check_tile(z, x, y)
    if problems:
        raise InvalidInput(f"瓦片 {z}/{x}/{y} 超出范围 (tile out of range)", problems)
    f = parse_filter(conn, within=within, industry=industry, level=level)
    data = tiles.tile(conn, layer, z, x, y, f)
    tag = etag(data)
    headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL, "Vary": "Cookie, Authorization"}
    if _matches(request.headers.get("if-none-match"), tag):
        return Response(status_code=304, headers=headers)
    if not data:
        return Response(status_code=204, headers=headers)
    return Response(data, media_type=MEDIA_TYPE, headers=headers)
