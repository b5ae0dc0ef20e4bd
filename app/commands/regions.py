"""``riskatlas regions``: statistics and supervision for regulators."""

from __future__ import annotations

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
