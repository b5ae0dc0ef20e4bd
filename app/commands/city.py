"""``riskatlas city``: the regulators' city maps (static PNG/PDF), layer exports and front-end assets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from app.commands.common import connection, fail

app = typer.Typer(help="城市/区县安全风险四色分布图、热力图、图层导出 (city maps and exports)", no_args_is_help=True)

WithinOpt = Annotated[int | None, typer.Option(help="区域 id: 只画此区域之内 (辖区)")]
IndustryOpt = Annotated[str | None, typer.Option(help="行业代码或名称, 逗号分隔")]
LevelOpt = Annotated[str | None, typer.Option(help="风险等级, 逗号分隔 (重大,较大 / major,significant)")]


def render_static(within, industry, level, out: Path, kind: str, paper: str, dpi: int) -> Path:
    from layers import city
    from layers.errors import InvalidInput, NotFound
    from maps.city_static import CityStaticLayers, render_city_static

    if out.suffix.lower() not in (".png", ".pdf"):
        fail(f"不支持的输出格式 {out.suffix!r}: 应为 .png 或 .pdf (unsupported format)", 2)
    with connection(fails_on=(InvalidInput, NotFound, ValueError)) as conn:
        page = city.city_layers(conn, within=within, industry=industry, level=level, heat_limit=50_000)
        districts, towns = city.outlined_regions(conn, page)
        layers = CityStaticLayers(
            title=page.title, districts=districts, towns=towns,
            enterprises=city.enterprises_layer(conn, page.filter),
            hazard_sources=page.hazard_sources, heat=page.heat, is_city=page.is_city,
        )
        return render_city_static(layers, out, kind=kind, paper=paper, dpi=dpi)


@app.command("map")
def map_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件 (.png/.pdf)")],
    within: WithinOpt = None, industry: IndustryOpt = None, level: LevelOpt = None,
    paper: Annotated[str, typer.Option(help="A4 / A3")] = "A3",
    dpi: Annotated[int, typer.Option(min=72, max=600)] = 200,
) -> None:
    """城市(区县)安全风险四色分布图: 区域颜色 + 企业四色点 + 重大危险源."""
    typer.echo(str(render_static(within, industry, level, out, "four_colour", paper, dpi)))


@app.command("heat")
def heat_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件 (.png/.pdf)")],
    within: WithinOpt = None, industry: IndustryOpt = None, level: LevelOpt = None,
    paper: Annotated[str, typer.Option(help="A4 / A3")] = "A3",
    dpi: Annotated[int, typer.Option(min=72, max=600)] = 200,
) -> None:
    """安全风险热力图 (按风险等级加权)."""
    typer.echo(str(render_static(within, industry, level, out, "heat", paper, dpi)))


@app.command("export")
def export_cmd(
    layer: Annotated[str, typer.Argument(help="enterprises / areas / regions / hazard_sources / hidden_hazards / all")],
    out: Annotated[Path, typer.Option("--out", "-o", help="输出文件 (.gpkg 含 QGIS 样式 / .geojson)")],
    within: WithinOpt = None, industry: IndustryOpt = None, level: LevelOpt = None,
) -> None:
    """导出图层为 GeoPackage (QGIS 打开即为四色样式) 或 GeoJSON."""
    import json

    from layers import city, exports
    from layers.errors import InvalidInput, NotFound

    names = list(exports.LAYERS) if layer == "all" else [layer]
    if any(n not in exports.LAYERS for n in names):
        fail(f"图层 {layer!r} 不存在, 可选 {'/'.join(exports.LAYERS)}/all (unknown layer)", 2)
    suffix = out.suffix.lower()
    if suffix not in (".gpkg", ".geojson", ".json") or (suffix != ".gpkg" and len(names) > 1):
        fail("输出应为 .gpkg (可含多个图层) 或 .geojson (单个图层) (unsupported output)", 2)
    with connection(fails_on=(InvalidInput, NotFound)) as conn:
        f = city.parse_filter(conn, within=within, industry=industry, level=level)
        if suffix == ".gpkg":
            exports.write_gpkg(conn, names, out, f)
        else:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps(exports.to_geojson(conn, names[0], f), ensure_ascii=False), encoding="utf-8")
    typer.echo(str(out))


@app.command("assets")
def assets_cmd(force: Annotated[bool, typer.Option("--force", help="重新下载")] = False) -> None:
    """安装网页前端资源 (Leaflet 及插件, 来自 npm 仓库) 到 var/vendor, 由本应用提供."""
    from maps import vendor

    try:
        done = vendor.install(force=force, log=lambda m: typer.echo(m, err=True))
    except (vendor.AssetsMissing, RuntimeError) as exc:
        fail(str(exc))
    typer.echo(f"{vendor.vendor_dir()}: {len(done)} 个已安装 (installed now), "
               f"{len(vendor.PACKAGES) - len(vendor.missing())}/{len(vendor.PACKAGES)} 就绪 (ready)")
