"""``riskatlas report ENTERPRISE_ID --out FILE``: the 安全风险辨识管控报告 of one enterprise as a PDF."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path
from typing import Annotated

import typer

from app.commands.common import connection, fail

app = typer.Typer(help="安全风险辨识管控报告 (PDF)", context_settings={"allow_interspersed_args": True})


@app.callback(invoke_without_command=True)
def report(
    enterprise_id: Annotated[int, typer.Argument(min=1, help="企业 id")],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="输出 .pdf (默认 out/report-ID.pdf)")] = None,
    basis: Annotated[str, typer.Option(help="residual 现有风险 / inherent 固有风险")] = "residual",
    compiled_by: Annotated[str, typer.Option("--compiled-by", help="编制")] = "",
    reviewed_by: Annotated[str, typer.Option("--reviewed-by", help="审核")] = "",
    approved_by: Annotated[str, typer.Option("--approved-by", help="批准")] = "",
    version: Annotated[str, typer.Option("--version", help="版本")] = "V1.0",
) -> None:
    """安全风险辨识管控报告: 封面、目录、企业概况、风险汇总与比较图、厂区四色分布图、较大及以上风险管控清单、
    附件清单与岗位告知卡, 合为一个 PDF; 逐节显示进度."""
    from app.settings import web_settings
    from layers.errors import NotFound
    from layers.report import report_data
    from maps.report import ReportMeta, render_report
    from maps.settings import map_settings

    if basis not in ("residual", "inherent"):
        fail(f"--basis 应为 residual 或 inherent, 实为 {basis!r}", 2)
    target = out or map_settings().out_dir / f"report-{enterprise_id}.pdf"
    if target.suffix.lower() != ".pdf":
        fail(f"输出文件应为 .pdf: {target}", 2)
    t0 = time.perf_counter()
    with connection(fails_on=(NotFound,)) as conn:
        data = report_data(conn, enterprise_id, basis)  # type: ignore[arg-type]
    typer.echo(f"[0/8] 读取数据 (data read) {time.perf_counter() - t0:.1f}s", err=True)

    def progress(i: int, n: int, message: str) -> None:
        typer.echo(f"[{i}/{n}] {message} {time.perf_counter() - t0:.1f}s", err=True)

    meta = ReportMeta(compiled_by, reviewed_by, approved_by, version, dt.date.today(), web_settings().public_base_url)
    result = render_report(data, target, meta, progress)
    for s in result.skipped:
        typer.secho(f"注意 (note): {s}", fg=typer.colors.YELLOW, err=True)
    typer.echo(f"{result.path}  ({data.info.name}, {result.pages} 页)")
