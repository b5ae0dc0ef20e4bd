"""``riskatlas import TARGET FILE``: the same import as ``POST /api/imports/{target}`` from the command
line (:func:`layers.imports.import_file`): every check before any write, one transaction, every
problem named by row/feature and field; exit code 1 and nothing written on any error."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.commands.common import connection, error_lines, fail
from layers.imports import TARGETS
from layers.imports.dxf import DEFAULT_TOLERANCE_M


def command(
    target: Annotated[str, typer.Argument(help="导入对象: " + " / ".join(f"{k} {v}" for k, v in TARGETS.items()))],
    file: Annotated[Path, typer.Argument(help="GeoJSON / GeoPackage / Shapefile (.zip) / DXF / CSV / Excel",
                                         exists=True, dir_okay=False, readable=True)],
    enterprise: Annotated[int | None, typer.Option("--enterprise", "--enterprise-id", help="areas/risks: 导入到哪个企业 (id)")] = None,
    crs: Annotated[str | None, typer.Option(help="声明的坐标系, 如 EPSG:4490、EPSG:4549、GCJ-02")] = None,
    layer: Annotated[str | None, typer.Option(help="GeoPackage 图层 / zip 中的 Shapefile / Excel 工作表")] = None,
    control_points: Annotated[str | None, typer.Option(help="DXF: 控制点 JSON [[x, y, lon, lat], ...]")] = None,
    layer_map: Annotated[str | None, typer.Option(help='DXF: {"图层": "区域类型"}')] = None,
    transform: Annotated[str, typer.Option(help="DXF: similarity / affine")] = "similarity",
    tolerance_m: Annotated[float, typer.Option(help="DXF: 控制点残差上限 (米)")] = DEFAULT_TOLERANCE_M,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验, 不写入")] = False,
) -> None:
    """导入文件 (企业、区域、风险清单、应急资源、防护目标): 全部校验通过才写入, 一个事务."""
    from layers.errors import InvalidInput, NotFound
    from layers.imports import ImportOptions, import_file

    if target not in TARGETS:
        fail(f"导入对象 {target!r} 无效, 应为 (target must be) {'/'.join(TARGETS)}", 2)
    data = file.read_bytes()
    typer.echo(f"导入 (importing) {TARGETS[target]}: {file.name} ({len(data) / 1024:.0f} KB) — 读取、校验"
               + ("" if dry_run else "、写入") + " …", err=True)
    opts = ImportOptions(crs=crs, enterprise_id=enterprise, control_points=control_points, layer_map=layer_map,
                         layer=layer, transform=transform, tolerance_m=tolerance_m, dry_run=dry_run, actor="cli")
    with connection("cli", fails_on=(NotFound,)) as conn:
        try:
            with conn:
                result = import_file(conn, target, data, file.name, opts)
                if dry_run:
                    conn.rollback()
        except InvalidInput as exc:
            fail(str(exc), details=error_lines(exc.errors))
    verb = "将导入 (would import, dry run)" if dry_run else "已导入 (imported)"
    typer.echo(f"{verb} {result.created} 条{TARGETS[target]}, 读取 {result.features} 个要素/行, {result.format}"
               + (f", {result.crs}" if result.crs else ""))
    for k, v in result.counts.items():
        typer.echo(f"  {k}: {v}")
    if result.risk_lists:
        for sheet in ("operating", "management"):
            part = result.risk_lists.get(sheet)
            if part:
                typer.echo(f"  {sheet}: " + ", ".join(f"{k} {v}" for k, v in part.items() if isinstance(v, int)))
    for n in result.notes:
        typer.echo(f"说明 (note): {n}")
    for w in result.warnings:
        typer.secho(f"警告 (warning): {w}", fg=typer.colors.YELLOW, err=True)
