"""安全风险辨识管控报告: one enterprise's report as one PDF (Wujin service standard item 8).

Contents: 封面 (enterprise, date, 编制/审核/批准), 目录, 一、企业概况, 二、风险辨识结果汇总 (counts by
level as a table and the 企业作业安全风险比较图), 三、厂区安全风险四色分布图, 四、较大及以上风险管控清单,
附件1 操作岗位 and 附件2 管理岗位风险管控与隐患排查清单 (tables split over pages, header repeated),
附件3 岗位安全风险告知卡 (one card a page). Workshop maps (车间四色分布图) are not in this version:
``maps.plant_map`` has no workshop function yet, so the report has none.

How the pages are made: each section is drawn with matplotlib into its own PDF and the sections are
joined with pypdf. The plant map comes from ``maps.plant_map.render_plant_map``, which draws a whole
page of its own to a file: merging its PDF keeps it exactly as the plant-map module made it (vector,
same as the wall print) instead of redrawing it. pypdf also gives the bookmarks (one per section) and
the page numbers, stamped on every page after the cover once the total is known.
"""

from __future__ import annotations

import datetime as dt
import io
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from layers.cards import card_url
from layers.charts import KEYS
from layers.levels import DESCENDING, NAMES, PALETTE, UNASSESSED, Level
from layers.report import ReportData
from layers.risk_lists import Table
from maps.cards import CardOptions, draw_card
from maps.charts import draw_chart, legend_handles
from maps.furniture import MM, paper_mm
from maps.plant_map import TitleBlock, render_plant_map
from maps.style import DOTS, FRAME_LW, HEADER_FILL, LATIN_FAMILY, MUTED, OUTLINE, SECONDARY
from maps.typeset import (
    Page,
    TableStyle,
    draw_table,
    line_mm,
    pdf_fonts,
    table_rows,
    text_mm,
    wrap,
)

Progress = Callable[[int, int, str], None]
TITLE = "安全风险辨识管控报告"


@dataclass
class ReportMeta:
    compiled_by: str = ""  # 编制
    reviewed_by: str = ""  # 审核
    approved_by: str = ""  # 批准
    version: str = "V1.0"
    date: dt.date = field(default_factory=dt.date.today)
    base_url: str = "http://localhost:8000"  # the cards' QR codes


@dataclass
class RenderedReport:
    path: Path
    pages: int
    sections: list[tuple[str, int]]  # (title, first page, 1-based)
    skipped: list[str]


# ------------------------------------------------------------------------------------------------
# Pages
# ------------------------------------------------------------------------------------------------


def _cover(data: ReportData, meta: ReportMeta) -> Figure:
    sh = Page.new("A4")
    W = sh.width
    sh.rect(14, 14, W - 28, sh.height - 28, edge="#000000", lw=FRAME_LW)
    sh.rect(17, 17, W - 34, sh.height - 34, edge="#000000", lw=0.5)
    name_lines = wrap(data.info.name, W - 60, 22, True)
    y: float = 78
    for ln in name_lines:
        sh.text(W / 2, y, ln, 22, bold=True, ha="center", va="center")
        y += line_mm(22, 1.4)
    sh.text(W / 2, y + 16, TITLE, 30, bold=True, ha="center", va="center")
    # the four colours as a thin rule: the subject of the report
    bw = 70 / 4
    for i, lv in enumerate(DESCENDING):
        sh.rect(W / 2 - 35 + i * bw, y + 31, bw, 2.2, fill=PALETTE.colour(lv), edge=None)
    sh.text(W / 2, y + 42, f"(风险等级依据: {data.basis_zh})", 10, ha="center", va="center", color=SECONDARY)
    rows = [("编制单位", data.info.name), ("编    制", meta.compiled_by), ("审    核", meta.reviewed_by),
            ("批    准", meta.approved_by), ("版    本", meta.version), ("日    期", f"{meta.date:%Y年%m月%d日}")]
    x0, x1, top, h = 48, W - 48, 190, 10.5
    for i, (k, v) in enumerate(rows):
        yy = top + i * h
        sh.text(x0, yy + h / 2, k, 12, bold=True, va="center")
        sh.hline(x0 + 26, x1, yy + h - 1.5, lw=0.6)
        size = 12 if text_mm(v, 12) < x1 - x0 - 30 else 9
        sh.text(x0 + 29, yy + h / 2 - 0.5, v, size, va="center")
    return sh.fig


