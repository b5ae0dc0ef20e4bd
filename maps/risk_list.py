"""The 较大及以上风险管控清单 of a plant/workshop sheet: its rows (numbered as
:func:`layers.risk_lists.significant_risks` numbers them, the numbers on the map) and the ruled list
drawn beside or below the map, continued on further pages when it does not fit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from matplotlib.patches import Rectangle

from layers.levels import PALETTE, Level
from maps.furniture import PT_MM
from maps.style import HEAVY_LW, LIST_HEADER_FILL, LIST_PT, LIST_TITLE_PT, MUTED, OUTLINE, RULE_LW, THIN_LW
from maps.symbols import risk_marker
from maps.typeset import text_mm, wrap


@dataclass(frozen=True)
class ListRow:
    """One row of the 较大及以上风险管控清单 as printed beside the map."""

    number: int
    area_id: int
    name: str        # 风险点
    location: str    # 位置 (车间/岗位)
    accident: str    # 事故类型
    level: Level
    measures: str    # 主要管控措施, one per line
    owner: str       # 管控层级 and 责任单位/责任人


def list_rows(risks, vocab) -> list[ListRow]:
    """:class:`ListRow` from :func:`layers.risk_lists.significant_risks` (numbers kept)."""
    from layers.risk_lists import format_measures

    out = []
    for s in risks:
        who = "/".join(x for x in (s.responsible_unit, s.responsible) if x)
        tier = vocab.control_tiers.get(s.control_tier, s.control_tier)
        owner = who if who.startswith(tier) else f"{tier}\n{who}" if who else tier
        out.append(ListRow(s.number, s.area_id, s.name, s.location, s.accident_type_zh, s.level,
                           format_measures(s.measures, vocab) or "", owner))
    return out


#: (header, share of the width, horizontal alignment)
_COLUMNS = (("编号", 0.06, "center"), ("风险点/位置", 0.18, "left"), ("事故类型", 0.1, "center"),
            ("风险等级", 0.09, "center"), ("主要管控措施", 0.385, "left"), ("管控层级/责任人", 0.185, "left"))
_PAD = 1.0  # cell padding, mm


def _fs(k: float) -> float:
    return LIST_PT * k


def _wrap(s: str, size: float, width_mm: float, bold: bool = False) -> list[str]:
    """A cell's lines, a little short of the cell: hinting at low dpi draws a little wider than the
    advances add up to."""
    return wrap(s, width_mm * 0.96, size, bold)


def _line_mm(k: float) -> float:
    return _fs(k) * 1.32 * PT_MM


def _row_layout(r: ListRow, widths: list[float], k: float) -> tuple[list[list[str]], float]:
    """The wrapped lines of each cell of a row, and the row's height in mm."""
    fs = _fs(k)
    level = r.level.name_zh
    if text_mm(level, fs, True) > widths[3] - 2 * _PAD:
        level = level.replace("风险", "\n风险")  # 较大\n风险 rather than 较大风\n险
    cells = [str(r.number), r.name, r.accident, level, r.measures, r.owner]
    wrapped = [_wrap(c, fs, cw - 2 * _PAD, bold=i in (1, 3))
               for i, (c, cw) in enumerate(zip(cells, widths, strict=True))]
    wrapped[1] = wrapped[1] + _wrap(f"({r.location})", fs, widths[1] - 2 * _PAD)
    return wrapped, max(len(x) for x in wrapped) * _line_mm(k) + 2 * _PAD


def _header_mm(k: float) -> float:
    return _line_mm(k) + 2 * _PAD + 0.6


def list_height(rows: Sequence[ListRow], width: float, k: float) -> float:
    widths = [width * c[1] for c in _COLUMNS]
    body = sum(_row_layout(r, widths, k)[1] for r in rows) if rows else 10.0
    return 7 * k + _header_mm(k) + body + 5  # 4 mm kept for the 续表 note, as draw_list does


