"""隐患排查治理: report a hidden hazard, move it through its closed loop, list, history, photos.

One endpoint moves a hazard: ``POST /api/hidden-hazards/{id}/transitions`` with ``{"to": ..., "actor": ...,
<fields>}``. The allowed moves and the fields each needs are the table ``GET
/api/hidden-hazards/transitions`` (the database enforces the same table): 上报→整改中 (start),
整改中→待验收 (submit), 待验收→已闭环 (verify), 待验收→整改中 (reject, 复查不合格). A move not allowed from
the current status is 409; a missing or wrong field is 422 naming it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from app.deps import MAX_ID, Conn, CurrentUser, Id, Offset, page_limit, query_id
from app.uploads import read_upload
from layers import hidden_hazards as hh

router = APIRouter(prefix="/api", tags=["hidden hazards"])

Status = Literal["reported", "rectifying", "pending_review", "closed"]
Name = Annotated[str, Field(min_length=1, max_length=hh.MAX_NAME)]
Text = Annotated[str, Field(max_length=hh.MAX_TEXT)]



class ReportIn(BaseModel):
    """上报一条隐患. 重大隐患自动挂牌督办并停产停业 (Shandong guide 第十七条)."""

    model_config = ConfigDict(extra="forbid")

    description: Text = Field(min_length=1, description="隐患描述")
    grade: Literal["general", "major"] = Field(description="general 一般隐患 / major 重大隐患")
    found_by: Name = Field(description="排查人")
    area_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="隐患部位: 本企业的区域 id")
    lon: float | None = Field(default=None, ge=-180, le=180, description="隐患位置经度 (EPSG:4326), 默认取区域内一点")
    lat: float | None = Field(default=None, ge=-90, le=90)
    found_at: dt.datetime | None = Field(default=None, description="排查时间, 默认现在")
    deadline: dt.date | None = Field(default=None, description="整改期限")
    measures: Text | None = Field(default=None, description="整改措施")
    responsible_dept: Name | None = Field(default=None, description="责任部门")
    responsible_person: Name | None = Field(default=None, description="责任人")
    funds_yuan: float | None = Field(default=None, ge=0, description="整改资金 (元)")
    emergency_plan: Text | None = Field(default=None, description="应急预案")
    stop_work: bool = Field(default=False, description="停产停业 (重大隐患总是 true)")
    note: Text | None = Field(default=None, description="处理记录备注")


class TransitionIn(BaseModel):
    """Move a hazard to ``to``; the other fields are those the move needs or may set."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    to: Status = Field(description="目标状态: rectifying 整改中 / pending_review 待验收 / closed 已闭环")
    expected_from: Status | None = Field(default=None, alias="from",
                                         description="当前状态 (可选): 与实际不符则 409, 防止重复或过时的操作")
    note: Text | None = Field(default=None, description="处理记录备注")
    measures: Text | None = Field(default=None, description="整改措施 (start)")
    responsible_dept: Name | None = Field(default=None, description="责任部门 (start)")
    responsible_person: Name | None = Field(default=None, description="责任人 (start)")
    funds_yuan: float | None = Field(default=None, ge=0, description="整改资金 元 (start, submit)")
    deadline: dt.date | None = Field(default=None, description="整改期限 (start, reject)")
    emergency_plan: Text | None = Field(default=None, description="应急预案 (start)")
    rectifier: Name | None = Field(default=None, description="整改人 (submit)")
    rectified_at: dt.datetime | None = Field(default=None, description="整改完成时间 (submit), 默认现在")
    verified_by: Name | None = Field(default=None, description="复查(验收)人, 不能是整改人 (verify, reject)")
    verify_result: Text | None = Field(default=None, description="复查结果; 退回时为不合格原因 (verify, reject)")


