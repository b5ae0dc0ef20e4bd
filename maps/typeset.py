"""Typesetting for printed pages drawn with matplotlib: measuring text, the Chinese line breaker,
a page in millimetres and ruled tables (the caller splits rows over pages).

matplotlib wraps text only at spaces, and Chinese has none. :func:`wrap` breaks a string to a width
in millimetres by measuring each character in the CJK font: any character may end a line, except
for the line-breaking rules (禁则) of :data:`NO_LINE_START` and :data:`NO_LINE_END`, and a run of
Latin letters or digits is kept together when it fits on the next line. Pages are drawn on a
:class:`Page`: one axes covering the whole paper in millimetres, origin at the top left, y
downwards, as a drawing is dimensioned.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle

from maps.furniture import MM, PT_MM, paper_mm
from maps.style import HEADER_FILL, HEAVY_LW, INK, OUTLINE, RULE_LW, THIN_LW, cjk_family

#: Characters that must not begin a line: closing punctuation (GB/T 15834 标点 conventions,
#: abridged); they stay at the end of the line before.
NO_LINE_START = frozenset("，。、；：？！）》」』】〉,.;:?!)]}%·…—")
#: Characters that must not end a line: opening brackets go to the next line with what they open.
NO_LINE_END = frozenset("（《「『【〈([{")


@lru_cache(maxsize=8192)
def _char_mm(ch: str, size: float, bold: bool) -> float:
    # The renderer measures ink, not advance: the advance of ``ch`` is what it adds between two bars.
    return (_renderer_width(f"|{ch}|", size, bold) - _renderer_width("||", size, bold)) * PT_MM


#: Measuring resolution: glyph advances are hinted to whole pixels, so measure at 7200 dpi (100 px
#: per point) where the rounding is negligible.
_MEASURE_DPI = 7200


@lru_cache(maxsize=1)
def _renderer():
    fig = Figure(figsize=(0.1, 0.1), dpi=_MEASURE_DPI)
    canvas = FigureCanvasAgg(fig)
    return canvas.get_renderer()


@lru_cache(maxsize=64)
def _font(size: float, bold: bool) -> FontProperties:
    return FontProperties(family=cjk_family(), size=size, weight="bold" if bold else "normal")


def _renderer_width(s: str, size: float, bold: bool) -> float:
    w, _, _ = _renderer().get_text_width_height_descent(s, _font(size, bold), ismath=False)
    return w * 72 / _MEASURE_DPI  # points


def text_mm(s: str, size: float, bold: bool = False) -> float:
    """Width of ``s`` in millimetres at ``size`` points (of its longest line)."""
    return max((sum(_char_mm(ch, size, bold) for ch in line) for line in s.split("\n")), default=0.0)


def break_lines(text: str, width: float, advance: Callable[[str], float]) -> list[str]:
    """THE line breaker: lines of ``text`` no wider than ``width`` where ``advance(ch)`` is the width
    of a character in the same unit; explicit line breaks kept, 禁则 applied (a character of
    :data:`NO_LINE_START` stays on the line before even if it overflows a little; one of
    :data:`NO_LINE_END` moves to the next line), a run of Latin letters and digits is carried over
    whole when it is short, spaces at a break are dropped."""
    def measure(s: str) -> float:
        return sum(advance(c) for c in s)

    def latin(c: str) -> bool:
        return c.isascii() and c.isalnum()

    lines: list[str] = []
    for para in (text or "").split("\n"):
        line, w = "", 0.0
        for ch in para:
            cw = advance(ch)
            if line and w + cw > width and ch not in NO_LINE_START:
                cut = len(line)
                if latin(ch):  # keep a run of Latin letters/digits together when it fits on the next line
                    while cut > 0 and latin(line[cut - 1]):
                        cut -= 1
                    if not (0 < cut < len(line) and measure(line[cut:]) < width * 0.5):
                        cut = len(line)
                while 0 < cut - 1 and line[cut - 1] in NO_LINE_END:  # an opening bracket goes along
                    cut -= 1
                lines.append(line[:cut].rstrip())
                line = line[cut:]
                w = measure(line)
                if ch == " " and not line:
                    continue
            line += ch
            w += cw
        lines.append(line.rstrip())
    return lines


def wrap(text: str, width_mm: float, size: float, bold: bool = False) -> list[str]:
    """Lines of ``text`` no wider than ``width_mm`` at ``size`` points (:func:`break_lines`)."""
    return break_lines(text, width_mm, lambda ch: _char_mm(ch, size, bold))


def pdf_fonts():
    """The font embedding for the PDFs of cards and reports: Type 3 (glyph outlines, with ToUnicode so
    the text stays searchable and extractable). matplotlib's default here, TrueType (Type 42), makes
    fontTools subset the 20 MB Noto CJK collection several times per file, about a second each: a
    10-card batch took 13 s with Type 42 and 3 s with Type 3, for the same file size."""
    import matplotlib

    cjk_family()
    return matplotlib.rc_context({"pdf.fonttype": 3})


def line_mm(size: float, leading: float = 1.35) -> float:
    """Baseline-to-baseline distance in millimetres."""
    return size * leading * PT_MM


@dataclass
class Page:
    """One page of paper as a matplotlib figure, in millimetres: :attr:`ax` covers the whole page,
    origin top left, y downwards; :meth:`axes` places further axes on it (a map, a chart)."""

    fig: Figure
    ax: Axes
    width: float
    height: float

    @classmethod
    def new(cls, paper: str = "A4", landscape: bool = False, dpi: float | None = None) -> Page:
        cjk_family()
        w, h = paper_mm(paper, landscape)
        fig = Figure(figsize=(w * MM, h * MM), dpi=dpi or None)   # None: matplotlib's default
        FigureCanvasAgg(fig)
        fig.patch.set_facecolor("white")
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)
        ax.set_axis_off()
        return cls(fig, ax, w, h)

    def axes(self, x: float, y: float, w: float, h: float) -> Axes:
        """New axes over the box (x, y, w, h) in millimetres, y from the top of the page."""
        return self.fig.add_axes((x / self.width, 1 - (y + h) / self.height, w / self.width, h / self.height))

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str | None = None, edge: str | None = OUTLINE,
             lw: float = RULE_LW, z: float = 1) -> None:
        self.ax.add_patch(Rectangle((x, y), w, h, facecolor=fill or "none", edgecolor=edge or "none",
                                    linewidth=lw if edge else 0, zorder=z))

    def hline(self, x0: float, x1: float, y: float, lw: float = RULE_LW, color: str = OUTLINE) -> None:
        self.ax.plot([x0, x1], [y, y], color=color, linewidth=lw, solid_capstyle="butt", zorder=3)

    def vline(self, x: float, y0: float, y1: float, lw: float = RULE_LW, color: str = OUTLINE) -> None:
        self.ax.plot([x, x], [y0, y1], color=color, linewidth=lw, solid_capstyle="butt", zorder=3)

    def text(self, x: float, y: float, s: str, size: float, *, bold: bool = False, color: str = INK,
             ha: str = "left", va: str = "top", z: float = 5, **kw) -> None:
        self.ax.text(x, y, s, fontsize=size, fontweight="bold" if bold else "normal", color=color, ha=ha, va=va,
                     zorder=z, **kw)

    def lines(self, x: float, y: float, lines: list[str], size: float, *, bold: bool = False,
              color: str = INK, leading: float = 1.35, ha: str = "left") -> float:
        """Draw lines from ``y`` down; returns the y below the last line."""
        step = line_mm(size, leading)
        for i, s in enumerate(lines):
            if s:
                self.text(x, y + i * step + (step - size * PT_MM) / 2, s, size, bold=bold, color=color, ha=ha)
        return y + step * len(lines)


# ------------------------------------------------------------------------------------------------
# Ruled tables that break across pages
# ------------------------------------------------------------------------------------------------


@dataclass
class TableStyle:
    size: float = 7.5
    header_size: float = 8.0
    pad: float = 1.2  # mm inside each cell
    leading: float = 1.3


def table_rows(headers: list[str], rows: list[list[str]], widths_mm: list[float], style: TableStyle
               ) -> tuple[list[list[str]], float, list[tuple[list[list[str]], float]]]:
    """Wrap every cell: (header lines per column, header height, [(lines per column, row height)])."""
    def wrapped(cells, size, bold):
        out = [wrap("" if c is None else str(c), w - 2 * style.pad, size, bold) for c, w in zip(cells, widths_mm,
                                                                                               strict=True)]
        h = max(len(x) for x in out) * line_mm(size, style.leading) + 2 * style.pad
        return out, h
    head, head_h = wrapped(headers, style.header_size, True)
    return head, head_h, [wrapped(r, style.size, False) for r in rows]


def draw_table(page: Page, x: float, y: float, widths_mm: list[float], head: list[list[str]], head_h: float,
               rows: list[tuple[list[list[str]], float]], style: TableStyle, *,
               fills: list[dict[int, tuple[str, str]]] | None = None, centred: set[int] | None = None,
               continues: list[bool] | None = None, merged: set[int] | None = None) -> float:
    """Draw a header row and ``rows`` at (x, y); returns the y below the table.

    ``fills[i][col] = (fill, text colour)`` colours a cell. A row with ``continues[i]`` true continues
    the group of the row above: its cells in the ``merged`` columns are left empty and no rule
    separates them from the cell above (the look of merged cells)."""
    centred = centred or set()
    merged = merged or set()
    total_w = sum(widths_mm)
    lefts = [x + sum(widths_mm[:i]) for i in range(len(widths_mm))]
    page.rect(x, y, total_w, head_h, fill=HEADER_FILL, edge=None, z=0.5)
    cy = y
    all_rows = [(head, head_h, None, False), *[(c, h, fills[i] if fills else None,
                                                 bool(continues and continues[i])) for i, (c, h) in enumerate(rows)]]
    for r, (cells, h, fill, cont) in enumerate(all_rows):
        header = r == 0
        for col, (lines, w) in enumerate(zip(cells, widths_mm, strict=True)):
            cx = lefts[col]
            if not (cont and col in merged):
                page.hline(cx, cx + w, cy, lw=HEAVY_LW if r <= 1 else THIN_LW)
            else:
                continue
            colour = INK
            if fill and col in fill:
                page.rect(cx, cy, w, h, fill=fill[col][0], edge=None, z=0.5)
                colour = fill[col][1]
            size = style.header_size if header else style.size
            step = line_mm(size, style.leading)
            if header or col in centred:
                page.lines(cx + w / 2, cy + (h - step * len(lines)) / 2, lines, size, bold=header, color=colour,
                            leading=style.leading, ha="center")
            else:
                page.lines(cx + style.pad, cy + style.pad, lines, size, color=colour, leading=style.leading)
        cy += h
    page.hline(x, x + total_w, cy, lw=HEAVY_LW)
    for i, cx in enumerate([*lefts, x + total_w]):
        page.vline(cx, y, cy, lw=HEAVY_LW if i in (0, len(lefts)) else THIN_LW)
    return cy
