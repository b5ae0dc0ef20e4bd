"""The plant four-colour map as inline SVG for the web console: every area a clickable shape filled
with its level colour (from the one palette), drawn in a local metric projection, north up, with a
scale bar. No JavaScript library and no tiles: it works on an intranet with nothing else.

It receives the layer of :func:`layers.plant.plant_areas` (``level``, ``colour``, ``kind``,
``name``, ``id``); every name is escaped.
"""

from __future__ import annotations

from html import escape

import geopandas as gpd
import shapely

from layers.levels import NAMES, UNASSESSED
from maps.furniture import local_crs, nice_length
from maps.style import NEUTRAL_FILL, PLANT_FILL

_ORDER = {"plant": 0, "building": 1, "workshop": 2, "unit": 3, "post": 3}


def _path(geom, to_px) -> str:
    parts = []
    for poly in getattr(geom, "geoms", [geom]):
        for ring in (poly.exterior, *poly.interiors):
            pts = [to_px(x, y) for x, y in ring.coords]
            parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + " Z")
    return " ".join(parts)


def plant_svg(areas: gpd.GeoDataFrame, *, width: int = 760, height: int = 520, title: str = "") -> str:
    """An ``<svg>`` element of the plant; each area is ``<path class="area" data-area-id data-level>``."""
    if areas.empty:
        return '<p class="empty">尚未绘制厂区 (no plant areas drawn yet)</p>'
    metric = areas.to_crs(local_crs(areas))
    x0, y0, x1, y1 = metric.total_bounds
    pad = 0.04 * max(x1 - x0, y1 - y0)
    x0, y0, x1, y1 = x0 - pad, y0 - pad, x1 + pad, y1 + pad
    k = min(width / (x1 - x0), (height - 30) / (y1 - y0))

    def to_px(x: float, y: float) -> tuple[float, float]:
        return (x - x0) * k, (y1 - y) * k

    order = metric.assign(_o=[_ORDER.get(kd, 4) for kd in metric["kind"]]).sort_values("_o", kind="stable")
    shapes, labels = [], []
    for row in order.itertuples():
        if row.kind == "plant":
            fill, level = PLANT_FILL, ""
        elif row.kind == "building":
            fill, level = NEUTRAL_FILL, ""
        else:
            # an area with no risk has no level (None, or NaN from the GeoDataFrame): 未评估
            fill, level = row.colour, row.level if isinstance(row.level, str) and row.level else UNASSESSED
        level_zh = NAMES[level]["zh"] if level else ""
        tip = f"{row.name} {level_zh}".strip()
        shapes.append(
            f'<path class="area area-{escape(row.kind)}" data-area-id="{int(row.id)}" data-level="{escape(level)}" '
            f'fill="{escape(fill)}" stroke="#333" stroke-width="{2 if row.kind == "plant" else 0.8}" '
            f'd="{_path(row.geometry, to_px)}"><title>{escape(tip)}</title></path>')
        if row.kind in ("workshop", "building"):
            c = shapely.Point(row.geometry.representative_point())
            cx, cy = to_px(c.x, c.y)
            labels.append(f'<text x="{cx:.1f}" y="{cy:.1f}" class="label">{escape(row.name)}</text>')
    bar_m = nice_length((x1 - x0) / 4)
    bar_px = bar_m * k
    sy = height - 12
    scale = (f'<g class="scale"><rect x="10" y="{sy - 6}" width="{bar_px:.1f}" height="5" fill="#222"/>'
             f'<text x="10" y="{sy - 9}">0</text><text x="{10 + bar_px:.1f}" y="{sy - 9}" text-anchor="end">'
             f'{bar_m:g} 米</text></g>')
    north = (f'<g class="north" transform="translate({width - 24},30)"><path d="M0,-18 L7,6 L0,1 L-7,6 Z" '
             f'fill="#222"/><text y="20" text-anchor="middle">北</text></g>')
    return (f'<svg id="plant-map" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(title)}">'
            '<style>.label{font-size:12px;text-anchor:middle;paint-order:stroke;stroke:#fff;stroke-width:3px}'
            '.area{cursor:pointer}.area.selected{stroke:#000;stroke-width:3}'
            'text{font-family:"Noto Sans CJK SC",sans-serif;font-size:11px}</style>'
            + "".join(shapes) + "".join(labels) + scale + north + "</svg>")