def _heading(sh: Page, text: str, y: float = 16, size: float = 14) -> float:
    sh.text(16, y, text, size, bold=True, va="top")
    return y + line_mm(size, 1.5) + 1


def _kv_table(sh: Page, y: float, pairs: list[tuple[str, str]], x: float = 16) -> float:
    w = sh.width - 2 * x
    widths = [30, w / 2 - 30, 30, w / 2 - 30]
    style = TableStyle(size=9, header_size=9, pad=1.8)
    rows = []
    for i in range(0, len(pairs), 2):
        a, b = pairs[i], pairs[i + 1] if i + 1 < len(pairs) else ("", "")
        rows.append([a[0], a[1], b[0], b[1]])
    wrapped = [table_rows(["", "", "", ""], [r], widths, style)[2][0] for r in rows]
    fills = [{0: (HEADER_FILL, "#000000"), 2: (HEADER_FILL, "#000000")} for _ in rows]
    cy = y
    # no header row: draw each pair row as a one-row table without the header band
    for (cells, h), f in zip(wrapped, fills, strict=True):
        for col, (lines, cw) in enumerate(zip(cells, widths, strict=True)):
            cx = x + sum(widths[:col])
            if col in f:
                sh.rect(cx, cy, cw, h, fill=f[col][0], edge=None, z=0.5)
            bold = col in (0, 2)
            sh.lines(cx + style.pad, cy + style.pad, lines, style.size, bold=bold, leading=style.leading)
        sh.hline(x, x + w, cy, lw=0.5)
        cy += h
    sh.hline(x, x + w, cy, lw=0.8)
    sh.hline(x, x + w, y, lw=0.8)
    for cx in (x, x + widths[0], x + widths[0] + widths[1], x + w - widths[3], x + w):
        sh.vline(cx, y, cy, lw=0.8 if cx in (x, x + w) else 0.4)
    return cy


def _level_zh(level) -> str:
    return NAMES[level.value if level else UNASSESSED]["zh"]


def _summary(data: ReportData) -> list[Figure]:
    sh = Page.new("A4")
    i = data.info
    y = _heading(sh, "一、企业概况")
    pairs = [
        ("企业名称", i.name), ("统一社会信用代码", i.uscc), ("所属行业", i.industry_zh),
        ("企业规模", {"large": "大型", "medium": "中型", "small": "小型", "micro": "微型"}.get(i.scale, i.scale)),
        ("从业人员", f"{i.employees} 人"), ("所属区域", " ".join(x for x in (i.district_name, i.region_name) if x)),
        ("地    址", i.address or "—"), ("法定代表人", data.legal_rep or "—"),
        ("安全管理人员", data.safety_manager or "—"), ("联系电话", data.contact_phone or "—"),
        ("应急电话", data.emergency_phone or "—"), ("重大危险源", f"{data.hazard_sources} 处"),
        ("固有风险等级", _level_zh(_lv(i.inherent_level))), ("现有风险等级", _level_zh(_lv(i.residual_level))),
        ("当前风险等级", _level_zh(data.current_level) + (" (含未闭环隐患的动态调整)"
                                                      if data.current_level and _lv(i.residual_level)
                                                      and data.current_level > _lv(i.residual_level) else "")),
        ("未闭环隐患", f"{data.open_hidden_hazards} 项"),
    ]
    y = _kv_table(sh, y, pairs) + 8
    y = _heading(sh, "二、风险辨识结果汇总", y)
    sh.text(16, y, f"共辨识风险点 {sum(data.risk_counts['residual'].values())} 个, 告知卡 {len(data.cards)} 张; "
                   f"区域/岗位等级按{data.basis_zh}评定, 从严从高。", 9, va="top", color=OUTLINE)
    y += 7
    headers = ["风险等级", "风险点数(固有风险)", "风险点数(现有风险)", f"岗位/区域数({data.basis_zh})"]
    keys = [k for k in KEYS if k != "unassessed"] + (["unassessed"] if data.card_counts.get("unassessed") else [])
    body = []
    fills = []
    for k in keys:
        body.append([NAMES[k]["zh"], str(data.risk_counts["inherent"].get(k, 0)) if k != "unassessed" else "—",
                     str(data.risk_counts["residual"].get(k, 0)) if k != "unassessed" else "—",
                     str(data.card_counts.get(k, 0))])
        lv = None if k == "unassessed" else k
        fills.append({0: (PALETTE.colour(lv), PALETTE.text_colour(lv))})
    body.append(["合计", str(sum(data.risk_counts["inherent"].values())),
                 str(sum(data.risk_counts["residual"].values())), str(sum(data.card_counts.values()))])
    fills.append({})
    widths = [40, 44, 44, sh.width - 32 - 128]
    style = TableStyle(size=9.5, header_size=9.5, pad=1.8)
    head, hh, rows = table_rows(headers, body, widths, style)
    y = draw_table(sh, 16, y, widths, head, hh, rows, style, fills=fills, centred={0, 1, 2, 3}) + 8

    figs = [sh.fig]
    n = len(data.chart.bars)
    chart_h = 14 + 6.2 * max(n, 3)
    if y + chart_h + 12 > sh.height - 16:  # not enough room: the chart gets a page of its own
        sh = Page.new("A4")
        figs.append(sh.fig)
        y = 16
    y = _heading(sh, f"企业作业安全风险比较图 (按{data.basis_zh})", y, 11)
    chart_h = min(chart_h, sh.height - 20 - y)
    longest = max((len(b.label) for b in data.chart.bars), default=4)
    left = min(60.0, 8 + 3.0 * longest)
    right = 11 * 6.6 + 6
    ax = sh.axes(16 + left, y + 8, sh.width - 32 - left - right, chart_h)
    draw_chart(ax, data.chart, label_size=8)
    sh.fig.legend(handles=legend_handles(data.chart), loc="upper left", ncol=5, frameon=False, fontsize=8,
                  bbox_to_anchor=(16 / sh.width, 1 - (y - 1) / sh.height), handlelength=1.6)
    return figs


