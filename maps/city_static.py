"""城市/区县安全风险四色分布图 and 风险热力图 for reports: PNG or PDF (matplotlib), same palette as the page.

It receives layers (``layers.city``): regions with their colour and counts, enterprises with their level,
重大危险源 and the weighted heat points, and draws them in the region's UTM zone (metres): a title, a
Chinese legend, a north arrow and a scale bar in kilometres.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import matplotlib.patheffects as pe
import numpy as np
import shapely
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap, to_rgba
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, PathPatch
from matplotlib.path import Path as MplPath

from layers.levels import DESCENDING, NAMES, PALETTE, UNASSESSED
from maps.furniture import local_crs, north_arrow, paper_inches, paper_mm, scale_bar
from maps.style import CITY_BACKGROUND, CITY_SOURCE_MARK, FAINT, OUTLINE, PALE, SECONDARY, cjk_family

#: Draw order of enterprise points: the most serious on top.
_ORDER = {UNASSESSED: 0, "low": 1, "general": 2, "significant": 3, "major": 4}


@dataclass
class CityStaticLayers:
    title: str                                     # region name
    districts: gpd.GeoDataFrame                    # layers.city.regions_layer(level="district")
    towns: gpd.GeoDataFrame                        # layers.city.regions_layer(level="town") (may be empty)
    enterprises: gpd.GeoDataFrame                  # layers.city.enterprises_layer
    hazard_sources: gpd.GeoDataFrame               # layers.city.hazard_sources_layer
    heat: list[tuple[float, float, float]] = field(default_factory=list)   # layers.city.heat_points
    is_city: bool = True                           # a city (城市…分布图) or a district or town
    date: dt.date = field(default_factory=dt.date.today)


def heat_cmap() -> LinearSegmentedColormap:
    """Transparent → 黄 → 橙 → 红, from the palette."""
    stops = [to_rgba(PALETTE.colour("general"), 0.0), to_rgba(PALETTE.colour("general"), 0.55),
             to_rgba(PALETTE.colour("significant"), 0.75), to_rgba(PALETTE.colour("major"), 0.9)]
    return LinearSegmentedColormap.from_list("riskatlas_heat", list(zip([0, 0.25, 0.6, 1], stops, strict=True)))


def _gaussian(grid: np.ndarray, sigma: float) -> np.ndarray:
    r = max(1, int(3 * sigma))
    k = np.exp(-0.5 * (np.arange(-r, r + 1) / sigma) ** 2)
    k /= k.sum()
    out = np.apply_along_axis(lambda v: np.convolve(v, k, mode="same"), 0, grid)
    return np.apply_along_axis(lambda v: np.convolve(v, k, mode="same"), 1, out)


def _outline_path(geom) -> MplPath:
    """One compound path of every ring of a (multi)polygon: a clip for the heat image."""
    paths = []
    for poly in getattr(geom, "geoms", [geom]):
        for ring in [poly.exterior, *poly.interiors]:
            paths.append(MplPath(np.asarray(ring.coords)[:, :2], closed=True))
    return MplPath.make_compound_path(*paths)


def _legend_handles(kind: str, layers: CityStaticLayers) -> list[Artist]:
    counts = {k: 0 for k in _ORDER}
    for lv in layers.enterprises.get("level", []):
        counts[lv or UNASSESSED] += 1
    if kind == "heat":
        return [Line2D([], [], color=OUTLINE, linewidth=1.6, label="区县界"),
                Line2D([], [], marker="^", linestyle="", markerfacecolor=CITY_SOURCE_MARK, markeredgecolor="black",
                       markersize=8, label=f"重大危险源 ({len(layers.hazard_sources)})")]
    handles: list[Artist] = [Patch(facecolor=to_rgba(PALETTE.colour(lv), 0.35), edgecolor=OUTLINE,
                                   label=f"区域: {lv.name_zh}({NAMES[lv.value]['colour_zh']})") for lv in DESCENDING]
    handles.append(Patch(facecolor=to_rgba(PALETTE.colour(None), 0.35), edgecolor=OUTLINE,
                         label=f"区域: {NAMES[UNASSESSED]['zh']} / 无企业"))
    handles += [Line2D([], [], marker="o", linestyle="", markerfacecolor=PALETTE.colour(lv), markeredgecolor="black",
                       markersize=7, label=f"企业: {lv.name_zh} {counts[lv.value]} 家") for lv in DESCENDING]
    if counts[UNASSESSED]:
        handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor=PALETTE.colour(None),
                              markeredgecolor="black", markersize=7,
                              label=f"企业: {NAMES[UNASSESSED]['zh']} {counts[UNASSESSED]} 家"))
    handles.append(Line2D([], [], marker="^", linestyle="", markerfacecolor=CITY_SOURCE_MARK, markeredgecolor="black",
                          markersize=8, label=f"重大危险源 ({len(layers.hazard_sources)})"))
    return handles


def render_city_static(layers: CityStaticLayers, out: Path, *, kind: str = "four_colour", paper: str = "A3",
                       landscape: bool = True, dpi: int = 200) -> Path:
    """Draw the region's four-colour map (``kind="four_colour"``) or heat map (``"heat"``) to ``out``
    (.png or .pdf)."""
    if kind not in ("four_colour", "heat"):
        raise ValueError(f"未知的地图类型 {kind!r}, 应为 four_colour 或 heat (unknown map kind)")
    if layers.districts.empty:
        raise ValueError(f"{layers.title}: 没有可绘制的区域 (no regions to draw)")
    family = cjk_family()
    w_mm, h_mm = paper_mm(paper, landscape)
    fig = Figure(figsize=paper_inches(paper, landscape), dpi=dpi)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    panel_w = 70 / w_mm
    ax = fig.add_axes((10 / w_mm, 10 / h_mm, 1 - 24 / w_mm - panel_w, 1 - 34 / h_mm))
    ax.set_aspect("equal", adjustable="datalim")   # the frame keeps its size, the map fills it
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor(CITY_BACKGROUND)

    crs = local_crs(layers.districts)
    districts = layers.districts.to_crs(crs)
    towns = layers.towns.to_crs(crs) if not layers.towns.empty else layers.towns
    fill_regions = towns if not towns.empty else districts
    if kind == "four_colour":
        fill_regions.plot(ax=ax, facecolor=[to_rgba(c, 0.35) for c in fill_regions["colour"]],
                          edgecolor=FAINT, linewidth=0.4, zorder=1)
    else:
        fill_regions.plot(ax=ax, facecolor="#FFFFFF", edgecolor=PALE, linewidth=0.4, zorder=1)
    districts.boundary.plot(ax=ax, color=OUTLINE, linewidth=1.4, zorder=3)

    minx, miny, maxx, maxy = districts.total_bounds
    pad = 0.04 * max(maxx - minx, maxy - miny)
    # room on the right for the north arrow and at the bottom for the scale bar
    extent = (minx - pad, maxx + 2.5 * pad, miny - 2 * pad, maxy + pad)

    if kind == "four_colour" and not layers.enterprises.empty:
        ents = layers.enterprises.to_crs(crs)
        keys = [lv or UNASSESSED for lv in ents["level"]]
        order = np.argsort([_ORDER[k] for k in keys], kind="stable")
        xs, ys = ents.geometry.x.to_numpy()[order], ents.geometry.y.to_numpy()[order]
        colours = [PALETTE.colour(None if keys[i] == UNASSESSED else keys[i]) for i in order]
        sizes = [{4: 26, 3: 18, 2: 12, 1: 9, 0: 9}[_ORDER[keys[i]]] for i in order]
        ax.scatter(xs, ys, s=sizes, c=colours, edgecolors="black", linewidths=0.3, zorder=5)
    if kind == "heat" and layers.heat:
        pts = gpd.GeoSeries(shapely.points([(lon, lat) for lat, lon, _ in layers.heat]), crs="EPSG:4326").to_crs(crs)
        w = np.array([p[2] for p in layers.heat], dtype=float)
        nx = 400
        cell = (extent[1] - extent[0]) / nx
        ny = int((extent[3] - extent[2]) / cell) + 1
        grid, _, _ = np.histogram2d(pts.y.to_numpy(), pts.x.to_numpy(), bins=(ny, nx),
                                    range=((extent[2], extent[2] + ny * cell), (extent[0], extent[1])), weights=w)
        smooth = _gaussian(grid, sigma=max(2.0, 2500 / cell))     # ≈ 2.5 km kernel
        if smooth.max() > 0:
            smooth /= np.percentile(smooth[smooth > 0], 99.5)
        im = ax.imshow(np.clip(smooth, 0, 1), origin="lower", cmap=heat_cmap(), vmin=0, vmax=1,
                       interpolation="bilinear", zorder=4,
                       extent=(extent[0], extent[0] + nx * cell, extent[2], extent[2] + ny * cell))
        clip = PathPatch(_outline_path(districts.union_all()), transform=ax.transData, facecolor="none",
                         edgecolor="none")
        ax.add_patch(clip)
        im.set_clip_path(clip)
    if not layers.hazard_sources.empty:
        hs = layers.hazard_sources.to_crs(crs)
        ax.scatter(hs.geometry.x, hs.geometry.y, marker="^", s=46, c=CITY_SOURCE_MARK, edgecolors="black",
                   linewidths=0.5, zorder=6)
    for _, row in districts.iterrows():
        p = row.geometry.representative_point()
        ax.text(p.x, p.y, row["name"], ha="center", va="center", fontsize=9, fontweight="bold", zorder=8,
                path_effects=[pe.withStroke(linewidth=2.5, foreground="white")])

    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    north_arrow(ax)
    scale_bar(ax)

    if kind == "four_colour":
        name = "城市安全风险四色分布图" if layers.is_city else "安全风险四色分布图"
    else:
        name = "安全风险热力图"
    fig.text(0.5, 1 - 9 / h_mm, f"{layers.title}{name}", ha="center", va="center", fontsize=18, fontweight="bold",
             family=family)
    basis = "企业按现有风险等级着色, 区域按区域颜色规则着色" if kind == "four_colour" else \
        "企业按现有风险等级加权 (区域风险指数权重), 核密度约 2.5 千米"
    fig.text(0.5, 1 - 17 / h_mm, basis, ha="center", va="center", fontsize=9, color=SECONDARY)

    lg = fig.add_axes((1 - 10 / w_mm - panel_w, 0.3, panel_w, 0.6))
    lg.set_axis_off()
    leg = lg.legend(handles=_legend_handles(kind, layers), loc="upper left", title="图  例", frameon=True,
                    fontsize=9, title_fontsize=11, borderpad=0.9, labelspacing=0.7, handlelength=2.2)
    leg.get_frame().set_edgecolor(OUTLINE)
    if kind == "heat":
        cax = fig.add_axes((1 - 10 / w_mm - panel_w + 4 / w_mm, 0.2, panel_w - 8 / w_mm, 0.025))
        cb = fig.colorbar(ax.images[0], cax=cax, orientation="horizontal") if ax.images else None
        if cb is not None:
            cb.set_ticks([0.02, 0.5, 0.98])
            cb.set_ticklabels(["低", "中", "高"])
            cb.set_label("风险密度 (相对)", fontsize=9)
    n = len(layers.enterprises)
    fig.text(1 - 10 / w_mm - panel_w, 0.1, f"企业 {n} 家\n制图: riskatlas\n日期: {layers.date.isoformat()}\n"
             f"坐标系: WGS 84 / UTM {crs.split(':')[1][-2:]}N", fontsize=8.5, va="bottom", color=OUTLINE)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi, facecolor="white")
    return out
