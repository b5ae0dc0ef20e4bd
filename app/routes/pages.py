"""Server-rendered pages (Chinese first): the console's routes read what a page shows from
:mod:`layers.console` (the city page from :func:`layers.city.city_layers`) and render it with the
Jinja templates of ``app/templates`` (:mod:`app.render`: autoescaped, every name from the database is
HTML-escaped)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from markupsafe import Markup

from app.deps import Conn, CurrentUser, WriterUser
from app.render import html_page, render
from layers import city, console
from layers.errors import Conflict, InvalidInput, NotFound, Stale, VersionRequired

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
def index(
    conn: Conn,
    user: CurrentUser,
    q: Annotated[str | None, Query(max_length=100)] = None,
    page: Annotated[int, Query(ge=1, le=100000)] = 1,
):
    return html_page("index.html", user=user, list=console.enterprise_list(conn, q=q, page=page))


@router.get("/favicon.ico")
def favicon() -> Response:
    """The app's icon: four quarters in the four risk colours (from the one palette)."""
    return Response(render("favicon.svg"), media_type="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=86400"})


# =================================================================================================
# The console: an enterprise's page (plant map, risks, hidden hazards), editing a risk, reporting and
# moving a hidden hazard, the regulators' dashboard. Forms post back here (same origin, session
# cookie); every change goes through the same layers functions as the API, so the rules, the audit
# and the levels are the same.
# =================================================================================================

def _page(template: str, title: str, user=None, *, status: int = 200, message: str | None = None,
          ok: str | None = None, **context) -> HTMLResponse:
    """A console page: ``template`` in the console layout, with an error ``message`` or an ``ok`` note."""
    return html_page(template, status=status, title=title, user=user, message=message, ok=ok, **context)


def _not_found(user, exc: Exception) -> HTMLResponse:
    return _page("not_found.html", "未找到", user, status=404, detail=str(exc))


Id = Annotated[int, PathParam(ge=1, le=2**31 - 1)]


@router.get("/enterprises/{enterprise_id}", response_class=HTMLResponse)
def enterprise_page(conn: Conn, user: CurrentUser, enterprise_id: Id,
                    error: Annotated[str | None, Query(max_length=500)] = None,
                    done: Annotated[str | None, Query(max_length=200)] = None):
    from maps.plant_svg import plant_svg

    try:
        e = console.enterprise_page(conn, enterprise_id, role=user.role)
    except NotFound as exc:
        return _not_found(user, exc)
    # plant_svg escapes every name it draws
    return _page("enterprise.html", f"{e.info.name} · 企业风险", user, message=error, ok=done, e=e,
                 plant_map=Markup(plant_svg(e.areas, title=e.info.name)))


def _back(enterprise_id: int, *, error: str | None = None, done: str | None = None, anchor: str = "") -> RedirectResponse:
    q = urlencode({k: v for k, v in (("error", error), ("done", done)) if v})
    return RedirectResponse(f"/enterprises/{enterprise_id}{'?' + q if q else ''}{anchor}", status_code=303)


def _risk_form(user, risk: console.RiskForm, *, values: dict | None = None, status: int = 200,
               message: str | None = None) -> HTMLResponse:
    return _page("risk_edit.html", "风险评价", user, status=status, message=message, risk=risk, values=values or {})


@router.get("/risks/{risk_id}/edit", response_class=HTMLResponse)
def risk_edit_page(conn: Conn, user: WriterUser, risk_id: Id):
    try:
        risk = console.risk_form(conn, risk_id)
    except NotFound as exc:
        return _not_found(user, exc)
    return _risk_form(user, risk)


