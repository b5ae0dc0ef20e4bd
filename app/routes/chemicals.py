"""The catalogue of hazardous chemicals (GB 18218-2018 表1 and the substances entered by their 表2
category): searching it (anyone logged in) and entering a substance by category (admins), over the
API and on the admin page ``/admin/chemicals``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel, Field

from app.deps import AdminUser, Conn, CurrentUser, Offset, page_limit
from app.render import html_page
from layers import chemicals
from layers.errors import Conflict, InvalidInput

router = APIRouter(tags=["chemicals"])

SearchQ = Annotated[str | None, Query(max_length=100, description="名称、别名、英文名或 CAS 号中包含的文字")]


class ChemicalIn(BaseModel):
    name: Any = Field(description="品名 (不在 GB 18218 表1 中的物质)")
    category: Any = Field(description="GB 18218 表2 危险性类别, 如 W2、W5.3、J3; 临界量与 β 取该类别的")
    cas: Any = Field(None, description="CAS 号, 如 115-07-1 (可省)")
    aliases: Any = Field(None, description="别名列表 (可省)")
    name_en: Any = Field(None, description="英文名 (可省)")


@router.get("/api/chemicals", summary="危险化学品目录: 按名称、别名、英文名或 CAS 号搜索 (GB 18218 表1 与按类别登记的物质)")
def list_chemicals(conn: Conn, user: CurrentUser, q: SearchQ = None,
                   limit: Annotated[int, page_limit(500)] = 100, offset: Offset = 0):
    return chemicals.search(conn, q, limit=limit, offset=offset)


@router.get("/api/chemicals/categories", summary="GB 18218 表2 危险性类别及其临界量 (表2) 与校正系数 β (表4)")
def list_categories(conn: Conn, user: CurrentUser):
    return chemicals.categories(conn)


@router.post("/api/chemicals", status_code=201,
             summary="按 GB 18218 表2 类别登记表1 以外的危险化学品 (管理员); 临界量与 β 取类别的")
def add_chemical(admin: AdminUser, conn: Conn, body: ChemicalIn):
    # the audit records the logged-in admin (set on the connection by app.deps.get_conn)
    with conn:
        return chemicals.add(conn, body.name, body.category, cas=body.cas, aliases=body.aliases,
                             name_en=body.name_en)


# -- the admin page ---------------------------------------------------------------------------------
def _page(conn, user, q: str | None, *, status: int = 200, message: str | None = None, ok: str | None = None,
          values: dict[str, str] | None = None) -> HTMLResponse:
    return html_page("chemicals.html", status=status, title="危险化学品目录", user=user, message=message, ok=ok,
                     q=q or "", found=chemicals.search(conn, q, limit=500),
                     categories=chemicals.categories(conn), values=values or {})


@router.get("/admin/chemicals", response_class=HTMLResponse, include_in_schema=False)
def chemicals_page(conn: Conn, admin: AdminUser, q: SearchQ = None,
                   done: Annotated[str | None, Query(max_length=200)] = None):
    """The catalogue with a search box, and the form entering a substance by its category."""
    return _page(conn, admin, q, ok=done)


@router.post("/admin/chemicals", response_class=HTMLResponse, include_in_schema=False)
async def chemicals_add_form(request: Request, conn: Conn, admin: AdminUser):
    form = {k: v for k, v in (await request.form(max_files=0, max_fields=10)).items() if isinstance(v, str)}
    aliases = [a for a in form.get("aliases", "").replace("；", ";").replace("、", ";").split(";") if a.strip()]
    try:
        with conn:
            entry = chemicals.add(conn, form.get("name", ""), form.get("category", ""),
                                  cas=form.get("cas") or None, aliases=aliases, name_en=form.get("name_en") or None)
    except (InvalidInput, Conflict) as exc:
        conn.rollback()
        return _page(conn, admin, None, status=409 if isinstance(exc, Conflict) else 422, message=str(exc),
                     values=form)
    done = (f"已登记「{entry['name_zh']}」: 类别 {entry['category']}, 临界量 {entry['critical_t']:g} t, "
            f"β {entry['beta']:g}")
    return RedirectResponse(f"/admin/chemicals?{urlencode({'q': entry['name_zh'], 'done': done})}", status_code=303)

