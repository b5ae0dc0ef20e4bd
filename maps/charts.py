"""Comparison charts: 企业作业安全风险比较图 and 行业安全风险比较图 as stacked horizontal bars.

One bar per post / workshop / industry, stacked by level from 重大 (left) to 低 (then 未评估), each
segment in its palette colour (layers.levels.PALETTE, nothing else) with its count printed inside when
there is room. Horizontal bars keep long Chinese names readable; a table right of the bars gives every count
(narrow segments have no room for their number).
PNG, SVG or PDF by the file suffix; also drawable onto a given axes (the report embeds it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import blended_transform_factory

from layers.charts import KEYS, ChartData
from layers.levels import NAMES, PALETTE
from maps.furniture import MM
from maps.style import DARK, FAINT, GRID, HEADER_FILL, OUTLINE, PALE, SECONDARY, THIN_LW, cjk_family
from maps.typeset import pdf_fonts

FORMATS = ("png", "svg", "pdf")


@dataclass
class DrawnChart:
    path: Path | None
    #: What was drawn, read back from the bar artists: (label, {level key: segment width}).
    bars: list[tuple[str, dict[str, float]]]


def draw_chart(ax: Axes, data: ChartData, *, label_size: float = 8.5, show_title: bool = False,
               table: bool = True) -> DrawnChart:
    """Draw the stacked bars of ``data`` onto ``ax``."""
    cjk_family()
    n = len(data.bars)
    ys = list(range(n))
    left = [0] * n
    containers = {}
    for key in KEYS:
        widths = [b.counts.get(key, 0) for b in data.bars]
        if not any(widths) and key == "unassessed":
            continue
        containers[key] = ax.barh(ys, widths, left=left, height=0.62, color=PALETTE.colour(None if key == "unassessed"
                                                                                         else key),
                                  edgecolor=OUTLINE, linewidth=THIN_LW, label=NAMES[key]["zh"], zorder=3)
        left = [a + b for a, b in zip(left, widths, strict=True)]
    top = max(left) if left else 0
    ax.set_xlim(0, max(1, top) * (1.03 if table else 1.12))
    ax.set_ylim(n - 0.5, -0.5) if n else ax.set_ylim(0.5, -0.5)
    ax.set_yticks(ys, [b.label for b in data.bars], fontsize=label_size)
    ax.tick_params(axis="y", length=0, pad=4)
    ax.tick_params(axis="x", labelsize=label_size - 0.5, colors=OUTLINE)
    locator = ax.xaxis.get_major_locator()
    if isinstance(locator, MaxNLocator):   # the AutoLocator of a linear axis: whole counts only
        locator.set_params(integer=True)
    ax.grid(axis="x", color=GRID, linewidth=0.6, zorder=0)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.spines["left"].set_color(OUTLINE)
    ax.spines["bottom"].set_color(FAINT)
    ax.set_xlabel(data.unit_zh, fontsize=label_size)

    # counts inside segments (when the segment is wide enough), totals at the bar ends
    fig = ax.figure
    px_per_unit = ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0]
    for key, cont in containers.items():
        colour = PALETTE.text_colour(None if key == "unassessed" else key)
        for rect, b in zip(cont.patches, data.bars, strict=True):
            v = b.counts.get(key, 0)
            if v and v * px_per_unit >= label_size * 1.6 * len(str(v)) * fig.dpi / 72 * 0.6:
                ax.text(rect.get_x() + rect.get_width() / 2, rect.get_y() + rect.get_height() / 2, str(v),
                        ha="center", va="center", fontsize=label_size - 1, color=colour, zorder=4)
    if not table:  # the table has the totals; without it, print them at the bar ends
        for y, b in zip(ys, data.bars, strict=True):
            ax.text(b.total + top * 0.012, y, str(b.total), ha="left", va="center", fontsize=label_size - 0.5,
                    color=DARK, fontweight="bold", zorder=4)
    if table and data.bars:
        _count_table(ax, data, label_size)
    if not data.bars:
        ax.text(0.5, 0.5, "无数据 (no data)", transform=ax.transAxes, ha="center", va="center", fontsize=11,
                color=FAINT)
    if show_title:
        ax.set_title(data.title, fontsize=label_size + 3, fontweight="bold")

    drawn = []
    for i, b in enumerate(data.bars):
        drawn.append((b.label, {k: float(c.patches[i].get_width()) for k, c in containers.items()}))
    return DrawnChart(None, drawn)


#: Width of one column of the count table right of the bars (mm).
TABLE_COL_MM = 11.0


def table_keys(data: ChartData) -> list[str]:
    return [k for k in KEYS if k != "unassessed" or any(b.counts.get(k) for b in data.bars)]


def _count_table(ax: Axes, data: ChartData, size: float) -> None:
    """The exact counts of every bar in columns right of the axes (narrow segments have no room for
    their number): one column per level, headed in the level's colour, then 合计."""
    fig = ax.figure
    if not isinstance(fig, Figure):
        raise TypeError("计数表需要顶层图的坐标轴 (the count table needs axes of a Figure, not of a SubFigure)")
    ax_w_mm = ax.get_position().width * fig.get_figwidth() * 25.4
    step = TABLE_COL_MM / ax_w_mm
    tr = blended_transform_factory(ax.transAxes, ax.transData)
    keys = table_keys(data)
    x0 = 1.0 + 0.6 * step
    for j, key in enumerate([*keys, "total"]):
        x = x0 + (j + 0.5) * step
        if key == "total":
            head, fill, ink = "合计", HEADER_FILL, "#000000"
        else:
            lv = None if key == "unassessed" else key
            head, fill, ink = NAMES[key]["zh"].removesuffix("风险"), PALETTE.colour(lv), PALETTE.text_colour(lv)
        ax.text(x, -0.95, head, transform=tr, ha="center", va="center", fontsize=size - 1, color=ink,
                fontweight="bold", clip_on=False,
                bbox=dict(boxstyle="square,pad=0.35", facecolor=fill, edgecolor=OUTLINE, linewidth=THIN_LW))
        for y, b in enumerate(data.bars):
            v = b.total if key == "total" else b.counts.get(key, 0)
            ax.text(x, y, str(v), transform=tr, ha="center", va="center", fontsize=size - 0.5, clip_on=False,
                    color=DARK if v else PALE, fontweight="bold" if key == "total" else "normal")


