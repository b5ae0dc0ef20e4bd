"""岗位安全风险告知卡 (post risk notification cards): the fields of one card, gathered from the data.

docs/domain.md §4 lists a card's fields: 岗位/区域名称, 编号, 风险等级 colour band, 主要危险有害因素, 可能导致的
事故类型及后果, 管控措施, 应急处置措施, 责任人与电话, 应急电话, safety signs, QR code linking to the online
record, 发布日期/版本. Seed 003 第十一条: the card names the post, the accident types and their
consequences, the hazard factors and the control measures.

Which areas have a card (:func:`card_areas`): every operating post (area kind 'post' or 'unit', the
places of Shandong guide 附件1), and every workshop with no post or unit drawn inside it (most small
enterprises record their risks on the workshop: the workshop is then the place where people work).
:func:`post_card` also answers for any workshop on request (a 区域 card). The plant and other
buildings have none. Management posts (0005) are not places and have no card.

A card shows the risks of its area and of every area below it, so that the colour band (the area's
level from the ``area_level`` view, 从严从高 over the same risks) and the content agree.

Where the fields come from:

* 风险等级: ``area_level.<basis>_level`` (residual 现有 by default, the level the plant map and the lists
  use); ``current_level`` (after the dynamic rules for open 隐患) is carried along for the web page.
* 主要危险有害因素 / 事故类型 / 后果 / 管控措施 / 责任人: the ``risk`` rows and their ``control_measure``
  rows; measures of kind 'emergency' (Shandong guide 第八条 (六) 应急处置) are the 应急处置措施.
* 应急电话: ``enterprise.emergency_phone``; 报告电话: the enterprise's safety manager and contact phone;
  the public numbers 119 (火警) and 120 (急救) are printed on every card.
* 警示标志: derived from the accident types by :data:`WARNING_SIGNS` (GB 2894-2008 警告标志 names);
  the data model holds no sign column.
* 发布日期: the latest change of the card's risks (``risk.updated_at``), so a reprint of an unchanged
  card carries the same date; the 版本 is the caller's (the renderer's argument).

The public page and the QR code: a card is reached without login at ``/cards/<token>``, where the
token is random (table ``card_token``, one per area, migration 0018), never the area's sequential id,
so the cards cannot be collected by counting. :func:`card_by_token` is the only way from a token to a
card; :func:`reissue_token` replaces a leaked token (the old one then opens nothing). The public page
shows :func:`public_card`: personal mobile numbers masked (138****5678) unless the enterprise
publishes them (``enterprise.card_publish_mobile``, :func:`set_publish_mobile`); landlines and the
public emergency numbers stay whole. The printed card keeps every number: it hangs inside the plant,
where the people it names are colleagues, and a masked number cannot be dialled in an emergency.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from typing import Literal

import psycopg2.extensions

from db.sql import statements
from layers.errors import NotFound
from layers.levels import Level
from layers.risk_lists import Measure, load_vocab, natural_key

SQL = statements(__file__)

Basis = Literal["residual", "inherent"]

#: Area kinds that may have a card.
CARD_KINDS = ("post", "unit", "workshop")

#: GB 6441 accident type -> GB 2894-2008 警告标志 (warning sign) name. Types without a sign of their
#: own take the general warning sign 注意安全 (GB 2894-2008 warning sign 2-1).
WARNING_SIGNS: dict[int, str] = {
    1: "当心落物",       # 物体打击
    2: "当心车辆",       # 车辆伤害
    3: "当心机械伤人",   # 机械伤害
    4: "当心吊物",       # 起重伤害
    5: "当心触电",       # 触电
    6: "当心落水",       # 淹溺
    7: "当心烫伤",       # 灼烫
    8: "当心火灾",       # 火灾
    9: "当心坠落",       # 高处坠落
    10: "当心塌方",      # 坍塌
    11: "当心冒顶",      # 冒顶片帮
    12: "注意安全",      # 透水
    13: "当心爆炸",      # 放炮
    14: "当心爆炸",      # 火药爆炸
    15: "当心爆炸",      # 瓦斯爆炸
    16: "当心爆炸",      # 锅炉爆炸
    17: "当心爆炸",      # 容器爆炸
    18: "当心爆炸",      # 其它爆炸
    19: "当心中毒",      # 中毒和窒息
    20: "注意安全",      # 其它伤害
}

#: Printed when none of a card's risks has a 应急处置 measure, marked as the general rule it is (the
#: data hold no post-specific one): stop, withdraw, report.
GENERAL_EMERGENCY = "(通用) 发现异常立即停止作业, 撤离至安全区域并报告"

#: Public emergency numbers printed on every card.
PUBLIC_NUMBERS: tuple[tuple[str, str], ...] = (("火警", "119"), ("急救", "120"))


@dataclass(frozen=True)
class CardRisk:
    id: int
    area_id: int
    name: str  # 风险点 / 作业活动
    hazard_factors: str
    causes: str | None
    consequences: str | None
    accident_type: int
    accident_type_zh: str
    level: Level  # by the card's basis
    control_tier_zh: str
    responsible: str | None
    responsible_phone: str | None
    measures: tuple[Measure, ...]


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str | None


@dataclass
class PostCard:
    area_id: int
    code: str
    name: str  # 岗位名称
    kind: str
    kind_zh: str
    location: str  # 车间/单元 above it, e.g. 熔铸车间
    enterprise_id: int
    enterprise_name: str
    headcount: int | None
    equipment: str | None
    activities: str | None
    basis: Basis
    level: Level | None  # the colour band: area_level.<basis>_level
    inherent_level: Level | None
    residual_level: Level | None
    current_level: Level | None  # after the dynamic rules (open 隐患): the web page says so
    risks: list[CardRisk] = field(default_factory=list)
    emergency_phone: str | None = None
    safety_manager: str | None = None
    safety_phone: str | None = None
    issued: dt.date | None = None
    control_kinds_zh: dict[str, str] = field(default_factory=dict)  # control_kind code -> 消除/替代/...
    token: str | None = None  # the public page's token (card_token); every area has one
    publish_mobile: bool = False  # the enterprise shows mobile numbers on the public page

    # -- the card's fields, derived from the risks ------------------------------------------------
    @property
    def hazard_factors(self) -> list[str]:
        """主要危险有害因素, without repeats, in risk order."""
        return _unique(r.hazard_factors for r in self.risks)

    @property
    def accident_types(self) -> list[str]:
        return _unique(r.accident_type_zh for r in self.risks)

    @property
    def consequences(self) -> list[str]:
        """可能导致的事故类型及后果: one line per accident type, with its consequences."""
        by_type: dict[str, list[str]] = defaultdict(list)
        for r in self.risks:
            by_type[r.accident_type_zh]  # keeps the order of first appearance
            c = r.consequences
            if c and c != r.accident_type_zh and c not in by_type[r.accident_type_zh]:
                by_type[r.accident_type_zh].append(c)
        return [f"{t}: {'、'.join(c)}" if c else t for t, c in by_type.items()]

    @property
    def measures(self) -> list[tuple[str, list[str]]]:
        """管控措施 grouped by kind in Shandong guide 第八条 order (消除, 替代, 工程控制, 管理, 个体防护),
        without the 应急处置 measures, without repeats."""
        groups: dict[str, list[str]] = {k: [] for k in self.control_kinds_zh if k != "emergency"}
        for r in self.risks:
            for m in r.measures:
                if m.kind != "emergency" and m.description not in groups.setdefault(m.kind, []):
                    groups[m.kind].append(m.description)
        return [(self.control_kinds_zh.get(k, k), v) for k, v in groups.items() if v]

    @property
    def emergency_measures(self) -> list[str]:
        return _unique(m.description for r in self.risks for m in r.measures if m.kind == "emergency")

    @property
    def responsible(self) -> list[Contact]:
        """责任人与电话, without repeats, highest-level risks first."""
        seen: dict[str, Contact] = {}
        for r in sorted(self.risks, key=lambda r: -r.level.rank):
            if r.responsible and r.responsible not in seen:
                seen[r.responsible] = Contact(r.responsible, r.responsible_phone)
        return list(seen.values())

    @property
    def signs(self) -> list[str]:
        """警示标志 (GB 2894-2008), one per distinct sign, highest-level risks first."""
        return _unique(WARNING_SIGNS.get(r.accident_type, "注意安全")
                       for r in sorted(self.risks, key=lambda r: -r.level.rank))

    @property
    def emergency_contacts(self) -> list[tuple[str, str]]:
        """(label, number) pairs: 应急电话, 报告电话 (安全管理人员), then 119 and 120."""
        out = []
        if self.emergency_phone:
            out.append(("企业应急电话", self.emergency_phone))
        if self.safety_phone:
            who = f"安全管理人员 {self.safety_manager}" if self.safety_manager else "安全管理人员"
            out.append((f"报告电话 ({who})", self.safety_phone))
        out.extend(PUBLIC_NUMBERS)
        return out


def _unique(items) -> list[str]:
    out: list[str] = []
    for x in items:
        x = (x or "").strip()
        if x and x not in out:
            out.append(x)
    return out


#: A card token as migration 0018 makes them: 16 random bytes in base64url, 22 characters.
TOKEN = re.compile(r"[A-Za-z0-9_-]{22}")

#: A mainland mobile number (1[3-9] and nine digits), optionally after +86 and with the usual
#: separators (138-1234-5678, 138 1234 5678), not inside a longer run of digits.
MOBILE = re.compile(r"(?<![\d+])(?:\+?86[ -]?)?(1[3-9]\d)[ -]?\d{4}[ -]?(\d{4})(?!\d)")


def card_url(base_url: str, token: str | None) -> str:
    """The public page a card's QR code points to: the card's random token, no login."""
    if token is None or not TOKEN.fullmatch(token):
        raise ValueError(f"告知卡令牌无效: {token!r} (invalid card token)")
    return f"{base_url.rstrip('/')}/cards/{token}"


def mask_mobile(text: str | None) -> str | None:
    """``text`` with every mobile number masked to its first three and last four digits
    (13812345678 -> 138****5678); landlines (0519-…) and short numbers (119, 120) are left alone."""
    return MOBILE.sub(r"\1****\2", text) if text else text


def public_card(card: PostCard) -> PostCard:
    """The card as the public page shows it: mobile numbers masked unless the enterprise publishes
    them. Names are masked too, where a number was typed into them."""
    if card.publish_mobile:
        return card
    risks = [replace(r, responsible=mask_mobile(r.responsible), responsible_phone=mask_mobile(r.responsible_phone))
             for r in card.risks]
    return replace(card, risks=risks, emergency_phone=mask_mobile(card.emergency_phone),
                   safety_manager=mask_mobile(card.safety_manager), safety_phone=mask_mobile(card.safety_phone))


def _level(v: str | None) -> Level | None:
    return Level(v) if v else None


def _cards(conn: psycopg2.extensions.connection, where: str, params: dict, basis: Basis) -> list[PostCard]:
    if basis not in ("residual", "inherent"):
        raise ValueError(f"basis 应为 residual 或 inherent, 实为 {basis!r}")
    vocab = load_vocab(conn)
    with conn.cursor() as cur:
        cur.execute(SQL["areas"].format(where=where), params)
        rows = cur.fetchall()
        cards: dict[int, PostCard] = {}
        order: dict[int, tuple] = {}
        for (aid, code, name, kind, kind_zh, eid, ename, headcount, equipment, activities, inh, res, cur_level,
             ephone, manager, cphone, token, publish_mobile, location, wcode) in rows:
            cards[aid] = PostCard(
                aid, code, name, kind, kind_zh, location or "", eid, ename, headcount, equipment, activities,
                basis, _level(res if basis == "residual" else inh), _level(inh), _level(res), _level(cur_level),
                emergency_phone=ephone, safety_manager=manager, safety_phone=cphone,
                control_kinds_zh=dict(vocab.control_kinds), token=token, publish_mobile=publish_mobile)
            order[aid] = (natural_key(wcode), kind == "workshop", natural_key(code), aid)
        if cards:
            cur.execute(SQL["risks"].format(basis=basis), {"ids": list(cards)})
            risks = cur.fetchall()
            cur.execute("SELECT risk_id, kind::text, description FROM control_measure WHERE risk_id = ANY (%s) "
                        "ORDER BY risk_id, position", ([r[1] for r in risks],))
            measures: dict[int, list[Measure]] = defaultdict(list)
            for rid, mkind, desc in cur.fetchall():
                measures[rid].append(Measure(mkind, desc))
            for (card_id, rid, area_id, rname, factors, causes, consequences, atype, atype_zh, level, tier_zh,
                 responsible, phone, updated) in risks:
                card = cards[card_id]
                card.risks.append(CardRisk(rid, area_id, rname, factors, causes, consequences, atype, atype_zh,
                                           Level(level), tier_zh, responsible, phone, tuple(measures.get(rid, []))))
                day = updated.date()
                card.issued = day if card.issued is None or day > card.issued else card.issued
    return [cards[k] for k in sorted(cards, key=lambda k: order[k])]


def post_card(conn: psycopg2.extensions.connection, area_id: int, basis: Basis = "residual") -> PostCard:
    """The card of one post, unit or workshop. NotFound for an unknown id or an area without a card
    (the plant, other buildings)."""
    cards = _cards(conn, "a.id = %(id)s AND a.kind IN ('post', 'unit', 'workshop')", {"id": area_id}, basis)
    if not cards:
        with conn.cursor() as cur:
            cur.execute("SELECT kind::text, name FROM area WHERE id = %s", (area_id,))
            row = cur.fetchone()
        if row is None:
            raise NotFound(f"岗位 {area_id} 不存在 (post not found)")
        raise NotFound(f"区域 {area_id} ({row[1]}) 是{'厂区' if row[0] == 'plant' else '其他建筑'}, "
                       "没有岗位安全风险告知卡 (this area has no notification card)")
    return cards[0]


def card_areas(conn: psycopg2.extensions.connection, enterprise_id: int, basis: Basis = "residual") -> list[PostCard]:
    """Every card of one enterprise, in list order (workshop code, then area code): its posts and units,
    and its workshops that have no post or unit inside. NotFound for an unknown enterprise."""
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM enterprise WHERE id = %s", (enterprise_id,))
        if cur.fetchone() is None:
            raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
    where = """a.enterprise_id = %(e)s AND (a.kind IN ('post', 'unit') OR (a.kind = 'workshop' AND NOT EXISTS (
                 SELECT 1 FROM area c WHERE c.parent_id = a.id AND c.kind IN ('post', 'unit'))))"""
    return _cards(conn, where, {"e": enterprise_id}, basis)


#: What the public page says for any token that opens no card: unknown, re-issued, malformed, or
#: an area without a card. One answer for all, so a guess learns nothing.
NO_CARD = "未找到该告知卡: 链接无效或已作废, 请扫描现场张贴的最新告知卡 (card not found or revoked)"


def card_by_token(conn: psycopg2.extensions.connection, token: str, basis: Basis = "residual") -> PostCard:
    """The card a public token opens. NotFound (:data:`NO_CARD`) for a malformed, unknown or
    re-issued token and for an area that has no card. Reads by the token only, so it may run on a
    connection without row-level scope (the public page)."""
    if not TOKEN.fullmatch(token):
        raise NotFound(NO_CARD)
    with conn.cursor() as cur:
        cur.execute("SELECT area_id FROM card_token WHERE token = %s", (token,))
        row = cur.fetchone()
    if row is None:
        raise NotFound(NO_CARD)
    try:
        card = post_card(conn, row[0], basis)
    except NotFound:
        raise NotFound(NO_CARD) from None
    return card


@dataclass(frozen=True)
class IssuedToken:
    area_id: int
    token: str
    issued_at: dt.datetime


def reissue_token(conn: psycopg2.extensions.connection, area_id: int) -> IssuedToken:
    """A new random token for the card of ``area_id``; the old one opens nothing from now on (a
    card leaked, or was posted where it should not be). NotFound for an unknown area, one outside
    the caller's scope (row-level security), or an area without a card. The caller commits."""
    with conn.cursor() as cur:
        cur.execute("""UPDATE card_token t SET token = ra_new_card_token(), issued_at = clock_timestamp()
                       FROM area a WHERE a.id = t.area_id AND a.id = %s AND a.kind::text = ANY (%s)
                       RETURNING t.token, t.issued_at""", (area_id, list(CARD_KINDS)))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"岗位 {area_id} 不存在或没有告知卡 (post not found or it has no card)")
    return IssuedToken(area_id, row[0], row[1])


def set_publish_mobile(conn: psycopg2.extensions.connection, enterprise_id: int, publish: bool) -> bool:
    """Whether the public card pages of an enterprise show personal mobile numbers in full (default:
    masked). NotFound for an unknown enterprise or one outside the caller's scope. The caller commits."""
    with conn.cursor() as cur:
        cur.execute("UPDATE enterprise SET card_publish_mobile = %s WHERE id = %s RETURNING card_publish_mobile",
                    (publish, enterprise_id))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
    return bool(row[0])
