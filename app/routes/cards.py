"""岗位安全风险告知卡: the public card page (the QR code's landing page) and the printable PDFs.

``GET /cards/{id}`` is public on purpose: a worker scans the card on the wall with a phone, with no
account. It shows only what the printed card shows (no edit, no token in the URL). Every name from
the database is HTML-escaped; an unknown id answers a Chinese 404 page.
"""

from __future__ import annotations

import tempfile
from html import escape
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from app.deps import MAX_ID, Conn, EnterpriseId, PublishingConn, path_id
from app.files import file_download
from app.settings import web_settings
from layers.cards import GENERAL_EMERGENCY, PostCard, card_areas, card_url, post_card
from layers.errors import NotFound
from layers.levels import NAMES, PALETTE, UNASSESSED, Level
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
# The public page
# ------------------------------------------------------------------------------------------------

_STYLE = """
*{box-sizing:border-box}body{font-family:"Noto Sans CJK SC","Noto Sans SC","Microsoft YaHei",sans-serif;margin:0;
color:#1a1a1a;background:#efeee9}main{max-width:760px;margin:0 auto;background:#fff;min-height:100vh;
border-left:1px solid #ccc;border-right:1px solid #ccc}
.band{padding:18px 16px 14px;text-align:center}.band h1{margin:0;font-size:26px;letter-spacing:4px}
.band p{margin:6px 0 0;font-size:14px}
table{border-collapse:collapse;width:100%}th,td{border-top:1px solid #bbb;padding:8px 10px;font-size:15px;
vertical-align:top;text-align:left}th{width:7.5em;background:#f2f1ee;font-weight:bold;text-align:center;
vertical-align:middle}td ul,td ol{margin:0;padding-left:1.3em}.level{font-size:20px;font-weight:bold;text-align:center}
.kind{font-weight:bold}.signs span{display:inline-block;margin:2px 12px 2px 0;text-align:center;font-size:13px}
.signs svg{display:block;margin:0 auto 2px}.phones a{font-size:18px;font-weight:bold;text-decoration:none;color:#0b4f8a}
.notice{margin:10px 12px;padding:10px 12px;border:2px solid #333;font-size:14px}
.risks th{width:auto;font-size:13px}.risks td{font-size:13px}.lv{display:inline-block;padding:1px 6px;
border:1px solid #333;white-space:nowrap}footer{padding:12px;font-size:12px;color:#555;border-top:1px solid #bbb}
footer a{color:#0b4f8a}h2{font-size:16px;margin:16px 12px 6px}
"""


def _level_style(level: Level | str | None) -> str:
    return f"background:{PALETTE.colour(level)};color:{PALETTE.text_colour(level)}"


def _lv_badge(level: Level | None) -> str:
    key = level.value if level else UNASSESSED
    return f'<span class="lv" data-level="{key}" style="{_level_style(level)}">{escape(NAMES[key]["zh"])}</span>'


