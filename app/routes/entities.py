"""REST for the stored objects: GeoJSON in and out, pages, filters, versions.

For each entity of :mod:`layers.entities` (enterprises, areas, risks, hazard sources, emergency
resources, protection targets, regions):

- ``GET /api/<name>/{id}`` one object as a GeoJSON Feature with an ``ETag`` (enterprises, risks and
  hazard sources keep their richer answers in their own modules, with the same ETag);
- ``GET /api/<name>`` (enterprises: ``/api/enterprises.geojson``) a page as a FeatureCollection with
  ``total``, filters and ``bbox``;
- ``PATCH /api/<name>/{id}`` change some properties and/or the geometry (a GeoJSON Feature or an
  object of properties), ``DELETE /api/<name>/{id}``: both need ``If-Match`` (the ETag read);
  a stale one answers 412, none 428;
- ``POST`` creates from a GeoJSON Feature/FeatureCollection through the import checks (enterprises,
  an enterprise's areas, resources, targets); an enterprise's hazard source and an area's risk (with
  its assessment) are created with the checks of an edit.

Who may write: an enterprise's own data (enterprise, areas, risks, hazard sources) admins and that
enterprise's users; shared data (resources, targets, regions), registering or deleting an enterprise,
and changing a USCC: admins. Row-level security decides what exists for the caller (a foreign id is
404).
"""


from typing import Annotated, Any

from fastapi import APIRouter, Body, Header, Query, Response
from fastapi.responses import JSONResponse

from app.deps import AdminUser, Conn, Id, Offset, WriterUser, page_limit, path_id, query_id
from layers import entities as ent_mod
from layers.entities import ENTITIES, Entity
from layers.errors import InvalidInput

router = APIRouter(prefix="/api", tags=["objects (REST)"])
IfMatch = Annotated[str | None, Header(max_length=200, description="读取时得到的 ETag (乐观锁)")]
CrsQ = Annotated[str | None, Query(max_length=200, description="几何的坐标系, 默认 EPSG:4326 (如 EPSG:4490、GCJ-02)")]
LimitQ = Annotated[int, page_limit(1000)]
Q = Annotated[str | None, Query(max_length=100, description="名称关键字")]
BboxQ = Annotated[str | None, Query(max_length=200, description="范围 west,south,east,north (EPSG:4326)")]
IdQ = Annotated[int | None, query_id()]
CodeQ = Annotated[str | None, Query(max_length=40)]
GEOJSON = "application/geo+json"

#: path parameter of each entity's id (the same names as the other routes use)
PARAM = {"enterprises": "enterprise_id", "areas": "area_id", "risks": "risk_id", "hazard-sources": "hazard_source_id",
         "resources": "resource_id", "targets": "target_id", "regions": "region_id"}
#: entities whose single GET lives elsewhere (a richer answer; they send the same ETag)
GET_ELSEWHERE = {"enterprises", "risks", "hazard-sources"}
#: shared data only admins change
SHARED = {"resources", "targets", "regions"}
FEATURE_BODY = Body(description="GeoJSON Feature, 或属性对象 (可含 geometry); 只修改给出的字段",
                    examples=[{"type": "Feature", "properties": {"name": "一号车间"}}])


def _feature_response(feature: dict, *, created: str | None = None) -> JSONResponse:
    """One Feature with its ETag; ``created``: the entity name of a new object (201, Location)."""
    headers = {"ETag": feature.pop("etag")}
    if created is None:
        return JSONResponse(feature, media_type=GEOJSON, headers=headers)
    headers["Location"] = f"/api/{created}/{feature['id']}"
    return JSONResponse(feature, status_code=201, media_type=GEOJSON, headers=headers)


def _bbox(text: str | None) -> tuple[float, float, float, float] | None:
    if text is None:
        return None
    try:
        parts = tuple(float(x) for x in text.split(","))
        if len(parts) != 4 or not all(abs(v) <= 180 for v in parts) or parts[0] > parts[2] or parts[1] > parts[3]:
            raise ValueError
    except ValueError:
        raise InvalidInput(f"bbox 应为 west,south,east,north 四个经纬度, 实为 {text!r} (bbox must be four lon/lat numbers)",
                           [{"field": "bbox", "message": "invalid bbox"}]) from None
    return parts


