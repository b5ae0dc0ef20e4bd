"""岗位安全风险告知卡: one printed card per post (A5 or A4, portrait), and every card of an enterprise
as one multi-page PDF.

The card receives a :class:`layers.cards.PostCard` (it never queries). Its layout, top to bottom: a
header band in the post's level colour with the title; a ruled table (岗位名称/编号, 所在区域/岗位人数,
风险等级 in its colour, 主要危险有害因素, 可能导致的事故类型及后果, 管控措施, 应急处置措施, 警示标志,
责任人与电话); then 应急电话 beside a QR code to the post's public page (the URL the caller passes,
``layers.cards.card_url``: the card's random token, never the area id); and a footer with the
enterprise, 发布日期 and 版本. The printed card keeps phone numbers whole (the public page masks
personal mobile numbers): it hangs inside the plant, and a number on it must be one to dial. Long content first shrinks the type (down to a legible minimum), then
is cut with a note pointing to the online record, which always holds everything.

The QR code is drawn as vector squares (segno gives the module matrix), so it stays sharp at any
print size and in the PDF.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import segno
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.patches import PathPatch, Polygon
from matplotlib.path import Path as MplPath

from layers.cards import GENERAL_EMERGENCY, PostCard
from layers.levels import NAMES, PALETTE, UNASSESSED, Level
from maps.style import INK, LABEL_FILL, MUTED, OUTLINE
from maps.typeset import Page, line_mm, pdf_fonts, text_mm, wrap

PAPERS = ("A5", "A4")
MIN_SIZE = 6.0  # pt: the smallest body type a card may shrink to (A5)


@dataclass(frozen=True)
class CardOptions:
    paper: str = "A5"
    version: str = "V1.0"
    issued: dt.date | None = None  # default: the card's own date (latest change of its risks), else today


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR code of ``url`` as rows of dark (True) / light modules, without the quiet zone."""
    qr = segno.make(url, error="m", micro=False)
    return [[bool(v) for v in row] for row in qr.matrix]


def _draw_qr(page: Page, url: str, x: float, y: float, size: float) -> None:
    """A QR code in the square (x, y, size) including a 4-module quiet zone, as one vector path."""
    m = qr_matrix(url)
    n = len(m)
    mod = size / (n + 8)
    page.rect(x, y, size, size, fill="white", edge=None, z=4)
    verts, codes = [], []
    for r, row in enumerate(m):
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                x0, x1 = x + (4 + start) * mod, x + (4 + c) * mod
                y0, y1 = y + (4 + r) * mod, y + (5 + r) * mod
                verts += [(x0, y0), (x1, y0), (x1, y1), (x0, y1), (x0, y0)]
                codes += [MplPath.MOVETO, MplPath.LINETO, MplPath.LINETO, MplPath.LINETO, MplPath.CLOSEPOLY]
            else:
                c += 1
    page.ax.add_patch(PathPatch(MplPath(verts, codes), facecolor="#000000", edgecolor="none", linewidth=0,
                                 zorder=5))


def _warning_sign(page: Page, cx: float, top: float, side: float, caption: str, caption_size: float) -> None:
    """A GB 2894 style warning sign: a yellow triangle with a black border and an exclamation mark,
    captioned below. The yellow is the palette's (the project's one yellow)."""
    h = side * 0.866
    tri = Polygon([(cx - side / 2, top + h), (cx + side / 2, top + h), (cx, top)], closed=True,
                  facecolor=PALETTE.colour(Level.GENERAL), edgecolor="#000000", linewidth=side * 0.45,
                  joinstyle="round", zorder=5)
    page.ax.add_patch(tri)
    page.text(cx, top + h * 0.62, "!", side * 1.6, bold=True, ha="center", va="center", color="#000000", z=6)
    page.text(cx, top + h + 1.2, caption, caption_size, ha="center", va="top")


@dataclass
class _Row:
    label: str
    lines: list[str]
    bold: bool = False
    size_factor: float = 1.0
    kind: str = "text"  # text | level | signs | pair
    pair: tuple[str, str, str, str] | None = None  # 4-cell row: label, value, label2, value2
    min_h: float = 0.0


def _numbered(items: Sequence[str]) -> list[str]:
    return [f"{i}. {s}" for i, s in enumerate(items, 1)] if len(items) > 1 else list(items)