def _lv(v: str | None) -> Level | None:
    return Level(v) if v else None


def _table_pages(section: str, table: Table, landscape: bool = True, note: str | None = None,
                 empty: str = "无") -> list[Figure]:
    paper_w, paper_h = paper_mm("A4", landscape)
    x, top_m, bottom_m = 12.0, 14.0, 14.0
    avail_w = paper_w - 2 * x
    scale = avail_w / sum(c.width for c in table.spec.columns)
    widths = [c.width * scale for c in table.spec.columns]
    style = TableStyle(size=7.5, header_size=8, pad=1.2)
    # a header of four characters stays on one line: widen narrow columns, narrowing the widest
    need = [min(text_mm(h[:4], style.header_size, True), text_mm(h, style.header_size, True)) + 2 * style.pad + 1
            for h in table.spec.headers]
    extra = sum(max(0.0, n - w) for n, w in zip(need, widths, strict=True))
    if extra:
        widest = max(range(len(widths)), key=lambda i: widths[i])
        widths = [max(w, n) for w, n in zip(widths, need, strict=True)]
        widths[widest] -= extra
    merged = set(table.merge_columns)
    # a row continuing its group leaves the merged cells empty
    cont = [i > 0 and bool(table.groups) and table.groups[i] == table.groups[i - 1] for i in range(len(table.rows))]
    # (except at the top of a page, where the group's merged cells are repeated)
    full = [["" if v is None else str(v) for v in r] for r in table.rows]
    blank = [[("" if cont[i] and c in merged else v) for c, v in enumerate(r)] for i, r in enumerate(full)]
    head, hh, rows_full = table_rows(list(table.spec.headers), full, widths, style)
    _, _, rows_blank = table_rows(list(table.spec.headers), blank, widths, style)
    heading_h = line_mm(13, 1.5) + 2 + (5 if note else 0)
    room = paper_h - top_m - bottom_m - heading_h - hh
    pages: list[list[int]] = [[]]
    left = room
    for i in range(len(full)):
        h = rows_blank[i][1] if pages[-1] else rows_full[i][1]
        if h > left and pages[-1]:
            pages.append([])
            left, h = room, rows_full[i][1]
        pages[-1].append(i)
        left -= h
    centred = {i for i, c in enumerate(table.spec.columns) if c.align == "center"}
    lc = table.level_column
    figs = []
    for p, idx in enumerate(pages):
        sh = Page.new("A4", landscape=landscape)
        y = _heading(sh, section + (" (续)" if p else ""), top_m - 2, 13)
        if note and not p:
            sh.text(x + 1, y - 1, note, 8, va="top", color=SECONDARY)
            y += 5
        fills = [{lc: (PALETTE.colour(table.levels[i]), PALETTE.text_colour(table.levels[i]))}
                 if i < len(table.levels) and table.levels[i] is not None else {} for i in idx]
        page_cont = [cont[i] and k > 0 for k, i in enumerate(idx)]
        page_rows = [rows_blank[i] if c else rows_full[i] for i, c in zip(idx, page_cont, strict=True)]
        bottom = draw_table(sh, x, y, widths, head, hh, page_rows, style, fills=fills,
                            centred=centred, continues=page_cont, merged=merged)
        if not full:  # an empty list says so across the whole width
            h = line_mm(style.size) + 2 * style.pad + 2
            sh.text(x + sum(widths) / 2, bottom + h / 2, empty, style.size + 1, ha="center", va="center")
            sh.hline(x, x + sum(widths), bottom + h, lw=0.8)
            sh.vline(x, bottom, bottom + h, lw=0.8)
            sh.vline(x + sum(widths), bottom, bottom + h, lw=0.8)
        figs.append(sh.fig)
    return figs


