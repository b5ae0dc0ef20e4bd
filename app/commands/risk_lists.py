"""``riskatlas lists``: risk lists as Excel workbooks (export, import, 较大及以上风险管控清单)."""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated

import typer

from app.commands.common import connection, fail

app = typer.Typer(help="岗位风险清单 Excel 导入导出 (risk lists as .xlsx)", no_args_is_help=True)

EnterpriseArg = Annotated[int, typer.Argument(min=1, help="企业 id")]


def _target(out: Path | None, default: str) -> Path:
    from maps.settings import map_settings

    target = out or map_settings().out_dir / default
    if target.suffix.lower() != ".xlsx":
        fail(f"输出文件应为 .xlsx: {target}", 2)
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


@app.command("export")
def export_cmd(
    enterprise_id: EnterpriseArg,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="输出 .xlsx (默认 out/risk-lists-ID.xlsx)")] = None,
) -> None:
    """导出企业的操作岗位与管理岗位风险管控与隐患排查清单 (Shandong guide 附件1/附件2)."""
    from layers.errors import NotFound
    from layers.risk_lists import risk_list_tables
    from maps.excel import write_workbook

    target = _target(out, f"risk-lists-{enterprise_id}.xlsx")
    with connection(fails_on=(NotFound,)) as conn:
        name, tables = risk_list_tables(conn, enterprise_id)
    target.write_bytes(write_workbook(tables, title=f"{name} 岗位风险管控与隐患排查清单"))
    rows = {t.sheet: len(t.rows) for t in tables}
    typer.echo(f"{target}  ({', '.join(f'{k} {v} 行' for k, v in rows.items())})")


@app.command("significant")
def significant_cmd(
    enterprise_id: EnterpriseArg,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="输出 .xlsx")] = None,
    basis: Annotated[str, typer.Option(help="residual 现有风险 / inherent 固有风险")] = "residual",
) -> None:
    """导出较大及以上风险管控清单 (编号与厂区四色图的风险点编号一致)."""
    from layers.errors import NotFound
    from layers.risk_lists import significant_tables
    from maps.excel import write_workbook

    if basis not in ("residual", "inherent"):
        fail(f"--basis 应为 residual 或 inherent, 实为 {basis!r}", 2)
    target = _target(out, f"significant-risks-{enterprise_id}.xlsx")
    with connection(fails_on=(NotFound,)) as conn:
        name, tables = significant_tables(conn, enterprise_id, basis)  # type: ignore[arg-type]
    target.write_bytes(write_workbook(tables, title=f"{name} 较大及以上风险管控清单"))
    typer.echo(f"{target}  ({len(tables[0].rows)} 条较大及以上风险)")


def _describe_error(e: dict) -> str:
    where = []
    if e.get("sheet"):
        where.append(f"工作表 {e['sheet']}")
    if e.get("row"):
        where.append(f"第 {e['row']} 行")
    if e.get("column"):
        where.append(f"列 {e['column']}" + (f" ({e['cell']})" if e.get("cell") else ""))
    return (" ".join(where) + ": " if where else "") + e["message"]


@app.command("import")
def import_cmd(
    enterprise_id: EnterpriseArg,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True, help=".xlsx 工作簿")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="只校验并统计, 不写入")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="以 JSON 输出结果")] = False,
) -> None:
    """导入岗位风险清单: 全部校验通过才在一个事务中写入; 否则列出每个错误, 不写入任何数据."""
    from layers.errors import InvalidInput, NotFound
    from layers.risk_lists import MAX_WORKBOOK_BYTES, import_workbook

    if file.stat().st_size > MAX_WORKBOOK_BYTES:
        fail(f"文件超过 {MAX_WORKBOOK_BYTES // (1024 * 1024)} MB 上限 (file too large): {file}")
    data = file.read_bytes()
    with connection(fails_on=(NotFound,)) as conn:
        try:
            with conn:
                result = import_workbook(conn, enterprise_id, data, actor=f"cli:{getpass.getuser()}", dry_run=dry_run)
        except InvalidInput as exc:
            fail(str(exc), details=[_describe_error(e) for e in exc.errors])
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    for w in result.warnings:
        typer.secho(f"注意 (warning): {w}", fg=typer.colors.YELLOW, err=True)
    head = "校验通过, 未写入 (dry run)" if dry_run else "已导入 (imported)"
    typer.echo(f"{head}: 企业 {enterprise_id}")
    if result.operating is not None:
        o = result.operating
        typer.echo(f"  操作岗位: {o['posts']} 个岗位; 风险 新增 {o['inserted']}, 修改 {o['updated']}, 删除 {o['deleted']}, "
                   f"未变 {o['unchanged']}; 岗位信息修改 {o['post_attributes_updated']}")
    if result.management is not None:
        m = result.management
        typer.echo(f"  管理岗位: {m['posts']} 个岗位 (新增 {m['posts_inserted']}, 删除 {m['posts_deleted']}); "
                   f"条目 新增 {m['inserted']}, 修改 {m['updated']}, 删除 {m['deleted']}, 未变 {m['unchanged']}")