def _rows(card: PostCard) -> list[_Row]:
    level = card.level
    level_text = (f"{level.name_zh} ({NAMES[level.value]['colour_zh']}色)" if level else NAMES[UNASSESSED]["zh"])
    basis = "现有风险" if card.basis == "residual" else "固有风险"
    measures = [f"【{kind}】{'；'.join(items)}" for kind, items in card.measures]
    who = [f"{c.name}  {c.phone}" if c.phone else c.name for c in card.responsible]
    return [
        _Row("岗位名称", [], pair=("岗位名称", card.name, "编号", card.code)),
        _Row("所在区域", [], pair=("所在区域", card.location or "—", "岗位人数",
                                 f"{card.headcount} 人" if card.headcount is not None else "—")),
        _Row("风险等级", [level_text, f"按{basis}评定"], kind="level"),
        _Row("主要危险有害因素", ["；".join(card.hazard_factors) or "—"]),
        _Row("可能导致的事故类型及后果", card.consequences or ["—"]),
        _Row("管控措施", measures or ["—"]),
        _Row("应急处置措施", _numbered(card.emergency_measures) or [GENERAL_EMERGENCY]),
        _Row("警示标志", card.signs, kind="signs"),
        _Row("责任人及电话", ["    ".join(who) or "—"]),
    ]


def draw_card(page: Page, card: PostCard, url: str, options: CardOptions = CardOptions()) -> None:
    """Draw one card on a portrait page (A5 or A4)."""
    s = page.width / 148.0  # everything is designed for A5 and scaled
    W, H = page.width, page.height
    m = 7 * s
    x0, x1 = m, W - m
    level = card.level
    fill = PALETTE.colour(level)
    on_fill = PALETTE.text_colour(level)

    # frame and header band
    page.rect(m, m, W - 2 * m, H - 2 * m, edge="#000000", lw=1.6 * s, z=6)
    band_h = 21 * s
    page.rect(m, m, W - 2 * m, band_h, fill=fill, edge=None, z=1)
    page.text(W / 2, m + 8.5 * s, "岗位安全风险告知卡", 21 * s, bold=True, ha="center", va="center", color=on_fill)
    page.text(W / 2, m + 16.5 * s, card.enterprise_name, 9 * s, ha="center", va="center", color=on_fill)

    # bottom block (emergency numbers + QR) and footer
    footer_h = 6 * s
    qr = 30 * s
    bottom_h = qr + 4 * s
    y_footer = H - m - footer_h
    y_bottom = y_footer - bottom_h
    label_w = 23 * s

    rows = _rows(card)
    top = m + band_h
    room = y_bottom - top
    size = 8.5 * s
    min_size = MIN_SIZE * s
    layout = _layout(rows, size, x1 - x0, label_w, s)
    while sum(h for _, h in layout) > room and size > min_size:
        size = max(min_size, size - 0.25 * s)
        layout = _layout(rows, size, x1 - x0, label_w, s)
    truncated = _truncate(layout, room, size, s)

    heights = [h if cut is None else _row_h(cut, size, s, row, label_w) for (row, h), (cut, _) in
               zip(layout, truncated, strict=True)]
    # A card fills its page: spare room goes to the text rows, whose text is centred vertically.
    stretch = [i for i, (row, _) in enumerate(layout) if row.kind == "text" and not row.pair]
    spare = room - sum(heights)
    if spare > 0 and stretch:
        for i in stretch:
            heights[i] += spare / len(stretch)
    y = top
    for (row, _), (cut_lines, _), h in zip(layout, truncated, heights, strict=True):
        _draw_row(page, row, cut_lines, x0, x1, y, h, label_w, size, s, fill, on_fill)
        y += h
    page.hline(x0, x1, y_bottom, lw=0.9 * s)

    # 应急电话 and QR
    page.rect(x0, y_bottom, label_w, bottom_h, fill=LABEL_FILL, edge=None, z=0.5)
    page.vline(x0 + label_w, y_bottom, y_footer, lw=0.5 * s)
    _label(page, "应急电话", x0, y_bottom, label_w, bottom_h, size, s)
    contacts = card.emergency_contacts
    cx = x0 + label_w + 2.5 * s
    qx = x1 - qr - 2 * s
    avail = qx - cx - 2 * s
    cy = y_bottom + 2.5 * s
    big = 10.5 * s
    for name, number in contacts:
        fits = text_mm(f"{name}  {number}", big, True) <= avail
        if fits:
            page.text(cx, cy, name, size, va="top")
            page.text(cx + avail, cy - 0.4 * s, number, big, bold=True, ha="right", va="top")
            cy += line_mm(big, 1.45)
        else:
            page.text(cx, cy, name, size * 0.95, va="top")
            page.text(cx + avail, cy + line_mm(size, 1.2), number, big, bold=True, ha="right", va="top")
            cy += line_mm(size, 1.2) + line_mm(big, 1.4)
    _draw_qr(page, url, qx, y_bottom + 0.6 * s, qr)
    page.text(qx + qr / 2, y_bottom + qr + 0.3 * s, "扫码查看在线记录", 6.5 * s, ha="center", va="top", color=INK)

    # footer
    issued = options.issued or card.issued or dt.date.today()
    page.hline(x0, x1, y_footer, lw=0.9 * s)
    foot = f"发布日期: {issued.isoformat()}    版本: {options.version}    编号: {card.code}"
    page.text(x0 + 2 * s, y_footer + footer_h / 2, foot, 6.8 * s, va="center", color=OUTLINE)
    page.text(x1 - 2 * s, y_footer + footer_h / 2, url, 6 * s, ha="right", va="center", color=MUTED)


