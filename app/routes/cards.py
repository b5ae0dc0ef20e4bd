"""岗位安全风险告知卡: the public card page (the QR code's landing page), the printable PDFs, and the
enterprise's controls over its public cards.

``GET /cards/{token}`` is public on purpose: a worker scans the card on the wall with a phone, with
no account. The token is the card's random one (:mod:`layers.cards`), never the area's id, so the
cards cannot be collected by counting; the page is rate-limited per address, and it shows the card
with personal mobile numbers masked unless the enterprise publishes them. Any path that opens no
card — an unknown, re-issued or malformed token, or a numeric id of the earlier URLs — answers the
same Chinese 404 page, so nothing can be learnt from it. A numeric id is not redirected even for a
logged-in user: they have the console and the PDF routes, and a redirect would make the public
route check sessions and answer differently for ids that exist.

The PDFs (login required) print every number in full: the card hangs inside the plant, and a
masked number cannot be dialled in an emergency. The templates escape every name from the database.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, StrictBool

from app.deps import Conn, Drawing, EnterpriseId, PublishingConn, RateLimited, WriterUser, path_id
from app.files import file_download
from app.render import html_page
from app.settings import web_settings
from layers.cards import (
    GENERAL_EMERGENCY,
    PostCard,
    card_areas,
    card_by_token,
    card_url,
    post_card,
    public_card,
    reissue_token,
    set_publish_mobile,
)
from layers.errors import NotFound
from maps.cards import CardOptions, render_card, render_cards

router = APIRouter(tags=["cards"])

AreaId = Annotated[int, path_id("岗位 (区域) id")]
PaperQ = Annotated[Literal["A5", "A4"], Query(description="纸张: A5 (默认) 或 A4, 纵向")]
BasisQ = Annotated[Literal["residual", "inherent"], Query(description="风险等级依据: residual 现有 / inherent 固有")]
VersionQ = Annotated[str, Query(max_length=20, pattern=r"^[\w.\-]+$", description="版本, 如 V1.0")]


def _url(card: PostCard) -> str:
    return card_url(web_settings().public_base_url, card.token)


@router.get("/api/posts/{area_id}/card.pdf", dependencies=Drawing, summary="岗位安全风险告知卡 (PDF, A5/A4), 含二维码")
def get_card_pdf(conn: Conn, area_id: AreaId, paper: PaperQ = "A5", basis: BasisQ = "residual",
                 version: VersionQ = "V1.0"):
    card = post_card(conn, area_id, basis)
    tmp = Path(tempfile.mkdtemp(prefix="riskatlas-card-"))
    out = render_card(card, _url(card), tmp / "card.pdf", CardOptions(paper, version))
    return file_download(out, f"{card.enterprise_name}-{card.name}-岗位安全风险告知卡.pdf", f"card-{area_id}.pdf",
                         cleanup=tmp)


@router.get("/api/enterprises/{enterprise_id}/cards.pdf", dependencies=Drawing, summary="企业全部岗位安全风险告知卡 (批量打印, 一卡一页)")
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
# The enterprise's controls: a new token for a leaked card, publishing mobile numbers
# ------------------------------------------------------------------------------------------------

@router.post("/api/posts/{area_id}/card-token", summary="重新生成告知卡二维码令牌 (旧二维码随即失效, 需重新打印)")
def post_card_token(conn: Conn, user: WriterUser, area_id: AreaId):
    """A new random token for the post's public card; the old QR code opens nothing from now on."""
    with conn:
        issued = reissue_token(conn, area_id)
    return {"area_id": issued.area_id, "url": card_url(web_settings().public_base_url, issued.token),
            "issued_at": issued.issued_at.isoformat()}


class CardSettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    publish_mobile: StrictBool


@router.put("/api/enterprises/{enterprise_id}/card-settings",
            summary="告知卡公开页是否完整显示手机号 (默认打码, 如 138****5678)")
def put_card_settings(conn: Conn, user: WriterUser, enterprise_id: EnterpriseId, body: CardSettingsIn):
    with conn:
        publish = set_publish_mobile(conn, enterprise_id, body.publish_mobile)
    return {"enterprise_id": enterprise_id, "publish_mobile": publish}


# ------------------------------------------------------------------------------------------------
# The public page (templates card.html, card_not_found.html)
# ------------------------------------------------------------------------------------------------

@router.get("/cards/{token:path}", response_class=HTMLResponse, include_in_schema=False, dependencies=RateLimited)
def card_page(conn: PublishingConn, token: str):
    """The public card (no login: it is what the QR code on the printed card opens). Every path
    under /cards/ comes here, so a URL mangled on its way from the QR code still gets this page."""
    try:
        card = card_by_token(conn, token)
    except NotFound as exc:
        return html_page("card_not_found.html", status=404, message=str(exc))
    return html_page("card.html", card=public_card(card), GENERAL_EMERGENCY=GENERAL_EMERGENCY)
