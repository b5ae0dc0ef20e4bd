"""Assessment, profiles and the explanation of levels."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import psycopg2.extensions
import psycopg2.extras
from fastapi import APIRouter, Body, Depends, Path, Query
from pydantic import BaseModel, Field

from app.auth import AdminUser, WriterUser
from app.db import get_conn
from layers import assessment, rollup
from layers.errors import InvalidInput, NotFound
from layers.levels import Level

router = APIRouter(prefix="/api", tags=["levels"])
Conn = Annotated[psycopg2.extensions.connection, Depends(get_conn)]
Id = Annotated[int, Path(ge=1, le=2**31 - 1)]
BasisQ = Annotated[Literal["current", "residual", "inherent"], Query(description="current 现状(含动态调整) / residual 现有 / inherent 固有")]


class AssessIn(BaseModel):
    method: Literal["LEC", "LS", "MES", "direct"]
    inputs: dict[str, Any] = Field(description='如 {"L": 3, "E": 6, "C": 15}')
    profile: str = Field(default="default", max_length=41)


class RiskAssessIn(BaseModel):
    method: Literal["LEC", "LS", "MES", "direct"]
    inputs: dict[str, Any]
    residual_inputs: dict[str, Any] | None = Field(default=None, description="管控措施落实后的评价输入")
    residual_level: Literal["major", "significant", "general", "low"] | None = None
    basis: str | None = Field(default=None, max_length=2000, description="判定依据 (直接判定法必填)")


@router.post("/assess", summary="评价预览: 按评价方案计算分值与等级 (不保存)")
def assess_preview(conn: Conn, body: AssessIn):
    profile = assessment.load_profile(conn, body.profile)
    return assessment.assess(body.method, body.inputs, profile).as_dict()


@router.get("/profiles", summary="评价方案列表")
def profiles(conn: Conn):
    return [{"name": p.name, "version": p.version, "title_zh": p.title_zh, "definition": p.definition}
            for p in assessment.list_profiles(conn)]


@router.get("/profiles/{name}", summary="评价方案")
def profile(conn: Conn, name: Annotated[str, Path(max_length=41)]):
    p = assessment.load_profile(conn, name)
    return {"name": p.name, "version": p.version, "title_zh": p.title_zh, "definition": p.definition}


@router.put("/profiles/{name}", summary="新建或修改评价方案 (版本号加一, 使用它的风险全部重新评价)")
def put_profile(admin: AdminUser, conn: Conn, name: Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9_-]{1,40}$")],
                definition: Annotated[dict[str, Any], Body()]):
    with conn:
        p, changed = assessment.save_profile(conn, name, definition)
    return {"name": p.name, "version": p.version, "regraded": changed}


@router.put("/enterprises/{enterprise_id}/profile", summary="为企业选择评价方案并重新评价其风险")
def put_enterprise_profile(writer: WriterUser, conn: Conn, enterprise_id: Id, name: Annotated[str, Body(embed=True, max_length=41)]):
    with conn:
        changed = assessment.set_enterprise_profile(conn, enterprise_id, name)
    return {"enterprise_id": enterprise_id, "profile": name, "regraded": changed}


@router.post("/risks/{risk_id}/assessment", summary="重新评价一条风险并保存; 区域与企业等级随之更新")
def assess_risk(user: WriterUser, conn: Conn, risk_id: Id, body: RiskAssessIn):
    with conn, conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("""SELECT r.id, r.area_id, a.enterprise_id FROM risk r JOIN area a ON a.id = r.area_id
                       WHERE r.id = %s FOR UPDATE OF r""", (risk_id,))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"风险 {risk_id} 不存在 (risk not found)")
        profile = assessment.enterprise_profile(conn, row["enterprise_id"])
        inputs = dict(body.inputs)
        if body.method == "direct" and body.basis and "basis" not in inputs and inputs.get("level"):
            inputs["basis"] = body.basis
        inh = assessment.assess(body.method, inputs, profile)
        if body.residual_inputs is not None:
            res = assessment.assess(body.method, body.residual_inputs, profile)
            res_level, res_score = res.level, res.score
        elif body.residual_level is not None:
            res_level, res_score = Level(body.residual_level), None
        else:
            raise InvalidInput("需要 residual_inputs 或 residual_level (residual assessment missing)",
                               [{"field": "residual_level", "message": "必填其一"}])
        if res_level > inh.level:
            raise InvalidInput(f"现有风险等级({res_level.name_zh})不能高于固有风险等级({inh.level.name_zh})",
                               [{"field": "residual_level", "message": "residual > inherent"}])
        basis = body.basis or ("; ".join(inh.basis) if inh.basis else None)
        cur.execute(
            """UPDATE risk SET method = %s, inputs = %s, score = %s, inherent_level = %s, residual_inputs = %s,
                      residual_score = %s, residual_level = %s, profile = %s, profile_version = %s,
                      basis = coalesce(%s, basis), assessed_at = current_date, assessed_by = %s
               WHERE id = %s""",
            (body.method, psycopg2.extras.Json(inh.inputs), inh.score, inh.level.value,
             psycopg2.extras.Json(body.residual_inputs) if body.residual_inputs is not None else None,
             res_score, res_level.value, profile.name, profile.version, basis, user.actor, risk_id),
        )
    return {"risk_id": risk_id, "inherent": inh.as_dict(), "residual_level": res_level.value,
            "area": rollup.explain_area(conn, row["area_id"], "current")}


@router.get("/areas/{area_id}/explain", summary="解释区域等级: 由哪些风险、规则、隐患决定")
def explain_area(conn: Conn, area_id: Id, basis: BasisQ = "current"):
    return rollup.explain_area(conn, area_id, basis)


@router.get("/enterprises/{enterprise_id}/explain", summary="解释企业等级")
def explain_enterprise(conn: Conn, enterprise_id: Id, basis: BasisQ = "current"):
    return rollup.explain_enterprise(conn, enterprise_id, basis)