_TRANSITION_EXAMPLES = {
    "start_major": {
        "summary": "开始整改 (重大隐患: 五落实)",
        "value": {"to": "rectifying", "measures": "更换流量开关并恢复联锁",
                  "responsible_dept": "设备部", "responsible_person": "李强", "funds_yuan": 86000,
                  "deadline": "2026-12-31", "emergency_plan": "铝液遇水爆炸现场处置方案"},
    },
    "submit": {"summary": "整改完成, 提交验收", "value": {"to": "pending_review", "rectifier": "李强"}},
    "verify": {"summary": "验收合格, 闭环 (复工)",
               "value": {"to": "closed", "verified_by": "周立新", "verify_result": "复查合格"}},
    "reject": {"summary": "复查不合格, 退回整改",
               "value": {"to": "rectifying", "verified_by": "周立新",
                         "verify_result": "联锁测试未通过", "deadline": "2027-01-15"}},
}


@router.get("/hidden-hazards/transitions", summary="隐患状态流转表: 允许的流转及各自必填、可填字段")
def get_transitions(conn: Conn):
    labels = hh.field_labels(conn)
    return [{**t.as_dict(), "labels": {f: labels.get(f, f) for f in {*t.requires_major, *t.sets}}}
            for t in hh.transitions(conn)]


@router.post("/enterprises/{enterprise_id}/hidden-hazards", status_code=201,
             summary="上报隐患 (上报 reported); 部位须为本企业的区域, 否则 422")
def post_hidden_hazard(conn: Conn, user: CurrentUser, enterprise_id: Id, body: ReportIn):
    with conn:
        h = hh.report(conn, enterprise_id, actor=user.actor, **body.model_dump())
    return h.as_dict()


def _hazard_page(
    conn: Conn,
    enterprise_id: Annotated[int | None, query_id()] = None,
    region_id: Annotated[int | None, query_id("区域 id: 含其全部下级区域")] = None,
    status: Annotated[Status | None, Query()] = None,
    grade: Annotated[Literal["general", "major"] | None, Query()] = None,
    overdue: Annotated[bool | None, Query(description="true: 只看逾期 (超过整改期限且未闭环)")] = None,
    limit: Annotated[int, page_limit(1000)] = 100,
    offset: Offset = 0,
) -> dict:
    """The filters and page shared by the list and the GeoJSON layer, and what they select."""
    total, items = hh.list_hazards(conn, enterprise_id=enterprise_id, region_id=region_id, status=status,
                                   grade=grade, overdue=overdue, limit=limit, offset=offset)
    return {"total": total, "limit": limit, "offset": offset, "items": items}


HazardPage = Annotated[dict, Depends(_hazard_page)]


@router.get("/hidden-hazards", summary="隐患列表: 按企业、区域(含下级)、状态、等级、是否逾期筛选")
def list_hidden_hazards(page: HazardPage):
    return {**page, "items": [h.as_dict() for h in page["items"]]}


@router.get("/hidden-hazards.geojson", response_class=JSONResponse,
            summary="隐患图层 (GeoJSON FeatureCollection, 点为隐患位置): 筛选同隐患列表")
def hidden_hazards_geojson(page: HazardPage):
    features = []
    for h in page["items"]:
        props = jsonable_encoder(h.as_dict())
        lon, lat = props.pop("lon"), props.pop("lat")
        features.append({"type": "Feature", "id": h.id, "properties": props,
                         "geometry": {"type": "Point", "coordinates": [lon, lat]} if lon is not None else None})
    return JSONResponse({"type": "FeatureCollection", "total": page["total"], "limit": page["limit"],
                         "offset": page["offset"], "features": features}, media_type="application/geo+json")


@router.get("/enterprises/{enterprise_id}/hidden-hazard-ledger", summary="隐患排查治理台账 (含处理记录)")
def get_ledger(conn: Conn, enterprise_id: Id):
    return {"columns": [c for c, _ in hh.LEDGER_COLUMNS], "rows": hh.ledger(conn, enterprise_id)}


@router.get("/hidden-hazards/{hazard_id}", summary="隐患详情与处理记录 (谁、何时、从何状态到何状态、备注)")
def get_hidden_hazard(conn: Conn, hazard_id: Id):
    return hh.get(conn, hazard_id).as_dict()


