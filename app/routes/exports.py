"""Exports of the map layers: GET /api/export/{layer}.gpkg (styled for QGIS) and .geojson."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse, JSONResponse
from starlette.background import BackgroundTask

from app.deps import Conn, Drawing, WithinQ
from layers import exports
from layers.city import parse_filter
from layers.errors import NotFound

router = APIRouter(prefix="/api", tags=["exports"])


@router.get("/export/{layer}.{fmt}", dependencies=Drawing, summary="导出图层: GeoPackage (含 QGIS 四色样式) 或 GeoJSON",
            responses={200: {"content": {"application/geopackage+sqlite3": {}, "application/geo+json": {}}}})
def export_layer(conn: Conn, layer: str, fmt: Literal["gpkg", "geojson"], within: WithinQ = None,
                 industry: Annotated[str | None, Query(max_length=200)] = None,
                 level: Annotated[str | None, Query(max_length=100)] = None):
    if layer not in exports.LAYERS:
        raise NotFound(f"图层 {layer!r} 不存在, 可选 {'/'.join(exports.LAYERS)} (unknown layer)")
    f = parse_filter(conn, within=within, industry=industry, level=level)
    if fmt == "geojson":
        return JSONResponse(exports.to_geojson(conn, layer, f), media_type="application/geo+json",
                            headers={"Content-Disposition": f'attachment; filename="{layer}.geojson"'})
    tmp = Path(tempfile.mkdtemp(prefix="riskatlas-export-"))
    path = exports.write_gpkg(conn, [layer], tmp / f"{layer}.gpkg", f)
    return FileResponse(path, media_type="application/geopackage+sqlite3", filename=f"{layer}.gpkg",
                        background=BackgroundTask(shutil.rmtree, tmp, ignore_errors=True))
