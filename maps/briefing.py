"""The printable emergency briefing (应急处置简报), A4 portrait PDF, matplotlib.

Page 1: title block, the map (threat zones over roads and the four-colour enterprise boundaries,
hazard source, protection targets by innermost zone, resources, resource and evacuation routes)
and the summary per zone. Following pages: the tables — protection targets and population,
neighbouring enterprises to notify, resources by road, evacuation routes and shelters.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence

import matplotlib.patheffects as pe
import psycopg2.extensions
from matplotlib.artist import Artist
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from layers.consequences import LEVEL_ZH, LEVELS, level_colour, level_text_colour
from layers.emergency.overlay import Overlay, overlay
from layers.levels import PALETTE
from maps.emergency_page import FACILITY_COLOURS, ROUTE_COLOURS
from maps.furniture import local_crs, north_arrow, paper_inches, scale_bar
from maps.style import BRIEFING_BACKGROUND, DARK, HEADER_FILL, MUTED, OUTLINE, ROAD_LINE, THIN_LW
from maps.typeset import pdf_fonts

A4 = paper_inches("A4")
ROWS_PER_PAGE = 40
HALO = [pe.withStroke(linewidth=2.5, foreground="white")]


def _min(s) -> str:
    return "—" if s is None or s != s else f"{s / 60:.1f}"


def _km(m) -> str:
    return "—" if m is None or m != m else f"{m / 1000:.2f}"


#: A box in figure fractions: (left, bottom, width, height).
Rect = tuple[float, float, float, float]


def _map(fig: Figure, o: Overlay, rect: Rect, *, detail: bool) -> None:
    """The map: ``detail`` frames the threat zones (with room around them), else the zones and every
    route (the overview of resources and shelters)."""
    ax = fig.add_axes(rect)
    crs = local_crs(o.zones if len(o.zones) else o.source)
    zones = o.zones.to_crs(crs)
    routes = o.routes.to_crs(crs)
    parts = [zones] + ([routes] if len(routes) and not detail else [])
    x0, y0 = min(p.total_bounds[0] for p in parts), min(p.total_bounds[1] for p in parts)
    x1, y1 = max(p.total_bounds[2] for p in parts), max(p.total_bounds[3] for p in parts)
    # the extent with a margin, in the axes' aspect
    grow = 1.8 if detail else 1.08
    w, h = (x1 - x0) * grow + 300, (y1 - y0) * grow + 300
    bw, bh = rect[2] * A4[0], rect[3] * A4[1]
    if w / h < bw / bh:
        w = h * bw / bh
    else:
        h = w * bh / bw
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    ax.set_xlim(cx - w / 2, cx + w / 2)
    ax.set_ylim(cy - h / 2, cy + h / 2)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor(BRIEFING_BACKGROUND)
    if len(o.enterprises):
        e = o.enterprises.to_crs(crs)
        e.plot(ax=ax, color=[PALETTE.colour(lv) for lv in e["level"]], alpha=0.35, edgecolor="#666", linewidth=0.4,
               zorder=1)
    if len(o.roads):
        o.roads.to_crs(crs).plot(ax=ax, color=ROAD_LINE, linewidth=0.9, zorder=2)
    for z in reversed(list(zones.itertuples())):
        c = level_colour(z.level)
        zones[zones["level"] == z.level].plot(ax=ax, color=c, alpha=0.28, zorder=3)
        zones[zones["level"] == z.level].boundary.plot(ax=ax, color=c, linewidth=1.4, zorder=4)
    for r in routes.itertuples():
        if r.route_kind == "evacuation":
            ax.plot(*_xy(r.geometry), color=ROUTE_COLOURS["evacuation"], linewidth=2, linestyle=(0, (4, 2)), zorder=6)
        else:
            for xs, ys in _lines(r.geometry):
                ax.plot(xs, ys, color=ROUTE_COLOURS.get(r.resource_kind, OUTLINE), linewidth=2.2, alpha=0.8, zorder=5)
    if len(o.targets):
        t = o.targets.to_crs(crs)
        ax.scatter(t.geometry.x, t.geometry.y, s=26, c=[level_colour(lv) if isinstance(lv, str) else PALETTE.colour(None) for lv in t["level"]],
                   edgecolors=DARK, linewidths=0.6, zorder=7)
        for p in t[[isinstance(lv, str) and detail for lv in t["level"]]].itertuples():
            ax.annotate(p.name, (p.geometry.x, p.geometry.y), xytext=(4, 3), textcoords="offset points", fontsize=6,
                        zorder=9, path_effects=HALO)
    if len(o.facilities):
        f = o.facilities.to_crs(crs)
        ax.scatter(f.geometry.x, f.geometry.y, s=40, marker="s",
                   c=[FACILITY_COLOURS.get(k, OUTLINE) for k in f["kind"]], edgecolors="white", linewidths=0.8, zorder=8)
        ranked = {c["id"] for c in o.resources}
        for p in f[f["id"].isin(ranked)].itertuples():
            ax.annotate(p.name, (p.geometry.x, p.geometry.y), xytext=(5, -8), textcoords="offset points", fontsize=6,
                        color=FACILITY_COLOURS.get(p.kind, OUTLINE), zorder=9, path_effects=HALO)
    s = o.source.to_crs(crs).geometry.iloc[0]
    ax.scatter([s.x], [s.y], s=110, marker="^", c="black", edgecolors="white", linewidths=1, zorder=10)
    handles: list[Artist] = [Patch(facecolor=level_colour(lv), alpha=0.5, edgecolor=level_colour(lv),
                                   label=f"{LEVEL_ZH[lv]} {z.threshold_zh} ({z.distance_m:.0f} m)")
                             for lv in LEVELS for z in o.zones[o.zones["level"] == lv].itertuples()]
    handles += [Line2D([], [], marker="^", color="black", linestyle="", label="危险源"),
                Line2D([], [], marker="o", markerfacecolor=PALETTE.colour(None), color=DARK, linestyle="", label="防护目标 (按所在区着色)"),
                Line2D([], [], color=ROUTE_COLOURS["fire_station"], lw=2, label="消防站→危险源"),
                Line2D([], [], color=ROUTE_COLOURS["hospital"], lw=2, label="危险源→医院"),
                Line2D([], [], color=ROUTE_COLOURS["shelter"], lw=2, label="危险源→避难场所"),
                Line2D([], [], color=ROUTE_COLOURS["evacuation"], lw=2, linestyle=(0, (4, 2)), label="疏散路线 (避开红区)")]
    handles += [Line2D([], [], marker="s", color=c, linestyle="", label=n)
                for n, c in (("消防救援站", FACILITY_COLOURS["fire_station"]), ("医院", FACILITY_COLOURS["hospital"]),
                             ("应急避难场所", FACILITY_COLOURS["shelter"]))]
    if detail:
        ax.legend(handles=handles, loc="upper left", fontsize=6.5, framealpha=0.92, ncol=1)
    ax.set_xlabel("")
    ax.set_ylabel("")
    north_arrow(ax)
    scale_bar(ax)


def _lines(g):
    if g is None:
        return []
    if g.geom_type == "LineString":
        return [g.xy]
    return [x.xy for x in getattr(g, "geoms", [])]


def _xy(g):
    xs, ys = [], []
    for a, b in _lines(g):
        xs += [*a, float("nan")]
        ys += [*b, float("nan")]
    return xs, ys


def _table(ax, title: str, header: Sequence[str], rows: Sequence[Sequence], widths: Sequence[float],
           zones: Sequence[str | None] | None = None) -> None:
    """A table; ``zones[i]``: the threat zone (red/orange/yellow) whose colour fills row i's first cell."""
    ax.axis("off")
    ax.set_title(title, loc="left", fontsize=11)
    if not rows:
        ax.text(0, 0.95, "无 (none)", fontsize=9, va="top", transform=ax.transAxes)
        return
    tb = ax.table(cellText=[[str(c) for c in r] for r in rows], colLabels=list(header), colWidths=list(widths),
                  loc="upper left", cellLoc="left")
    tb.auto_set_font_size(False)
    tb.set_fontsize(7.5)
    tb.scale(1, 1.25)
    for (i, _j), cell in tb.get_celld().items():
        cell.set_linewidth(THIN_LW)
        cell.PAD = 0.03          # the default pads a wide column's text far from its left edge
        if i == 0:
            cell.set_facecolor(HEADER_FILL)
    if zones:
        for i, z in enumerate(zones, 1):
            if z:
                tb[i, 0].set_facecolor(level_colour(z))
                tb[i, 0].get_text().set_color(level_text_colour(z))