def _register(ent: Entity) -> None:
    name, param = ent.name, PARAM[ent.name]
    ObjId = Annotated[int, path_id(f"{ent.zh} id", alias=param)]
    shared = name in SHARED

    if name not in GET_ELSEWHERE:
        def get_one(conn: Conn, obj_id: ObjId) -> JSONResponse:
            return _feature_response(ent_mod.get(conn, ent, obj_id))

        router.get(f"/{name}/{{{param}}}", summary=f"{ent.zh} (GeoJSON Feature; ETag 为其版本)",
                   response_class=JSONResponse)(get_one)

    def patch(conn: Conn, obj_id: ObjId, user: AdminUser if shared else WriterUser,  # type: ignore[valid-type]
              body: Annotated[dict[str, Any], FEATURE_BODY], if_match: IfMatch = None, crs: CrsQ = None) -> JSONResponse:
        with conn:
            feature = ent_mod.update(conn, ent, obj_id, body, expected_version=if_match, crs=crs,
                                     admin=user.role == "admin")
        return _feature_response(feature)

    router.patch(f"/{name}/{{{param}}}", response_class=JSONResponse,
                 summary=f"修改{ent.zh} (部分字段和/或几何); 需 If-Match", responses={
                     412: {"description": "已被他人修改 (stale)"}, 428: {"description": "缺少 If-Match"},
                     422: {"description": "字段或几何无效, errors 逐项说明; 未修改"}})(patch)

    delete_user = AdminUser if (shared or name == "enterprises") else WriterUser

    def delete(conn: Conn, obj_id: ObjId, user: delete_user, if_match: IfMatch = None) -> Response:  # type: ignore[valid-type]
        with conn:
            ent_mod.delete(conn, ent, obj_id, expected_version=if_match)
        return Response(status_code=204)

    router.delete(f"/{name}/{{{param}}}", status_code=204, response_class=Response,
                  summary=f"删除{ent.zh}; 需 If-Match; 仍有下级对象时 409", responses={
                      409: {"description": "仍有下级对象"}, 412: {"description": "已被他人修改"},
                      428: {"description": "缺少 If-Match"}})(delete)


for _ent in ENTITIES.values():
    _register(_ent)


def _page(conn, ent: Entity, limit, offset, q, bbox, **filters) -> JSONResponse:
    return JSONResponse(ent_mod.collection(conn, ent, limit=limit, offset=offset, q=q, bbox=_bbox(bbox), **filters),
                        media_type=GEOJSON)


@router.get("/enterprises.geojson", summary="企业 (GeoJSON, 分页; 按辖区、行业、等级、范围筛选)", response_class=JSONResponse)
def list_enterprises_geojson(conn: Conn, limit: LimitQ = 100, offset: Offset = 0, q: Q = None, bbox: BboxQ = None,
                             within: IdQ = None, industry: CodeQ = None, level: CodeQ = None):
    return _page(conn, ENTITIES["enterprises"], limit, offset, q, bbox, within=within, industry=industry, level=level)


@router.get("/areas", summary="区域 (厂区/车间/单元/岗位, GeoJSON, 分页)", response_class=JSONResponse)
def list_areas(conn: Conn, limit: LimitQ = 100, offset: Offset = 0, q: Q = None, bbox: BboxQ = None,
               enterprise_id: IdQ = None, kind: CodeQ = None, level: CodeQ = None):
    return _page(conn, ENTITIES["areas"], limit, offset, q, bbox, enterprise_id=enterprise_id, kind=kind, level=level)


@router.get("/risks", summary="风险 (分页; 按企业、区域、现有风险等级筛选; 无几何)", response_class=JSONResponse)
def list_risks(conn: Conn, limit: LimitQ = 100, offset: Offset = 0, q: Q = None,
               enterprise_id: IdQ = None, area_id: IdQ = None, level: CodeQ = None):
    return _page(conn, ENTITIES["risks"], limit, offset, q, None, enterprise_id=enterprise_id, area_id=area_id,
                 level=level)


@router.get("/resources", summary="应急资源 (消防站、医院、避难场所…; GeoJSON, 分页)", response_class=JSONResponse)
def list_resources(conn: Conn, limit: LimitQ = 100, offset: Offset = 0, q: Q = None, bbox: BboxQ = None,
                   within: IdQ = None, kind: CodeQ = None):
    return _page(conn, ENTITIES["resources"], limit, offset, q, bbox, within=within, kind=kind)


@router.get("/targets", summary="防护目标 (学校、医院、居民区…; GeoJSON, 分页)", response_class=JSONResponse)
def list_targets(conn: Conn, limit: LimitQ = 100, offset: Offset = 0, q: Q = None, bbox: BboxQ = None,
                 within: IdQ = None, kind: CodeQ = None):
    return _page(conn, ENTITIES["targets"], limit, offset, q, bbox, within=within, kind=kind)


@router.get("/regions", summary="行政区域与网格 (GeoJSON, 分页; 按上级、层级、辖区筛选)", response_class=JSONResponse)
def list_regions(conn: Conn, limit: LimitQ = 100, offset: Offset = 0, q: Q = None, bbox: BboxQ = None,
                 within: IdQ = None, level: CodeQ = None, parent_id: IdQ = None):
    return _page(conn, ENTITIES["regions"], limit, offset, q, bbox, within=within, level=level, parent_id=parent_id)


def _created(conn, ent: Entity, body: Any, crs: str | None, actor: str, enterprise_id: int | None = None):
    with conn:
        features, result = ent_mod.create(conn, ent, body, crs=crs, enterprise_id=enterprise_id, actor=actor)
    if body.get("type") == "Feature":
        return _feature_response(features[0], created=ent.name)
    for f in features:
        f.pop("etag")
    return JSONResponse({"type": "FeatureCollection", "features": features, "notes": result.notes,
                         "warnings": result.warnings}, status_code=201, media_type=GEOJSON)


