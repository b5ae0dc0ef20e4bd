"""Assessment, profiles and the explanation of levels."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Header, Path, Query, Response
from pydantic import BaseModel, Field

from app.deps import AdminUser, Conn, Id, WriterUser
from layers import assessment, entities, rollup

router = APIRouter(prefix="/api", tags=["levels"])
Method = Literal[assessment.METHODS]  # type: ignore[valid-type]  # LEC / LS / MES / direct
BasisQ = Annotated[Literal["current", "residual", "inherent"], Query(description="current 现状(含动态调整) / residual 现有 / inherent 固有")]


class AssessIn(BaseModel):
    method: Method
    inputs: dict[str, Any] = Field(description='如 {"L": 3, "E": 6, "C": 15}')
    profile: str = Field(default="default", max_length=41)


class RiskAssessIn(BaseModel):
    method: Method
    inputs: dict[str, Any]
    residual_inputs: dict[str, Any] | None = Field(default=None, description="管控措施落实后的评价输入")
    residual_level: Literal["major", "significant", "general", "low"] | None = None
    basis: str | None = Field(default=None, max_length=2000, description="判定依据 (直接判定法必填)")
    version: str | None = Field(default=None, max_length=64, description="所依据的版本 (GET 的 version/ETag), 也可用 If-Match 头")


@router.post("/assess", summary="评价预览: 按评价方案计算分值与等级 (不保存)")
def assess_preview(conn: Conn, body: AssessIn):
    profile = assessment.load_profile(conn, body.profile)
    return assessment.assess(body.method, body.inputs, profile).as_dict()


@router.get("/profiles", summary="评价方案列表")
def profiles(conn: Conn):
    return [assessment.profile_body(p) for p in assessment.list_profiles(conn)]


@router.get("/profiles/{name}", summary="评价方案 (修改时可原样 PUT 回去)")
def profile(conn: Conn, name: Annotated[str, Path(max_length=41)]):
    return assessment.profile_body(assessment.load_profile(conn, name))


@router.put("/profiles/{name}",
            summary="新建或修改评价方案: 发送 GET 所得的对象 (或仅其 definition); 逐项校验, 版本号加一, 使用它的风险全部重新评价",
            responses={412: {"description": "所依据的版本 (version) 已不是当前版本"}})
def put_profile(admin: AdminUser, conn: Conn, name: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{1,40}$")],
                body: Annotated[dict[str, Any], Body()]):
    with conn:
        p, changed = assessment.save_profile_body(conn, name, body)
    return {**assessment.profile_body(p), "regraded": changed}


@router.put("/enterprises/{enterprise_id}/profile", summary="为企业选择评价方案并重新评价其风险")
def put_enterprise_profile(writer: WriterUser, conn: Conn, enterprise_id: Id, name: Annotated[str, Body(embed=True, max_length=41)]):
    with conn:
        changed = assessment.set_enterprise_profile(conn, enterprise_id, name)
    return {"enterprise_id": enterprise_id, "profile": name, "regraded": changed}


@router.get("/risks/{risk_id}", summary="一条风险: 评价方法、输入、等级; ETag 为其版本 (修改时以 If-Match 回传)")
def get_risk(conn: Conn, risk_id: Id, response: Response):
    risk = entities.read_risk(conn, risk_id)
    response.headers["ETag"] = entities.etag(entities.RISKS.table, risk_id, risk["version"])
    return risk


@router.post("/risks/{risk_id}/assessment",
             summary="重新评价一条风险并保存 (需 If-Match: 读取时的 ETag); 区域与企业等级随之更新",
             responses={412: {"description": "该风险已被他人修改 (stale edit)"},
                        428: {"description": "缺少 If-Match / version"}})
def assess_risk(user: WriterUser, conn: Conn, risk_id: Id, body: RiskAssessIn, response: Response,
                if_match: Annotated[str | None, Header()] = None):
    with conn:
        inh, res_level, version = assessment.reassess_risk(
            conn, risk_id, body.method, body.inputs, expected_version=if_match or body.version, actor=user.actor,
            residual_inputs=body.residual_inputs, residual_level=body.residual_level, basis=body.basis)
        area_id = entities.read_risk(conn, risk_id)["area_id"]
    response.headers["ETag"] = entities.etag(entities.RISKS.table, risk_id, version)
    return {"risk_id": risk_id, "inherent": inh.as_dict(), "residual_level": res_level.value, "version": version,
            "area": rollup.explain_area(conn, area_id, "current")}


@router.get("/areas/{area_id}/explain", summary="解释区域等级: 由哪些风险、规则、隐患决定")
def explain_area(conn: Conn, area_id: Id, basis: BasisQ = "current"):
    return rollup.explain_area(conn, area_id, basis)


@router.get("/enterprises/{enterprise_id}/explain", summary="解释企业等级")
def explain_enterprise(conn: Conn, enterprise_id: Id, basis: BasisQ = "current"):
    return rollup.explain_enterprise(conn, enterprise_id, basis)