def _value_width(total_w: float, label_w: float) -> float:
    return total_w - label_w


def _row_h(lines: list[str], size: float, s: float, row: _Row, label_w: float) -> float:
    if row.kind == "signs":
        return 19 * s
    if row.kind == "level":
        return 12 * s
    label_lines = len(wrap(row.label, label_w - 3 * s, size, True))
    return max(max(len(lines), 1) * line_mm(size * row.size_factor), label_lines * line_mm(size, 1.25)) + 3.2 * s


def _layout(rows: list[_Row], size: float, total_w: float, label_w: float, s: float) -> list[tuple[_Row, float]]:
    out = []
    vw = _value_width(total_w, label_w) - 4 * s
    for row in rows:
        if row.pair:
            out.append((row, max(9 * s, line_mm(10.5 * s) + 4 * s)))
            continue
        if row.kind in ("signs", "level"):
            out.append((row, _row_h([], size, s, row, label_w)))
            continue
        wrapped = [ln for text in row.lines for ln in wrap(text, vw, size * row.size_factor, row.bold)]
        row.wrapped = wrapped  # type: ignore[attr-defined]
        out.append((row, _row_h(wrapped, size, s, row, label_w)))
    return out


def _truncate(layout, room: float, size: float, s: float) -> list[tuple[list[str] | None, int]]:
    """Cut the longest text rows until the table fits; the last kept line says how much was left out."""
    cuts: list[tuple[list[str] | None, int]] = [(None, 0) for _ in layout]
    total = sum(h for _, h in layout)
    if total <= room:
        return cuts
    step = line_mm(size)
    texts = sorted((i for i, (r, _) in enumerate(layout) if r.kind == "text" and not r.pair),
                   key=lambda i: -len(layout[i][0].wrapped))
    for i in texts:
        row, h = layout[i]
        lines = list(row.wrapped)
        while total > room and len(lines) > 2:
            lines.pop()
            total -= step
        if len(lines) < len(row.wrapped):
            lines[-1] = "……(其余内容见在线记录, 扫描二维码查看)"
            cuts[i] = (lines, len(row.wrapped) - len(lines))
        if total <= room:
            break
    return cuts


def _label(page: Page, label: str, x: float, y: float, w: float, h: float, size: float, s: float) -> None:
    lines = wrap(label, w - 3 * s, size, True)
    step = line_mm(size, 1.25)
    page.lines(x + w / 2, y + (h - step * len(lines)) / 2, lines, size, bold=True, leading=1.25, ha="center")