def _pages(pdf: PdfPages, title: str, sections: list[tuple]) -> None:
    """Table sections, ROWS_PER_PAGE rows a page, a section split over pages when long."""
    fig, used, y = None, 0, 0.94
    for name, header, rows, widths, zones in sections:
        chunks = [rows[i:i + ROWS_PER_PAGE] for i in range(0, max(len(rows), 1), ROWS_PER_PAGE)] or [[]]
        for k, chunk in enumerate(chunks):
            need = len(chunk) + 3
            if fig is None or used + need > ROWS_PER_PAGE + 6:
                if fig is not None:
                    pdf.savefig(fig)
                fig = Figure(figsize=A4)
                fig.text(0.06, 0.97, title, fontsize=9, color=MUTED)
                used, y = 0, 0.94
            h = need * 0.0215
            ax = fig.add_axes((0.06, y - h, 0.88, h))
            _table(ax, name + (f" (续 {k + 1})" if k else ""), header, chunk, widths,
                   zones[k * ROWS_PER_PAGE:(k + 1) * ROWS_PER_PAGE] if zones else None)
            used += need
            y -= h + 0.02
    if fig is not None:
        pdf.savefig(fig)


def render_briefing(o: Overlay, *, now: dt.datetime | None = None) -> bytes:
    """The briefing PDF for an :class:`Overlay`."""
    with pdf_fonts():  # Type 3: about 5x quicker than subsetting the CJK font as Type 42
        return _render(o, now)