@router.post("/risks/{risk_id}/edit", response_class=HTMLResponse)
async def risk_edit(request: Request, conn: Conn, user: WriterUser, risk_id: Id):
    from layers.assessment import reassess_risk

    form = {k: v for k, v in (await request.form(max_files=0, max_fields=20)).items() if isinstance(v, str)}
    try:
        risk = console.risk_form(conn, risk_id)
    except NotFound as exc:
        return _not_found(user, exc)
    try:
        inputs = {k: float(form.get(k, "")) for k in ("L", "E", "C")}
    except ValueError:
        return _risk_form(user, risk, values=form, status=422, message="L、E、C 应为数字 (L, E and C must be numbers)")
    try:
        with conn:
            reassess_risk(conn, risk_id, "LEC", inputs, expected_version=form.get("version"), actor=user.actor,
                          residual_level=form.get("residual_level") or None)
    except Stale as exc:
        conn.rollback()
        return _risk_form(user, console.risk_form(conn, risk_id), status=412,
                          message=f"{exc} 下表为最新内容, 请核对后重新保存。")
    except (InvalidInput, VersionRequired) as exc:
        conn.rollback()
        return _risk_form(user, risk, values=form, status=422, message=str(exc))
    return _back(risk.enterprise_id, done=f"已保存风险「{risk.name}」的评价", anchor=f"#risk-{risk_id}")


@router.post("/enterprises/{enterprise_id}/hidden-hazards", response_class=HTMLResponse)
async def report_hazard_form(request: Request, conn: Conn, user: CurrentUser, enterprise_id: Id):
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
async def move_hazard_form(request: Request, conn: Conn, user: CurrentUser, hazard_id: Id):
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


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(conn: Conn, user: CurrentUser):
    """Regulators' dashboard: their jurisdiction's districts/towns/grids by level, the overdue
    inspections, and the links to the city maps."""
    return _page("dashboard.html", "监管看板", user, d=console.dashboard(conn, user.region_id))


@router.get("/maps/city", response_class=HTMLResponse)
def city_page(
    conn: Conn,
    within: Annotated[str | None, Query(max_length=10, pattern=r"^([1-9][0-9]{0,8})?$",
                                        description="只看此区域之内 (辖区); 空: 全部")] = None,
    industry: Annotated[str | None, Query(max_length=200)] = None,
    level: Annotated[list[str] | None, Query(max_length=100)] = None,
):
    """城市安全风险四色分布图: enterprises as vector tiles, district/town/grid colours (fetched by the page),
    heat map, 重大危险源, open 重大隐患, filters. ``level`` may repeat or be comma-separated; the filter
    form sends ``within=`` (empty) for 全部 (辖区)."""
    from layers.city import city_layers
    from maps.city_map import render_city_page

    region = int(within) if within else None
    layers = city_layers(conn, within=region, industry=industry or None, level=",".join(level or []) or None)
    return HTMLResponse(render_city_page(layers), headers={"Cache-Control": "private, no-cache"})


#: Region outlines are simplified to about this fraction of the region's width (≈ a pixel on a full-screen
#: map), finer for finer levels, so a province's districts weigh what a city's do.
_SIMPLIFY = {"district": 1 / 1500, "town": 1 / 3000, "grid": 1 / 6000}


@router.get("/maps/city/regions.geojson")
def city_regions(
    conn: Conn,
    level: Annotated[Literal[city.CHOROPLETH_LEVELS], Query(description="区域层级")] = "district",  # type: ignore[valid-type]
    within: Annotated[int | None, Query(ge=1, le=2**31 - 1, description="只看此区域之内 (辖区)")] = None,
):
    """One choropleth layer of the city page: regions at ``level`` with counts by level, risk index and
    colour, simplified for the screen (the full geometry is at /api/regions/stats.geojson)."""
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


@router.get("/enterprises/{enterprise_id}/audit", response_class=HTMLResponse)
def audit_page(conn: Conn, user: CurrentUser, enterprise_id: Id, page: Annotated[int, Query(ge=1, le=100000)] = 1):
    """The enterprise's audit trail (痕迹化): who, when, what, before → after."""
    try:
        a = console.audit_page(conn, enterprise_id, page=page)
    except NotFound as exc:
        return _not_found(user, exc)
    return _page("audit.html", f"{a.info.name} · 审计记录", user, a=a)
