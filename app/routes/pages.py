"""Server-rendered pages (Chinese first). Every name from the database is HTML-escaped."""

from __future__ import annotations

from html import escape
from typing import Annotated, Literal

import psycopg2.extensions
from fastapi import APIRouter, Depends, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse

from app.db import get_conn
from layers.errors import NotFound
from layers.levels import DESCENDING, NAMES, PALETTE, UNASSESSED

router = APIRouter(include_in_schema=False)
Conn = Annotated[psycopg2.extensions.connection, Depends(get_conn)]

_STYLE = """
body{font-family:"Noto Sans CJK SC","Noto Sans SC",sans-serif;margin:0;color:#222;background:#f6f6f3}
header{background:#1f3b57;color:#fff;padding:12px 24px}header h1{margin:0;font-size:20px}
main{padding:16px 24px}table{border-collapse:collapse;background:#fff;width:100%}
th,td{border:1px solid #ccc;padding:4px 8px;font-size:14px;text-align:left}th{background:#eceae4}
.lv{display:inline-block;min-width:5em;padding:1px 6px;border:1px solid #333;text-align:center}
.legend span{margin-right:12px}.pager a{margin-right:12px}
"""


def _badge(level: str | None) -> str:
    key = level or UNASSESSED
    return (f'<span class="lv" data-level="{escape(key)}" style="background:{PALETTE.colour(level)};'
            f'color:{PALETTE.text_colour(level)}">{escape(NAMES[key]["zh"])}</span>')


@router.get("/", response_class=HTMLResponse)
def index(
    conn: Conn,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):
    size = 50
    params: list = []
    where = "WHERE EXISTS (SELECT 1 FROM area a WHERE a.enterprise_id = e.id AND a.kind <> 'plant')"
    if q:
        where += " AND e.name ILIKE %s"
        params.append("%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    with conn.cursor() as cur:
        cur.execute(
            f"""SELECT e.id, e.name, i.name_zh, r.name, el.residual_level::text, el.inherent_level::text
                FROM enterprise e JOIN industry i ON i.code = e.industry JOIN region r ON r.id = e.region_id
                JOIN enterprise_level el ON el.enterprise_id = e.id {where}
                ORDER BY el.residual_level DESC NULLS LAST, e.id LIMIT %s OFFSET %s""",
            [*params, size, (page - 1) * size],
        )
        rows = cur.fetchall()
        cur.execute("SELECT residual_level::text, count(*) FROM enterprise_level GROUP BY 1")
        counts = dict(cur.fetchall())
    legend = " ".join(f"{_badge(lv.value)} {counts.get(lv.value, 0)} 家" for lv in DESCENDING)
    legend += f" {_badge(None)} {counts.get(None, 0)} 家"
    body = "".join(
        f"<tr><td>{eid}</td><td>{escape(name)}</td><td>{escape(ind)}</td><td>{escape(reg)}</td>"
        f"<td>{_badge(res)}</td><td>{_badge(inh)}</td>"
        f'<td><a href="/api/enterprises/{eid}/plant-map.png">四色图</a> · '
        f'<a href="/api/enterprises/{eid}/areas">GeoJSON</a></td></tr>'
        for eid, name, ind, reg, res, inh in rows
    )
    qv = escape(q or "")
    html = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>riskatlas 安全风险四色分布图</title><style>{_STYLE}</style></head><body>
<header><h1>riskatlas 安全风险四色分布图 · 企业风险一览</h1></header><main>
<p><a href="/maps/city">城市安全风险四色分布图 (地图)</a></p>
<p class="legend">全市企业(按现有风险): {legend}</p>
<form method="get"><input name="q" value="{qv}" placeholder="企业名称"> <button>查询</button></form>
<table id="enterprises"><thead><tr><th>编号</th><th>企业名称</th><th>行业</th><th>所属网格</th>
<th>现有风险</th><th>固有风险</th><th>地图</th></tr></thead><tbody>{body}</tbody></table>
<p class="pager"><a href="?page={max(page - 1, 1)}&q={qv}">上一页</a><a href="?page={page + 1}&q={qv}">下一页</a></p>
</main></body></html>"""
    return HTMLResponse(html)


@router.get("/maps/city", response_class=HTMLResponse)
def city_page(
    conn: Conn,
    within: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="只看此区域之内 (辖区)")] = None,
    industry: Annotated[str | None, Query(max_length=200)] = None,
    level: Annotated[list[str] | None, Query(max_length=100)] = None,
):
    """城市安全风险四色分布图: enterprises as vector tiles, district/town/grid colours (fetched by the page),
    heat map, 重大危险源, open 重大隐患, filters. ``level`` may repeat or be comma-separated."""
    from layers import city
    from maps.city_map import CityLayers, render_city_page

    f = city.parse_filter(conn, within=within, industry=industry, level=",".join(level or []) or None)
    layers = CityLayers(
        title=city.region_name(conn, f.within),
        bounds=city.extent(conn, f),
        region_levels=city.CHOROPLETH_LEVELS,
        heat=city.heat_points(conn, f),
        hazard_sources=city.hazard_sources_layer(conn, f),
        hidden_hazards=city.hidden_hazards_layer(conn, f),
        counts=city.level_counts(conn, f),
        industries=city.industries(conn),
        region_choices=city.region_choices(conn),
        within=f.within, within_level=city.region_level(conn, f.within), industry=f.industries, levels=f.levels,
    )
    return HTMLResponse(render_city_page(layers), headers={"Cache-Control": "private, no-cache"})


#: Region outlines are simplified to about this fraction of the region's width (≈ a pixel on a full-screen
#: map), finer for finer levels, so a province's districts weigh what a city's do.
_SIMPLIFY = {"district": 1 / 1500, "town": 1 / 3000, "grid": 1 / 6000}


@router.get("/maps/city/regions.geojson")
def city_regions(
    conn: Conn,
    level: Annotated[Literal["district", "town", "grid"], Query(description="区域层级")] = "district",
    within: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="只看此区域之内 (辖区)")] = None,
):
    """One choropleth layer of the city page: regions at ``level`` with counts by level, risk index and
    colour, simplified for the screen (the full geometry is at /api/regions/stats.geojson)."""
    from layers import city
    from maps.city_map import region_geojson

    f = city.parse_filter(conn, within=within)
    minx, _, maxx, _ = city.extent(conn, f)
    gdf = city.regions_layer(conn, level, f)
    return JSONResponse(region_geojson(gdf, (maxx - minx) * _SIMPLIFY[level]), media_type="application/geo+json",
                        headers={"Cache-Control": "private, max-age=60"})
@router.get("/static/vendor/{path:path}")
def vendor_asset(path: Annotated[str, PathParam(max_length=300)]):
    """Leaflet and its plugins, installed at set-up (maps/vendor.py): pages never reach another host."""
    from maps import vendor

    found = vendor.resolve(path)
    if found is None:
        hint = " 请运行 riskatlas city assets (run it to install)" if vendor.missing() else ""
        raise NotFound(f"前端资源 {path} 不存在 (asset not found).{hint}")
    return FileResponse(found, headers={"Cache-Control": "public, max-age=86400"})
