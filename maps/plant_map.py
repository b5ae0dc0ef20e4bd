"""厂区/车间安全风险四色分布图: printable four-colour maps of a plant or one workshop.

A sheet is drawn like a site plan, at a round scale (1:N, N in 1/2/2.5/5 × 10ⁿ) in a local metric
projection (the UTM zone of the plant):

* areas filled with their level colour (workshops solid outline, units/posts dashed), other buildings
  and roads in neutral tones, the plant fence with its own level as an inner band;
* every 较大-and-above risk point as a numbered marker in its area, the numbers those of
  :func:`layers.risk_lists.significant_risks` (THE numbering: the list on the sheet, the Excel list
  and every map share it);
* marks for 重大危险源 (outline), open 隐患 (triangles: filled for 重大, hollow for 一般), gates (出入口),
  应急集合点 and 应急物资 points (:func:`layers.plant.plant_marks`);
* Chinese labels placed without overlapping each other, the markers, the marks, the north arrow or
  the scale bar; a label that finds no room is reported in :attr:`Rendered.unplaced`;
* a legend strip under the map, north arrow, scale bar in metres, a title with the enterprise name
  and a title block (图签: 编制, 审核, 版本, 日期, 比例, 页码) along the bottom;
* the 较大及以上风险管控清单 beside the map (landscape) or below it (portrait); rows that do not fit
  continue on further pages with the header repeated.

Pages: a PDF holds every page; PNG and SVG write page 1 to ``out`` and page k to ``<stem>-k<suffix>``
(:attr:`Rendered.pages`). ``pair`` adds a second sheet (e.g. 固有 after 现有) after the first sheet's pages.
Every colour of a level comes from :data:`layers.levels.PALETTE`. This module lays out the sheet and
draws the map; the list is :mod:`maps.risk_list`, the symbols :mod:`maps.symbols`, the labels
:mod:`maps.labels`, the north arrow, scale bar and round scale :mod:`maps.furniture`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.collections import LineCollection, PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.transforms import Bbox

from layers.levels import DESCENDING, NAMES, PALETTE, UNASSESSED, Level
from maps.furniture import MM, local_crs, nice_scale, north_arrow, scale_bar
from maps.labels import Boxes, LabelPlacer
from maps.risk_list import ListRow, draw_list, list_height, list_rows
from maps.style import (
    AREA_LABEL_PT,
    BUILDING_LABEL_PT,
    CONTEXT_FILL,
    CONTEXT_LABEL,
    FAINT,
    FRAME_LW,
    HEAVY_LW,
    LEGEND_HEAD_FILL,
    LEGEND_HEAD_PT,
    LEGEND_PT,
    MARK_GREEN,
    MARK_LABEL_PT,
    MUTED,
    NEUTRAL_FILL,
    OUTLINE,
    PALE,
    PLANT_FILL,
    ROAD_CASING,
    ROAD_FILL,
    RULE_LW,
    SHEET_TITLE_PT,
    SOURCE_MARK,
    STRIP_KEY_PT,
    STRIP_VALUE_PT,
    THIN_LW,
    WORKSHOP_LABEL_PT,
    cjk_family,
)
from maps.symbols import mark_symbol, risk_marker
from maps.typeset import Page, text_mm

PAPERS = ("A4", "A3")
FORMATS = {".png": "image/png", ".pdf": "application/pdf", ".svg": "image/svg+xml"}
MARGIN_MM = 7.0            # paper edge to the drawing frame


@dataclass
class TitleBlock:
    enterprise: str
    subtitle: str = "厂区安全风险四色分布图"
    basis_zh: str = "现有风险"
    compiled_by: str = ""
    reviewed_by: str = ""
    version: str = "V1.0"
    date: dt.date = field(default_factory=dt.date.today)
    scope: str = ""  # e.g. the workshop's name on a workshop map


@dataclass
class SheetContent:
    """Everything one map sheet shows (a second one may follow as ``pair``): what is drawn, where
    :class:`maps.typeset.Page` is the paper it is drawn on."""

    areas: gpd.GeoDataFrame
    title: TitleBlock
    risks: Sequence[ListRow] | None = None
    marks: gpd.GeoDataFrame | None = None
    focus: int | None = None  # a workshop's area id: draw that workshop, the rest as grey context


@dataclass
class Rendered:
    """What was drawn: the files, where each label and marker went and how map coordinates became
    pixels of page 1 (at the figure's dpi)."""

    path: Path
    crs: str
    labels: list[tuple[str, Bbox]]
    unplaced: list[str]
    _to_pixel: object = None
    height_px: int = 0
    pages: list[Path] = field(default_factory=list)  # files written (PDF: one file holding every page)
    page_count: int = 1
    markers: list[tuple[int, Bbox]] = field(default_factory=list)  # risk numbers on the map of page 1
    legend_box: Bbox | None = None
    map_box: Bbox | None = None
    table_box: Bbox | None = None
    scale: int = 0  # the map is drawn at 1:scale
    listed: list[int] = field(default_factory=list)  # risk numbers in the list, every page
    media_type: str = "image/png"

    def pixel(self, x: float, y: float) -> tuple[int, int]:
        """Image (column, row) of a point given in :attr:`crs`."""
        dx, dy = self._to_pixel.transform((x, y))  # type: ignore[attr-defined]
        return int(round(dx)), int(round(self.height_px - dy))


# ------------------------------------------------------------------------------------------------
# The public entry point
# ------------------------------------------------------------------------------------------------


def render_plant_map(
    areas: gpd.GeoDataFrame,
    title: TitleBlock,
    out: Path,
    *,
    paper: str = "A4",
    landscape: bool = True,
    dpi: int = 300,
    risks: Sequence[ListRow] | None = None,
    marks: gpd.GeoDataFrame | None = None,
    focus: int | None = None,
    pair: SheetContent | None = None,
) -> Rendered:
    """Draw the plant map (or, with ``focus``, the map of one workshop) to ``out``; the format comes
    from the suffix (.png, .pdf, .svg).

    ``areas``: rows of :func:`layers.plant.plant_areas`; ``risks``: the numbered 较大及以上 list
    (:func:`list_rows`), drawn as markers and as the list beside/below the map (None: no list, the map
    gets the room); ``marks``: :func:`layers.plant.plant_marks`; ``pair``: a second sheet drawn after
    the first one's pages (the inherent-vs-residual pair)."""
    if paper not in PAPERS:
        raise ValueError(f"纸张 {paper!r} 不支持, 应为 A4 或 A3 (unsupported paper)")
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise ValueError(f"不支持的输出格式 {out.suffix!r}: 应为 .png/.pdf/.svg (unsupported format)")
    if areas.empty:
        raise ValueError(f"{title.enterprise}: 没有可绘制的厂区区域 (no areas to draw)")
    cjk_family()
    out.parent.mkdir(parents=True, exist_ok=True)

    sheets = [SheetContent(areas, title, risks, marks, focus)] + ([pair] if pair is not None else [])
    figures: list[Figure] = []
    first: Rendered | None = None
    listed: list[int] = []
    for sheet in sheets:
        figs, info = _draw_sheet(sheet, paper, landscape, dpi)
        figures += figs
        listed += info.listed
        if first is None:
            first = info
    assert first is not None
    total = len(figures)
    for i, fig in enumerate(figures, 1):
        fig._riskatlas_page(i, total)  # type: ignore[attr-defined]

    pages: list[Path] = []
    if suffix == ".pdf":
        with PdfPages(out, metadata={"Title": f"{title.enterprise}{title.subtitle}", "Creator": "riskatlas"}) as pdf:
            for fig in figures:
                pdf.savefig(fig, dpi=dpi, facecolor="white")
        pages.append(out)
    else:
        for i, fig in enumerate(figures, 1):
            target = out if i == 1 else out.with_name(f"{out.stem}-{i}{out.suffix}")
            kw: dict[str, Any] = {"pil_kwargs": {"compress_level": 3}} if suffix == ".png" else {}  # zlib 3: half the time of 6
            fig.savefig(target, dpi=dpi, facecolor="white", **kw)
            pages.append(target)
    first.path = out
    first.pages = pages
    first.page_count = total
    first.listed = listed
    first.media_type = FORMATS[suffix]
    return first


# ------------------------------------------------------------------------------------------------
# One sheet: map page plus continuation pages of the list
# ------------------------------------------------------------------------------------------------


class _SheetPage:
    """A page of a sheet: the paper (:class:`maps.typeset.Page`) with the drawing frame, title and the
    图签 strip; coordinates in millimetres from the bottom left (as boxes on the display are)."""

    def __init__(self, paper: str, landscape: bool, dpi: int, title: TitleBlock, heading: str):
        self.page = Page.new(paper, landscape, dpi)
        w, h = self.w, self.h = self.page.width, self.page.height
        self.k = 1.0 if paper == "A4" else 1.25  # text grows a little on A3
        self.fig = self.page.fig
        self.title = title
        self.dpi = dpi
        f = self.fig
        m = MARGIN_MM
        f.add_artist(Rectangle((m / w, m / h), 1 - 2 * m / w, 1 - 2 * m / h, transform=f.transFigure,
                               fill=False, edgecolor=OUTLINE, linewidth=FRAME_LW))
        # title band
        self.top = h - m - 15 * self.k
        f.text(0.5, (h - m - 7 * self.k) / h, heading, ha="center", va="center", fontsize=SHEET_TITLE_PT * self.k,
               fontweight="bold")
        f.add_artist(Rectangle((m / w, self.top / h), 1 - 2 * m / w, 0, transform=f.transFigure,
                               edgecolor=OUTLINE, linewidth=RULE_LW))
        self.strip_h = 11 * self.k
        self.bottom = m + self.strip_h
        self.left, self.right = m + 3, w - m - 3
        self._page_text = None
        self._scale_text = None
        f._riskatlas_page = self.page_number  # type: ignore[attr-defined]
        self._strip()

    def axes(self, x: float, y: float, w: float, h: float):
        """Axes over the box (x, y, w, h) in millimetres, y from the bottom of the paper."""
        return self.page.axes(x, self.h - y - h, w, h)

    def _strip(self) -> None:
        t = self.title
        m = MARGIN_MM
        cells = [("单位名称", t.enterprise, 3.2), ("图名", (t.scope + " " if t.scope else "") + t.subtitle, 2.6),
                 ("着色依据", t.basis_zh, 1.6), ("比例", "—", 1.0),
                 ("编制", t.compiled_by, 1.0), ("审核", t.reviewed_by, 1.0), ("版本", t.version, 0.8),
                 ("日期", t.date.isoformat(), 1.2), ("页码", "", 1.0)]
        total = sum(c[2] for c in cells)
        width = self.w - 2 * m
        ax = self.axes(m, m, width, self.strip_h)
        ax.set_xlim(0, width)
        ax.set_ylim(0, self.strip_h)
        ax.set_axis_off()
        ax.add_patch(Rectangle((0, 0), width, self.strip_h, fill=False, edgecolor=OUTLINE, linewidth=1.0))
        ax.axhline(self.strip_h * 0.58, color=OUTLINE, linewidth=THIN_LW)
        x = 0.0
        for i, (k, v, share) in enumerate(cells):
            cw = width * share / total
            if i:
                ax.axvline(x, color=OUTLINE, linewidth=RULE_LW)
            ax.text(x + cw / 2, self.strip_h * 0.79, k, ha="center", va="center", fontsize=STRIP_KEY_PT * self.k,
                    color=MUTED)
            fs = STRIP_VALUE_PT * self.k
            if v:  # shrink a long value to its cell (the enterprise's name, 当前风险(含隐患动态调整) …)
                need = text_mm(v, fs, i == 0)
                fs = max(4.5 * self.k, min(fs, fs * (cw - 1.5) / need)) if need > cw - 1.5 else fs
            txt = ax.text(x + cw / 2, self.strip_h * 0.29, v, ha="center", va="center", fontsize=fs,
                          fontweight="bold" if i == 0 else "normal")
            if k == "页码":
                self._page_text = txt
            elif k == "比例":
                self._scale_text = txt
            x += cw
        self.fig.add_artist(Rectangle((m / self.w, (m + self.strip_h) / self.h), width / self.w, 0,
                                      transform=self.fig.transFigure, edgecolor=OUTLINE, linewidth=HEAVY_LW))

    def set_scale(self, scale: int) -> None:
        if self._scale_text is not None:
            self._scale_text.set_text(f"1:{scale:,}")

    def page_number(self, i: int, n: int) -> None:
        if self._page_text is not None:
            self._page_text.set_text(f"第 {i}/{n} 页")


def _heading(t: TitleBlock, what: str | None = None) -> str:
    """常州华铝铝业有限公司 熔铸车间安全风险四色分布图 (not 熔铸车间车间…)."""
    what = what or t.subtitle
    if not t.scope:
        return f"{t.enterprise}{what}"
    if t.scope.endswith("车间") and what.startswith("车间"):
        what = what.removeprefix("车间")
    return f"{t.enterprise} {t.scope}{what}"


def _draw_sheet(sheet: SheetContent, paper: str, landscape: bool, dpi: int) -> tuple[list[Figure], Rendered]:
    t = sheet.title
    heading = _heading(t)
    page = _SheetPage(paper, landscape, dpi, t, heading)
    fig, k = page.fig, page.k
    left, right, bottom, top = page.left, page.right, page.bottom + 3, page.top - 3
    with_list = sheet.risks is not None

    crs = local_crs(sheet.areas)
    gdf = sheet.areas.to_crs(crs)
    marks = sheet.marks.to_crs(crs) if sheet.marks is not None and not sheet.marks.empty else None
    focus_ids = _descendants(gdf, sheet.focus) if sheet.focus is not None else None
    rows = list(sheet.risks or [])
    if focus_ids is not None:
        rows = [r for r in rows if r.area_id in focus_ids]
    entries = _legend_entries(_mark_kinds(marks, gdf, sheet.focus), bool(rows))

    # regions in mm (x, y from the bottom-left of the paper)
    gap = 3.0
    table_box = None
    if with_list and landscape:
        col_w = (right - left) * 0.4
        map_w = right - left - col_w - 4
        table_box = (right - col_w, bottom, col_w, top - bottom)
        leg_side = _legend_height(entries, col_w, k)
        need = list_height(rows, col_w, k) + gap + leg_side
        if need <= top - bottom:  # the list and the legend share the right column: the map gets the height
            legend_box = (right - col_w, bottom, col_w, leg_side)
            table_box = (right - col_w, bottom + leg_side + gap, col_w, top - bottom - leg_side - gap)
            map_box = (left, bottom, map_w, top - bottom)
        else:
            leg_h = _legend_height(entries, map_w, k)
            legend_box = (left, bottom, map_w, leg_h)
            map_box = (left, bottom + leg_h + gap, map_w, top - bottom - leg_h - gap)
    elif with_list:
        leg_h = _legend_height(entries, right - left, k)
        table_h = list_height(rows, right - left, k)
        map_h = max((top - bottom) * 0.42, top - bottom - leg_h - 2 * gap - table_h)
        map_box = (left, top - map_h, right - left, map_h)
        legend_box = (left, top - map_h - gap - leg_h, right - left, leg_h)
        table_box = (left, bottom, right - left, top - map_h - 2 * gap - leg_h - bottom)
    else:
        leg_h = _legend_height(entries, right - left, k)
        map_box = (left, bottom + leg_h + gap, right - left, top - bottom - leg_h - gap)
        legend_box = (left, bottom, right - left, leg_h)

    if sheet.focus is not None:
        ext = gdf[gdf["id"] == sheet.focus]
        if ext.empty:
            raise ValueError(f"车间 {sheet.focus} 不在该企业的区域中 (workshop not among the areas)")
    else:
        ext = gdf
    minx, miny, maxx, maxy = ext.total_bounds
    span = max(maxx - minx, maxy - miny, 1.0)
    pad = 0.025 * span
    minx, miny, maxx, maxy = minx - pad, miny - pad, maxx + pad, maxy + pad
    # a round scale: fit the extent into the box, round the scale up, grow the extent to the box
    bw_m, bh_m = map_box[2] / 1000.0, map_box[3] / 1000.0  # paper metres
    scale = nice_scale(max((maxx - minx) / bw_m, (maxy - miny) / bh_m))
    page.set_scale(scale)
    cx, cy = (minx + maxx) / 2, (miny + maxy) / 2
    half_w, half_h = bw_m * scale / 2, bh_m * scale / 2

    ax = page.axes(*map_box)
    ax.set_xlim(cx - half_w, cx + half_w)
    ax.set_ylim(cy - half_h, cy + half_h)
    ax.set_aspect("auto")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#FFFFFF")
    for spine in ax.spines.values():
        spine.set_edgecolor(OUTLINE)
        spine.set_linewidth(HEAVY_LW)

    frame = _mm_box(page, map_box)
    boxes = Boxes(cell=max(20.0, dpi / 5))
    px_per_m = frame.width / (2 * half_w)

    _draw_areas(ax, gdf, marks, focus_ids)
    for b in (north_arrow(ax, frame, k), scale_bar(ax, frame, px_per_m, k)):
        boxes.add(b)
    _draw_marks(ax, marks, boxes, frame, dpi, k, _subject(gdf, sheet.focus))
    markers = _draw_markers(ax, gdf, rows, boxes, frame, dpi, k)
    placer = LabelPlacer(ax, boxes, frame, dpi)
    _draw_labels(placer, gdf, marks, focus_ids, k, t.enterprise, _subject(gdf, sheet.focus))

    lg = _legend(page, legend_box, entries, k)
    info = Rendered(Path(), crs, placer.labels, placer.unplaced, ax.transData, int(round(fig.bbox.height)),
                    markers=markers, legend_box=lg, map_box=frame, scale=scale)
    figures = [fig]
    if table_box is not None:
        info.table_box = _mm_box(page, table_box)
        start = draw_list(page.axes(*table_box), table_box[2], table_box[3], rows, k, title=f"较大及以上风险管控清单 (共 {len(rows)} 项)",
                       empty="无较大及以上风险 (no significant or major risks)")
        info.listed += [r.number for r in rows[:start]]
        n = 1
        while start < len(rows):
            n += 1
            cont = _SheetPage(paper, landscape, dpi, t, _heading(t, f"较大及以上风险管控清单(续{n - 1})"))
            cont.set_scale(scale)
            box = (cont.left, cont.bottom + 3, cont.right - cont.left, cont.top - 3 - cont.bottom - 3)
            nxt = draw_list(cont.axes(*box), box[2], box[3], rows[start:], k, title=None)
            if nxt == 0:  # cannot happen (a first row is clipped to the box), but never loop
                break
            info.listed += [r.number for r in rows[start:start + nxt]]
            start += nxt
            figures.append(cont.fig)
    return figures, info


def _mm_box(page: _SheetPage, box: tuple[float, float, float, float]) -> Bbox:
    s = page.dpi * MM
    return Bbox.from_bounds(box[0] * s, box[1] * s, box[2] * s, box[3] * s)


def _descendants(gdf: gpd.GeoDataFrame, root: int) -> set[int]:
    from layers.plant import descendant_ids

    return descendant_ids(gdf, root)


# ------------------------------------------------------------------------------------------------
# Map content
# ------------------------------------------------------------------------------------------------


def _rings(geoms) -> list[np.ndarray]:
    out = []
    for g in geoms:
        for poly in getattr(g, "geoms", [g]):
            if poly.geom_type != "Polygon" or poly.is_empty:
                continue
            out.append(np.asarray(poly.exterior.coords))
    return out


def _fill(ax, geoms, faces, edge, lw, z, ls="solid") -> None:
    verts, colours = [], []
    for g, c in zip(geoms, faces, strict=True):
        for poly in getattr(g, "geoms", [g]):
            if poly.geom_type == "Polygon" and not poly.is_empty:
                verts.append(np.asarray(poly.exterior.coords))
                colours.append(c)
    if verts:
        ax.add_collection(PolyCollection(verts, facecolors=colours, edgecolors=edge, linewidths=lw,
                                         linestyles=ls, zorder=z))


def _draw_areas(ax, gdf: gpd.GeoDataFrame, marks, focus_ids: set[int] | None) -> None:
    if marks is not None:
        roads = marks[marks["kind"] == "road"]
        lines = [np.asarray(ls.coords) for g in roads.geometry for ls in getattr(g, "geoms", [g])
                 if ls.geom_type == "LineString"]
        if lines:
            ax.add_collection(LineCollection(lines, colors=ROAD_CASING, linewidths=7, zorder=0.5, capstyle="butt"))
            ax.add_collection(LineCollection(lines, colors=ROAD_FILL, linewidths=5.6, zorder=0.6, capstyle="butt"))
    kind = gdf["kind"]
    inside = (gdf["id"].isin(focus_ids) if focus_ids is not None else np.ones(len(gdf), bool))
    plant = gdf[kind == "plant"]
    _fill(ax, plant.geometry, [PLANT_FILL] * len(plant), OUTLINE, 1.6, 1)
    if focus_ids is None:
        for _, row in plant.iterrows():  # the plant's own level as a coloured band on the fence
            for ring in _rings([row.geometry]):
                ax.plot(ring[:, 0], ring[:, 1], color=row["colour"], linewidth=3.2, alpha=0.9, zorder=1.5,
                        solid_joinstyle="miter")
    buildings = gdf[kind == "building"]
    _fill(ax, buildings.geometry, [NEUTRAL_FILL] * len(buildings), FAINT, 0.6, 2)
    context = gdf[kind.isin(["workshop", "unit", "post"]) & ~inside]
    _fill(ax, context.geometry, [CONTEXT_FILL] * len(context), PALE, 0.5, 2.5)
    workshops = gdf[(kind == "workshop") & inside]
    _fill(ax, workshops.geometry, list(workshops["colour"]), OUTLINE, 1.0, 3)
    leaves = gdf[kind.isin(["unit", "post"]) & inside]
    _fill(ax, leaves.geometry, list(leaves["colour"]), OUTLINE, 0.55, 4, ls=(0, (4, 2)))
    if focus_ids is not None:
        ws = gdf[gdf["id"].isin(focus_ids) & (kind == "workshop")]
        for ring in _rings(ws.geometry):
            ax.plot(ring[:, 0], ring[:, 1], color=OUTLINE, linewidth=2.0, zorder=4.5)


def _box_at(ax, x: float, y: float, w_pt: float, h_pt: float, dpi: float) -> Bbox:
    px, py = ax.transData.transform((x, y))
    w, h = w_pt * dpi / 72, h_pt * dpi / 72
    return Bbox.from_bounds(px - w / 2, py - h / 2, w, h)


def _draw_marks(ax, marks, boxes: Boxes, frame: Bbox, dpi: float, k: float, subject) -> None:
    """Draw the marks within the sheet's subject (the same rule as the legend's :func:`_mark_kinds`)."""
    if marks is None:
        return
    size = 9.5 * k
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    view = shapely.box(x0, y0, x1, y1)
    for _, m in marks.iterrows():
        kind, g = m["kind"], m.geometry
        if kind == "road" or g is None or g.is_empty or not g.intersects(view) or not g.intersects(subject):
            continue
        if kind == "hazard_source":
            for ring in _rings([g]) if g.geom_type != "Point" else []:
                ax.plot(ring[:, 0], ring[:, 1], color="white", linewidth=3.4, zorder=5)
                ax.plot(ring[:, 0], ring[:, 1], color=SOURCE_MARK, linewidth=2.0, zorder=5.1,
                        linestyle=(0, (6, 2, 1.5, 2)))
            x, y = _source_anchor(g)
        else:
            x, y = g.x, g.y
        if not view.contains(shapely.Point(x, y)):
            continue
        mark_symbol(ax, x, y, kind, size)
        boxes.add(_box_at(ax, x, y, size * 1.15, size * 1.15, dpi))


def _draw_markers(ax, gdf: gpd.GeoDataFrame, rows: Sequence[ListRow], boxes: Boxes, frame: Bbox,
                  dpi: float, k: float) -> list[tuple[int, Bbox]]:
    """A numbered circle per risk, inside its area, not on other markers or marks."""
    if not rows:
        return []
    d_pt = 11.0 * k
    d_px = d_pt * dpi / 72
    by_area: dict[int, list[ListRow]] = {}
    for r in rows:
        by_area.setdefault(r.area_id, []).append(r)
    geoms = dict(zip(gdf["id"], gdf.geometry, strict=True))
    inv = ax.transData.inverted()
    out: list[tuple[int, Bbox]] = []
    for area_id, items in by_area.items():
        g = geoms.get(area_id)
        if g is None:
            continue
        n = len(items)
        # the area in display pixels, shrunk by a marker radius
        disp = shapely.transform(g, lambda xy: ax.transData.transform(xy))
        room = disp.buffer(-d_px * 0.55)
        minx, miny, maxx, maxy = disp.bounds
        cols = max(1, min(n, int((maxx - minx) // (d_px * 1.15)) or 1))
        layout_rows = math.ceil(n / cols)
        step = d_px * 1.22
        # preferred: centred horizontally, in the lower third (the area's name sits at its centre)
        target = (disp.centroid.x, miny + (maxy - miny) * 0.28)
        candidates = []
        if not room.is_empty:
            gx = np.linspace(room.bounds[0], room.bounds[2], 15)
            gy = np.linspace(room.bounds[1], room.bounds[3], 15)
            candidates = sorted(((x, y) for x in gx for y in gy),
                                key=lambda p: (p[0] - target[0]) ** 2 + (p[1] - target[1]) ** 2)
        placed = None
        for ox, oy in candidates:
            centres = [(ox + (i % cols - (min(cols, n) - 1) / 2) * step, oy - (i // cols - (layout_rows - 1) / 2) * step)
                       for i in range(n)]
            bbs = [Bbox.from_bounds(x - d_px / 2, y - d_px / 2, d_px, d_px) for x, y in centres]
            if all(room.buffer(d_px * 0.05).contains(shapely.Point(x, y)) for x, y in centres) and \
                    not any(boxes.hits(b) for b in bbs):
                placed = (centres, bbs)
                break
        if placed is None:  # no room: a column beside the area's representative point, overlaps allowed
            p = disp.representative_point()
            centres = [(p.x + (i - (n - 1) / 2) * step, p.y) for i in range(n)]
            placed = (centres, [Bbox.from_bounds(x - d_px / 2, y - d_px / 2, d_px, d_px) for x, y in centres])
        for r, (x, y), bb in zip(items, *placed, strict=True):
            mx, my = inv.transform((x, y))
            risk_marker(ax, mx, my, r.number, r.level, d_pt)
            boxes.add(bb)
            out.append((r.number, bb))
    return out


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


def _draw_labels(placer: LabelPlacer, gdf: gpd.GeoDataFrame, marks, focus_ids: set[int] | None, k: float,
                 enterprise: str = "", subject=None) -> None:
    """Units and posts first (least room), at their centres; then workshops near their top edge, like
    a room title on a drawing; then other buildings, the marks' names and the plant's name."""
    (x0, x1), (y0, y1) = placer.ax.get_xlim(), placer.ax.get_ylim()
    view = shapely.box(x0, y0, x1, y1)
    kind = gdf["kind"]
    inside = gdf["id"].isin(focus_ids) if focus_ids is not None else np.ones(len(gdf), bool)
    for _, row in gdf[kind.isin(["unit", "post"]) & inside].iterrows():
        p = row.geometry.representative_point()
        placer.place(p.x, p.y, row["name"], size=AREA_LABEL_PT * k)
    for _, row in gdf[(kind == "workshop") & inside].iterrows():
        x, y = _top_anchor(row.geometry)
        placer.place(x, y, row["name"], size=WORKSHOP_LABEL_PT * k, weight="bold")
    grey = CONTEXT_LABEL
    for _, row in gdf[kind.isin(["workshop"]) & ~inside].iterrows():  # context on a workshop map
        if row.geometry.intersects(view):
            x, y = _top_anchor(row.geometry.intersection(view))
            placer.place(x, y, row["name"], size=BUILDING_LABEL_PT * k, color=grey, report=False, leader=False,
                         offsets=((0, 0), (0, -1.2), (0, -2.4)))
    for _, row in gdf[kind == "building"].iterrows():
        if row.geometry.intersects(view):
            p = row.geometry.intersection(view).representative_point()
            placer.place(p.x, p.y, row["name"], size=BUILDING_LABEL_PT * k, report=focus_ids is None)
    if marks is not None:
        names = {"hazard_source": None, "exit": "出入口", "assembly_point": "应急集合点", "rescue": None}
        for _, m in marks.iterrows():
            if m["kind"] not in names or m.geometry is None or (subject is not None and not m.geometry.intersects(subject)):
                continue
            text = names[m["kind"]] or _short(_strip_owner(m["name"], enterprise))
            if m["kind"] == "hazard_source":
                text = f"重大危险源 {m['code']}"
                x, y = _source_anchor(m.geometry)
            else:
                x, y = m.geometry.x, m.geometry.y
            if not view.contains(shapely.Point(x, y)):
                continue
            offsets = ((0, 1.6), (0, -1.6), (1.3, 0), (-1.3, 0), (1.3, 1.3), (-1.3, 1.3), (1.3, -1.3), (-1.3, -1.3),
                       (0, 2.8), (0, -2.8))
            placer.place(x, y, text, size=MARK_LABEL_PT * k, color=SOURCE_MARK if m["kind"] == "hazard_source" else MARK_GREEN,
                         weight="bold", offsets=offsets, leader=False)
        for _, m in marks[marks["kind"] == "road"].iterrows():
            if m["name"] and m.geometry.intersects(view):
                p = m.geometry.intersection(view).interpolate(0.5, normalized=True)
                placer.place(p.x, p.y, m["name"], size=MARK_LABEL_PT * k, color=MUTED, report=False,
                             offsets=((0, 0), (0, 1.2), (0, -1.2)))


def _source_anchor(g) -> tuple[float, float]:
    """Where the 重大危险源 symbol goes: on its outline, at the corner nearest the upper left."""
    if g.geom_type == "Point":
        return g.x, g.y
    minx, miny, maxx, maxy = g.bounds
    corners = [xy for r in _rings([g]) for xy in r]
    x, y = min(corners, key=lambda c: (c[0] - minx) ** 2 + (c[1] - maxy) ** 2)
    return float(x), float(y)


def _strip_owner(name: str, enterprise: str) -> str:
    """常州华铝铝业微型消防站 → 微型消防站 on 常州华铝铝业有限公司's own map."""
    n = 0
    while n < min(len(name), len(enterprise)) and name[n] == enterprise[n]:
        n += 1
    return name[n:] if n >= 2 and len(name) - n >= 2 else name


def _short(s: str, n: int = 12) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def _mark_kinds(marks, gdf: gpd.GeoDataFrame, focus: int | None) -> list[str]:
    """The mark kinds a sheet shows (legend order), those within the sheet's subject."""
    from layers.plant import MARK_KINDS

    if marks is None:
        return []
    subject = _subject(gdf, focus)
    present = {m["kind"] for _, m in marks.iterrows()
               if m["kind"] != "road" and m.geometry is not None and m.geometry.intersects(subject)}
    return [k for k in MARK_KINDS if k in present]


def _subject(gdf: gpd.GeoDataFrame, focus: int | None):
    """What a sheet is about: the plant, or the focus workshop (a little buffered)."""
    g = gdf[gdf["id"] == focus].geometry if focus is not None else gdf.geometry
    return shapely.union_all(g.values).buffer(2.0)


def _legend_entries(mark_kinds: list[str], numbered: bool) -> list[tuple[str, str, object]]:
    from layers.plant import MARK_KINDS

    entries: list[tuple[str, str, object]] = []
    for lv in DESCENDING:
        entries.append(("fill", f"{lv.name_zh}({NAMES[lv.value]['colour_zh']})", PALETTE.colour(lv)))
    entries.append(("fill", f"{NAMES[UNASSESSED]['zh']}({NAMES[UNASSESSED]['colour_zh']})", PALETTE.colour(None)))
    entries.append(("fill", "其他建筑", NEUTRAL_FILL))
    entries.append(("unit", "单元/岗位界线", None))
    if numbered:
        entries.append(("marker", "风险点编号(见清单)", None))
    for kind in mark_kinds:
        entries.append(("symbol", MARK_KINDS[kind], kind))
    return entries


def _legend_grid(entries, width: float, k: float) -> tuple[int, int, float]:
    """(columns, rows, row height mm) of the legend in ``width`` mm."""
    fs = LEGEND_PT * k
    text_w = max(text_mm(e[1], fs) for e in entries)
    need = 7 * k + 1.5 + text_w + 3
    cols = max(1, min(len(entries), int((width - 15 * k) // need)))
    nrows = math.ceil(len(entries) / cols)
    return cols, nrows, 5.4 * k


def _legend_height(entries, width: float, k: float) -> float:
    _, nrows, rh = _legend_grid(entries, width, k)
    return nrows * rh + 2.5 * k


def _legend(page: _SheetPage, box: tuple[float, float, float, float], entries, k: float) -> Bbox:
    """The legend: the four colours and 未评估, other buildings, unit outlines, then the marks present."""
    x0, y0, w, h = box
    ax = page.axes(x0, y0, w, h)
    ax.set_xlim(0, w)
    ax.set_ylim(0, h)
    ax.set_axis_off()
    ax.add_patch(Rectangle((0, 0), w, h, fill=False, edgecolor=OUTLINE, linewidth=HEAVY_LW))
    cols, nrows, rh = _legend_grid(entries, w, k)
    lw = 9 * k if nrows > 1 else 13 * k  # the 图例 cell: upright on two rows or more, else side by side
    ax.add_patch(Rectangle((0, 0), lw, h, facecolor=LEGEND_HEAD_FILL, edgecolor=OUTLINE, linewidth=HEAVY_LW))
    ax.text(lw / 2, h / 2, "图\n例" if nrows > 1 else "图例", ha="center", va="center", fontsize=LEGEND_HEAD_PT * k,
            fontweight="bold", linespacing=1.6)
    cw = (w - lw - 2 * k) / cols
    top = h - 1.25 * k
    for i, (kind, text, arg) in enumerate(entries):
        c, r = i % cols, i // cols
        ex = lw + 2 * k + c * cw
        ey = top - (r + 0.5) * rh
        sw, sh = 7 * k, 3.6 * k
        if kind == "fill":
            ax.add_patch(Rectangle((ex, ey - sh / 2), sw, sh, facecolor=arg, edgecolor=OUTLINE, linewidth=RULE_LW))
        elif kind == "marker":
            risk_marker(ax, ex + sw / 2, ey, 1, Level.SIGNIFICANT, 9 * k)
        elif kind == "symbol":
            mark_symbol(ax, ex + sw / 2, ey, arg, 8.5 * k)
        elif kind == "unit":
            ax.add_patch(Rectangle((ex, ey - sh / 2), sw, sh, facecolor="white", edgecolor=OUTLINE, linewidth=0.6,
                                   linestyle=(0, (4, 2))))
        ax.text(ex + sw + 1.5, ey, text, ha="left", va="center", fontsize=LEGEND_PT * k)
    return _mm_box(page, box)


# ------------------------------------------------------------------------------------------------
# From the database: what the CLI, the API and the demo call
# ------------------------------------------------------------------------------------------------


def render_enterprise_map(
    conn,
    out: Path,
    *,
    enterprise_id: int | None = None,
    workshop_id: int | None = None,
    basis: str = "residual",
    paper: str = "A4",
    landscape: bool = True,
    dpi: int = 300,
    pair: bool = False,
    compiled_by: str = "",
    reviewed_by: str = "",
    version: str = "V1.0",
    date: dt.date | None = None,
) -> Rendered:
    """Read a plant (``enterprise_id``) or one workshop (``workshop_id``) and draw its map with the
    较大及以上 list and the marks. ``pair``: the 固有风险 sheet and the sheet of ``basis`` (现有 when
    ``basis`` is inherent), one after the other. Raises NotFound / InvalidInput / ValueError."""
    from layers.errors import NotFound
    from layers.plant import BASIS_ZH, enterprise_info, plant_areas, plant_marks, workshop_info
    from layers.risk_lists import load_vocab, significant_risks

    if basis not in BASIS_ZH:
        raise ValueError(f"basis 应为 residual、inherent 或 current, 实为 {basis!r}")
    focus = None
    scope = ""
    if workshop_id is not None:
        ws = workshop_info(conn, workshop_id)
        enterprise_id, focus, scope = ws.enterprise_id, ws.id, ws.name
    if enterprise_id is None:
        raise ValueError("需要 enterprise_id 或 workshop_id")
    info = enterprise_info(conn, enterprise_id)
    marks = plant_marks(conn, enterprise_id)
    vocab = load_vocab(conn)
    subtitle = "车间安全风险四色分布图" if focus is not None else "厂区安全风险四色分布图"

    def sheet(b: str) -> SheetContent:
        areas = plant_areas(conn, enterprise_id, b)  # type: ignore[arg-type]
        if areas.empty:
            raise NotFound(f"企业 {info.name} 尚未绘制厂区 (no plant areas drawn yet)")
        rows = list_rows(significant_risks(conn, enterprise_id, "inherent" if b == "inherent" else "residual"), vocab)
        title = TitleBlock(info.name, subtitle, BASIS_ZH[b], compiled_by, reviewed_by, version,
                           date or dt.date.today(), scope)
        return SheetContent(areas, title, rows, marks, focus)

    bases = [basis] if not pair else ["inherent", basis if basis != "inherent" else "residual"]
    first = sheet(bases[0])
    second = sheet(bases[1]) if len(bases) > 1 else None
    return render_plant_map(first.areas, first.title, out, paper=paper, landscape=landscape, dpi=dpi,
                            risks=first.risks, marks=marks, focus=focus, pair=second)
