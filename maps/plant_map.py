"""厂区安全风险四色分布图: a printable four-colour map of one plant (first slice).

It receives layers (a GeoDataFrame of areas with ``level`` and ``colour`` from ``layers.plant``) and
draws them in a local metric projection: areas filled with their level colour, other buildings in a
neutral tone, Chinese labels with a halo placed without overlapping each other, a legend with the
four colours and 未评估, a north arrow, a scale bar in metres and a title block.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import matplotlib.patheffects as pe
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrow, Patch, Rectangle
from matplotlib.transforms import Bbox

from layers.levels import DESCENDING, NAMES, PALETTE, UNASSESSED
from maps.fonts import cjk_family

MM = 1 / 25.4  # inches per millimetre
PAPER_MM = {"A4": (297, 210), "A3": (420, 297)}
NEUTRAL_FILL = "#E8E4DC"   # other buildings
PLANT_FILL = "#FAFAF7"     # open ground inside the plant
OUTLINE = "#333333"


@dataclass
class TitleBlock:
    enterprise: str
    subtitle: str = "厂区安全风险四色分布图"
    basis_zh: str = "现有风险"
    compiled_by: str = ""
    reviewed_by: str = ""
    version: str = "V1.0"
    date: dt.date = field(default_factory=dt.date.today)


def local_crs(gdf: gpd.GeoDataFrame) -> str:
    """The UTM zone of the layer's centre: metres with negligible distortion at plant scale."""
    lon, lat = gdf.to_crs("EPSG:4326").union_all().centroid.coords[0]
    zone = int((lon + 180) // 6) + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def _nice_length(max_m: float) -> float:
    """A round scale-bar length (1, 2, 5 × 10^n) not longer than ``max_m``."""
    exp = 10 ** math.floor(math.log10(max_m))
    for m in (5, 2, 1):
        if m * exp <= max_m:
            return m * exp
    return exp


@dataclass
class Rendered:
    """What was drawn: the file, where each label went and how map coordinates became pixels."""

    path: Path
    crs: str
    labels: list[tuple[str, Bbox]]
    unplaced: list[str]
    _to_pixel: object = None
    height_px: int = 0

    def pixel(self, x: float, y: float) -> tuple[int, int]:
        """Image (column, row) of a point given in :attr:`crs`."""
        dx, dy = self._to_pixel.transform((x, y))  # type: ignore[attr-defined]
        return int(round(dx)), int(round(self.height_px - dy))


class LabelPlacer:
    """Greedy label placement: try the anchor, then shifted candidates; never overlap a placed box."""

    def __init__(self, ax, renderer, obstacles: list[Bbox] | None = None):
        self.ax = ax
        self.renderer = renderer
        self.placed: list[Bbox] = list(obstacles or [])
        self.labels: list[tuple[str, Bbox]] = []
        self.unplaced: list[str] = []

    def place(self, x: float, y: float, text: str, *, size: float, weight: str = "normal",
              leader: bool = True, color: str = "#000000") -> Bbox | None:
        ax = self.ax
        offsets_pt = [(0, 0), (0, 1.2), (0, -1.2), (1.2, 0), (-1.2, 0), (1.0, 1.0), (-1.0, 1.0),
                      (1.0, -1.0), (-1.0, -1.0), (0, 2.4), (0, -2.4), (2.4, 0), (-2.4, 0)]
        for scale in (1.0, 0.85, 0.72):
            fs = size * scale
            for dx, dy in offsets_pt:
                t = ax.annotate(
                    text, (x, y), xytext=(dx * fs, dy * fs), textcoords="offset points",
                    ha="center", va="center", fontsize=fs, fontweight=weight, color=color, zorder=20,
                    path_effects=[pe.withStroke(linewidth=fs * 0.28, foreground="white")],
                    arrowprops=(dict(arrowstyle="-", color="#555555", lw=0.5, shrinkA=0, shrinkB=0)
                                if leader and (dx or dy) else None),
                )
                bb = t.get_window_extent(self.renderer).expanded(1.08, 1.15)
                inside = ax.get_window_extent(self.renderer)
                if (bb.x0 >= inside.x0 and bb.x1 <= inside.x1 and bb.y0 >= inside.y0 and bb.y1 <= inside.y1
                        and not any(bb.overlaps(o) for o in self.placed)):
                    self.placed.append(bb)
                    self.labels.append((text, bb))
                    return bb
                t.remove()
        self.unplaced.append(text)
        return None


def render_plant_map(
    areas: gpd.GeoDataFrame,
    title: TitleBlock,
    out: Path,
    *,
    paper: str = "A4",
    landscape: bool = True,
    dpi: int = 300,
) -> Rendered:
    """Draw the plant map to ``out`` (format from the suffix: .png, .pdf, .svg)."""
    if areas.empty:
        raise ValueError(f"{title.enterprise}: 没有可绘制的厂区区域 (no areas to draw)")
    family = cjk_family()
    w_mm, h_mm = PAPER_MM[paper]
    if not landscape:
        w_mm, h_mm = h_mm, w_mm
    fig = Figure(figsize=(w_mm * MM, h_mm * MM), dpi=dpi)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")

    margin = 10 / w_mm
    panel_w = 62 / w_mm
    title_h = 16 / h_mm
    ax = fig.add_axes((margin, 10 / h_mm, 1 - 2 * margin - panel_w - 4 / w_mm, 1 - title_h - 16 / h_mm))
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_edgecolor(OUTLINE)
        spine.set_linewidth(0.8)

    crs = local_crs(areas)
    gdf = areas.to_crs(crs)
    plant = gdf[gdf["kind"] == "plant"]
    buildings = gdf[gdf["kind"] == "building"]
    workshops = gdf[gdf["kind"] == "workshop"]
    leaves = gdf[gdf["kind"].isin(["unit", "post"])]

    plant.plot(ax=ax, facecolor=PLANT_FILL, edgecolor=OUTLINE, linewidth=1.6, zorder=1)
    for _, row in plant.iterrows():  # the plant's own level as a coloured inner band
        gpd.GeoSeries([row.geometry.boundary]).plot(ax=ax, color=row["colour"], linewidth=4, alpha=0.9, zorder=1.5)
    if not buildings.empty:
        buildings.plot(ax=ax, facecolor=NEUTRAL_FILL, edgecolor="#777777", linewidth=0.6, zorder=2)
    if not workshops.empty:
        workshops.plot(ax=ax, facecolor=workshops["colour"], edgecolor=OUTLINE, linewidth=0.9, zorder=3)
    if not leaves.empty:
        leaves.plot(ax=ax, facecolor=leaves["colour"], edgecolor=OUTLINE, linewidth=0.5,
                    linestyle="--", zorder=4)

    ax.set_xlabel("")
    ax.set_ylabel("")
    minx, miny, maxx, maxy = gdf.total_bounds
    pad = 0.06 * max(maxx - minx, maxy - miny)
    ax.set_xlim(minx - pad, maxx + pad)
    ax.set_ylim(miny - pad, maxy + pad)

    # Title
    fig.text(0.5, 1 - 7 / h_mm, f"{title.enterprise}{title.subtitle}", ha="center", va="center",
             fontsize=17, fontweight="bold", family=family)
    fig.text(0.5, 1 - 13 / h_mm, f"按{title.basis_zh}等级着色", ha="center", va="center", fontsize=9,
             color="#444444")

    _north_arrow(ax)
    _scale_bar(ax)

    fig.canvas.draw()  # a renderer for measuring labels
    renderer = fig.canvas.get_renderer()
    ax_box = ax.get_window_extent(renderer)
    obstacles = [
        # keep labels off the north arrow (top right) and the scale bar (bottom left)
        Bbox.from_bounds(ax_box.x1 - 0.09 * ax_box.width, ax_box.y1 - 0.2 * ax_box.height,
                         0.09 * ax_box.width, 0.2 * ax_box.height),
        Bbox.from_bounds(ax_box.x0, ax_box.y0, 0.34 * ax_box.width, 0.1 * ax_box.height),
    ]
    placer = LabelPlacer(ax, renderer, obstacles)
    # Units and posts first (they have the least room), at their centres; then workshops near their
    # top edge, like a room title on a drawing; then other buildings and the plant's name.
    for _, row in leaves.iterrows():
        p = row.geometry.representative_point()
        placer.place(p.x, p.y, row["name"], size=6.5)
    for _, row in workshops.iterrows():
        x, y = _top_anchor(row.geometry)
        placer.place(x, y, row["name"], size=8.5, weight="bold")
    for _, row in buildings.iterrows():
        p = row.geometry.representative_point()
        placer.place(p.x, p.y, row["name"], size=7)
    for _, row in plant.iterrows():
        c = row.geometry.exterior.coords if row.geometry.geom_type == "Polygon" else row.geometry.geoms[0].exterior.coords
        top = max(c, key=lambda xy: xy[1])
        placer.place(top[0], top[1], row["name"], size=8, weight="bold")

    _side_panel(fig, title, w_mm, h_mm, panel_w, family)

    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi, facecolor="white")
    return Rendered(out, crs, placer.labels, placer.unplaced, ax.transData, int(round(fig.bbox.height)))


