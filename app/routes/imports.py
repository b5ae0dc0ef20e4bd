"""Imports over HTTP: ``POST /api/imports/{target}`` with a file (multipart field ``file``, or the raw
body with ``filename``) and the options of :class:`layers.imports.ImportOptions` as query or form
fields. Everything is validated before anything is written; one transaction; every problem named by
feature/row and field (422); too large → 413; a file type the target does not take → 415; a
foreign or unknown enterprise → 404. Areas and risk lists go into one enterprise (admins and that
enterprise's users); enterprises, emergency resources and protection targets are shared data that
only admins load.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool

from app.deps import Conn, CurrentUser, query_id
from app.uploads import read_upload
from layers.access.accounts import Forbidden
from layers.errors import InvalidInput
from layers.imports import ENTERPRISE_TARGETS, TARGETS, ImportOptions, import_file
from layers.imports.source import max_upload_bytes

router = APIRouter(prefix="/api", tags=["imports"])
Target = Literal[tuple(TARGETS)]  # type: ignore[valid-type]  # enterprises, areas, risks, resources, targets


def _options(query: dict, form: dict[str, str], actor: str) -> ImportOptions:
    """The import options from the query string, else from the multipart form's text fields."""
    given = {k: (v if v is not None else (form.get(k) or None)) for k, v in query.items()}
    bad = []

    def number(name: str, cast):
        if given[name] is None:
            return None
        try:
            return cast(given[name])
        except ValueError:
            bad.append({"field": name, "message": f"应为数字, 实为 {given[name]!r} (must be a number)"})
            return None

    opts = ImportOptions(
        crs=given["crs"], layer=given["layer"], enterprise_id=number("enterprise_id", int),
        control_points=given["control_points"], layer_map=given["layer_map"],
        transform=given["transform"] or "similarity",
        tolerance_m=number("tolerance_m", float) or ImportOptions.tolerance_m,
        dry_run=str(given["dry_run"]).lower() in ("true", "1", "yes"), actor=actor)
    if bad:
        raise InvalidInput("导入选项无效 (invalid import options): " + "; ".join(e["field"] for e in bad), bad)
    return opts


@router.post(
    "/imports/{target}",
    summary="导入文件 (GeoJSON/GeoPackage/Shapefile zip/DXF/CSV/Excel): 全部校验通过才写入, 一个事务",
    description="; ".join(f"{k}: {v}" for k, v in TARGETS.items()),
    responses={413: {"description": "文件过大"}, 415: {"description": "此对象不接受该文件类型"},
               422: {"description": "校验失败: errors 列出每个要素/行、字段与原因, 未写入任何数据"},
               404: {"description": "企业不存在或不在权限范围内"}},
    openapi_extra={"requestBody": {"required": True, "content": {
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                           "properties": {"file": {"type": "string", "format": "binary"}}}},
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    }}},
)
async def post_import(
    request: Request,
    user: CurrentUser,
    conn: Conn,
    target: Target,  # type: ignore[valid-type]
    crs: Annotated[str | None, Query(max_length=200, description="声明的坐标系, 如 EPSG:4490、CGCS2000 / 3-degree Gauss-Kruger CM 120E、GCJ-02")] = None,
    enterprise_id: Annotated[int | None, query_id("areas/risks: 导入到哪个企业")] = None,
    layer: Annotated[str | None, Query(max_length=200, description="GeoPackage 图层 / zip 中的 Shapefile / Excel 工作表")] = None,
    control_points: Annotated[str | None, Query(max_length=20000, description="DXF: 控制点 JSON [[x, y, lon, lat], ...]")] = None,
    layer_map: Annotated[str | None, Query(max_length=20000, description='DXF: {"图层": "区域类型"}')] = None,
    transform: Annotated[Literal["similarity", "affine"] | None, Query()] = None,
    tolerance_m: Annotated[float | None, Query(gt=0, le=100)] = None,
    dry_run: Annotated[bool | None, Query(description="只校验, 不写入")] = None,
    filename: Annotated[str | None, Query(max_length=255, description="原始请求体上传时的文件名 (决定格式)")] = None,
):
    if target not in ENTERPRISE_TARGETS and user.role != "admin":
        raise Forbidden(f"导入{TARGETS[target]}需要管理员 (only admins import {target})")
    if target in ENTERPRISE_TARGETS and user.role == "regulator":
        raise Forbidden("监管人员不能导入企业数据 (regulators do not import enterprise data)")
    up = await read_upload(request, max_upload_bytes(), what_zh="导入文件")
    opts = _options({"crs": crs, "enterprise_id": enterprise_id, "layer": layer, "control_points": control_points,
                     "layer_map": layer_map, "transform": transform, "tolerance_m": tolerance_m,
                     "dry_run": dry_run}, up.fields, user.actor)
    name = up.filename or filename or up.fields.get("filename")

    def run():
        with conn:
            return import_file(conn, target, up.data, name, opts)

    result = await run_in_threadpool(run)
    return result.as_dict()
