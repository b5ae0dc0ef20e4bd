"""Map furniture: paper sizes, the local metric projection, round scales, the north arrow and the
scale bar, for every printed map (plant/workshop sheets, city maps, the emergency briefing).

Paper sizes have one convention: portrait (width, height) in millimetres; :func:`paper_mm` turns a
sheet to landscape. Maps are drawn north up in the UTM zone of their subject (:func:`local_crs`),
so data units are metres and the scale bar and a round scale 1:N follow from the axes.
"""

from __future__ import annotations

import math

import geopandas as gpd
from matplotlib.patches import FancyArrow, Rectangle
from matplotlib.transforms import Bbox

from maps.style import NORTH_PT, NORTH_ZH_PT, SCALE_BAR_PT

MM = 1 / 25.4  # inches per millimetre
PT_MM = 25.4 / 72  # millimetres per point
PAPERS_MM = {"A3": (297.0, 420.0), "A4": (210.0, 297.0), "A5": (148.0, 210.0)}  # portrait (w, h)
NICE = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8)  # map scales 1:N, N = NICE × 10ⁿ


def paper_mm(paper: str, landscape: bool = False) -> tuple[float, float]:
    """(width, height) of ``paper`` in millimetres, portrait unless ``landscape``."""
    w, h = PAPERS_MM[paper]
    return (h, w) if landscape else (w, h)


def paper_inches(paper: str, landscape: bool = False) -> tuple[float, float]:
    """(width, height) of ``paper`` in inches: a matplotlib figure size."""
    w, h = paper_mm(paper, landscape)
    return w * MM, h * MM


def local_crs(gdf: gpd.GeoDataFrame) -> str:
    """The UTM zone of the layer's centre: metres with negligible distortion at plant scale."""
    lon, lat = gdf.to_crs("EPSG:4326").union_all().centroid.coords[0]
    zone = int((lon + 180) // 6) + 1
    return f"EPSG:{32600 + zone if lat >= 0 else 32700 + zone}"


def nice_length(max_m: float) -> float:
    """A round scale-bar length (1, 2, 5 × 10^n) not longer than ``max_m``."""
    exp = 10 ** math.floor(math.log10(max_m))
    for m in (5, 2, 1):
        if m * exp <= max_m:
            return m * exp
    return exp


def nice_scale(denominator: float) -> int:
    """The next round map scale at or above ``denominator`` (1:500, 1:1000, 1:2500 …)."""
    exp = 10 ** math.floor(math.log10(denominator))
    for m in (*NICE, 10):
        if m * exp >= denominator - 1e-9:
            return int(round(m * exp))
    return int(10 * exp)


def north_arrow(ax, frame: Bbox | None = None, k: float = 1.0) -> Bbox:
    """A north arrow in the axes' top-right corner (axes in a north-up metric projection); returns
    the box it occupies in display pixels (``frame``: the axes' box, by default its window extent)."""
    frame = frame if frame is not None else ax.get_window_extent()
    x, y = 0.955, 0.87
    ax.add_patch(FancyArrow(x, y, 0, 0.07, width=0.010, head_width=0.03, head_length=0.035,
                            length_includes_head=True, transform=ax.transAxes, color="black", zorder=30))
    ax.text(x, y - 0.02, "N", transform=ax.transAxes, ha="center", va="top", fontsize=NORTH_PT * k,
            fontweight="bold", zorder=30)
    ax.text(x, y - 0.058, "北", transform=ax.transAxes, ha="center", va="top", fontsize=NORTH_ZH_PT * k, zorder=30)
    return Bbox.from_bounds(frame.x0 + 0.915 * frame.width, frame.y0 + 0.76 * frame.height,
                            0.08 * frame.width, 0.23 * frame.height)


def scale_bar(ax, frame: Bbox | None = None, px_per_m: float | None = None, k: float = 1.0) -> Bbox:
    """A scale bar in the axes' bottom-left corner (data units are metres), on a white ground,
    labelled in 米, or in 千米 from 1 km; returns the box it occupies in display pixels."""
    frame = frame if frame is not None else ax.get_window_extent()
    if px_per_m is None:
        px_per_m = abs(ax.transData.transform((1, 0))[0] - ax.transData.transform((0, 0))[0])
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    length = nice_length((x1 - x0) * 0.22)
    bx = x0 + (x1 - x0) * 0.03
    by = y0 + (y1 - y0) * 0.035
    h = (y1 - y0) * 0.011
    ax.add_patch(Rectangle((bx - (x1 - x0) * 0.012, by - (y1 - y0) * 0.015), length + (x1 - x0) * 0.05,
                           (y1 - y0) * 0.075, facecolor="white", edgecolor="none", alpha=0.85, zorder=29))
    for i in range(4):
        ax.add_patch(Rectangle((bx + i * length / 4, by), length / 4, h,
                               facecolor="black" if i % 2 == 0 else "white", edgecolor="black",
                               linewidth=0.6, zorder=30))
    km = length >= 1000
    for frac in (0, 0.5, 1):
        label = f"{length * frac / (1000 if km else 1):g}" + ((" 千米" if km else " 米") if frac == 1 else "")
        ax.text(bx + length * frac, by + h * 1.6, label, ha="center", va="bottom", fontsize=SCALE_BAR_PT * k,
                zorder=30)
    w_px = (length + (x1 - x0) * 0.06) * px_per_m
    return Bbox.from_bounds(frame.x0, frame.y0, w_px + 0.03 * frame.width, 0.1 * frame.height)