def _contents(data: ReportData, sections: list[tuple[str, int]], skipped: list[str]) -> Figure:
    sh = Page.new("A4")
    sh.text(sh.width / 2, 30, "目    录", 18, bold=True, ha="center", va="center")
    y = 48
    for title, page in sections:
        if title in ("封面", "目录"):
            continue
        sh.text(30, y, title, 11.5, va="center")
        sh.text(sh.width - 30, y, str(page), 11.5, ha="right", va="center")
        x0 = 32 + text_mm(title, 11.5)
        x1 = sh.width - 32 - text_mm(str(page), 11.5)
        if x1 > x0:
            sh.ax.plot([x0, x1], [y + 1.2, y + 1.2], color=DOTS, linewidth=0.6, linestyle=(0, (1, 2.5)))
        y += 10
    for s in skipped:
        sh.text(30, y + 4, f"注: {s}", 9, va="center", color=MUTED)
        y += 7
    return sh.fig


def _save(figs: list[Figure], path: Path) -> Path:
    with pdf_fonts(), PdfPages(path, metadata={"Creator": "riskatlas"}) as pdf:
        for f in figs:
            pdf.savefig(f)
    return path


def _footer(fig: Figure, page: int, total: int, text: str) -> None:
    w_mm, h_mm = fig.get_figwidth() / MM, fig.get_figheight() / MM
    fig.text(12 / w_mm, 5.5 / h_mm, text, fontsize=7, color=MUTED, va="center")
    fig.text(1 - 12 / w_mm, 5.5 / h_mm, f"第 {page} 页  共 {total} 页", fontsize=7, color=OUTLINE, ha="right",
             va="center")


def _page_number_overlay(page: int, total: int, size_pt: tuple[float, float]) -> bytes:
    """A transparent page with only ``n / N`` in DejaVu Sans (Latin only: its subset embeds in
    milliseconds, unlike the CJK font), stamped on the plant map page, whose PDF comes whole."""
    buf = io.BytesIO()
    fig = Figure(figsize=(size_pt[0] / 72, size_pt[1] / 72))
    FigureCanvasAgg(fig)
    fig.patch.set_alpha(0)
    h_mm = size_pt[1] / 72 / MM
    fig.text(0.5, 4.5 / h_mm, f"- {page} / {total} -", fontsize=7, color=OUTLINE, ha="center", va="center",
             family=LATIN_FAMILY)
    fig.savefig(buf, format="pdf", transparent=True)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------------
# The report
# ------------------------------------------------------------------------------------------------


