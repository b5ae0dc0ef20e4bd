"""Chinese labels on a map without overlaps: a grid index of the boxes already taken (markers, marks,
the north arrow, the scale bar, other labels) and a greedy placer that tries the anchor, then
shifted positions with a leader line, then smaller type."""

from __future__ import annotations

import matplotlib.patheffects as pe
from matplotlib.transforms import Bbox

from maps.furniture import PT_MM
from maps.style import MUTED
from maps.typeset import text_mm


class Boxes:
    """Placed boxes (display pixels) with a grid index for quick overlap tests."""

    def __init__(self, cell: float = 60.0):
        self.cell = cell
        self.grid: dict[tuple[int, int], list[Bbox]] = {}

    def _cells(self, b: Bbox):
        c = self.cell
        for i in range(int(b.x0 // c), int(b.x1 // c) + 1):
            for j in range(int(b.y0 // c), int(b.y1 // c) + 1):
                yield i, j

    def hits(self, b: Bbox) -> bool:
        for k in self._cells(b):
            for o in self.grid.get(k, ()):
                if b.overlaps(o):
                    return True
        return False

    def add(self, b: Bbox) -> None:
        for k in self._cells(b):
            self.grid.setdefault(k, []).append(b)


class LabelPlacer:
    """Greedy label placement: try the anchor, then shifted candidates (with a leader line), then
    smaller sizes; never overlap a placed box or leave the map frame."""

    OFFSETS = ((0, 0), (0, 1.2), (0, -1.2), (1.2, 0), (-1.2, 0), (1.0, 1.0), (-1.0, 1.0), (1.0, -1.0),
               (-1.0, -1.0), (0, 2.4), (0, -2.4), (2.4, 0), (-2.4, 0))

    def __init__(self, ax, boxes: Boxes, frame: Bbox, dpi: float):
        self.ax = ax
        self.boxes = boxes
        self.frame = frame
        self.px = dpi / 72.0
        self.labels: list[tuple[str, Bbox]] = []
        self.unplaced: list[str] = []

    def place(self, x: float, y: float, text: str, *, size: float, weight: str = "normal",
              leader: bool = True, color: str = "#000000", scales=(1.0, 0.85, 0.72),
              offsets=None, report: bool = True) -> Bbox | None:
        ax = self.ax
        ax_x, ax_y = ax.transData.transform((x, y))
        bold = weight == "bold"
        lines = text.count("\n") + 1
        for scale in scales:
            fs = size * scale
            w = (text_mm(text, fs, bold) / PT_MM + fs * 0.5) * self.px
            h = (fs * 1.25 * lines + fs * 0.25) * self.px
            for dx, dy in offsets or self.OFFSETS:
                cx, cy = ax_x + dx * fs * self.px * (w / (fs * self.px) / 2 + 0.6 if dx else 1), ax_y + dy * fs * self.px
                bb = Bbox.from_bounds(cx - w / 2, cy - h / 2, w, h)
                if not (bb.x0 >= self.frame.x0 and bb.x1 <= self.frame.x1 and bb.y0 >= self.frame.y0
                        and bb.y1 <= self.frame.y1) or self.boxes.hits(bb):
                    continue
                # the white halo is a stroked copy underneath (path effects turn text into outlines in
                # PDF/SVG); the label itself stays text, searchable and selectable in the vector formats
                halo = [pe.withStroke(linewidth=fs * 0.3, foreground="white")]
                tx, ty = ax.transData.inverted().transform((cx, cy)) if (dx or dy) else (x, y)
                ax.text(tx, ty, text, ha="center", va="center", fontsize=fs, fontweight=weight, color="white",
                        zorder=19.9, path_effects=halo)
                if (dx or dy) and leader:
                    ax.annotate("", (x, y), xytext=(tx, ty), textcoords="data", zorder=19.8,
                                arrowprops=dict(arrowstyle="-", color=MUTED, lw=0.5, shrinkA=fs * 0.6,
                                                shrinkB=0))
                ax.text(tx, ty, text, ha="center", va="center", fontsize=fs, fontweight=weight, color=color,
                        zorder=20)
                self.boxes.add(bb)
                self.labels.append((text, bb))
                return bb
        if report:
            self.unplaced.append(text)
        return None
