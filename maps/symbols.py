"""The symbols of the plant/workshop sheets, drawn the same on the map, in the legend and in the
list: the numbered risk marker (its level's colour from the palette) and the marks (隐患 triangles,
重大危险源, 出入口, 应急集合点, 应急物资)."""

from __future__ import annotations

import matplotlib.patheffects as pe
from matplotlib.transforms import ScaledTranslation

from layers.levels import PALETTE
from maps.style import HAZARD_MARK, MARK_GREEN, OUTLINE, SOURCE_MARK


def risk_marker(ax, x, y, number: int, level, d_pt: float, transform=None) -> None:
    """The numbered circle of a risk point, ``d_pt`` across, in its level's colour."""
    kw = {"transform": transform} if transform is not None else {}
    ax.plot([x], [y], marker="o", markersize=d_pt, markerfacecolor=PALETTE.colour(level), markeredgecolor=OUTLINE,
            markeredgewidth=0.9, zorder=30, linestyle="none",
            path_effects=[pe.withStroke(linewidth=2.2, foreground="white")], **kw)
    ax.text(x, y, str(number), ha="center", va="center", fontsize=d_pt * (0.62 if number < 10 else 0.52),
            fontweight="bold", color=PALETTE.text_colour(level), zorder=31, **kw)


def mark_symbol(ax, x, y, kind: str, size_pt: float, z: float = 25) -> None:
    """A map symbol (also drawn in the legend with the same function)."""
    halo = [pe.withStroke(linewidth=1.2, foreground="white")]
    if kind in ("hazard_major", "hazard_general"):
        major = kind == "hazard_major"
        ax.plot([x], [y], marker="^", markersize=size_pt, markerfacecolor=HAZARD_MARK if major else "white",
                markeredgecolor=HAZARD_MARK if major else HAZARD_MARK, markeredgewidth=1.3, zorder=z,
                path_effects=halo, linestyle="none")
        ax.text(x, y, "!", ha="center", va="center", fontsize=size_pt * 0.62, fontweight="bold",
                color="white" if major else HAZARD_MARK, zorder=z + 0.1,
                transform=ax.transData + _offset(ax, 0, -size_pt * 0.12))
    elif kind in ("exit", "assembly_point", "rescue"):
        glyph = {"exit": "出", "assembly_point": "集", "rescue": "救"}[kind]
        ax.plot([x], [y], marker="s" if kind != "rescue" else "o", markersize=size_pt, markerfacecolor=MARK_GREEN,
                markeredgecolor="white", markeredgewidth=0.8, zorder=z, linestyle="none")
        ax.text(x, y, glyph, ha="center", va="center", fontsize=size_pt * 0.6, fontweight="bold", color="white",
                zorder=z + 0.1)
    elif kind == "hazard_source":
        ax.plot([x], [y], marker="D", markersize=size_pt * 0.9, markerfacecolor="white", markeredgecolor=SOURCE_MARK,
                markeredgewidth=1.4, zorder=z, linestyle="none")
        ax.text(x, y, "危", ha="center", va="center", fontsize=size_pt * 0.5, fontweight="bold", color=SOURCE_MARK,
                zorder=z + 0.1)


def _offset(ax, dx_pt: float, dy_pt: float):
    return ScaledTranslation(dx_pt / 72, dy_pt / 72, ax.figure.dpi_scale_trans)