def legend_handles(data: ChartData) -> list[Patch]:
    keys = [k for k in KEYS if k != "unassessed" or any(b.counts.get(k) for b in data.bars)]
    return [Patch(facecolor=PALETTE.colour(None if k == "unassessed" else k), edgecolor=OUTLINE, linewidth=THIN_LW,
                  label=NAMES[k]["zh"]) for k in keys]


def render_chart(data: ChartData, out: Path, *, dpi: int = 200, width_mm: float = 200) -> DrawnChart:
    """The chart as a stand-alone figure: title, subtitle (basis, date, totals), legend, bars."""
    fmt = Path(out).suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"不支持的图表格式 {fmt!r}, 应为 {'/'.join(FORMATS)} (unsupported chart format)")
    cjk_family()
    n = len(data.bars)
    height_mm = min(420.0, max(110.0, 52 + 7.5 * n))
    fig = Figure(figsize=(width_mm * MM, height_mm * MM), dpi=dpi)
    FigureCanvasAgg(fig)
    fig.patch.set_facecolor("white")
    longest = max((len(b.label) for b in data.bars), default=4)
    left_mm = min(70.0, 10 + 3.4 * longest)
    top_mm, bottom_mm = 34.0, 16.0
    right_mm = 8 + TABLE_COL_MM * (len(table_keys(data)) + 1.6)
    ax = fig.add_axes((left_mm / width_mm, bottom_mm / height_mm, 1 - (left_mm + right_mm) / width_mm,
                       1 - (top_mm + bottom_mm) / height_mm))
    drawn = draw_chart(ax, data)
    fig.text(0.5, 1 - 8 / height_mm, data.title, ha="center", va="center", fontsize=15, fontweight="bold")
    totals = data.totals()
    summary = "  ".join(f"{NAMES[k]['zh']} {totals[k]}" for k in KEYS if totals[k] or k != "unassessed")
    fig.text(0.5, 1 - 15 / height_mm,
             f"按{data.basis_zh}等级统计{data.unit_zh.split(' ')[0]}  ·  {summary}  ·  {dt.date.today().isoformat()}",
             ha="center", va="center", fontsize=8.5, color=SECONDARY)
    fig.legend(handles=legend_handles(data), loc="center", ncol=5, frameon=False, fontsize=8.5,
               bbox_to_anchor=(0.5, 1 - 22.5 / height_mm), handlelength=1.8, columnspacing=1.6)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with pdf_fonts():
        fig.savefig(out, dpi=dpi, facecolor="white")
    drawn.path = out
    return drawn
