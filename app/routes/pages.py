"""Server-rendered pages (Chinese first). Every name from the database is HTML-escaped."""

from __future__ import annotations

from html import escape
from typing import Annotated, Literal
from urllib.parse import urlencode

import psycopg2.extensions
from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from app.auth import CurrentUser, WriterUser
from app.db import get_conn
from layers.errors import Conflict, InvalidInput, NotFound, Stale, VersionRequired
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
    # enterprises with drawn plants, most severe first: the page's ids are read in the order of an
    # index (0016) and the rest joined for those 50 rows only
    named, where = "", ""
    if q:
        named = "JOIN enterprise n ON n.id = s.enterprise_id"
        where = "AND n.name ILIKE %s"
        params.append("%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%")
    with conn.cursor() as cur:
        cur.execute(
            f"""WITH page AS (
                    SELECT s.enterprise_id AS id, s.residual_level, s.inherent_level FROM enterprise_state s {named}
                    WHERE EXISTS (SELECT 1 FROM area a WHERE a.enterprise_id = s.enterprise_id AND a.kind <> 'plant')
                    {where}
                    ORDER BY s.residual_level DESC NULLS LAST, s.enterprise_id LIMIT %s OFFSET %s)
                SELECT e.id, e.name, i.name_zh, r.name, page.residual_level::text, page.inherent_level::text
                FROM page JOIN enterprise e ON e.id = page.id JOIN industry i ON i.code = e.industry
                JOIN region r ON r.id = e.region_id
                ORDER BY page.residual_level DESC NULLS LAST, e.id""",
            [*params, size, (page - 1) * size],
        )
        rows = cur.fetchall()
        cur.execute("SELECT residual_level::text, count(*) FROM enterprise_level GROUP BY 1")
        counts = dict(cur.fetchall())
    legend = " ".join(f"{_badge(lv.value)} {counts.get(lv.value, 0)} 家" for lv in DESCENDING)
    legend += f" {_badge(None)} {counts.get(None, 0)} 家"
    body = "".join(
        f'<tr><td>{eid}</td><td><a href="/enterprises/{eid}">{escape(name)}</a></td><td>{escape(ind)}</td><td>{escape(reg)}</td>'
        f"<td>{_badge(res)}</td><td>{_badge(inh)}</td>"
        f'<td><a href="/api/enterprises/{eid}/maps/plant.pdf">四色图</a> · '
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


@router.get("/favicon.ico")
def favicon() -> Response:
    """The app's icon: four quarters in the four risk colours (drawn here, from the one palette)."""
    quads = [(0, 0), (16, 0), (0, 16), (16, 16)]
    rects = "".join(f'<rect x="{x}" y="{y}" width="16" height="16" fill="{PALETTE.colour(lv.value)}"/>'
                    for (x, y), lv in zip(quads, DESCENDING, strict=True))
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32">{rects}</svg>'
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"})


# =================================================================================================
# The console: an enterprise's page (plant map, risks, hidden hazards), editing a risk, reporting and
# moving a hidden hazard, the regulators' dashboard. Forms post back here (same origin, session
# cookie); every change goes through the same layers functions as the API, so the rules, the audit
# and the levels are the same.
# =================================================================================================

_CONSOLE_STYLE = """
nav{display:inline-block;margin-left:24px}nav a{color:#fff;margin-right:16px}
section{background:#fff;border:1px solid #ddd;padding:12px 16px;margin-bottom:16px}
h2{font-size:17px;margin:0 0 8px}.msg{padding:8px 12px;margin-bottom:12px;border:1px solid}
.msg.err{background:#fdecea;border-color:#d33}.msg.ok{background:#eaf6ea;border-color:#3a3}
form.inline{display:inline}label{margin-right:10px}input,select,textarea{font:inherit;margin:2px 4px}
.grid{display:grid;grid-template-columns:minmax(0,780px) minmax(0,1fr);gap:16px}
tr.selected td{background:#fff6cc}
"""


def _shell(title: str, body: str, user=None, *, status: int = 200, message: str | None = None,
           ok: str | None = None) -> HTMLResponse:
    nav = ('<nav><a href="/">企业一览</a><a href="/dashboard">监管看板</a>'
           + (f'<span>{escape(user.display_name or user.username)}</span> ' if user else "")
           + '<form class="inline" method="post" action="/logout"><button>退出</button></form></nav>')
    note = (f'<div class="msg err" role="alert">{escape(message)}</div>' if message else "") + \
           (f'<div class="msg ok" role="status">{escape(ok)}</div>' if ok else "")
    html = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>{escape(title)} · riskatlas</title>
<link rel="icon" href="/favicon.ico"><style>{_STYLE}{_CONSOLE_STYLE}</style></head><body>
<header><h1 style="display:inline">{escape(title)}</h1>{nav}</header><main>{note}{body}</main></body></html>"""
    return HTMLResponse(html, status_code=status)


def _not_found(user, exc: Exception) -> HTMLResponse:
    return _shell("未找到", f"<p>{escape(str(exc))}</p><p><a href=\"/\">返回企业一览</a></p>", user, status=404)


_RISKS_SQL = """
SELECT r.id, r.code, a.id AS area_id, a.name AS area, r.name, r.method::text, r.inherent_level::text,
       r.residual_level::text, r.responsible
FROM risk r JOIN area a ON a.id = r.area_id WHERE a.enterprise_id = %s
ORDER BY r.residual_level DESC, a.code, r.id LIMIT 500"""

_NEXT = {"reported": ("rectifying", "开始整改"), "rectifying": ("pending_review", "整改完成, 提交验收"),
         "pending_review": ("closed", "验收通过, 闭环")}


def _move_form(h) -> str:
    if h.status not in _NEXT:
        return ""
    to, label = _NEXT[h.status]
    fields = {
        "rectifying": '<input name="measures" placeholder="整改措施" required> <input name="responsible_person" '
                      'placeholder="责任人" required> <input name="deadline" type="date" required>'
                      + (' <input name="responsible_dept" placeholder="责任部门"> <input name="funds_yuan" '
                         'type="number" min="0" placeholder="资金(元)"> <input name="emergency_plan" placeholder="应急预案">'
                         if h.grade == "major" else ""),
        "pending_review": '<input name="rectifier" placeholder="整改人" required>',
        "closed": '<input name="verified_by" placeholder="复查人 (不能是整改人)" required> '
                  '<input name="verify_result" placeholder="复查结果" required>',
    }[to]
    return (f'<form class="inline move" method="post" action="/hidden-hazards/{h.id}/move">'
            f'<input type="hidden" name="to" value="{to}"><input type="hidden" name="from" value="{h.status}">'
            f'{fields} <button>{label}</button></form>')


@router.get("/enterprises/{enterprise_id}", response_class=HTMLResponse)
def enterprise_page(conn: Conn, user: CurrentUser, enterprise_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
                    error: Annotated[str | None, Query(max_length=500)] = None,
                    done: Annotated[str | None, Query(max_length=200)] = None):
    from layers import hidden_hazards as hh
    from layers.plant import enterprise_info, plant_areas
    from maps.plant_svg import plant_svg

    try:
        info = enterprise_info(conn, enterprise_id)
    except NotFound as exc:
        return _not_found(user, exc)
    areas = plant_areas(conn, enterprise_id, "current")
    with conn.cursor() as cur:
        cur.execute("SELECT current_level::text FROM enterprise_state WHERE enterprise_id = %s", (enterprise_id,))
        current = cur.fetchone()[0]
        cur.execute(_RISKS_SQL, (enterprise_id,))
        risks = cur.fetchall()
    _, hazards = hh.list_hazards(conn, enterprise_id=enterprise_id, limit=100)
    can_edit = user.role in ("admin", "enterprise")
    risk_rows = "".join(
        f'<tr id="risk-{rid}" data-area-id="{aid}"><td>{escape(code or str(rid))}</td><td>{escape(area)}</td>'
        f"<td>{escape(name)}</td><td>{escape(method)}</td><td>{_badge(inh)}</td><td>{_badge(res)}</td>"
        f"<td>{escape(resp or '')}</td><td>"
        + (f'<a href="/risks/{rid}/edit">评价/修改</a>' if can_edit else "") + "</td></tr>"
        for rid, code, aid, area, name, method, inh, res, resp in risks)
    hazard_rows = "".join(
        f'<tr id="hazard-{h.id}" data-status="{escape(h.status)}"><td>{h.id}</td><td>{escape(h.grade_zh)}</td>'
        f"<td>{escape(h.description)}</td><td>{escape(h.area_name or '')}</td><td>{escape(h.status_zh)}</td>"
        f"<td>{h.deadline or ''}</td><td>{h.photo_count}</td><td>{_move_form(h)}</td></tr>"
        for h in hazards)
    area_options = "".join(f'<option value="{int(a.id)}">{escape(a.name)}</option>'
                           for a in areas.itertuples() if a.kind != "building")
    body = f"""
<section><h2>{escape(info.name)}</h2>
<p>{escape(info.industry_zh)} · {escape(info.region_name)} · 统一社会信用代码 {escape(info.uscc)}</p>
<p>当前风险 <span id="enterprise-level">{_badge(current)}</span> · 现有风险 {_badge(info.residual_level)} ·
固有风险 {_badge(info.inherent_level)} ·
<a href="/api/enterprises/{enterprise_id}/maps/plant.pdf">打印厂区四色图 (PDF)</a> ·
<a href="/api/enterprises/{enterprise_id}/cards.pdf">全部告知卡 (PDF)</a> ·
<a href="/api/enterprises/{enterprise_id}/report.pdf">辨识管控报告 (PDF)</a> ·
<a href="/enterprises/{enterprise_id}/audit">审计记录</a></p></section>
<div class="grid"><section><h2>厂区安全风险四色分布图 (当前风险, 点击区域查看其风险)</h2>
{plant_svg(areas, title=info.name)}
<p class="legend">{" ".join(_badge(lv.value) for lv in DESCENDING)} {_badge(None)}</p></section>
<section><h2>上报隐患</h2>
<form method="post" action="/enterprises/{enterprise_id}/hidden-hazards" enctype="multipart/form-data" id="report">
<p><label>隐患描述 <textarea name="description" rows="2" cols="40" required></textarea></label></p>
<p><label>等级 <select name="grade"><option value="general">一般隐患</option><option value="major">重大隐患</option></select></label>
<label>部位 <select name="area_id"><option value="">(未指定)</option>{area_options}</select></label></p>
<p><label>排查人 <input name="found_by" required></label> <label>整改期限 <input name="deadline" type="date"></label></p>
<p><label>现场照片 <input type="file" name="file" accept="image/jpeg,image/png,image/webp"></label></p>
<p><button>上报</button></p></form></section></div>
<section><h2>风险清单 ({len(risks)})</h2><table id="risks"><thead><tr><th>编号</th><th>区域</th><th>风险点</th>
<th>方法</th><th>固有风险</th><th>现有风险</th><th>责任人</th><th></th></tr></thead><tbody>{risk_rows}</tbody></table></section>
<section><h2>隐患排查治理 ({len(hazards)})</h2><table id="hazards"><thead><tr><th>编号</th><th>等级</th><th>描述</th>
<th>部位</th><th>状态</th><th>整改期限</th><th>照片</th><th>下一步</th></tr></thead><tbody>{hazard_rows}</tbody></table></section>
<script>
document.querySelectorAll('#plant-map .area').forEach(function (p) {{
  p.addEventListener('click', function () {{
    document.querySelectorAll('#plant-map .selected, #risks tr.selected').forEach(function (e) {{ e.classList.remove('selected'); }});
    p.classList.add('selected');
    document.querySelectorAll('#risks tr[data-area-id="' + p.dataset.areaId + '"]').forEach(function (r) {{ r.classList.add('selected'); }});
  }});
}});
</script>"""
    return _shell(f"{info.name} · 企业风险", body, user, message=error, ok=done)


def _back(enterprise_id: int, *, error: str | None = None, done: str | None = None, anchor: str = "") -> RedirectResponse:
    q = urlencode({k: v for k, v in (("error", error), ("done", done)) if v})
    return RedirectResponse(f"/enterprises/{enterprise_id}{'?' + q if q else ''}{anchor}", status_code=303)


def _risk_form(risk: dict, *, values: dict | None = None) -> str:
    v = values or {}
    inputs = risk["inputs"] or {}

    def num(name: str) -> str:
        val = v.get(name, inputs.get(name, ""))
        return f'<label>{name} <input name="{name}" type="number" step="any" value="{escape(str(val))}" required></label>'

    levels = "".join(f'<option value="{lv.value}"{" selected" if (v.get("residual_level") or risk["residual_level"]) == lv.value else ""}>'
                     f"{escape(NAMES[lv.value]['zh'])}</option>" for lv in DESCENDING)
    return f"""
<section><h2>{escape(risk['area'])} · {escape(risk['name'])}</h2>
<p>当前: 固有风险 {_badge(risk['inherent_level'])} 现有风险 {_badge(risk['residual_level'])} (方法 {escape(risk['method'])})</p>
<form method="post" action="/risks/{risk['id']}/edit" id="assess">
<input type="hidden" name="version" value="{escape(risk['version'])}">
<p>作业条件危险性评价法 LEC (D = L × E × C): {num('L')} {num('E')} {num('C')}</p>
<p><label>管控措施落实后的现有风险 <select name="residual_level">{levels}</select></label></p>
<p><button>保存评价</button> <a href="/enterprises/{risk['enterprise_id']}">取消</a></p></form></section>"""


def _load_risk(conn, risk_id: int) -> dict:
    with conn.cursor() as cur:
        cur.execute("""SELECT r.id, a.enterprise_id, a.name, r.name, r.method::text, r.inputs, r.inherent_level::text,
                              r.residual_level::text, r.xmin::text FROM risk r JOIN area a ON a.id = r.area_id
                       WHERE r.id = %s""", (risk_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"风险 {risk_id} 不存在 (risk not found)")
    keys = ("id", "enterprise_id", "area", "name", "method", "inputs", "inherent_level", "residual_level", "version")
    return dict(zip(keys, row, strict=True))


RiskId = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


@router.get("/risks/{risk_id}/edit", response_class=HTMLResponse)
def risk_edit_page(conn: Conn, user: WriterUser, risk_id: RiskId):
    try:
        risk = _load_risk(conn, risk_id)
    except NotFound as exc:
        return _not_found(user, exc)
    return _shell("风险评价", _risk_form(risk), user)


@router.post("/risks/{risk_id}/edit", response_class=HTMLResponse)
async def risk_edit(request: Request, conn: Conn, user: WriterUser, risk_id: RiskId):
    from layers.assessment import reassess_risk

    form = {k: v for k, v in (await request.form(max_files=0, max_fields=20)).items() if isinstance(v, str)}
    try:
        risk = _load_risk(conn, risk_id)
    except NotFound as exc:
        return _not_found(user, exc)
    try:
        inputs = {k: float(form.get(k, "")) for k in ("L", "E", "C")}
    except ValueError:
        return _shell("风险评价", _risk_form(risk, values=form), user, status=422,
                      message="L、E、C 应为数字 (L, E and C must be numbers)")
    try:
        with conn:
            reassess_risk(conn, risk_id, "LEC", inputs, expected_version=form.get("version"), actor=user.actor,
                          residual_level=form.get("residual_level") or None)
    except Stale as exc:
        conn.rollback()
        fresh = _load_risk(conn, risk_id)
        return _shell("风险评价", _risk_form(fresh), user, status=412,
                      message=f"{exc} 下表为最新内容, 请核对后重新保存。")
    except (InvalidInput, VersionRequired) as exc:
        conn.rollback()
        return _shell("风险评价", _risk_form(risk, values=form), user, status=422, message=str(exc))
    return _back(risk["enterprise_id"], done=f"已保存风险「{risk['name']}」的评价", anchor=f"#risk-{risk_id}")


@router.post("/enterprises/{enterprise_id}/hidden-hazards", response_class=HTMLResponse)
async def report_hazard_form(request: Request, conn: Conn, user: CurrentUser,
                             enterprise_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)]):
    from app.uploads import read_upload
    from layers import hidden_hazards as hh

    up = await read_upload(request, hh.MAX_PHOTO_BYTES, what_zh="照片", required=False)
    f = up.fields
    try:
        with conn:
            h = hh.report(conn, enterprise_id, description=f.get("description", ""), grade=f.get("grade", ""),
                          found_by=f.get("found_by", ""), actor=user.actor,
                          area_id=int(f["area_id"]) if f.get("area_id", "").isdigit() else None,
                          deadline=f.get("deadline") or None)
            if up.data:
                hh.add_photo(conn, h.id, up.data, actor=user.actor, caption="上报时现场照片")
    except NotFound as exc:
        conn.rollback()
        return _not_found(user, exc)
    except (InvalidInput, Conflict) as exc:
        conn.rollback()
        return _back(enterprise_id, error=f"隐患未上报: {exc}")
    return _back(enterprise_id, done=f"已上报隐患 {h.id} ({h.grade_zh})", anchor=f"#hazard-{h.id}")


@router.post("/hidden-hazards/{hazard_id}/move", response_class=HTMLResponse)
async def move_hazard_form(request: Request, conn: Conn, user: CurrentUser,
                           hazard_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)]):
    from layers import hidden_hazards as hh

    form = {k: v for k, v in (await request.form(max_files=0, max_fields=30)).items() if isinstance(v, str) and v}
    to, expected = form.pop("to", ""), form.pop("from", None)
    try:
        current = hh.get(conn, hazard_id, with_history=False)
        with conn:
            h = hh.move(conn, hazard_id, to, actor=user.actor, expected_from=expected, **form)
    except NotFound as exc:
        conn.rollback()
        return _not_found(user, exc)
    except (InvalidInput, Conflict) as exc:
        conn.rollback()
        return _back(current.enterprise_id, error=f"隐患 {hazard_id} 未能流转: {exc}", anchor=f"#hazard-{hazard_id}")
    return _back(h.enterprise_id, done=f"隐患 {h.id} 已{h.status_zh}", anchor=f"#hazard-{h.id}")


_REGION_LEVEL_ZH = {"city": "市", "district": "区县", "town": "镇街", "grid": "网格"}


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(conn: Conn, user: CurrentUser):
    """Regulators' dashboard: their jurisdiction's districts/towns/grids by level, the overdue
    inspections, and the links to the city maps."""
    from layers.regions import region_stats, supervision

    root = user.region_id
    level = "district"
    if root is not None:
        with conn.cursor() as cur:
            cur.execute("SELECT level::text FROM region WHERE id = %s", (root,))
            row = cur.fetchone()
        level = {"province": "city", "city": "district", "district": "town"}.get(row[0] if row else "", "grid")
    rows = region_stats(conn, level=level, within=root)
    overdue = supervision(conn, within=root, overdue_only=True, limit=20)
    stats = "".join(
        f'<tr><td>{escape(r["name"])}</td><td>{_badge(r["colour_level"])}</td><td>{r["ent_major"]}</td>'
        f'<td>{r["ent_significant"]}</td><td>{r["ent_general"]}</td><td>{r["ent_low"]}</td>'
        f'<td>{r["ent_total"]}</td><td>{r["risk_index"] or 0:.2f}</td></tr>' for r in rows)
    late = "".join(f'<tr><td><a href="/enterprises/{o["enterprise_id"]}">{escape(o["name"])}</a></td>'
                   f'<td>{escape(o["grade_zh"])}</td><td>{escape(o["frequency_zh"] or "")}</td><td>{o["next_due"] or ""}</td></tr>'
                   for o in overdue)
    within = f"?within={root}" if root else ""
    body = f"""
<section><h2>辖区地图</h2><p><a href="/maps/city{within}">城市安全风险四色分布图 (交互)</a> ·
<a href="/api/regions/stats.geojson?level={level}{'&within=' + str(root) if root else ''}">区域统计 GeoJSON</a></p></section>
<section><h2>辖区风险统计 (按{_REGION_LEVEL_ZH[level]})</h2>
<table id="region-stats"><thead><tr><th>区域</th><th>区域颜色</th><th>重大</th><th>较大</th><th>一般</th><th>低</th><th>企业数</th>
<th>风险指数</th></tr></thead><tbody>{stats}</tbody></table></section>
<section><h2>检查逾期企业 (前 20)</h2><table id="overdue"><thead><tr><th>企业</th><th>分级</th><th>检查频次</th>
<th>应检日期</th></tr></thead><tbody>{late}</tbody></table></section>"""
    return _shell("监管看板", body, user)
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


def _short(v) -> str:
    text = "" if v is None else (v if isinstance(v, str) else str(v))
    return text if len(text) <= 60 else text[:57] + "…"


@router.get("/enterprises/{enterprise_id}/audit", response_class=HTMLResponse)
def audit_page(conn: Conn, user: CurrentUser, enterprise_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)],
               page: Annotated[int, Query(ge=1, le=100000)] = 1):
    """The enterprise's audit trail (痕迹化): who, when, what, before → after."""
    from layers.audit import enterprise_audit
    from layers.plant import enterprise_info

    try:
        info = enterprise_info(conn, enterprise_id)
        total, rows = enterprise_audit(conn, enterprise_id, limit=100, offset=(page - 1) * 100)
    except NotFound as exc:
        return _not_found(user, exc)
    body_rows = "".join(
        f'<tr><td>{escape(r["at"][:19].replace("T", " "))}</td><td>{escape(r["actor"])}</td>'
        f'<td>{escape(r["table_zh"])} {escape(r["row_id"] or "")}</td><td>{escape(r["action_zh"])}</td><td>'
        + "<br>".join(f'{escape(c["field"])}: {escape(_short(c["before"]))} → {escape(_short(c["after"]))}'
                      for c in r["changes"][:12])
        + "</td></tr>" for r in rows)
    body = f"""<section><h2>{escape(info.name)} · 审计记录 (共 {total} 条)</h2>
<p><a href="/enterprises/{enterprise_id}">返回企业页</a></p>
<table id="audit"><thead><tr><th>时间</th><th>操作人</th><th>对象</th><th>操作</th><th>变更 (改前 → 改后)</th></tr></thead>
<tbody>{body_rows}</tbody></table>
<p class="pager"><a href="?page={max(page - 1, 1)}">上一页</a><a href="?page={page + 1}">下一页</a></p></section>"""
    return _shell(f"{info.name} · 审计记录", body, user)
