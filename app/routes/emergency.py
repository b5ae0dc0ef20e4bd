"""Emergency planning: scenarios, threat zones (GeoJSON), who is inside, routes, coverage, safety
distances, the overlay page and the briefing PDF. Thin: the rules live in ``layers.emergency``.

Zones are recomputed on save (POST/PATCH) and on read when stale (GET commits the recomputation).
Who may do what is row-level security (0007, 0010): a scenario goes with its hazard source, so
whoever sees the source (its enterprise, the regulators of its region, an admin) reads, creates
and changes its scenarios; a foreign one is not found (404). The audit records the session's user."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field

from app.deps import Conn, CurrentUser, Drawing, path_id, query_id
from layers.consequences import MODEL_NAMES
from layers.emergency import affected as aff
from layers.emergency import evacuation as rt
from layers.emergency import scenarios as sc

router = APIRouter(prefix="/api", tags=["emergency"])

ScenarioId = Annotated[int, path_id("情景 id")]
SourceId = Annotated[int, path_id("危险源 id")]
RegionId = Annotated[int, path_id("区域 id")]


class ScenarioIn(BaseModel):
    model: Any = Field(description=f"后果模型: {' / '.join(MODEL_NAMES)}")
    params: Any = Field(default_factory=dict, description="模型参数 {名称: 数值}")
    weather: Any = Field(default_factory=dict, description="气象条件 (风速 m/s、风向 FROM °、稳定度 A–F …)")
    name: Any = Field(default=None, description="情景名称")


class ScenarioPatch(BaseModel):
    hazard_source_id: Any = None
    model: Any = None
    params: Any = None
    weather: Any = None
    name: Any = None


def _geojson(gdf, **members) -> JSONResponse:
    fc = sc.geojson(gdf)
    fc.update(members)
    return JSONResponse(fc, media_type="application/geo+json")


@router.get("/emergency/models", summary="后果模型及其参数 (consequence models and their parameters)")
def models(user: CurrentUser):   # login required like every other route
    try:
        from layers.consequences import MODELS, params_schema
    except ImportError:
        return []
    return [{"model": m, "params": params_schema(m)} for m in MODELS]


@router.get("/emergency/scenarios", summary="事故情景列表")
def list_scenarios(conn: Conn, hazard_source_id: Annotated[int | None, query_id()] = None):
    return sc.scenarios(conn, hazard_source_id=hazard_source_id)


@router.post("/hazard-sources/{hazard_source_id}/scenarios", status_code=201,
             summary="为危险源新建事故情景并计算威胁区 (create a scenario; zones computed at once)")
def create_scenario(conn: Conn, hazard_source_id: SourceId, body: ScenarioIn):
    with conn:
        return sc.create_scenario(conn, hazard_source_id=hazard_source_id, model=body.model,
                                  params=body.params, weather=body.weather, name=body.name)


@router.get("/emergency/scenarios/{scenario_id}", summary="一个事故情景 (stale: 输入已变, 读取时重算)")
def get_scenario(conn: Conn, scenario_id: ScenarioId):
    return sc.scenario(conn, scenario_id)


@router.patch("/emergency/scenarios/{scenario_id}", summary="修改情景输入; 威胁区随之重算")
def patch_scenario(conn: Conn, scenario_id: ScenarioId, body: ScenarioPatch):
    changes = body.model_dump(exclude_unset=True)
    with conn:
        return sc.update_scenario(conn, scenario_id, **changes)


@router.delete("/emergency/scenarios/{scenario_id}", status_code=204, summary="删除情景 (及其威胁区)")
def delete_scenario(conn: Conn, scenario_id: ScenarioId):
    with conn:
        sc.delete_scenario(conn, scenario_id)
    return Response(status_code=204)


@router.post("/emergency/scenarios/{scenario_id}/compute", summary="重新计算威胁区 (recompute the zones)")
def compute(conn: Conn, scenario_id: ScenarioId):
    with conn:
        return sc.compute_scenario(conn, scenario_id)


@router.get("/emergency/scenarios/{scenario_id}/zones", summary="威胁区 (GeoJSON): 红/橙/黄, 阈值, 距离, 面积",
            response_class=JSONResponse)
def zones(conn: Conn, scenario_id: ScenarioId):
    with conn:
        return _geojson(sc.zones(conn, scenario_id))


@router.get("/emergency/scenarios/{scenario_id}/affected",
            summary="威胁区内的企业(及其区域)、防护目标与人口、道路、应急资源, 需通知的相邻企业")
def affected(conn: Conn, scenario_id: ScenarioId):
    with conn:
        return aff.affected(conn, scenario_id)


@router.get("/emergency/scenarios/{scenario_id}/routes", response_class=JSONResponse,
            summary="最近的消防站/医院/避难场所 (按道路) 与避开红区的疏散路线 (GeoJSON)")
def routes(
    conn: Conn, scenario_id: ScenarioId,
    per_kind: Annotated[int, Query(ge=1, le=20, description="每类资源列出几个")] = 3,
    radius_m: Annotated[float, Query(gt=0, le=200_000, description="搜索半径 (m)")] = rt.SEARCH_RADIUS_M,
    red_penalty: Annotated[float, Query(ge=1, le=1e6, description="经过红区的路段代价倍数")] = rt.RED_PENALTY,
):
    with conn:
        gdf = rt.scenario_routes(conn, scenario_id, per_kind=per_kind, radius_m=radius_m, red_penalty=red_penalty)
    return _geojson(gdf)


@router.get("/emergency/scenarios/{scenario_id}/briefing.pdf", dependencies=Drawing, summary="应急处置简报 (PDF): 地图、威胁区、受影响目标与人口、资源、路线")
def briefing(conn: Conn, scenario_id: ScenarioId):
    from maps.briefing import briefing_pdf

    with conn:
        pdf = briefing_pdf(conn, scenario_id)
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="scenario-{scenario_id}-briefing.pdf"'})


@router.get("/emergency/scenarios/{scenario_id}/map", response_class=HTMLResponse, summary="威胁区叠加图 (交互, 离线可用)")
def overlay_page(conn: Conn, scenario_id: ScenarioId):
    from maps.emergency_page import overlay_html

    with conn:
        return HTMLResponse(overlay_html(conn, scenario_id))


@router.get("/emergency/coverage/{region_id}", response_class=JSONResponse,
            summary="消防站 5 分钟覆盖范围与未覆盖区域 (GB 51080-2015) (GeoJSON)")
def coverage(
    conn: Conn,
    region_id: RegionId,
    minutes: Annotated[float, Query(gt=0, le=60)] = rt.COVERAGE_MINUTES,
    turnout_s: Annotated[float, Query(ge=0, le=3600)] = rt.TURNOUT_S,
    reach_m: Annotated[float, Query(gt=0, le=5000)] = rt.COVERAGE_REACH_M,
):
    gdf, summary = rt.fire_coverage(conn, region_id, minutes=minutes, turnout_s=turnout_s, reach_m=reach_m)
    return _geojson(gdf, summary=summary)


@router.get("/hazard-sources/{hazard_source_id}/safety-distances",
            summary="外部安全防护距离内的防护目标 (GB/T 37243-2019)")
def safety_distances(conn: Conn, hazard_source_id: SourceId):
    return rt.safety_distance_breaches(conn, [hazard_source_id])