def _top_anchor(geom) -> tuple[float, float]:
    """A point inside ``geom`` near its top edge (where a drawing puts a room's title)."""
    minx, miny, maxx, maxy = geom.bounds
    cx = geom.centroid.x
    for frac in (0.12, 0.2, 0.3):
        y = maxy - frac * (maxy - miny)
        if geom.contains(shapely.Point(cx, y)):
            return cx, y
    p = geom.representative_point()
    return p.x, p.y


def _north_arrow(ax) -> None:
    x, y = 0.955, 0.86
    ax.add_patch(FancyArrow(x, y, 0, 0.08, width=0.012, head_width=0.035, head_length=0.04,
                            length_includes_head=True, transform=ax.transAxes, color="black", zorder=30))
    ax.text(x, y - 0.025, "N", transform=ax.transAxes, ha="center", va="top", fontsize=10,
            fontweight="bold", zorder=30)
    ax.text(x, y - 0.065, "北", transform=ax.transAxes, ha="center", va="top", fontsize=8, zorder=30)


def _scale_bar(ax) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = _nice_length((x1 - x0) * 0.25)
    bx = x0 + (x1 - x0) * 0.04
    by = y0 + (y1 - y0) * 0.04
    h = (y1 - y0) * 0.012
    for i in range(4):
        ax.add_patch(Rectangle((bx + i * length / 4, by), length / 4, h,
                               facecolor="black" if i % 2 == 0 else "white", edgecolor="black",
                               linewidth=0.6, zorder=30))
    for i, frac in enumerate((0, 0.5, 1)):
        label = f"{length * frac:g}" + (" 米" if i == 2 else "")
        ax.text(bx + length * frac, by + h * 1.6, label, ha="center", va="bottom", fontsize=7, zorder=30,
                path_effects=[pe.withStroke(linewidth=2, foreground="white")])


