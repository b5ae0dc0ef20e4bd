"""Setting up a place and loading its data in the browser: the admins' region page (a province, city or
district by its code; towns/streets and supervision grids from a file) and the import page (enterprises,
plants and areas, risk lists, emergency resources, protection targets from a file).

Both call the same layers functions as the CLI (``riskatlas regions import``, ``riskatlas import``) and
the API (``POST /api/imports/{target}``): the same checks, all or nothing, every problem named by its
row or feature and field. The pages show the outcome, or the problems, on the page itself.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from app.deps import MAX_ID, AdminUser, Conn, WriterUser, query_id
from app.render import html_page
from app.uploads import read_upload
from layers import city
from layers.access.accounts import User
from layers.errors import Conflict, InvalidInput, NotFound
from layers.imports import (
    ENTERPRISE_TARGETS,
    FORMATS_BY_TARGET,
    TARGETS,
    ImportOptions,
    formats,
    import_file,
    may_import,
)
from layers.imports.problems import TooLarge, UnsupportedFormat
from layers.imports.source import max_upload_bytes
from layers.regions import REGION_LEVEL_ZH

router = APIRouter(include_in_schema=False)

#: HTTP status of a refusal shown on the page.
_STATUS = {TooLarge: 413, UnsupportedFormat: 415, InvalidInput: 422, NotFound: 404, Conflict: 409}


def _status(exc: Exception) -> int:
    return next((s for cls, s in _STATUS.items() if isinstance(exc, cls)), 422)


async def _upload(request: Request, what_zh: str):
    """The form's file and fields; a file too large or a broken form is a refusal shown on the page."""
    try:
        return await read_upload(request, max_upload_bytes(), what_zh=what_zh)
    except HTTPException as exc:                    # too large, answered before the body is read
        raise TooLarge(str(exc.detail), [{"field": "file", "message": str(exc.detail)}]) from None


def _accept(names: tuple[str, ...]) -> str:
    """The file chooser's ``accept`` list for some formats."""
    return ",".join(ext for n in names for ext in formats.FORMATS[n].extensions)


# -- regions ---------------------------------------------------------------------------------------

def _regions_page(conn: Conn, user: User, *, status: int = 200, message: str | None = None, ok: str | None = None,
                  problems: list[dict] | None = None, result: Any = None) -> HTMLResponse:
    choices = city.region_choices(conn)
    return html_page("admin_regions.html", status=status, title="区域设置", user=user, message=message, ok=ok,
                     problems=problems or [], result=result, regions=choices, level_zh=REGION_LEVEL_ZH,
                     accept=_accept(("geojson", "gpkg", "shapefile")))


@router.get("/admin/regions", response_class=HTMLResponse)
def regions_page(conn: Conn, user: AdminUser, done: Annotated[str | None, Query(max_length=300)] = None):
    return _regions_page(conn, user, ok=done)


@router.post("/admin/regions/import", response_class=HTMLResponse)
async def regions_import(request: Request, conn: Conn, user: AdminUser):
    from layers.regions_import import import_region

    form = {k: v for k, v in (await request.form(max_files=0, max_fields=5)).items() if isinstance(v, str)}
    adcode = (form.get("adcode") or "").strip()

    def run():
        with conn:
            return import_region(conn, adcode)

    try:
        r = await run_in_threadpool(run)
    except (InvalidInput, NotFound, Conflict) as exc:
        return _regions_page(conn, user, status=_status(exc), message=str(exc), problems=getattr(exc, "errors", []))
    children = [c for c in r.created if c["adcode"] != r.adcode]
    below = f", 下级 {len(children)} 个" if children else ""
    done = urlencode({"done": f"已导入「{r.name}」({r.adcode}){below}"})
    return RedirectResponse(f"/admin/regions?{done}", status_code=303)


