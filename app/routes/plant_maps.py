"""Printable plant and workshop four-colour maps as files (PNG, vector PDF, SVG).

``GET /api/enterprises/{id}/maps/plant.{png,pdf,svg}`` and ``GET /api/areas/{id}/maps/workshop.{fmt}``
with ``paper`` (A4/A3), ``orient`` (landscape/portrait), ``basis`` (residual/inherent/current), ``pair``
(固有 + 现有 sheets), ``dpi`` (PNG) and ``page`` (PNG/SVG: one page per file; a PDF holds them all).
The answer names the file (ASCII fallback plus ``filename*`` in UTF-8 with the enterprise's name) and
says how many pages there are in ``X-Page-Count``.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from pathlib import Path
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response
from fastapi import Path as PathParam

from app.deps import Conn, Drawing, Id
from layers.errors import InvalidInput
from layers.plant import BASIS_ZH
from maps.plant_map import FORMATS, render_enterprise_map

router = APIRouter(prefix="/api", tags=["maps"])

Fmt = Annotated[Literal["png", "pdf", "svg"], PathParam(description="文件格式 png/pdf/svg")]
Paper = Annotated[Literal["A4", "A3"], Query(description="纸张 A4/A3")]
Orient = Annotated[Literal["landscape", "portrait"], Query(description="landscape 横向 / portrait 纵向")]
Basis = Annotated[Literal["residual", "inherent", "current"],
                  Query(description="着色依据: residual 现有风险 / inherent 固有风险 / current 当前(含隐患动态调整)")]
Pair = Annotated[bool, Query(description="固有风险与现有风险两张图 (inherent-vs-residual pair)")]
Dpi = Annotated[int, Query(ge=72, le=300, description="PNG 分辨率")]
Page = Annotated[int, Query(ge=1, le=999, description="PNG/SVG 的页码 (PDF 含全部页)")]

#: matplotlib's font and text caches are not thread-safe: one sheet at a time (the machine has 2 cores).
_RENDER_LOCK = threading.Lock()


def _file(fmt: str, page: int, ascii_name: str, name: str, **kw) -> Response:
    tmp = Path(tempfile.mkdtemp(prefix="riskatlas-map-"))
    try:
        with _RENDER_LOCK:
            try:
                r = render_enterprise_map(kw.pop("conn"), tmp / f"map.{fmt}", **kw)
            except ValueError as exc:  # InvalidInput is a ValueError too: keep its errors
                if isinstance(exc, InvalidInput):
                    raise
                raise InvalidInput(str(exc)) from None
        if fmt != "pdf" and page > len(r.pages):
            raise InvalidInput(f"页码 {page} 超出范围: 共 {len(r.pages)} 页 (page out of range)",
                               [{"field": "page", "message": f"应为 1–{len(r.pages)}"}])
        content = (r.pages[0] if fmt == "pdf" else r.pages[page - 1]).read_bytes()
        pages = r.page_count
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    suffix = f"-p{page}" if fmt != "pdf" and pages > 1 else ""
    headers = {
        "Content-Disposition": f"attachment; filename=\"{ascii_name}{suffix}.{fmt}\"; "
                               f"filename*=UTF-8''{quote(name + suffix + '.' + fmt)}",
        "X-Page-Count": str(pages),
        "Cache-Control": "no-store",
    }
    return Response(content, media_type=FORMATS[f".{fmt}"], headers=headers)


def _enterprise_name(conn, enterprise_id: int) -> str:
    from layers.plant import enterprise_info

    return enterprise_info(conn, enterprise_id).name


@router.get("/enterprises/{enterprise_id}/maps/plant.{fmt}", dependencies=Drawing,
            summary="厂区安全风险四色分布图与较大及以上风险管控清单 (PNG/PDF/SVG)")
def plant_map(conn: Conn, enterprise_id: Id, fmt: Fmt, paper: Paper = "A4", orient: Orient = "landscape",
              basis: Basis = "residual", pair: Pair = False, dpi: Dpi = 300, page: Page = 1) -> Response:
    name = _enterprise_name(conn, enterprise_id)  # 404 before any drawing
    basis_zh = "固有与现有风险" if pair else BASIS_ZH[basis].split("(")[0]
    return _file(fmt, page, f"plant-{enterprise_id}-{'pair' if pair else basis}",
                 f"{name}-厂区安全风险四色分布图-{basis_zh}", conn=conn, enterprise_id=enterprise_id,
                 basis=basis, paper=paper, landscape=orient == "landscape", dpi=dpi, pair=pair)


@router.get("/areas/{area_id}/maps/workshop.{fmt}", dependencies=Drawing,
            summary="车间安全风险四色分布图与该车间的较大及以上风险清单 (PNG/PDF/SVG)")
def workshop_map(conn: Conn, area_id: Id, fmt: Fmt, paper: Paper = "A4", orient: Orient = "landscape",
                 basis: Basis = "residual", pair: Pair = False, dpi: Dpi = 300, page: Page = 1) -> Response:
    from layers.plant import workshop_info

    ws = workshop_info(conn, area_id)  # 404 / 422 (not a workshop) before any drawing
    name = _enterprise_name(conn, ws.enterprise_id)
    basis_zh = "固有与现有风险" if pair else BASIS_ZH[basis].split("(")[0]
    return _file(fmt, page, f"workshop-{area_id}-{'pair' if pair else basis}",
                 f"{name}-{ws.name}-车间安全风险四色分布图-{basis_zh}", conn=conn, workshop_id=area_id,
                 basis=basis, paper=paper, landscape=orient == "landscape", dpi=dpi, pair=pair)
