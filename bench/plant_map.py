"""A3 300 dpi 厂区安全风险四色分布图 of a synthetic plant with 1,000 units.

Set-up builds the plant in memory (no database): 20 workshops in a 5 × 4 grid, 50 units each (smoke:
2 workshops × 25 units), two other buildings, levels drawn with a fixed seed (低 40 %, 一般 40 %, 较大
15 %, 重大 5 %) and one 较大及以上 list row per unit of those levels, numbered as the list numbers them.

Subjects:

* ``riskatlas_png`` / ``riskatlas_pdf``: :func:`maps.plant_map.render_plant_map`, A3 landscape, 300 dpi:
  the map (round scale, labels without overlap, numbered markers, legend, north arrow, scale bar, 图签)
  plus the list beside it continuing on further pages — the whole printed product, every page;
* ``riskatlas_png_map_page``: the same call without the list: one page, the map with labels, legend,
  north arrow, scale bar and 图签 (no numbered markers, no list) — the like-for-like comparison;
* ``geopandas_plot`` (baseline): the naive way, ``GeoDataFrame.plot`` of the same layers with their
  colours on an A3 figure, saved as one PNG at 300 dpi — no labels, list, legend or layout.

Smoke size draws A4 at 72 dpi and leaves the PDF out: a PDF embeds subsets of the CJK fonts (text stays
text, searchable), and fontTools' subsetting of Noto Sans CJK costs about 2.5 s per file whatever the
map's size (two subsets each of the regular and the bold face) — too slow for CI's smoke run; the tests
in tests/maps open real PDFs.
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import shapely

from bench.harness import Context, benchmark
from layers.levels import PALETTE, Level

LON0, LAT0 = 119.95, 31.78  # 常州: where the demo city is
SHARES = {"low": 0.40, "general": 0.40, "significant": 0.15, "major": 0.05}


def _deg(x: float, y: float) -> tuple[float, float]:
    """Local metres → lon/lat (equirectangular about LON0, LAT0: exact enough for a plant)."""
    return LON0 + x / (111_320.0 * math.cos(math.radians(LAT0))), LAT0 + y / 110_574.0


def synthetic_plant(workshops_x: int, workshops_y: int, units_x: int, units_y: int, seed: int = 5):
    """(areas GeoDataFrame like layers.plant.plant_areas, list rows) of a grid-shaped plant."""
    from maps.risk_list import ListRow

    rng = np.random.default_rng(seed)
    ws_w, ws_h, gap = 24.0 * units_x, 16.0 * units_y, 14.0
    width = workshops_x * (ws_w + gap) + gap
    height = workshops_y * (ws_h + gap) + gap + 40  # room along the south fence for other buildings

    def poly(x, y, w, h):
        return shapely.MultiPolygon([shapely.Polygon([_deg(x, y), _deg(x + w, y), _deg(x + w, y + h),
                                                      _deg(x, y + h)])])

    levels = rng.choice(list(SHARES), size=workshops_x * workshops_y * units_x * units_y, p=list(SHARES.values()))
    rows, recs = [], []
    next_id = 1
    recs.append({"id": next_id, "parent_id": None, "kind": "plant", "code": "P1", "name": "厂区",
                 "level": "major", "geometry": poly(0, 0, width, height)})
    plant_id = next_id
    k = 0
    for wy in range(workshops_y):
        for wx in range(workshops_x):
            next_id += 1
            ws_id = next_id
            x0, y0 = gap + wx * (ws_w + gap), 40 + gap + wy * (ws_h + gap)
            ws_levels = []
            unit_recs = []
            for uy in range(units_y):
                for ux in range(units_x):
                    next_id += 1
                    lv = str(levels[k])
                    k += 1
                    ws_levels.append(lv)
                    name = f"{wy * workshops_x + wx + 1}-{uy * units_x + ux + 1}工位"
                    unit_recs.append({"id": next_id, "parent_id": ws_id, "kind": "unit",
                                      "code": f"W{wy * workshops_x + wx + 1:02d}-U{uy * units_x + ux + 1:02d}",
                                      "name": name, "level": lv,
                                      "geometry": poly(x0 + 2 + ux * 24, y0 + 2 + uy * 16, 22, 14)})
                    if Level(lv) >= Level.SIGNIFICANT:
                        rows.append((Level(lv), next_id, name))
            top = max(ws_levels, key=lambda v: Level(v).rank)
            recs.append({"id": ws_id, "parent_id": plant_id, "kind": "workshop",
                         "code": f"W{wy * workshops_x + wx + 1:02d}", "name": f"第{wy * workshops_x + wx + 1}车间",
                         "level": top, "geometry": poly(x0, y0, ws_w + 2, ws_h + 2)})
            recs += unit_recs
    for i, (bx, name) in enumerate(((gap, "办公楼"), (gap + 80, "门卫"))):
        recs.append({"id": next_id + 1 + i, "parent_id": plant_id, "kind": "building", "code": f"B{i + 1}",
                     "name": name, "level": None, "geometry": poly(bx, 8, 60 if i == 0 else 20, 24)})
    gdf = gpd.GeoDataFrame(recs, geometry="geometry", crs="EPSG:4326")
    gdf["colour"] = [PALETTE.colour(lv) if kind != "building" else None for lv, kind in zip(gdf["level"], gdf["kind"],
                                                                                             strict=True)]
    rows.sort(key=lambda r: (-r[0].rank, r[1]))
    list_rows = [ListRow(i, area_id, f"{name}作业", f"车间/{name}", "机械伤害", lv,
                         "工程控制: 设防护罩与急停\n管理: 持证上岗, 每班检查\n个体防护: 佩戴安全帽", "车间(部门)\n车间主任")
                 for i, (lv, area_id, name) in enumerate(rows, 1)]
    return gdf, list_rows


@benchmark("plant_map", "A3 300 dpi 厂区四色分布图 (1,000 个单元, 含较大及以上风险清单全部页) vs 朴素 "
           "GeoDataFrame.plot", baseline="geopandas_plot")
def plant_map(ctx: Context):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from maps.furniture import local_crs, paper_inches
    from maps.plant_map import TitleBlock, render_plant_map
    from maps.style import cjk_family

    cjk_family()
    shape = ctx.scale((2, 1, 5, 5), (5, 4, 10, 5))
    # smoke: A4 at 72 dpi so that CI stays quick; full: the A3 at 300 dpi
    paper, dpi = ctx.scale(("A4", 72), ("A3", 300))
    areas, rows = synthetic_plant(*shape)
    n_units = int((areas["kind"] == "unit").sum())
    ctx.log(f"plant_map: {n_units} 个单元, {len(rows)} 条较大及以上风险")
    title = TitleBlock("基准测试机械制造有限公司")
    out = ctx.tmp / "plant-map"
    out.mkdir(parents=True, exist_ok=True)

    def ours(suffix: str, with_list: bool = True):
        def run() -> dict:
            r = render_plant_map(areas, title, out / f"ours{suffix}", paper=paper, landscape=True, dpi=dpi,
                                 risks=rows if with_list else None)
            return {"pages": r.page_count, "labels": len(r.labels), "unplaced": len(r.unplaced),
                    "bytes": sum(p.stat().st_size for p in r.pages)}
        return run

    def naive() -> dict:
        fig = Figure(figsize=paper_inches(paper, landscape=True), dpi=dpi)
        FigureCanvasAgg(fig)
        ax = fig.add_subplot()
        local = areas.to_crs(local_crs(areas))
        for kind in ("plant", "building", "workshop", "unit"):
            part = local[local["kind"] == kind]
            colours = part["colour"].fillna("#E8E4DC") if kind != "plant" else "#FAFAF7"
            part.plot(ax=ax, color=colours, edgecolor="#333333", linewidth=0.5)
        path = out / "naive.png"
        fig.savefig(path, dpi=dpi)
        return {"bytes": path.stat().st_size}

    subjects = {"riskatlas_png": ours(".png"), "riskatlas_pdf": ours(".pdf"),
                "riskatlas_png_map_page": ours("-map.png", with_list=False), "geopandas_plot": naive}
    if ctx.size == "smoke":  # ~2.5 s of font subsetting per PDF whatever its size: CI's smoke skips it
        del subjects["riskatlas_pdf"]
    yield subjects