def draw_list(ax, w: float, h: float, rows: Sequence[ListRow], k: float, *, title: str | None,
              empty: str | None = None) -> int:
    """Draw as many rows as fit on ``ax``, an axes ``w`` × ``h`` mm; return how many were drawn."""
    ax.set_xlim(0, w)
    ax.set_ylim(0, h)
    ax.set_axis_off()
    fs, line_mm, pad = _fs(k), _line_mm(k), _PAD
    y = h
    if title:
        ax.text(w / 2, y - 3.2 * k, title, ha="center", va="center", fontsize=LIST_TITLE_PT * k, fontweight="bold")
        y -= 7 * k
    widths = [w * c[1] for c in _COLUMNS]
    xs = np.concatenate([[0], np.cumsum(widths)])
    head_h = _header_mm(k)
    ax.add_patch(Rectangle((0, y - head_h), w, head_h, facecolor=LIST_HEADER_FILL, edgecolor=OUTLINE,
                           linewidth=HEAVY_LW))
    for (hd, _, _), cx, cw in zip(_COLUMNS, xs, widths, strict=False):
        ax.text(cx + cw / 2, y - head_h / 2, hd, ha="center", va="center", fontsize=fs, fontweight="bold")
    for cx in xs[1:-1]:
        ax.plot([cx, cx], [y - head_h, y], color=OUTLINE, linewidth=0.5)
    y -= head_h
    top_of_rows = y
    if not rows:
        if empty:
            ax.add_patch(Rectangle((0, y - 10), w, 10, fill=False, edgecolor=OUTLINE, linewidth=RULE_LW))
            ax.text(w / 2, y - 5, empty, ha="center", va="center", fontsize=fs + 0.5, color=MUTED)
        return 0
    drawn = 0
    for r in rows:
        wrapped, row_h = _row_layout(r, widths, k)
        if y - row_h < 4:
            if drawn == 0:  # taller than the whole box: clip the cells to the room there is
                keep = max(1, int((y - 4 - 2 * pad) // line_mm))
                wrapped = [x[:keep - 1] + [x[keep - 1][:-1] + "…"] if len(x) > keep else x for x in wrapped]
                row_h = y - 4
            else:
                break
        ax.add_patch(Rectangle((0, y - row_h), w, row_h, facecolor="white", edgecolor=OUTLINE, linewidth=0.5))
        ax.add_patch(Rectangle((xs[3], y - row_h), widths[3], row_h, facecolor=PALETTE.colour(r.level),
                               edgecolor=OUTLINE, linewidth=0.5))
        for i, (lines, (_, _, align)) in enumerate(zip(wrapped, _COLUMNS, strict=True)):
            cx, cw = xs[i], widths[i]
            if i == 0:
                risk_marker(ax, cx + cw / 2, y - row_h / 2, r.number, r.level, 9 * k)
                continue
            tx = cx + cw / 2 if align == "center" else cx + pad
            if i == 1:  # the name bold, the location below it in grey
                n_name = len(_wrap(r.name, fs, cw - 2 * pad, bold=True))
                ax.text(tx, y - pad, "\n".join(lines[:n_name]), ha=align, va="top", fontsize=fs, fontweight="bold",
                        linespacing=1.32)
                ax.text(tx, y - pad - n_name * line_mm, "\n".join(lines[n_name:]), ha=align, va="top",
                        fontsize=fs * 0.92, color=MUTED, linespacing=1.32 / 0.92)
            elif align == "center":
                ax.text(tx, y - row_h / 2, "\n".join(lines), ha="center", va="center", fontsize=fs,
                        color=PALETTE.text_colour(r.level) if i == 3 else "#000000", linespacing=1.32,
                        fontweight="bold" if i == 3 else "normal")
            else:
                ax.text(tx, y - pad, "\n".join(lines), ha="left", va="top", fontsize=fs, linespacing=1.32)
        for cx in xs[1:-1]:
            ax.plot([cx, cx], [y - row_h, y], color=OUTLINE, linewidth=THIN_LW)
        y -= row_h
        drawn += 1
    ax.add_patch(Rectangle((0, y), w, top_of_rows - y, fill=False, edgecolor=OUTLINE, linewidth=0.9))
    if drawn < len(rows):
        ax.text(w, y - 1.0, f"续表见下页 (接第 {rows[drawn].number} 号)", ha="right", va="top",
                fontsize=fs, color=MUTED)
    return drawn
