"""``riskatlas sources``: 重大危险源 (GB 18218-2018) list, explain and refresh."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from app.commands.common import connection

app = typer.Typer(help="重大危险源辨识与分级 (major hazard sources, GB 18218-2018)", no_args_is_help=True)


def _num(x) -> str:
    if x is None or x != x:
        return "—"
    return f"{float(x):.2f}".rstrip("0").rstrip(".")


@app.command("list")
def list_cmd(
    region: Annotated[int | None, typer.Option(help="区域 id (含下级区域)")] = None,
    enterprise: Annotated[int | None, typer.Option(help="企业 id")] = None,
    major_only: Annotated[bool, typer.Option("--major-only", help="只列构成重大危险源的 (S ≥ 1)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """列出危险源及其 S、R、α、500 m 内人口与级别 (最严重的在前)."""
    from layers import hazard_source as hs
    from layers.errors import NotFound

    with connection(fails_on=(NotFound,)) as conn:
        gdf = hs.hazard_sources(conn, region_id=region, enterprise_id=enterprise, major_only=major_only)
    cols = ["id", "code", "name", "enterprise_id", "enterprise_name", "s_value", "beta_sum", "population_500m",
            "alpha", "r_value", "is_major", "grade", "grade_zh"]
    if as_json:
        rows = [{c: (None if r[c] != r[c] else r[c]) for c in cols} for r in gdf[cols].to_dict("records")]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    typer.echo(f"{'id':>5}  {'S':>7}  {'R':>7}  {'α':>4}  {'人口':>6}  级别            企业 / 危险源")
    for r in gdf.itertuples():
        typer.echo(f"{r.id:>5}  {_num(r.s_value):>7}  {_num(r.r_value):>7}  {_num(r.alpha):>4}  "
                   f"{r.population_500m if r.population_500m == r.population_500m else '—':>6}  "
                   f"{r.grade_zh:<14}  {r.enterprise_name} / {r.code} {r.name}")
    typer.echo(f"共 {len(gdf)} 处, 其中构成重大危险源 {int(gdf['is_major'].fillna(False).astype(bool).sum())} 处 "
               f"({len(gdf)} sources)")


@app.command("explain")
def explain_cmd(
    hazard_source_id: Annotated[int, typer.Argument(help="危险源 id")],
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """解释一处危险源的辨识与分级: 各物质、S、500 m 内防护目标、α、R、级别."""
    from layers import hazard_source as hs
    from layers.errors import NotFound

    with connection(fails_on=(NotFound,)) as conn:
        e = hs.explain(conn, hazard_source_id)
    if as_json:
        typer.echo(json.dumps(e, ensure_ascii=False, indent=2, default=str))
        return
    typer.echo(f"{e['enterprise_name']} / {e['code']} {e['name']}: {e['grade_zh']}")
    typer.echo("危险化学品 (substances):")
    for s in e["substances"]:
        typer.echo(f"  {s['chemical']}: q = {_num(s['q_t'])} t, Q = {_num(s['critical_t'])} t, "
                   f"q/Q = {s['ratio']:.4g}, β = {_num(s['beta'])}, βq/Q = {s['beta_ratio']:.4g}")
    if not e["substances"]:
        typer.echo("  (无 none)")
    p = e["population"]
    typer.echo(f"{_num(p['radius_m'])} m 内防护目标 (protection targets), 依据 {p['site_basis_zh']}:")
    for t in p["targets"]:
        typer.echo(f"  {t['name']} ({t['kind_zh']}): {t['population']} 人, 距离 {t['distance_m']:.0f} m")
    if not p["targets"]:
        typer.echo("  (无 none)")
    for line in e["steps_zh"]:
        typer.echo(line)
    if not e["consistent"]:
        typer.secho("注意: 数据库中保存的分级与本次重算不一致, 请运行 riskatlas sources refresh "
                    "(stored grade differs from this recomputation)", fg=typer.colors.YELLOW)


@app.command("refresh")
def refresh_cmd() -> None:
    """重新计算全部危险源的 S、α、R 与级别."""
    from layers import hazard_source as hs

    with connection("cli") as conn, conn:
        n = hs.refresh_all(conn)
    typer.echo(f"已更新 {n} 处危险源 (hazard sources updated)")


chemical_app = typer.Typer(help="危险化学品目录 (GB 18218-2018 表1 与按表2类别登记的物质)", no_args_is_help=True)
app.add_typer(chemical_app, name="chemical")


@chemical_app.command("list")
def chemical_list_cmd(
    q: Annotated[str | None, typer.Argument(help="名称、别名、英文名或 CAS 号中包含的文字 (省略: 全部)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON")] = False,
) -> None:
    """列出危险化学品目录: 来源 (表1 第几行或按类别), 品名, CAS 号, 类别, 临界量 Q, β."""
    from layers import chemicals

    with connection() as conn:
        found = chemicals.search(conn, q, limit=1000)
    if as_json:
        typer.echo(json.dumps(found, ensure_ascii=False, indent=2, default=str))
        return
    for c in found["items"]:
        typer.echo(f"{c['source_zh']:<12}  {c['name_zh']}  {c['cas'] or '—'}  {c['category'] or '—'}  "
                   f"Q = {_num(c['critical_t'])} t  β = {_num(c['beta'])}")
    typer.echo(f"共 {found['total']} 种 ({found['total']} chemicals)")


@chemical_app.command("add")
def chemical_add_cmd(
    name: Annotated[str, typer.Argument(help="品名 (不在 GB 18218 表1 中的物质)")],
    category: Annotated[str, typer.Option("--category", help="GB 18218 表2 危险性类别, 如 W2、W5.3、J3")],
    cas: Annotated[str | None, typer.Option("--cas", help="CAS 号, 如 115-07-1")] = None,
    alias: Annotated[list[str] | None, typer.Option("--alias", help="别名 (可重复)")] = None,
    name_en: Annotated[str | None, typer.Option("--name-en", help="英文名")] = None,
) -> None:
    """按表2类别登记表1 以外的危险化学品: 临界量 Q 与 β 取该类别的 (表2、表4); 写入审计记录.
    表1 已列出的名称、已登记的名称或 CAS 号被拒绝 (exit code 1)."""
    from app.commands.common import run
    from layers import chemicals

    entry = run(lambda conn: chemicals.add(conn, name, category, cas=cas, aliases=alias or [], name_en=name_en),
                actor="cli")
    typer.echo(f"已登记 (added) id {entry['id']}: {entry['name_zh']}, 类别 {entry['category']} "
               f"{entry['category_zh']}, Q = {_num(entry['critical_t'])} t, β = {_num(entry['beta'])}")
