"""``riskatlas levels``: assess, explain and refresh risk levels."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from app.commands.common import connection, fail
from layers.assessment import METHODS, SCORED_METHODS

app = typer.Typer(help="风险评价与等级 (assessment and levels)", no_args_is_help=True)


def _parse_inputs(pairs: list[str]) -> dict:
    out: dict = {}
    for p in pairs:
        if "=" not in p:
            fail(f"输入项应写作 名称=值, 如 L=3: {p!r}")
        k, v = p.split("=", 1)
        v = v.strip()
        if v.lower() in ("true", "false", "是", "否"):
            out[k] = v.lower() in ("true", "是")
        else:
            try:
                out[k] = float(v) if "." in v else int(v)
            except ValueError:
                out[k] = v
    return out


@app.command("assess")
def assess_cmd(
    method: Annotated[str, typer.Argument(help=" / ".join(METHODS))],
    inputs: Annotated[list[str], typer.Argument(help="如 L=3 E=6 C=15; 直接判定: major_hazard_source=true")],
    profile: Annotated[str, typer.Option(help="评价方案")] = "default",
) -> None:
    """按评价方案计算一条风险的分值与等级 (不保存)."""
    from layers.assessment import assess, load_profile
    from layers.errors import InvalidInput, NotFound

    with connection(fails_on=(InvalidInput, NotFound)) as conn:
        r = assess(method, _parse_inputs(inputs), load_profile(conn, profile))
    typer.echo(r.reason)
    typer.echo(f"等级 (level): {r.level.name_zh} [{r.level.value}]  评价方案 {r.profile} v{r.profile_version}")


@app.command("profiles")
def profiles_cmd() -> None:
    """列出评价方案及其阈值."""
    from layers.assessment import list_profiles

    with connection() as conn:
        for p in list_profiles(conn):
            typer.echo(f"{p.name} v{p.version}  {p.title_zh}")
            for m in SCORED_METHODS:
                if m in p.definition:
                    typer.echo(f"  {m}: {p.thresholds(m).describe()}")


@app.command("explain")
def explain_cmd(
    kind: Annotated[str, typer.Argument(help="area 或 enterprise")],
    object_id: Annotated[int, typer.Argument(help="id")],
    basis: Annotated[str, typer.Option(help="current / residual / inherent")] = "current",
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """解释区域或企业的等级由哪些风险、规则、隐患决定."""
    from layers import rollup
    from layers.errors import NotFound

    if kind not in ("area", "enterprise") or basis not in ("current", "residual", "inherent"):
        fail("用法: riskatlas levels explain area|enterprise ID [--basis current|residual|inherent]")
    with connection(fails_on=(NotFound,)) as conn:
        tree = (rollup.explain_area(conn, object_id, basis) if kind == "area"  # type: ignore[arg-type]
                else rollup.explain_enterprise(conn, object_id, basis))  # type: ignore[arg-type]
    if as_json:
        typer.echo(json.dumps(tree, ensure_ascii=False, indent=2, default=str))
        return

    def show(node: dict, depth: int) -> None:
        pad = "  " * depth
        if node.get("type") in (None, "child"):
            typer.echo(f"{pad}{node.get('name')} [{node.get('kind', 'enterprise')}]: {node['level_zh']}")
            for b in node["because"]:
                show(b, depth + 1)
        elif node["type"] == "risk":
            score = f" 分值 {node['score']:g}" if node.get("score") is not None else ""
            typer.echo(f"{pad}风险 #{node['risk_id']} {node['name']} ({node['accident_type']}, {node['method']}{score}): "
                       f"{node['level_zh']}")
        else:
            typer.echo(f"{pad}规则 {node['rule']}: {node['text']} — 隐患 #{node['hidden_hazard_id']} {node['description']}")

    show(tree, 0)


@app.command("refresh")
def refresh_cmd(
    overdue_only: Annotated[bool, typer.Option("--overdue-only", help="只处理到期的隐患")] = False,
) -> None:
    """重新计算全部等级 (或只处理新近超期的隐患)."""
    import time

    from layers import rollup

    with connection("cli") as conn:
        t0 = time.perf_counter()
        with conn:
            n = rollup.refresh_overdue(conn) if overdue_only else rollup.refresh_all(conn)
    typer.echo(f"已更新 {n} 个区域等级 (areas updated) in {time.perf_counter() - t0:.2f}s")
