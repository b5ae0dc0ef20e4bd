"""岗位安全风险告知卡: the public card page (the QR code's landing page) and the printable PDFs.

``GET /cards/{id}`` is public on purpose: a worker scans the card on the wall with a phone, with no
account. It shows only what the printed card shows (no edit, no token in the URL); the templates
``card.html`` and ``card_not_found.html`` escape every name from the database, and an unknown id
answers a Chinese 404 page.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from app.deps import MAX_ID, Conn, EnterpriseId, PublishingConn, path_id
from app.files import file_download
from app.render import html_page
from app.settings import web_settings
from layers.cards import GENERAL_EMERGENCY, PostCard, card_areas, card_url, post_card
from layers.errors import NotFound
from maps.cards import CardOptions, render_card, render_cards

router = APIRouter(tags=["cards"])

AreaId = Annotated[int, path_id("岗位 (区域) id")]
PaperQ = Annotated[Literal["A5", "A4"], Query(description="纸张: A5 (默认) 或 A4, 纵向")]
BasisQ = Annotated[Literal["residual", "inherent"], Query(description="风险等级依据: residual 现有 / inherent 固有")]
VersionQ = Annotated[str, Query(max_length=20, pattern=r"^[\w.\-]+$", description="版本, 如 V1.0")]


def _url(card: PostCard) -> str:
    return card_url(web_settings().public_base_url, card.area_id)


@router.get("/api/posts/{area_id}/card.pdf", summary="岗位安全风险告知卡 (PDF, A5/A4), 含二维码")
def get_card_pdf(conn: Conn, area_id: AreaId, paper: PaperQ = "A5", basis: BasisQ = "residual",
                 version: VersionQ = "V1.0"):
    card = post_card(conn, area_id, basis)
    tmp = Path(tempfile.mkdtemp(prefix="riskatlas-card-"))
    out = render_card(card, _url(card), tmp / "card.pdf", CardOptions(paper, version))
    return file_download(out, f"{card.enterprise_name}-{card.name}-岗位安全风险告知卡.pdf", f"card-{area_id}.pdf",
                         cleanup=tmp)


@router.get("/api/enterprises/{enterprise_id}/cards.pdf", summary="企业全部岗位安全风险告知卡 (批量打印, 一卡一页)")
def get_cards_pdf(conn: Conn, enterprise_id: EnterpriseId, paper: PaperQ = "A5", basis: BasisQ = "residual",
                  version: VersionQ = "V1.0"):
    cards = card_areas(conn, enterprise_id, basis)
    if not cards:
        raise NotFound(f"企业 {enterprise_id} 尚未绘制岗位或车间, 没有告知卡 (no posts drawn yet)")
    tmp = Path(tempfile.mkdtemp(prefix="riskatlas-cards-"))
    out = render_cards(cards, _url, tmp / "cards.pdf", CardOptions(paper, version))
    return file_download(out, f"{cards[0].enterprise_name}-岗位安全风险告知卡.pdf", f"cards-{enterprise_id}.pdf",
                         cleanup=tmp)


# ------------------------------------------------------------------------------------------------
# The public page (templates card.html, card_not_found.html)
# ------------------------------------------------------------------------------------------------

@router.get("/cards/{card_id}", response_class=HTMLResponse, include_in_schema=False)
def card_page(conn: PublishingConn, card_id: str):
    """The public card (no login: it is what the QR code on the printed card opens)."""
    if not card_id.isascii() or not card_id.isdigit() or not 1 <= int(card_id) <= MAX_ID:
        return html_page("card_not_found.html", status=404,
                         message=f"告知卡编号 {card_id!r} 无效, 应为数字 (invalid card id)")
    try:
        card = post_card(conn, int(card_id))
    except NotFound as exc:
        return html_page("card_not_found.html", status=404, message=str(exc))
    return html_page("card.html", card=card, GENERAL_EMERGENCY=GENERAL_EMERGENCY)