def _draw_row(page: Page, row: _Row, cut: list[str] | None, x0: float, x1: float, y: float, h: float,
              label_w: float, size: float, s: float, fill: str, on_fill: str) -> None:
    vx = x0 + label_w
    page.hline(x0, x1, y, lw=0.5 * s)
    if row.pair:
        l1, v1, l2, v2 = row.pair
        l2w = 17 * s
        v2w = 34 * s
        xl2 = x1 - v2w - l2w
        for lx, lw_, lab in ((x0, label_w, l1), (xl2, l2w, l2)):
            page.rect(lx, y, lw_, h, fill=LABEL_FILL, edge=None, z=0.5)
            _label(page, lab, lx, y, lw_, h, size, s)
        for vx_ in (vx, xl2, xl2 + l2w):
            page.vline(vx_, y, y + h, lw=0.5 * s)
        big = 11 * s if l1 == "岗位名称" else 9 * s
        room = xl2 - vx - 4 * s
        while text_mm(v1, big, l1 == "岗位名称") > room and big > size:
            big -= 0.5 * s
        v1_lines = wrap(v1, room, big, l1 == "岗位名称")
        page.lines(vx + 2 * s, y + (h - line_mm(big, 1.2) * len(v1_lines)) / 2, v1_lines, big,
                    bold=l1 == "岗位名称", leading=1.2)
        v2s = 9 * s
        while text_mm(v2, v2s) > v2w - 3 * s and v2s > 5 * s:
            v2s -= 0.5 * s
        page.text(xl2 + l2w + v2w / 2, y + h / 2, v2, v2s, ha="center", va="center")
        return
    page.rect(x0, y, label_w, h, fill=LABEL_FILL, edge=None, z=0.5)
    _label(page, row.label, x0, y, label_w, h, size, s)
    page.vline(vx, y, y + h, lw=0.5 * s)
    if row.kind == "level":
        page.rect(vx, y, x1 - vx, h, fill=fill, edge=None, z=0.6)
        page.text(vx + (x1 - vx) / 2, y + h * 0.42, row.lines[0], 14 * s, bold=True, ha="center", va="center",
                   color=on_fill, z=6)
        page.text(x1 - 2 * s, y + h - 1.3 * s, row.lines[1], 6 * s, ha="right", va="bottom", color=on_fill, z=6)
        return
    if row.kind == "signs":
        side = 11 * s
        gap = 22 * s
        n = max(1, min(len(row.lines), int((x1 - vx - 4 * s) // gap)))
        start = vx + 2 * s + gap / 2
        for i, name in enumerate(row.lines[:n]):
            _warning_sign(page, start + i * gap, y + 2 * s, side, name, 6.5 * s)
        if not row.lines:
            page.text(vx + 2 * s, y + h / 2, "—", size, va="center")
        return
    lines = cut if cut is not None else row.wrapped  # type: ignore[attr-defined]
    step = line_mm(size * row.size_factor)
    page.lines(vx + 2 * s, y + (h - step * len(lines)) / 2, lines, size * row.size_factor, bold=row.bold)


def render_card(card: PostCard, url: str, out: Path, options: CardOptions = CardOptions()) -> Path:
    """One card to ``out`` (.pdf, .png or .svg)."""
    if options.paper not in PAPERS:
        raise ValueError(f"纸张 {options.paper!r} 不支持, 应为 {'/'.join(PAPERS)} (unsupported paper)")
    page = Page.new(options.paper)
    draw_card(page, card, url, options)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with pdf_fonts():
        page.fig.savefig(out, dpi=300, facecolor="white")
    return out


def render_cards(cards: Sequence[PostCard], url_for: Callable[[PostCard], str], out: Path,
                 options: CardOptions = CardOptions(),
                 progress: Callable[[int, int, PostCard], None] | None = None) -> Path:
    """Every card as one multi-page PDF, one card a page; ``progress(i, n, card)`` after each page."""
    if options.paper not in PAPERS:
        raise ValueError(f"纸张 {options.paper!r} 不支持, 应为 {'/'.join(PAPERS)} (unsupported paper)")
    if not cards:
        raise ValueError("没有可打印的告知卡 (no cards to print)")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with pdf_fonts(), PdfPages(out, metadata={"Title": f"{cards[0].enterprise_name} 岗位安全风险告知卡",
                                              "Creator": "riskatlas"}) as pdf:
        for i, card in enumerate(cards, 1):
            page = Page.new(options.paper)
            draw_card(page, card, url_for(card), options)
            pdf.savefig(page.fig)
            if progress:
                progress(i, len(cards), card)
    return out



