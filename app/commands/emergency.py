"""``riskatlas emergency``: accident scenarios, who is inside the threat zones, routes, briefing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from app.commands.common import fail, run
from layers.consequences import LEVELS, MODEL_NAMES

app = typer.Typer(help="应急规划: 事故情景、威胁区、受影响目标、资源与路线 (emergency planning)",
                  no_args_is_help=True)
scenario_app = typer.Typer(help="事故情景 (scenarios)", no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")


def _kv(items: list[str], what: str) -> dict:
    out: dict = {}
    for it in items:
        if "=" not in it:
            fail(f"{what} 应写作 名称=值 (expected NAME=VALUE): {it!r}")
        k, v = it.split("=", 1)
        try:
            out[k.strip()] = float(v)
        except ValueError:
            out[k.strip()] = v.strip()
    return out


def _run(fn):
    """``fn(conn)`` in one transaction, recorded in the audit trail as the command line's."""
    return run(fn, actor="cli")


def _echo_json(obj) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


@scenario_app.command("create")
def create_cmd(
    hazard_source: Annotated[int, typer.Argument(help="危险源 id")],
    model: Annotated[str, typer.Argument(help=" / ".join(MODEL_NAMES))],
    param: Annotated[list[str] | None, typer.Argument(help="模型参数 名称=值 …")] = None,
    weather: Annotated[list[str] | None, typer.Option("--weather", "-w", help="气象 名称=值, 可重复")] = None,
    name: Annotated[str | None, typer.Option(help="情景名称")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """新建情景并计算威胁区. 例: riskatlas emergency scenario create 1 vce_tnt fuel_mass_kg=20000 -w wind_speed_m_s=3"""
    from layers.emergency import scenarios as sc

    s = _run(lambda c: sc.create_scenario(c, hazard_source_id=hazard_source, model=model,
                                          params=_kv(param or [], "参数"), weather=_kv(weather or [], "气象"),
                                          name=name))
    if as_json:
        _echo_json(s)
        return
    typer.echo(f"情景 {s['id']} 已创建 (created): {s['name']} · {s['model_zh']} · {s['enterprise_name']} / "
               f"{s['hazard_source_code']} {s['hazard_source_name']}")
    _zones_text(s["id"])


def _zones_text(scenario_id: int) -> None:
    from layers.emergency import scenarios as sc

    gdf = _run(lambda c: sc.zones(c, scenario_id))
    for z in gdf.itertuples():
        typer.echo(f"  {z.level_zh or z.level}: {z.threshold_zh}, 距离 {z.distance_m:.0f} m, 面积 {z.area_m2 / 1e4:.2f} ha")


@scenario_app.command("list")
def list_cmd(hazard_source: Annotated[int | None, typer.Option(help="危险源 id")] = None) -> None:
    """列出情景."""
    from layers.emergency import scenarios as sc

    for s in _run(lambda c: sc.scenarios(c, hazard_source_id=hazard_source)):
        typer.echo(f"{s['id']:>5}  {s['model']:<15} {'(待重算 stale) ' if s['stale'] else ''}{s['name']} · "
                   f"{s['enterprise_name']} / {s['hazard_source_code']}")


@scenario_app.command("compute")
def compute_cmd(scenario_id: Annotated[int, typer.Argument(help="情景 id")]) -> None:
    """重新计算威胁区."""
    from layers.emergency import scenarios as sc

    s = _run(lambda c: sc.compute_scenario(c, scenario_id))
    typer.echo(f"情景 {s['id']} 已计算 (computed), 输入版本 {s['inputs_version']}")
    _zones_text(scenario_id)


@scenario_app.command("zones")
def zones_cmd(scenario_id: Annotated[int, typer.Argument(help="情景 id")],
              out: Annotated[Path | None, typer.Option("--out", "-o", help="写出 GeoJSON 文件")] = None) -> None:
    """威胁区 (待重算时先重算); --out 写 GeoJSON."""
    from layers.emergency import scenarios as sc

    if out:
        fc = _run(lambda c: sc.geojson(sc.zones(c, scenario_id)))
        out.write_text(json.dumps(fc, ensure_ascii=False), encoding="utf-8")
        typer.echo(f"已写出 (written) {out}")
    else:
        _zones_text(scenario_id)


@scenario_app.command("affected")
def affected_cmd(scenario_id: Annotated[int, typer.Argument(help="情景 id")],
                 as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """威胁区内的企业、防护目标与人口、道路、应急资源, 以及需通知的相邻企业."""
    from layers.emergency import affected as aff

    a = _run(lambda c: aff.affected(c, scenario_id))
    if as_json:
        _echo_json(a)
        return
    s = a["summary"]
    for lv in LEVELS:
        x = s[lv]
        typer.echo(f"{x['level_zh']}: 企业 {x['enterprises']} 家 ({x['employees']} 人), 防护目标 {x['protection_targets']} 处 "
                   f"({x['population']} 人), 道路 {x['road_m'] / 1000:.2f} km, 应急资源 {x['resources']} 处")
    typer.echo("防护目标 (protection targets):")
    for t in a["protection_targets"]:
        typer.echo(f"  [{t['level']}] {t['name']} ({t['kind_zh']}) {t['population']} 人, {t['distance_m']:.0f} m")
    typer.echo("需通知的相邻企业 (neighbours to notify):")
    for e in a["notify"]:
        typer.echo(f"  [{e['level']}] {e['name']} {e['distance_m']:.0f} m, 应急电话 {e['emergency_phone'] or '—'}")
    if not a["notify"]:
        typer.echo("  (无 none)")


@scenario_app.command("routes")
def routes_cmd(scenario_id: Annotated[int, typer.Argument(help="情景 id")],
               out: Annotated[Path | None, typer.Option("--out", "-o", help="写出 GeoJSON 文件")] = None) -> None:
    """最近的消防站、医院、避难场所 (按道路时间) 与避开红区的疏散路线."""
    from layers.emergency import evacuation as rt
    from layers.emergency import scenarios as sc

    gdf = _run(lambda c: rt.scenario_routes(c, scenario_id))
    if out:
        out.write_text(json.dumps(sc.geojson(gdf), ensure_ascii=False), encoding="utf-8")
        typer.echo(f"已写出 (written) {out}")
        return
    for r in gdf.itertuples():
        t = "—" if r.time_s != r.time_s or r.time_s is None else f"{r.time_s / 60:.1f} min"
        d = "—" if r.length_m != r.length_m or r.length_m is None else f"{r.length_m / 1000:.2f} km"
        if r.route_kind == "resource":
            typer.echo(f"  {r.resource_kind_zh} #{r.rank}: {r.name} {t}, {d}")
        else:
            typer.echo(f"  疏散: {r.name} ({r.population} 人) → {r.shelter_name or '无可用避难场所'} {t}, {d}"
                       + (" [超出容量]" if r.over_capacity else ""))


@scenario_app.command("briefing")
def briefing_cmd(scenario_id: Annotated[int, typer.Argument(help="情景 id")],
                 out: Annotated[Path, typer.Option("--out", "-o", help="PDF 文件")] = Path("briefing.pdf")) -> None:
    """应急处置简报 PDF."""
    from maps.briefing import briefing_pdf

    pdf = _run(lambda c: briefing_pdf(c, scenario_id))
    out.write_bytes(pdf)
    typer.echo(f"已写出 (written) {out} ({len(pdf):,} bytes)")


@scenario_app.command("delete")
def delete_cmd(scenario_id: Annotated[int, typer.Argument(help="情景 id")]) -> None:
    from layers.emergency import scenarios as sc

    _run(lambda c: sc.delete_scenario(c, scenario_id))
    typer.echo(f"情景 {scenario_id} 已删除 (deleted)")


@app.command("coverage")
def coverage_cmd(region: Annotated[int, typer.Argument(help="区域 id")],
                 minutes: Annotated[float, typer.Option(help="到达时间 (min), GB 51080: 5")] = 5.0,
                 turnout_s: Annotated[float, typer.Option(help="出动时间 (s)")] = 60.0) -> None:
    """消防站 5 分钟覆盖与未覆盖面积 (GB 51080-2015)."""
    from layers.emergency import evacuation as rt

    _, s = _run(lambda c: rt.fire_coverage(c, region, minutes=minutes, turnout_s=turnout_s))
    typer.echo(f"{s['region_name']}: 消防站 {s['stations']} 个, 区域 {s['region_km2']:.1f} km², "
               f"覆盖 {s['covered_km2']:.1f} km² ({(s['covered_share'] or 0) * 100:.1f}%), 未覆盖 {s['gap_km2']:.1f} km²")


@app.command("safety-distance")
def safety_cmd(hazard_source: Annotated[list[int], typer.Argument(help="危险源 id …")]) -> None:
    """外部安全防护距离内的防护目标 (GB/T 37243-2019)."""
    from layers.emergency import evacuation as rt

    rows = _run(lambda c: rt.safety_distance_breaches(c, hazard_source))
    for r in rows:
        typer.echo(f"  危险源 {r['hazard_source_id']}: {r['target_name']} ({r['target_kind_zh']}, {r['population']} 人) "
                   f"距离 {r['distance_m']:.0f} m < {r['required_m']:.0f} m")
    typer.echo(f"共 {len(rows)} 处 (breaches)")