@router.post(
    "/hidden-hazards/{hazard_id}/transitions",
    summary="隐患状态流转: start 开始整改 / submit 提交验收 / verify 验收闭环 / reject 复查不合格退回",
    description=(
        "上报→整改中 需 整改措施、责任人、整改期限 (重大隐患: 五落实 措施、责任部门与责任人、资金、时限、预案); "
        "整改中→待验收 需 整改人; 待验收→已闭环 需 复查人(≠整改人) 与 复查结果, 闭环时解除停产停业; "
        "待验收→整改中 (复查不合格) 需 复查人与不合格原因(verify_result). "
        "不允许的流转 → 409; 缺少或无效的字段 → 422 (errors 列出字段)."
    ),
    responses={409: {"description": "当前状态不允许此流转 (transition not allowed from the current status)"},
               404: {"description": "隐患不存在"}},
)
def post_transition(conn: Conn, user: CurrentUser, hazard_id: Id,
                    body: Annotated[TransitionIn, Body(openapi_examples=_TRANSITION_EXAMPLES)]):
    fields = body.model_dump(exclude_unset=True, exclude={"to", "note", "expected_from"})
    with conn:
        h = hh.move(conn, hazard_id, body.to, actor=user.actor, note=body.note, expected_from=body.expected_from,
                    **fields)
    return h.as_dict()


# -- photos --------------------------------------------------------------------------------------
@router.post(
    "/hidden-hazards/{hazard_id}/photos", status_code=201,
    summary=f"上传隐患照片 (JPEG/PNG/WebP, ≤ {hh.MAX_PHOTO_BYTES // 1048576} MB, 按文件头识别); 记入当前阶段",
    openapi_extra={"requestBody": {"required": True, "content": {
        "multipart/form-data": {"schema": {"type": "object", "required": ["file"],
                                           "properties": {"file": {"type": "string", "format": "binary"}}}},
        "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
        "image/png": {"schema": {"type": "string", "format": "binary"}},
        "image/webp": {"schema": {"type": "string", "format": "binary"}},
    }}},
    responses={413: {"description": "照片过大"}, 422: {"description": "不是 JPEG/PNG/WebP 图片"}},
)
async def post_photo(
    request: Request,
    conn: Conn,
    user: CurrentUser,
    hazard_id: Id,
    caption: Annotated[str | None, Query(max_length=200, description="说明")] = None,
):
    data = (await read_upload(request, hh.MAX_PHOTO_BYTES, what_zh="照片")).data
    try:
        hh.check_photo(data)
    except hh.PhotoTooLarge as exc:
        raise HTTPException(413, str(exc)) from None

    def run():
        with conn:
            return hh.add_photo(conn, hazard_id, data, actor=user.actor, caption=caption)

    p = await run_in_threadpool(run)
    return {**p.as_dict(), "url": f"/api/hidden-hazards/{hazard_id}/photos/{p.id}"}


@router.get("/hidden-hazards/{hazard_id}/photos", summary="隐患照片列表")
def list_photos(conn: Conn, hazard_id: Id):
    return [{**p.as_dict(), "url": f"/api/hidden-hazards/{hazard_id}/photos/{p.id}"}
            for p in hh.photos(conn, hazard_id)]


@router.get("/hidden-hazards/{hazard_id}/photos/{photo_id}", summary="隐患照片 (图片本身)",
            response_class=Response,
            responses={200: {"content": {t: {} for t in hh.PHOTO_TYPES}}})
def get_photo(conn: Conn, hazard_id: Id, photo_id: Id):
    p, data = hh.photo_data(conn, hazard_id, photo_id)
    ext = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}[p.content_type]
    name = quote(f"隐患{hazard_id}-照片{p.id}.{ext}")
    return Response(data, media_type=p.content_type, headers={
        "Content-Disposition": f"inline; filename=\"hazard-{hazard_id}-photo-{p.id}.{ext}\"; filename*=UTF-8''{name}",
        "Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"})