def _sign_svg() -> str:
    fill = PALETTE.colour(Level.GENERAL)
    return (f'<svg width="44" height="40" viewBox="0 0 44 40" aria-hidden="true"><polygon points="22,3 41,37 3,37" '
            f'fill="{fill}" stroke="#000" stroke-width="3.5" stroke-linejoin="round"/>'
            '<text x="22" y="33" text-anchor="middle" font-size="22" font-weight="bold">!</text></svg>')


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    html = f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title><style>{_STYLE}</style></head><body><main>{body}</main></body></html>"""
    return HTMLResponse(html, status_code=status)


def _not_found(message: str) -> HTMLResponse:
    body = (f'<div class="band" style="{_level_style(None)}"><h1>未找到告知卡</h1></div>'
            f'<div class="notice">{escape(message)}</div>'
            '<footer>请核对告知卡上的二维码或编号; 如二维码已失效, 请联系企业安全管理人员。 (card not found)</footer>')
    return _page("未找到告知卡 (card not found)", body, 404)


def card_page_html(card: PostCard) -> str:
    e = escape
    level = card.level
    key = level.value if level else UNASSESSED
    basis = "现有风险" if card.basis == "residual" else "固有风险"
    level_text = f"{NAMES[key]['zh']}" + (f" ({NAMES[key]['colour_zh']}色)" if level else "")
    notice = ""
    if card.current_level and (level is None or card.current_level > level):
        notice = (f'<div class="notice" data-current-level="{card.current_level.value}">当前风险等级已动态调整为 '
                  f'{_lv_badge(card.current_level)}: 该岗位存在未闭环或逾期的隐患, 请按应急处置措施与管控措施作业, '
                  f'并及时报告。</div>')
    measures = "".join(f'<li><span class="kind">【{e(kind)}】</span>{e("；".join(items))}</li>'
                       for kind, items in card.measures) or "<li>—</li>"
    emergency = "".join(f"<li>{e(x)}</li>" for x in card.emergency_measures) or f"<li>{e(GENERAL_EMERGENCY)}</li>"
    consequences = "".join(f"<li>{e(x)}</li>" for x in card.consequences) or "<li>—</li>"
    signs = "".join(f"<span>{_sign_svg()}{e(s)}</span>" for s in card.signs) or "—"
    who = "".join(f'<li>{e(c.name)} <a href="tel:{e(c.phone)}">{e(c.phone)}</a></li>' if c.phone else f"<li>{e(c.name)}</li>"
                  for c in card.responsible) or "<li>—</li>"
    phones = "".join(f'<li>{e(label)}: <a href="tel:{e(num)}">{e(num)}</a></li>' for label, num in card.emergency_contacts)
    risks = "".join(
        f"<tr><td>{e(r.name)}</td><td>{e(r.accident_type_zh)}</td><td>{_lv_badge(r.level)}</td>"
        f"<td>{e(r.control_tier_zh)}</td><td>{e(r.responsible or '—')}</td></tr>"
        for r in card.risks
    ) or '<tr><td colspan="5">尚未辨识风险 (no risks recorded)</td></tr>'
    headcount = f"{card.headcount} 人" if card.headcount is not None else "—"
    issued = card.issued.isoformat() if card.issued else "—"
    return f"""
<div class="band" style="{_level_style(level)}"><h1>岗位安全风险告知卡</h1><p>{e(card.enterprise_name)}</p></div>
{notice}
<table id="card">
<tr><th>岗位名称</th><td id="post-name"><b>{e(card.name)}</b> <small>编号 {e(card.code)}</small></td></tr>
<tr><th>所在区域</th><td>{e(card.location or '—')} · {e(card.kind_zh)} · 岗位人数 {headcount}</td></tr>
<tr><th>风险等级</th><td class="level" id="level" data-level="{key}" style="{_level_style(level)}">{e(level_text)}
<div style="font-size:12px;font-weight:normal">按{basis}评定</div></td></tr>
<tr><th>主要危险有害因素</th><td>{e('；'.join(card.hazard_factors) or '—')}</td></tr>
<tr><th>可能导致的事故类型及后果</th><td><ul>{consequences}</ul></td></tr>
<tr><th>管控措施</th><td><ul>{measures}</ul></td></tr>
<tr><th>应急处置措施</th><td><ol>{emergency}</ol></td></tr>
<tr><th>警示标志</th><td class="signs">{signs}</td></tr>
<tr><th>责任人及电话</th><td><ul>{who}</ul></td></tr>
<tr><th>应急电话</th><td class="phones"><ul>{phones}</ul></td></tr>
</table>
<h2>风险点明细</h2>
<table class="risks"><tr><th>风险点/作业活动</th><th>事故类型</th><th>风险等级</th><th>管控层级</th><th>责任人</th></tr>
{risks}</table>
<footer>发布日期 {issued} · <a href="/api/posts/{card.area_id}/card.pdf">下载打印版 (PDF)</a> ·
风险等级颜色: 红 重大 · 橙 较大 · 黄 一般 · 蓝 低</footer>"""


@router.get("/cards/{card_id}", response_class=HTMLResponse, include_in_schema=False)
def card_page(conn: PublishingConn, card_id: str):
    """The public card (no login: it is what the QR code on the printed card opens)."""
    if not card_id.isascii() or not card_id.isdigit() or not 1 <= int(card_id) <= MAX_ID:
        return _not_found(f"告知卡编号 {card_id!r} 无效, 应为数字 (invalid card id)")
    try:
        card = post_card(conn, int(card_id))
    except NotFound as exc:
        return _not_found(str(exc))
    return _page(f"{card.name} 岗位安全风险告知卡 - {card.enterprise_name}", card_page_html(card))