def _render(o: Overlay, now: dt.datetime | None) -> bytes:
    sc, a, ev = o.scenario, o.affected, o.evacuation
    stamp = (now or dt.datetime.now()).strftime("%Y-%m-%d %H:%M")
    title = f"应急处置简报 · {sc['name']}"
    buf = io.BytesIO()
    with PdfPages(buf, metadata={"Title": title, "Creator": "riskatlas"}) as pdf:
        fig = Figure(figsize=A4)
        fig.text(0.06, 0.965, title, fontsize=16)
        params = ", ".join(f"{k}={v}" for k, v in sc["params"].items())
        weather = ", ".join(f"{k}={v}" for k, v in sc["weather"].items()) or "默认 (default)"
        fig.text(0.06, 0.945, f"{sc['enterprise_name']} / {sc['hazard_source_code']} {sc['hazard_source_name']}"
                              f" · 模型: {sc['model_zh']}", fontsize=9)
        fig.text(0.06, 0.93, f"参数: {params}    气象: {weather}", fontsize=7.5, color=OUTLINE)
        fig.text(0.06, 0.917, f"计算于 {str(sc['computed_at'])[:16].replace('T', ' ')} · 输入版本 {sc['inputs_version']}"
                              f" · 生成于 {stamp}", fontsize=7.5, color=MUTED)
        _map(fig, o, (0.06, 0.30, 0.88, 0.60), detail=True)
        s = a["summary"]
        rows = [[LEVEL_ZH[lv], z_thr(o, lv), s[lv]["enterprises"], s[lv]["employees"], s[lv]["protection_targets"],
                 s[lv]["population"], f"{s[lv]['road_m'] / 1000:.2f}", s[lv]["resources"]]
                for lv in LEVELS]
        t = s["total"]
        rows.append(["合计", "", t["enterprises"], t["employees"], t["protection_targets"], t["population"],
                     f"{t['road_m'] / 1000:.2f}", t["resources"]])
        ax = fig.add_axes((0.06, 0.13, 0.88, 0.14))
        _table(ax, "受影响范围汇总 (每个对象计入其所在的最内层区)", ["威胁区", "阈值", "企业", "从业人员", "防护目标", "人口",
                                                      "道路 km", "应急资源"],
               rows, [0.1, 0.22, 0.08, 0.1, 0.1, 0.1, 0.1, 0.1],
               ["red", "orange", "yellow", None])
        ok = "充足" if ev["enough_capacity"] else "不足, 需增设临时安置点"
        fig.text(0.06, 0.10, f"需通知的相邻企业 {t['notify']} 家; 区内防护目标人口 {ev['population']} 人; "
                             f"区外避难场所 {len(ev['shelters'])} 处, 容量 {ev['capacity']} 人 ({ok}).", fontsize=8.5)
        fig.text(0.06, 0.08, "疏散路线在道路网上计算, 经过红区的路段代价加大 (避开红区); 时间按各道路限速.",
                 fontsize=7.5, color=MUTED)
        pdf.savefig(fig)

        fig = Figure(figsize=A4)
        fig.text(0.06, 0.965, "应急资源与疏散路线总图 (道路网最短时间路线)", fontsize=13)
        fig.text(0.06, 0.947, "图例同第 1 页; 消防站为驶向危险源的路线, 医院与避难场所为自危险源出发的路线.", fontsize=8,
                 color=MUTED)
        _map(fig, o, (0.06, 0.06, 0.88, 0.87), detail=False)
        pdf.savefig(fig)

        targets = a["protection_targets"]
        sections = [
            ("防护目标与人口", ["区", "名称", "类型", "人口", "距离 m"],
             [[LEVEL_ZH[x["level"]], x["name"], x["kind_zh"], x["population"], f"{x['distance_m']:.0f}"] for x in targets],
             [0.1, 0.42, 0.16, 0.14, 0.14], [x["level"] for x in targets]),
            ("需通知的相邻企业", ["区", "企业", "距离 m", "从业人员", "应急电话"],
             [[LEVEL_ZH[x["level"]], x["name"], f"{x['distance_m']:.0f}", "—" if x.get("employees") is None else x["employees"],
               x["emergency_phone"] or x.get("contact_phone") or "—"] for x in a["notify"]],
             [0.1, 0.46, 0.12, 0.12, 0.18], [x["level"] for x in a["notify"]]),
            ("应急资源 (按道路行车时间)", ["类型", "名称", "名次", "时间 min", "道路 km", "直线 km", "容量"],
             [[x["kind_zh"], x["name"], x["rank"], _min(x["time_s"]), _km(x["length_m"]), _km(x["crow_m"]),
               x["capacity"] if x["capacity"] is not None else "—"] for x in o.resources],
             [0.14, 0.36, 0.08, 0.11, 0.11, 0.11, 0.09], None),
            ("疏散路线 (至区外避难场所, 避开红区)", ["区", "防护目标", "人口", "避难场所", "步行至路 m", "时间 min",
                                               "道路 km", "红区内 m"],
             [[LEVEL_ZH[x["level"]], x["target_name"], x["population"], x["shelter_name"] or "无可达避难场所",
               f"{x['access_m']:.0f}", _min(x["time_s"]), _km(x["length_m"]),
               "—" if x["red_m"] is None else f"{x['red_m']:.0f}"] for x in ev["routes"]],
             [0.07, 0.23, 0.08, 0.26, 0.1, 0.09, 0.09, 0.09], [x["level"] for x in ev["routes"]]),
            ("外部安全防护距离内的防护目标 (GB/T 37243-2019)", ["防护目标", "类型", "人口", "距离 m", "防护距离 m", "依据"],
             [[x["target_name"], x["target_kind_zh"], x["population"], f"{x['distance_m']:.0f}",
               f"{x['required_m']:.0f}", x["basis"][:24]] for x in o.safety_breaches],
             [0.26, 0.12, 0.1, 0.1, 0.12, 0.3], None),
            ("避难场所 (区外)", ["名称", "容量", "分配人数", "直线 km"],
             [[x["name"], x["capacity"] if x["capacity"] is not None else "—", x["assigned"], _km(x["crow_m"])]
              for x in ev["shelters"] if x["assigned"]],
             [0.5, 0.16, 0.16, 0.16], None),
        ]
        _pages(pdf, title, sections)
    return buf.getvalue()


def z_thr(o: Overlay, level: str) -> str:
    z = o.zones[o.zones["level"] == level]
    return "" if z.empty else f"≥ {z.iloc[0]['threshold']:.3g} {z.iloc[0]['threshold_unit']}, {z.iloc[0]['distance_m']:.0f} m"


def briefing_pdf(conn: psycopg2.extensions.connection, scenario_id: int) -> bytes:
    """The briefing of a scenario (recomputed first when stale)."""
    return render_briefing(overlay(conn, scenario_id))
