"""``riskatlas maps``: printable 厂区/车间安全风险四色分布图 with the 较大及以上风险管控清单."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from app.commands.common import connection, fail

app = typer.Typer(help="厂区/车间安全风险四色分布图 (printable plant and workshop maps)", no_args_is_help=True)


class Paper(StrEnum):
    A4 = "A4"
    A3 = "A3"


class Orient(StrEnum):
    landscape = "landscape"
    portrait = "portrait"


class Fmt(StrEnum):
    png = "png"
    pdf = "pdf"
    svg = "svg"


class Basis(StrEnum):
    residual = "residual"
    inherent = "inherent"
    current = "current"


PaperOpt = Annotated[Paper, typer.Option("--paper", help="纸张 A4/A3")]
OrientOpt = Annotated[Orient, typer.Option("--orient", help="landscape 横向 / portrait 纵向")]
FormatOpt = Annotated[Fmt | None, typer.Option("--format", "-f", help="png/pdf/svg (默认取 --out 的后缀, 否则 pdf)")]
BasisOpt = Annotated[Basis, typer.Option("--basis", help="residual 现有风险 / inherent 固有风险 / current 当前(含隐患调整)")]
OutOpt = Annotated[Path | None, typer.Option("--out", "-o", help="输出文件 (默认 out/ 下)")]
PairOpt = Annotated[bool, typer.Option("--pair", help="固有风险与现有风险两张图 (inherent-vs-residual pair)")]
DpiOpt = Annotated[int, typer.Option("--dpi", min=72, max=600, help="PNG 分辨率")]
TextOpt = Annotated[str, typer.Option()]


def _target(out: Path | None, fmt: Fmt | None, default_stem: str) -> Path:
    from maps.settings import map_settings

    if out is not None:
        suffix = out.suffix.lower().lstrip(".")
        if suffix not in ("png", "pdf", "svg"):
            fail(f"--out 的后缀应为 .png/.pdf/.svg, 实为 {out.suffix!r} (unsupported format)", 2)
        if fmt is not None and fmt.value != suffix:
            fail(f"--format {fmt.value} 与 --out 的后缀 {out.suffix} 不一致 (format and file suffix disagree)", 2)
        return out
    return map_settings().out_dir / f"{default_stem}.{(fmt or Fmt.pdf).value}"


def _render(target: Path, **kw) -> None:
    from layers.errors import InvalidInput, NotFound
    from maps.plant_map import render_enterprise_map

    with connection(fails_on=(NotFound, InvalidInput, ValueError)) as conn:
        r = render_enterprise_map(conn, target, **kw)
    typer.echo(f"{r.pages[0]}  (第 1 页, 共 {r.page_count} 页; 比例 1:{r.scale:,}; 清单 {len(set(r.listed))} 项)")
    for p in r.pages[1:]:
        typer.echo(str(p))
    if r.unplaced:
        typer.secho(f"注意 (note): 以下标注无处放置 (labels without room): {'、'.join(r.unplaced)}", err=True,
                    fg=typer.colors.YELLOW)


@app.command("plant")
def plant_cmd(
    enterprise_id: Annotated[int, typer.Argument(min=1, help="企业 id")],
    paper: PaperOpt = Paper.A4,
    orient: OrientOpt = Orient.landscape,
    fmt: FormatOpt = None,
    basis: BasisOpt = Basis.residual,
    out: OutOpt = None,
    pair: PairOpt = False,
    dpi: DpiOpt = 300,
    compiled_by: TextOpt = "",
    reviewed_by: TextOpt = "",
    version: TextOpt = "V1.0",
) -> None:
    """绘制企业的厂区安全风险四色分布图与较大及以上风险管控清单 (PNG/PDF/SVG).

    PNG/SVG: 第 1 页写入 --out, 续页写入 <名称>-2.png 等; PDF: 全部页在一个文件中."""
    target = _target(out, fmt, f"plant-{enterprise_id}-{basis.value}{'-pair' if pair else ''}")
    _render(target, enterprise_id=enterprise_id, basis=basis.value, paper=paper.value,
            landscape=orient is Orient.landscape, dpi=dpi, pair=pair, compiled_by=compiled_by,
            reviewed_by=reviewed_by, version=version)


@app.command("workshop")
def workshop_cmd(
    area_id: Annotated[int, typer.Argument(min=1, help="车间的区域 id (area kind 'workshop')")],
    paper: PaperOpt = Paper.A4,
    orient: OrientOpt = Orient.landscape,
    fmt: FormatOpt = None,
    basis: BasisOpt = Basis.residual,
    out: OutOpt = None,
    pair: PairOpt = False,
    dpi: DpiOpt = 300,
    compiled_by: TextOpt = "",
    reviewed_by: TextOpt = "",
    version: TextOpt = "V1.0",
) -> None:
    """绘制一个车间的车间安全风险四色分布图与该车间的较大及以上风险清单."""
    target = _target(out, fmt, f"workshop-{area_id}-{basis.value}{'-pair' if pair else ''}")
    _render(target, workshop_id=area_id, basis=basis.value, paper=paper.value,
            landscape=orient is Orient.landscape, dpi=dpi, pair=pair, compiled_by=compiled_by,
            reviewed_by=reviewed_by, version=version)