def _side_panel(fig: Figure, title: TitleBlock, w_mm: float, h_mm: float, panel_w: float, family: str) -> None:
    x0 = 1 - 10 / w_mm - panel_w
    lg = fig.add_axes((x0, 0.45, panel_w, 0.42))
    lg.set_axis_off()
    handles = [Patch(facecolor=PALETTE.colour(lv), edgecolor=OUTLINE, label=f"{lv.name_zh}({NAMES[lv.value]['colour_zh']})")
               for lv in DESCENDING]
    handles.append(Patch(facecolor=PALETTE.colour(None), edgecolor=OUTLINE, label=NAMES[UNASSESSED]["zh"]))
    handles.append(Patch(facecolor=NEUTRAL_FILL, edgecolor="#777777", label="其他建筑"))
    leg = lg.legend(handles=handles, loc="upper left", title="图  例", frameon=True, fontsize=9,
                    title_fontsize=11, handlelength=2.6, handleheight=1.4, borderpad=0.9, labelspacing=0.8)
    leg.get_frame().set_edgecolor(OUTLINE)

    info = fig.add_axes((x0, 0.06, panel_w, 0.36))
    info.set_xlim(0, 1)
    info.set_ylim(0, 1)
    info.set_xticks([])
    info.set_yticks([])
    rows = [
        ("单位名称", title.enterprise),
        ("着色依据", title.basis_zh),
        ("编制", title.compiled_by),
        ("审核", title.reviewed_by),
        ("版本", title.version),
        ("日期", title.date.isoformat()),
    ]
    n = len(rows)
    for i, (k, v) in enumerate(rows):
        y = 1 - (i + 0.5) / n
        info.axhline(1 - i / n, color=OUTLINE, linewidth=0.5)
        info.text(0.04, y, k, va="center", fontsize=8, fontweight="bold")
        info.text(0.34, y, v, va="center", fontsize=7.5 if len(v) > 12 else 8, wrap=True)
    info.axvline(0.3, color=OUTLINE, linewidth=0.5)
