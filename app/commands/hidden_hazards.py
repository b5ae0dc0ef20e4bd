"""``riskatlas hazards``: the 隐患排查治理 closed loop on the command line (list, show, report, move)."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from app.commands.common import run

app = typer.Typer(help="隐患排查治理 (hidden hazards: report, move through the closed loop)", no_args_is_help=True)

STATUS_HELP = "reported 上报 / rectifying 整改中 / pending_review 待验收 / closed 已闭环"


def _line(h) -> str:
    flags = "".join(f" [{x}]" for x, on in (("挂牌督办", h.supervised and h.status != "closed"),
                                             ("停产停业", h.stop_work), (f"逾期{h.days_overdue}天", h.overdue)) if on)
    where = " ".join(x for x in (h.area_code, h.area_name) if x) or "-"
    return (f"{h.id:>6} {h.status_zh:<4} {h.grade_zh} {h.enterprise_name} / {where}: {h.description}"
            f" 期限 {h.deadline or '-'}{flags}")


@app.command("list")
def list_cmd(
    enterprise: Annotated[int | None, typer.Option("--enterprise", "-e", help="企业 id")] = None,
    region: Annotated[int | None, typer.Option("--region", "-r", help="区域 id (含下级区域)")] = None,
    status: Annotated[str | None, typer.Option(help=STATUS_HELP)] = None,
    grade: Annotated[str | None, typer.Option(help="general 一般 / major 重大")] = None,
    overdue: Annotated[bool, typer.Option("--overdue", help="只看逾期 (超过整改期限且未闭环)")] = False,
    limit: Annotated[int, typer.Option(min=1)] = 100,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """列出隐患 (未闭环、逾期、重大的在前)."""
    from layers.hidden_hazards import list_hazards

    total, items = run(lambda c: list_hazards(c, enterprise_id=enterprise, region_id=region, status=status,
                                               grade=grade, overdue=True if overdue else None, limit=limit))
    if as_json:
        typer.echo(json.dumps({"total": total, "items": [h.as_dict() for h in items]}, ensure_ascii=False,
                              default=str, indent=1))
        return
    for h in items:
        typer.echo(_line(h))
    typer.echo(f"共 {total} 条 (total){'; 显示前 ' + str(len(items)) if len(items) < total else ''}")


@app.command("show")
def show_cmd(
    hazard_id: Annotated[int, typer.Argument(min=1, help="隐患 id")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """隐患详情与处理记录."""
    from layers.hidden_hazards import get

    h = run(lambda c: get(c, hazard_id))
    if as_json:
        typer.echo(json.dumps(h.as_dict(), ensure_ascii=False, default=str, indent=1))
        return
    typer.echo(_line(h))
    for label, value in (("排查", f"{h.found_at:%Y-%m-%d %H:%M} {h.found_by}"), ("整改措施", h.measures),
                         ("责任", " ".join(x for x in (h.responsible_dept, h.responsible_person) if x) or None),
                         ("资金(元)", h.funds_yuan), ("应急预案", h.emergency_plan), ("整改人", h.rectifier),
                         ("复查人", h.verified_by), ("复查结果", h.verify_result), ("照片", h.photo_count or None)):
        if value is not None:
            typer.echo(f"  {label}: {value}")
    typer.echo("  处理记录 (history):")
    for e in h.history:
        move = f"{e.from_zh}→{e.to_zh}" if e.from_status else e.to_zh
        typer.echo(f"    {e.at:%Y-%m-%d %H:%M} {e.actor} {e.action_zh} ({move}){': ' + e.note if e.note else ''}")


@app.command("report")
def report_cmd(
    enterprise_id: Annotated[int, typer.Argument(min=1, help="企业 id")],
    description: Annotated[str, typer.Option("--description", "-d", help="隐患描述")],
    found_by: Annotated[str, typer.Option("--found-by", help="排查人")],
    grade: Annotated[str, typer.Option(help="general 一般隐患 / major 重大隐患")] = "general",
    area: Annotated[int | None, typer.Option(help="隐患部位: 本企业的区域 id")] = None,
    deadline: Annotated[str | None, typer.Option(help="整改期限 YYYY-MM-DD")] = None,
    measures: Annotated[str | None, typer.Option(help="整改措施")] = None,
    dept: Annotated[str | None, typer.Option(help="责任部门")] = None,
    person: Annotated[str | None, typer.Option(help="责任人")] = None,
    funds: Annotated[float | None, typer.Option(help="整改资金 (元)")] = None,
    plan: Annotated[str | None, typer.Option(help="应急预案")] = None,
) -> None:
    """上报一条隐患 (重大隐患自动挂牌督办、停产停业)."""
    from layers.hidden_hazards import report

    h = run(lambda c: report(c, enterprise_id, description=description, grade=grade, found_by=found_by,
                              actor=found_by, area_id=area, deadline=deadline, measures=measures,
                              responsible_dept=dept, responsible_person=person, funds_yuan=funds,
                              emergency_plan=plan))
    typer.echo(f"已上报 (reported): {_line(h)}")


@app.command("move")
def move_cmd(
    hazard_id: Annotated[int, typer.Argument(min=1, help="隐患 id")],
    to: Annotated[str, typer.Argument(help=STATUS_HELP)],
    actor: Annotated[str, typer.Option(help="操作人")],
    note: Annotated[str | None, typer.Option(help="备注")] = None,
    measures: Annotated[str | None, typer.Option(help="整改措施 (start)")] = None,
    dept: Annotated[str | None, typer.Option(help="责任部门 (start)")] = None,
    person: Annotated[str | None, typer.Option(help="责任人 (start)")] = None,
    funds: Annotated[float | None, typer.Option(help="整改资金 元 (start, submit)")] = None,
    deadline: Annotated[str | None, typer.Option(help="整改期限 YYYY-MM-DD (start, reject)")] = None,
    plan: Annotated[str | None, typer.Option(help="应急预案 (start)")] = None,
    rectifier: Annotated[str | None, typer.Option(help="整改人 (submit)")] = None,
    reviewer: Annotated[str | None, typer.Option(help="复查(验收)人, 不能是整改人 (verify, reject)")] = None,
    result: Annotated[str | None, typer.Option(help="复查结果; 退回时为不合格原因 (verify, reject)")] = None,
) -> None:
    """隐患状态流转: 上报→整改中→待验收→已闭环, 或 待验收→整改中 (复查不合格)."""
    from layers.hidden_hazards import move

    given = {"measures": measures, "responsible_dept": dept, "responsible_person": person, "funds_yuan": funds,
             "deadline": deadline, "emergency_plan": plan, "rectifier": rectifier, "verified_by": reviewer,
             "verify_result": result}
    fields: dict[str, Any] = {k: v for k, v in given.items() if v is not None}   # move(**fields: Any)
    h = run(lambda c: move(c, hazard_id, to, actor=actor, note=note, **fields))
    typer.echo(f"已流转 (moved): {_line(h)}")