CREATE_BODY = Body(description="GeoJSON Feature 或 FeatureCollection (属性列与导入相同, 中文或英文列名)")
CREATE_RESPONSES: dict[int | str, dict[str, Any]] = {422: {"description": "校验失败: errors 逐个要素、字段说明; 未写入任何数据"}}


@router.post("/enterprises", status_code=201, response_class=JSONResponse, responses=CREATE_RESPONSES,
             summary="登记企业 (GeoJSON 点或厂界面; 与导入相同的校验)")
def create_enterprises(conn: Conn, user: AdminUser, body: Annotated[dict[str, Any], CREATE_BODY], crs: CrsQ = None):
    return _created(conn, ENTITIES["enterprises"], body, crs, user.actor)


@router.post("/enterprises/{enterprise_id}/areas", status_code=201, response_class=JSONResponse,
             responses=CREATE_RESPONSES, summary="新增企业的区域 (厂区/车间/单元/岗位; GeoJSON 面)")
def create_areas(conn: Conn, user: WriterUser, enterprise_id: Id,
                 body: Annotated[dict[str, Any], CREATE_BODY], crs: CrsQ = None):
    return _created(conn, ENTITIES["areas"], body, crs, user.actor, enterprise_id)


@router.post("/resources", status_code=201, response_class=JSONResponse, responses=CREATE_RESPONSES,
             summary="新增应急资源 (GeoJSON 点)")
def create_resources(conn: Conn, user: AdminUser, body: Annotated[dict[str, Any], CREATE_BODY], crs: CrsQ = None):
    return _created(conn, ENTITIES["resources"], body, crs, user.actor)


@router.post("/targets", status_code=201, response_class=JSONResponse, responses=CREATE_RESPONSES,
             summary="新增防护目标 (GeoJSON 点或面)")
def create_targets(conn: Conn, user: AdminUser, body: Annotated[dict[str, Any], CREATE_BODY], crs: CrsQ = None):
    return _created(conn, ENTITIES["targets"], body, crs, user.actor)


@router.post("/enterprises/{enterprise_id}/hazard-sources", status_code=201, response_class=JSONResponse,
             responses=CREATE_RESPONSES,
             summary="登记重大危险源 (GeoJSON 点或范围面; 编号、名称、类型 储存/生产单元); 之后以 PUT …/inventory 填写存量")
def create_hazard_source(conn: Conn, user: WriterUser, enterprise_id: Id,
                         body: Annotated[dict[str, Any], FEATURE_BODY], crs: CrsQ = None):
    from layers.imports.targets import enterprise_for_import

    with conn:
        enterprise_for_import(conn, enterprise_id)        # 404 for a foreign or unknown enterprise
        feature = ent_mod.insert(conn, ENTITIES["hazard-sources"], body, fixed={"enterprise_id": enterprise_id},
                                 crs=crs, admin=user.role == "admin")
    return _feature_response(feature, created="hazard-sources")


RISK_BODY = Body(description="风险的描述字段 (properties) 与评价 (assessment: method、inputs、residual_inputs 或 "
                             "residual_level、basis); 管控层级缺省按现有风险等级",
                 examples=[{"properties": {"name": "储罐区动火作业", "hazard_factors": "可燃气体积聚",
                                           "accident_type": "火灾", "check_period": "daily"},
                            "assessment": {"method": "LEC", "inputs": {"L": 3, "E": 6, "C": 15},
                                           "residual_level": "general"}}])


@router.post("/areas/{area_id}/risks", status_code=201, response_class=JSONResponse, responses=CREATE_RESPONSES,
             summary="在区域 (厂区/车间/单元/岗位) 新增一条风险并评价; 区域与企业等级随之更新")
def create_risk(conn: Conn, user: WriterUser, area_id: Id,
                body: Annotated[dict[str, Any], RISK_BODY]):
    from layers.assessment import create_risk as create

    extra = [k for k in body if k not in ("properties", "assessment")]
    if extra:
        raise InvalidInput(f"请求体中有未知的成员 {'、'.join(map(str, extra))} (unknown members): 应为 properties 与 assessment",
                           [{"field": str(k), "message": "unknown member"} for k in extra])
    with conn:
        feature = create(conn, area_id, body.get("properties"), body.get("assessment"), actor=user.actor,
                         admin=user.role == "admin")
    return _feature_response(feature, created="risks")


@router.post("/regions/{region_id}/children", status_code=201, response_class=JSONResponse,
             responses=CREATE_RESPONSES,
             summary="划分下级区域 (区县下的镇街、镇街下的网格): GeoJSON 面; 其内的企业、应急资源、防护目标随之归入")
def create_sub_region(conn: Conn, user: AdminUser, region_id: Id,
                      body: Annotated[dict[str, Any], FEATURE_BODY], crs: CrsQ = None):
    from layers.regions import create_region

    with conn:
        feature = create_region(conn, region_id, body, crs=crs)
    return _feature_response(feature, created="regions")