@router.post("/admin/regions/import-file", response_class=HTMLResponse)
async def regions_import_file(request: Request, conn: Conn, user: AdminUser):
    from layers.regions_import import import_region_file

    try:
        up = await _upload(request, "区域文件")
    except InvalidInput as exc:
        return _regions_page(conn, user, status=_status(exc), message=str(exc), problems=exc.errors)
    f = {k: (v.strip() or None) for k, v in up.fields.items()}

    def run():
        with conn:
            return import_region_file(conn, up.data, up.filename, parent=f.get("parent") or "", level=f.get("level"),
                                      name_field=f.get("name_field"), code_field=f.get("code_field"),
                                      officer_field=f.get("officer_field"), phone_field=f.get("phone_field"),
                                      crs=f.get("crs"), dry_run=bool(f.get("dry_run")))

    try:
        r = await run_in_threadpool(run)
    except (InvalidInput, NotFound, Conflict) as exc:
        return _regions_page(conn, user, status=_status(exc), message=str(exc), problems=getattr(exc, "errors", []))
    return _regions_page(conn, user, ok=(f"{'校验通过, 未写入' if r.dry_run else '已导入'}: 「{r.parent}」下 "
                                         f"{len(r.created)} 个{REGION_LEVEL_ZH[r.level]}"), result=r)


# -- imports ---------------------------------------------------------------------------------------

def _targets(user: User) -> dict[str, str]:
    """The targets this user may load: shared data for admins, one enterprise's data for its users."""
    return {k: v for k, v in TARGETS.items() if may_import(user.role, k)}


def _imports_page(user: User, *, status: int = 200, message: str | None = None, problems: list[dict] | None = None,
                  result: Any = None, values: dict | None = None) -> HTMLResponse:
    targets = _targets(user)
    accepts = {t: _accept(FORMATS_BY_TARGET[t]) for t in targets}
    listed = {t: "、".join(formats.title(f) for f in FORMATS_BY_TARGET[t]) for t in targets}
    return html_page("imports.html", status=status, title="导入数据", user=user, message=message, ok=None,
                     problems=problems or [], result=result, targets=targets, accepts=accepts, listed=listed,
                     enterprise_targets=ENTERPRISE_TARGETS, values=values or {},
                     limit_mb=max_upload_bytes() // (1024 * 1024))


@router.get("/imports", response_class=HTMLResponse)
def imports_page(user: WriterUser, target: Annotated[str | None, Query(max_length=20)] = None,
                 enterprise_id: Annotated[int | None, query_id("导入到哪个企业")] = None):
    return _imports_page(user, values={"target": target or "", "enterprise_id": enterprise_id or ""})


@router.post("/imports", response_class=HTMLResponse)
async def imports_post(request: Request, conn: Conn, user: WriterUser):
    try:
        up = await _upload(request, "导入文件")
    except InvalidInput as exc:
        return _imports_page(user, status=_status(exc), message=str(exc), problems=exc.errors)
    f = {k: v.strip() for k, v in up.fields.items()}
    target = f.get("target", "")
    if target not in _targets(user):
        return _imports_page(user, status=422, values=f, message=f"请选择要导入的数据 (choose what to import): "
                                                                 f"{'、'.join(_targets(user).values())}")
    enterprise_id: int | None = None
    if target in ENTERPRISE_TARGETS:
        given = f.get("enterprise_id", "")
        if given.isdigit() and 0 < int(given) <= MAX_ID:
            enterprise_id = int(given)          # another enterprise's id is "not found" (row-level security)
        elif not given and user.role == "enterprise":
            enterprise_id = user.enterprise_id
        else:
            return _imports_page(user, status=422, values=f,
                                 message=f"导入{TARGETS[target]}须填写企业编号 (enterprise id required)")
    opts = ImportOptions(crs=f.get("crs") or None, enterprise_id=enterprise_id, layer=f.get("layer") or None,
                         dry_run=bool(f.get("dry_run")), actor=user.actor)

    def run():
        with conn:
            return import_file(conn, target, up.data, up.filename, opts)

    try:
        result = await run_in_threadpool(run)
    except (InvalidInput, NotFound, Conflict) as exc:
        return _imports_page(user, status=_status(exc), values=f, message=str(exc),
                             problems=getattr(exc, "errors", []))
    return _imports_page(user, values=f, result=result)