def render_report(data: ReportData, out: Path, meta: ReportMeta | None = None,
                  progress: Progress | None = None) -> RenderedReport:
    """Draw the whole report to ``out`` (.pdf).

    All pages drawn here go into one PdfPages file, so the CJK font is embedded once (see
    ``maps.typeset.pdf_fonts``); the plant map, drawn to its own PDF by ``maps.plant_map``, then takes
    the place of a blank page with pypdf."""
    from pypdf import PdfReader, PdfWriter

    meta = meta or ReportMeta()
    out = Path(out)
    if out.suffix.lower() != ".pdf":
        raise ValueError(f"报告输出应为 .pdf: {out} (report must be a PDF)")
    steps = 8
    done = 0

    def step(message: str) -> None:
        nonlocal done
        done += 1
        if progress:
            progress(done, steps, message)

    skipped = ["本版本未提供车间安全风险四色分布图 (workshop maps are not available in this version)"]
    sections: list[tuple[str, list[Figure]]] = [("封面", [_cover(data, meta)]), ("目录", [])]
    step("封面")
    sections.append(("一、企业概况  二、风险辨识结果汇总", _summary(data)))
    step("企业概况与风险汇总")
    plant_title = "三、厂区安全风险四色分布图"
    if data.areas.empty:
        skipped.append("企业尚未绘制厂区, 无厂区四色分布图 (no plant drawn)")
    else:
        blank = Page.new("A4", landscape=True).fig  # replaced by the plant map's own page
        sections.append((plant_title, [blank]))
    sections.append(("四、较大及以上风险管控清单", _table_pages(
        "四、较大及以上风险管控清单", data.significant,
        note=f"编号与厂区四色分布图上的风险点编号一致; 风险等级按{data.basis_zh}。",
        empty="无较大及以上风险")))
    step("较大及以上风险管控清单")
    for n, table in enumerate(data.lists, 1):
        empty = ("无 (未划分操作岗位: 风险记录在车间, 见告知卡)" if table.spec.key == "operating"
                 else "无 (尚未建立管理岗位清单)")
        sections.append((f"附件{n}  {table.spec.sheet}", _table_pages(f"附件{n}  {table.spec.sheet}", table,
                                                                     empty=empty)))
    step("附件: 风险管控与隐患排查清单")
    if data.cards:
        figs = []
        for c in data.cards:
            sh = Page.new("A4")
            draw_card(sh, c, card_url(meta.base_url, c.token), CardOptions("A4", meta.version))
            figs.append(sh.fig)
        sections.append((f"附件{len(data.lists) + 1}  岗位安全风险告知卡", figs))
    else:
        skipped.append("企业没有岗位或车间, 无告知卡 (no cards)")
    step(f"岗位安全风险告知卡 {len(data.cards)} 张")

    # page numbers are known now: the contents page, then the footers
    index, page = [], 1
    for title, figs in sections:
        index.append((title, page))
        page += len(figs) if title != "目录" else 1
    total = page - 1
    sections[1] = ("目录", [_contents(data, index, skipped)])
    footer = f"{data.info.name}  {TITLE}  {meta.version}"
    plant_page = None
    n = 0
    for title, figs in sections:
        for fig in figs:
            n += 1
            if title == plant_title:
                plant_page = n
            elif n > 1:
                _footer(fig, n, total, footer)

    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="riskatlas-report-") as tmpdir:
        tmp = Path(tmpdir)
        body = _save([f for _, figs in sections for f in figs], tmp / "body.pdf")
        step(f"写出 {total} 页 (pages written)")
        writer = PdfWriter(clone_from=str(body))
        if plant_page is not None:
            plant_pdf = tmp / "plant.pdf"
            title_block = TitleBlock(data.info.name, basis_zh=data.basis_zh, compiled_by=meta.compiled_by,
                                     reviewed_by=meta.reviewed_by, version=meta.version, date=meta.date)
            with pdf_fonts():  # Type 3 here too: 5 s -> 1 s for the map page
                render_plant_map(data.areas, title_block, plant_pdf, paper="A4", landscape=True, dpi=300)
            plant = PdfReader(plant_pdf).pages[0]
            size = (float(plant.mediabox.width), float(plant.mediabox.height))
            placed = writer.insert_page(plant, plant_page - 1)
            writer.remove_page(plant_page)  # the blank it replaces
            placed.merge_page(PdfReader(io.BytesIO(_page_number_overlay(plant_page, total, size))).pages[0])
        step("厂区安全风险四色分布图")
        for title, first in index:
            writer.add_outline_item(title=title, page_number=first - 1)
        writer.add_metadata({"/Title": f"{data.info.name} {TITLE}", "/Creator": "riskatlas",
                             "/Subject": "安全风险分级管控"})
        with open(out, "wb") as fh:
            writer.write(fh)
        step(f"合并 {total} 页")
    return RenderedReport(out, total, index, skipped)
