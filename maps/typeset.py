"""Typesetting for printed pages drawn with matplotlib: Chinese line breaking and ruled tables (the caller splits rows over pages).

matplotlib wraps text only at spaces, and Chinese has none. :func:`wrap` breaks a string to a width
in millimetres by measuring each character in the CJK font (any character may end a line, except that
closing punctuation never starts one). Pages are drawn on a :class:`Sheet`: one axes covering the whole
paper in millimetres, origin at the top left, y downwards, as a drawing is dimensioned.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.patches import Rectangle

from maps.fonts import cjk_family

MM = 1 / 25.4  # inches per millimetre
PT_MM = 25.4 / 72  # millimetres per point
PAPERS_MM = {"A3": (297.0, 420.0), "A4": (210.0, 297.0), "A5": (148.0, 210.0)}  # portrait (w, h)
INK = "#1A1A1A"
RULE = "#333333"
HEADER_FILL = "#EDEBE6"  # table header rows: a neutral tone, never a level colour

#: Characters that must not begin a line (GB/T 15834 标点 conventions, abridged).
_NO_START = set("，。、；：？！）》」』】〉,.;:?!)]}%·…—")


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
    """Width of ``s`` in millimetres at ``size`` points."""
    return sum(_char_mm(ch, size, bold) for ch in s)


def wrap(text: str, width_mm: float, size: float, bold: bool = False) -> list[str]:
    """Lines of ``text`` no wider than ``width_mm`` (explicit line breaks kept)."""
    lines: list[str] = []
    for para in (text or "").split("\n"):
        line, w = "", 0.0
        for ch in para:
            cw = _char_mm(ch, size, bold)
            if line and w + cw > width_mm and ch not in _NO_START:
                # keep a run of Latin letters/digits together when it fits on the next line
                cut = len(line)
                while cut > 0 and line[cut - 1].isascii() and line[cut - 1].isalnum() and ch.isascii() and ch.isalnum():
                    cut -= 1
                if 0 < cut < len(line) and text_mm(line[cut:], size, bold) < width_mm * 0.5:
                    lines.append(line[:cut].rstrip())
                    line = line[cut:]
                else:
                    lines.append(line.rstrip())
                    line = ""
                line = line.lstrip() if not line else line
                w = text_mm(line, size, bold)
                if ch == " " and not line:
                    continue
            line += ch
            w += cw
        lines.append(line.rstrip())
    return lines


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
class Sheet:
    """One page in millimetres, origin top left, y downwards."""

    fig: Figure
    ax: object
    width: float
    height: float

    @classmethod
    def new(cls, paper: str = "A4", landscape: bool = False) -> Sheet:
        cjk_family()
        w, h = PAPERS_MM[paper]
        if landscape:
            w, h = h, w
        fig = Figure(figsize=(w * MM, h * MM))
        FigureCanvasAgg(fig)
        fig.patch.set_facecolor("white")
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_xlim(0, w)
        ax.set_ylim(h, 0)
        ax.set_axis_off()
        return cls(fig, ax, w, h)

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str | None = None, edge: str | None = RULE,
             lw: float = 0.6, z: float = 1) -> None:
        self.ax.add_patch(Rectangle((x, y), w, h, facecolor=fill or "none", edgecolor=edge or "none",
                                    linewidth=lw if edge else 0, zorder=z))

    def hline(self, x0: float, x1: float, y: float, lw: float = 0.6, color: str = RULE) -> None:
        self.ax.plot([x0, x1], [y, y], color=color, linewidth=lw, solid_capstyle="butt", zorder=3)

    def vline(self, x: float, y0: float, y1: float, lw: float = 0.6, color: str = RULE) -> None:
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


def draw_table(sheet: Sheet, x: float, y: float, widths_mm: list[float], head: list[list[str]], head_h: float,
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
    sheet.rect(x, y, total_w, head_h, fill=HEADER_FILL, edge=None, z=0.5)
    cy = y
    all_rows = [(head, head_h, None, False), *[(c, h, (fills or [None] * len(rows))[i],
                                                 bool(continues and continues[i])) for i, (c, h) in enumerate(rows)]]
    for r, (cells, h, fill, cont) in enumerate(all_rows):
        header = r == 0
        for col, (lines, w) in enumerate(zip(cells, widths_mm, strict=True)):
            cx = lefts[col]
            if not (cont and col in merged):
                sheet.hline(cx, cx + w, cy, lw=0.8 if r <= 1 else 0.4)
            else:
                continue
            colour = INK
            if fill and col in fill:
                sheet.rect(cx, cy, w, h, fill=fill[col][0], edge=None, z=0.5)
                colour = fill[col][1]
            size = style.header_size if header else style.size
            step = line_mm(size, style.leading)
            if header or col in centred:
                sheet.lines(cx + w / 2, cy + (h - step * len(lines)) / 2, lines, size, bold=header, color=colour,
                            leading=style.leading, ha="center")
            else:
                sheet.lines(cx + style.pad, cy + style.pad, lines, size, color=colour, leading=style.leading)
        cy += h
    sheet.hline(x, x + total_w, cy, lw=0.8)
    for i, cx in enumerate([*lefts, x + total_w]):
        sheet.vline(cx, y, cy, lw=0.8 if i in (0, len(lefts)) else 0.4)
    return cy
