"""``riskatlas charts``: 企业作业安全风险比较图 and 行业安全风险比较图 (PNG/SVG/PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.commands.common import connection, fail

app = typer.Typer(help="安全风险比较图 (comparison charts)", no_args_is_help=True)


def _render(data, out: Path, dpi: int) -> None:
    from maps.charts import FORMATS, render_chart

    if out.suffix.lower().lstrip(".") not in FORMATS:
        fail(f"输出格式应为 {'/'.join(FORMATS)}: {out}", 2)
    drawn = render_chart(data, out, dpi=dpi)
    t = data.totals()
    typer.echo(f"{drawn.path}  ({len(data.bars)} 项; 重大 {t['major']} 较大 {t['significant']} "
               f"一般 {t['general']} 低 {t['low']}" + (f" 未评估 {t['unassessed']}" if t["unassessed"] else "") + ")")


@app.command("posts")
def posts_cmd(
    enterprise_id: Annotated[int, typer.Argument(min=1, help="企业 id")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="输出 .png/.svg/.pdf")] = None,
    by: Annotated[str, typer.Option(help="post 按岗位 / workshop 按车间")] = "post",
    basis: Annotated[str, typer.Option(help="residual 现有风险 / inherent 固有风险")] = "residual",
    dpi: Annotated[int, typer.Option(min=72, max=600)] = 200,
) -> None:
    """企业作业安全风险比较图: 各岗位 (或车间) 的风险点数, 按等级堆叠."""
    from layers.charts import post_risk_counts
    from layers.errors import InvalidInput, NotFound
    from maps.settings import map_settings

    with connection() as conn:
        try:
            data = post_risk_counts(conn, enterprise_id, basis=basis, by=by)  # type: ignore[arg-type]
        except (NotFound, InvalidInput) as exc:
            fail(str(exc), 2 if isinstance(exc, InvalidInput) else 1)
    _render(data, out or map_settings().out_dir / f"posts-chart-{enterprise_id}.png", dpi)


@app.command("industries")
def industries_cmd(
    region_id: Annotated[int, typer.Argument(min=1, help="区域 id (含下级区域)")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="输出 .png/.svg/.pdf")] = None,
    basis: Annotated[str, typer.Option(help="current 当前 / residual 现有 / inherent 固有")] = "current",
    dpi: Annotated[int, typer.Option(min=72, max=600)] = 200,
) -> None:
    """行业安全风险比较图: 区域内各行业的企业数, 按企业风险等级堆叠."""
    from layers.charts import industry_level_counts
    from layers.errors import InvalidInput, NotFound
    from maps.settings import map_settings

    with connection() as conn:
        try:
            data = industry_level_counts(conn, region_id, basis=basis)  # type: ignore[arg-type]
        except (NotFound, InvalidInput) as exc:
            fail(str(exc), 2 if isinstance(exc, InvalidInput) else 1)
    _render(data, out or map_settings().out_dir / f"industries-chart-{region_id}.png", dpi)
