"""Risk lists (DOMAIN.md §4, seed 003 附件1/附件2): their columns, the mapping to and from the data
model, the numbering of significant risks, and the import of an edited workbook.

Three lists:

* 操作岗位风险管控与隐患排查清单 (seed 003 附件1, operating posts): one row per risk of a post. Posts
  are ``area`` rows of kind 'post' or 'unit' (they are places, drawn on the plant map first); 岗位人数,
  主要设备设施 and 主要作业活动 are attributes of the area; the other columns are the ``risk`` row and
  its ``control_measure`` rows. A post with no risk is one row whose risk columns are empty.
* 管理岗位风险管控与隐患排查清单 (seed 003 附件2, management posts): management posts are not places,
  so they live in ``management_post`` / ``management_risk`` (db/migrations/0005_risk_lists.sql),
  outside the maps and the area/enterprise levels. One row per 职责分工 of a post.
* 较大及以上风险管控清单 (export only): :func:`significant_risks` numbers them once, for the list and
  the plant map alike.

Rules of the cells (export writes them so; import accepts them and a little more):

* 风险等级 is the residual (现有) level, the basis the maps use by default: 重大风险/较大风险/一般风险/低风险,
  also 重大/较大/一般/低 and the colour words 红/橙/黄/蓝 (:func:`layers.levels.parse_level`).
* 可能导致的事故类型 is a GB 6441 name (其他 for 其它 and 中毒/窒息 are accepted). Several types in one
  cell, separated by 、,，;；/ or line breaks, make one risk per type with the same other cells; the
  export writes one risk per row, so the next export shows them on separate rows.
* 管控措施: one measure per line, ``类型: 内容`` with a type of seed 003 第八条 (消除/替代/工程控制/管理/
  个体防护/应急处置; 控制 = 工程控制, also 管理措施, 个人防护, 应急). Leading numbering (1. 1、 (1) ①) is
  dropped. A line with no type is a 管理 (administrative) measure: most lists in use are written as
  plain numbered lines, and 管理 is the seed's catch-all for procedures, training and checks. The export
  writes every line with its type, so a round trip is stable.
* 排查周期: 每班/每天/每周/每月/每季度 (also 每日, 每季, and 每X一次 as in seed 003 第十五条).
* 岗位名称 names a post/unit of the enterprise by name; when two posts share a name the export writes
  ``名称 [编号]`` and the import accepts that, or the area code alone.

Import (:func:`import_workbook`): everything is validated before anything is written; a workbook with
any bad cell is refused whole with every error naming sheet, row (as Excel numbers it), column and
reason. Then, in the caller's transaction:

* Each list sheet present replaces that list of the enterprise (the workbook *is* the list): a risk
  row removed from the sheet deletes the risk, a management post absent from the sheet is deleted. A
  sheet that is absent leaves its list untouched. Posts themselves (areas) are never created or
  deleted by the import: an unknown post is an error.
* Risks keep their identity where they can: within a post, sheet rows are paired with the post's stored
  risks of the same accident type in order; a paired risk is updated in place, keeping its id, name,
  hazard factors, assessment inputs and score, and only if something changed (re-importing an unchanged
  workbook writes nothing but one summary audit row). Unpaired stored risks are deleted, unpaired rows
  inserted. Management rows pair by position within their post.
* A new risk from the list has no assessment of its own: it is stored as 直接判定 (method 'direct',
  inputs {"level", "basis"}) with the list's level as inherent and residual level and a basis saying
  so. The list's level is the residual level: it may be anything up to the stored inherent level. Above
  it, a risk whose level was stated (直接判定 without rule facts, e.g. one the list created) has its
  inherent level raised too; an assessed risk (LEC/LS/MES, or 直接判定 by the seed's rules) is refused
  (re-assess it first). A residual level changed by the list replaces a stored residual assessment
  (``residual_inputs``/``residual_score`` are cleared). When the level changes, 管控层级 goes back to
  its default for the level (重大→公司, 较大→车间, 一般→班组, 低→岗位).
* Cells a list does not hold are never touched; 岗位人数/主要设备设施/主要作业活动 of a post in the sheet
  are set from its rows (an empty cell on some rows of a post is "not repeated"; differing non-empty
  values are an error).
* Risks recorded on a workshop, the plant or a building are not a post's: they are outside the 岗位
  lists (export and import never touch them) and inside the 较大及以上 list.
* A sheet with its header row and no data row is an empty list (an enterprise without management posts
  exports so); a sheet with nothing in it, or with no header row in its first 10 rows, is an error.
* Unknown extra columns are ignored with a warning (a 备注 column is common); a missing column is an
  error naming the expected headers. Sheets that are not lists are ignored with a warning; the
  较大及以上 list is derived data and is ignored on import.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any, Literal

import psycopg2.extensions
import psycopg2.extras

from layers.errors import InvalidInput, NotFound
from layers.levels import DESCENDING, Level, parse_level

# ------------------------------------------------------------------------------------------------
# Columns
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # Excel character units
    align: Literal["left", "center"] = "left"


@dataclass(frozen=True)
class ListSpec:
    key: str
    sheet: str  # sheet name on export: the seed's attachment title (≤ 31 characters)
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()  # other sheet names recognised on import

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def index(self, header: str) -> int:
        return self.headers.index(header)


#: seed 003 附件1 操作岗位风险管控与隐患排查清单, headers in the seed's order and wording.
OPERATING = ListSpec(
    "operating",
    "操作岗位风险管控与隐患排查清单",
    (
        Column("岗位名称", 14),
        Column("岗位人数", 7, "center"),
        Column("主要设备设施", 16),
        Column("主要作业活动", 16),
        Column("可能导致的事故类型", 11, "center"),
        Column("可能导致事故的原因", 26),
        Column("风险等级", 9, "center"),
        Column("管控措施", 38),
        Column("排查内容", 26),
        Column("责任人", 9, "center"),
        Column("排查周期", 8, "center"),
    ),
    ("作业岗位风险清单", "操作岗位风险清单", "作业活动岗位风险管控与隐患排查清单", "附件1"),
)

#: seed 003 附件2 管理岗位风险管控与隐患排查清单.
MANAGEMENT = ListSpec(
    "management",
    "管理岗位风险管控与隐患排查清单",
    (
        Column("岗位名称", 14),
        Column("风险等级", 9, "center"),
        Column("职责分工", 34),
        Column("管控措施", 40),
        Column("排查内容", 30),
        Column("责任人", 9, "center"),
        Column("排查周期", 8, "center"),
    ),
    ("管理岗位风险清单", "安全管理岗位风险管控与隐患排查清单", "附件2"),
)

#: 较大及以上风险管控清单, posted beside the plant map (DOMAIN.md §4). Export only.
SIGNIFICANT = ListSpec(
    "significant",
    "较大及以上风险管控清单",
    (
        Column("编号", 6, "center"),
        Column("风险点", 18),
        Column("位置", 20),
        Column("事故类型", 11, "center"),
        Column("风险等级", 9, "center"),
        Column("管控层级", 10, "center"),
        Column("责任单位/责任人", 16),
        Column("主要管控措施", 48),
    ),
    ("较大以上风险管控清单",),
)

LISTS: tuple[ListSpec, ...] = (OPERATING, MANAGEMENT, SIGNIFICANT)

#: Largest workbook accepted (the API answers 413 above it).
MAX_WORKBOOK_BYTES = 10 * 1024 * 1024
#: Largest total uncompressed size of the parts of an xlsx (a zip bomb is refused before parsing).
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_DATA_ROWS = 20_000
MAX_ERRORS = 200

#: Default 管控层级 by level (DOMAIN.md §3): 重大→公司, 较大→车间(部门), 一般→班组, 低→岗位.
DEFAULT_TIER = {Level.MAJOR: "company", Level.SIGNIFICANT: "workshop", Level.GENERAL: "team", Level.LOW: "post"}

IMPORT_BASIS = "风险清单导入: 按清单所列风险等级直接判定 (level stated in the imported risk list)"

# ------------------------------------------------------------------------------------------------
# Vocabularies (the database is their home: accident_type and vocabulary of 0001)
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Vocab:
    accident_types: dict[int, str]  # GB 6441 code -> 名称
    control_kinds: dict[str, str]  # code -> 消除/替代/...; in seed 003 第八条 order
    check_periods: dict[str, str]  # code -> 每班/每天/...
    control_tiers: dict[str, str]  # code -> 公司/车间(部门)/...


def load_vocab(conn: psycopg2.extensions.connection) -> Vocab:
    with conn.cursor() as cur:
        cur.execute("SELECT code, name_zh FROM accident_type ORDER BY code")
        accident_types = dict(cur.fetchall())
        cur.execute("SELECT domain, code, name_zh FROM vocabulary "
                    "WHERE domain IN ('control_kind', 'check_period', 'control_tier') ORDER BY domain, ord")
        by_domain: dict[str, dict[str, str]] = defaultdict(dict)
        for domain, code, name in cur.fetchall():
            by_domain[domain][code] = name
    return Vocab(accident_types, by_domain["control_kind"], by_domain["check_period"], by_domain["control_tier"])


_ACCIDENT_ALIASES = {
    "其他爆炸": "其它爆炸", "其他伤害": "其它伤害", "中毒": "中毒和窒息", "窒息": "中毒和窒息",
    "中毒窒息": "中毒和窒息", "中毒与窒息": "中毒和窒息", "中毒或窒息": "中毒和窒息",
}
_KIND_ALIASES = {
    "控制": "engineering", "工程措施": "engineering", "工程技术措施": "engineering", "技术措施": "engineering",
    "管理措施": "administrative", "个人防护": "ppe", "个体防护措施": "ppe", "个体防护用品": "ppe",
    "应急": "emergency", "应急措施": "emergency",
}
_PERIOD_ALIASES = {"每日": "daily", "每季": "quarterly"}
_SPLIT_TYPES = re.compile(r"[、,，;；/／\n]+")
_NUMBERING = re.compile(r"^\s*(?:\d{1,3}\s*[.．、)）](?!\d)|[（(]\d{1,3}[)）]|[①-⑳])\s*")
_TYPED_LINE = re.compile(r"^(?P<kind>[^:：]{1,10}?)\s*[:：]\s*(?P<text>.*)$", re.S)
_WS = re.compile(r"\s+")


def parse_accident_types(text: str, vocab: Vocab) -> list[int]:
    """GB 6441 codes of a 事故类型 cell (several separated by 、,，;；/ or lines), in order, without
    repeats. Raises ValueError naming the unknown word."""
    by_name = {name: code for code, name in vocab.accident_types.items()}
    codes: list[int] = []
    for word in (w.strip() for w in _SPLIT_TYPES.split(text)):
        if not word:
            continue
        name = _ACCIDENT_ALIASES.get(word, word)
        code = by_name.get(name)
        if code is None and word.isdigit() and int(word) in vocab.accident_types:
            code = int(word)
        if code is None:
            raise ValueError(f"未知的事故类型 {word!r}, 应为 GB 6441 的类别之一: {'、'.join(vocab.accident_types.values())} "
                             "(unknown accident type)")
        if code not in codes:
            codes.append(code)
    if not codes:
        raise ValueError("事故类型为空 (missing accident type)")
    return codes


@dataclass(frozen=True)
class Measure:
    kind: str  # control_kind code
    description: str


def parse_measures(text: str | None, vocab: Vocab) -> list[Measure]:
    """管控措施 lines → typed measures. ``类型: 内容``; a line without a known type is 管理."""
    if not text:
        return []
    kinds = {name: code for code, name in vocab.control_kinds.items()}
    kinds.update({code: code for code in vocab.control_kinds})
    kinds.update(_KIND_ALIASES)
    out = []
    for i, raw in enumerate(text.split("\n"), 1):
        line = _NUMBERING.sub("", raw).strip()
        if not line:
            continue
        m = _TYPED_LINE.match(line)
        if m and m.group("kind").strip().lower() in kinds:
            kind = kinds[m.group("kind").strip().lower()]
            desc = m.group("text").strip()
            if not desc:
                raise ValueError(f"第 {i} 行 {line!r} 只有措施类型, 缺少措施内容 (measure line {i} has no text)")
        else:
            kind, desc = "administrative", line
        out.append(Measure(kind, desc))
    return out


def format_measures(measures: Iterable[Measure], vocab: Vocab) -> str | None:
    lines = [f"{vocab.control_kinds[m.kind]}: {_one_line(m.description)}" for m in measures]
    return "\n".join(lines) or None


def parse_period(text: str, vocab: Vocab) -> str:
    """排查周期 → check_period code. Raises ValueError."""
    v = _WS.sub("", text)
    for suffix in ("一次", "1次"):
        if v.endswith(suffix) and len(v) > len(suffix):
            v = v[: -len(suffix)]
    by_name = {name: code for code, name in vocab.check_periods.items()} | _PERIOD_ALIASES
    code = by_name.get(v) or (v.lower() if v.lower() in vocab.check_periods else None)
    if code is None:
        raise ValueError(f"无法识别的排查周期 {text!r}, 应为 {'/'.join(vocab.check_periods.values())} "
                         "(unknown inspection period)")
    return code


def parse_headcount(value: Any) -> int | None:
    """岗位人数: a non-negative integer (3, 3.0, '3', '3人'), or None for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"岗位人数 {value!r} 不是整数 (headcount is not an integer)")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"岗位人数 {value:g} 不是整数 (headcount is not an integer)")
        value = int(value)
    if isinstance(value, str):
        v = value.strip().removesuffix("人").strip()
        if not re.fullmatch(r"[0-9]{1,6}", v):
            raise ValueError(f"岗位人数 {value!r} 不是整数 (headcount is not an integer)")
        value = int(v)
    if not isinstance(value, int):
        raise ValueError(f"岗位人数 {value!r} 不是整数 (headcount is not an integer)")
    if value < 0 or value > 1_000_000:
        raise ValueError(f"岗位人数 {value} 超出范围, 应为 0 或正整数 (headcount out of range)")
    return value


def _one_line(s: str) -> str:
    return " ".join(s.split("\n")).strip()


def cell_text(value: Any) -> str | None:
    """A cell as text: numbers without a spurious .0, line breaks normalised, stripped; None if empty."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.isoformat(sep=" ")
    elif isinstance(value, date):
        value = value.isoformat()
    s = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    return s or None


def _natural(s: str | None) -> tuple:
    """Sort key that orders W2 before W10; None last."""
    if s is None:
        return (1, ())
    return (0, tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", s) if p))


# ------------------------------------------------------------------------------------------------
# The data model of the lists
# ------------------------------------------------------------------------------------------------


@dataclass
class PostRisk:
    accident_type: int
    level: Level  # residual (现有)
    check_period: str
    causes: str | None = None
    measures: list[Measure] = field(default_factory=list)
    check_content: str | None = None
    responsible: str | None = None
    id: int | None = None


@dataclass
class OperatingPost:
    area_id: int
    code: str
    name: str
    kind: str
    workshop_code: str | None
    headcount: int | None
    equipment: str | None
    activities: str | None
    label: str = ""  # how the list names it: the name, or "名称 [编号]" when the name is not unique
    risks: list[PostRisk] = field(default_factory=list)


@dataclass
class ManagementItem:
    level: Level
    check_period: str
    duty: str | None = None
    measures: list[Measure] = field(default_factory=list)
    check_content: str | None = None
    responsible: str | None = None
    id: int | None = None


@dataclass
class ManagementPost:
    name: str
    items: list[ManagementItem] = field(default_factory=list)
    id: int | None = None


@dataclass
class RiskLists:
    enterprise_id: int
    enterprise_name: str
    operating: list[OperatingPost]
    management: list[ManagementPost]


def _enterprise(cur, enterprise_id: int, *, lock: bool = False) -> tuple[str, str]:
    cur.execute(f"SELECT name, profile FROM enterprise WHERE id = %s{' FOR UPDATE' if lock else ''}",
                (enterprise_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
    return row[0], row[1]


_POSTS_SQL = """
SELECT a.id, a.code, a.name, a.kind::text,
       CASE WHEN p.kind = 'workshop' THEN p.code WHEN g.kind = 'workshop' THEN g.code END AS workshop_code,
       a.headcount, a.equipment, a.activities
FROM area a
LEFT JOIN area p ON p.id = a.parent_id
LEFT JOIN area g ON g.id = p.parent_id
WHERE a.enterprise_id = %s AND a.kind IN ('post', 'unit')
"""


def _posts(cur, enterprise_id: int) -> list[OperatingPost]:
    cur.execute(_POSTS_SQL, (enterprise_id,))
    posts = [OperatingPost(*row) for row in cur.fetchall()]
    posts.sort(key=lambda p: (_natural(p.workshop_code), _natural(p.code), p.area_id))
    names = Counter(p.name for p in posts)
    for p in posts:
        p.label = p.name if names[p.name] == 1 else f"{p.name} [{p.code}]"
    return posts


def _measures(cur, table: str, key: str, ids: list[int]) -> dict[int, list[Measure]]:
    out: dict[int, list[Measure]] = defaultdict(list)
    if ids:
        cur.execute(f"SELECT {key}, kind::text, description FROM {table} WHERE {key} = ANY (%s) "
                    f"ORDER BY {key}, position", (ids,))
        for rid, kind, desc in cur.fetchall():
            out[rid].append(Measure(kind, desc))
    return out


def read_lists(conn: psycopg2.extensions.connection, enterprise_id: int) -> RiskLists:
    """Both lists of one enterprise as stored: every post/unit (with its risks by id) and every
    management post (with its rows by position)."""
    with conn.cursor() as cur:
        name, _ = _enterprise(cur, enterprise_id)
        posts = _posts(cur, enterprise_id)
        by_area = {p.area_id: p for p in posts}
        cur.execute(
            """SELECT r.id, r.area_id, r.accident_type, r.residual_level::text, r.check_period::text, r.causes,
                      r.check_content, r.responsible
               FROM risk r WHERE r.area_id = ANY (%s) ORDER BY r.id""",
            (list(by_area),),
        )
        rows = cur.fetchall()
        measures = _measures(cur, "control_measure", "risk_id", [r[0] for r in rows])
        for rid, area_id, atype, level, period, causes, content, responsible in rows:
            by_area[area_id].risks.append(PostRisk(
                atype, Level(level), period, cell_text(causes), measures.get(rid, []), cell_text(content),
                cell_text(responsible), rid))

        cur.execute("SELECT id, name FROM management_post WHERE enterprise_id = %s ORDER BY position, id",
                    (enterprise_id,))
        mposts = [ManagementPost(n, [], i) for i, n in cur.fetchall()]
        by_id = {p.id: p for p in mposts}
        cur.execute(
            """SELECT id, post_id, level::text, check_period::text, duty, check_content, responsible
               FROM management_risk WHERE post_id = ANY (%s) ORDER BY post_id, position""",
            (list(by_id),),
        )
        items = cur.fetchall()
        mmeasures = _measures(cur, "management_control_measure", "management_risk_id", [r[0] for r in items])
        for iid, post_id, level, period, duty, content, responsible in items:
            by_id[post_id].items.append(ManagementItem(
                Level(level), period, cell_text(duty), mmeasures.get(iid, []), cell_text(content),
                cell_text(responsible), iid))
    return RiskLists(enterprise_id, name, posts, mposts)


# ------------------------------------------------------------------------------------------------
# 较大及以上风险: numbered once, for the list and the plant map
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignificantRisk:
    number: int  # 编号: 1..n, the same number the plant map prints at the risk point
    risk_id: int
    area_id: int
    area_code: str
    area_name: str
    area_kind: str
    workshop_code: str | None
    workshop_name: str | None
    location: str  # 位置: area names from the workshop down, e.g. 冲压车间/冲床工位
    name: str  # 风险点
    accident_type: int
    accident_type_zh: str
    level: Level
    control_tier: str
    responsible_unit: str | None
    responsible: str | None
    measures: tuple[Measure, ...]
    x: float  # a point on the area's surface (lon, EPSG:4326): where the map may put the number
    y: float


_SIGNIFICANT_SQL = """
WITH RECURSIVE chain (area_id, anc_id, kind, name, code, depth) AS (
    SELECT a.id, a.id, a.kind, a.name, a.code, 0 FROM area a WHERE a.enterprise_id = %(e)s
    UNION ALL
    SELECT c.area_id, p.id, p.kind, p.name, p.code, c.depth + 1
    FROM chain c JOIN area x ON x.id = c.anc_id JOIN area p ON p.id = x.parent_id
), place AS (
    SELECT area_id,
           string_agg(name, '/' ORDER BY depth DESC) FILTER (WHERE kind <> 'plant' OR depth = 0) AS location,
           min(code) FILTER (WHERE kind = 'workshop') AS workshop_code,
           min(name) FILTER (WHERE kind = 'workshop') AS workshop_name
    FROM chain GROUP BY area_id
)
SELECT r.id, a.id, a.code, a.name, a.kind::text, pl.workshop_code, pl.workshop_name, pl.location, r.name,
       r.accident_type, at.name_zh, r.{basis}_level::text, r.control_tier::text, r.responsible_unit,
       r.responsible, ST_X(ST_PointOnSurface(a.geom)), ST_Y(ST_PointOnSurface(a.geom))
FROM risk r
JOIN area a ON a.id = r.area_id
JOIN place pl ON pl.area_id = a.id
JOIN accident_type at ON at.code = r.accident_type
WHERE a.enterprise_id = %(e)s AND r.{basis}_level >= 'significant'
"""


def significant_risks(
    conn: psycopg2.extensions.connection, enterprise_id: int, basis: Literal["residual", "inherent"] = "residual"
) -> list[SignificantRisk]:
    """The 较大及以上 risks of one enterprise, numbered 1..n. THE numbering of risk points: the list
    beside the map and the plant map both use it.

    Order: level (重大 first), then workshop code, then area code (both in natural order, W2 before
    W10; risks outside any workshop after those inside), then risk id. ``basis`` is the level the map
    is coloured by (residual 现有 by default). Management posts are not places and are not listed."""
    if basis not in ("residual", "inherent"):
        raise ValueError(f"basis 应为 residual 或 inherent, 实为 {basis!r}")
    with conn.cursor() as cur:
        _enterprise(cur, enterprise_id)
        cur.execute(_SIGNIFICANT_SQL.format(basis=basis), {"e": enterprise_id})
        rows = cur.fetchall()
        measures = _measures(cur, "control_measure", "risk_id", [r[0] for r in rows])
    rows.sort(key=lambda r: (-Level(r[11]).rank, _natural(r[5]), _natural(r[2]), r[0]))
    return [
        SignificantRisk(i, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], Level(r[11]), r[12],
                        cell_text(r[13]), cell_text(r[14]), tuple(measures.get(r[0], [])), r[15], r[16])
        for i, r in enumerate(rows, 1)
    ]


# ------------------------------------------------------------------------------------------------
# Tables: the lists as rows of cells (maps/excel.py writes them)
# ------------------------------------------------------------------------------------------------


@dataclass
class Table:
    spec: ListSpec
    title: str  # the title row above the headers
    rows: list[list[Any]]  # cell values in spec column order
    levels: list[Level | None]  # per row: the level whose colour fills the 风险等级 cell
    groups: list[int] = field(default_factory=list)  # per row: rows of one post share a group
    merge_columns: tuple[int, ...] = ()  # columns merged over consecutive rows of one group
    choices: dict[int, list[str]] = field(default_factory=dict)  # column -> drop-down values (a hint)

    @property
    def sheet(self) -> str:
        return self.spec.sheet

    @property
    def level_column(self) -> int:
        return self.spec.index("风险等级")


def _level_choices() -> list[str]:
    return [lv.name_zh for lv in DESCENDING]


def operating_table(lists: RiskLists, vocab: Vocab) -> Table:
    rows, levels, groups = [], [], []
    for g, p in enumerate(lists.operating):
        head = [p.label, p.headcount, cell_text(p.equipment), cell_text(p.activities)]
        for r in p.risks or [None]:
            if r is None:
                rows.append(head + [None] * 7)
                levels.append(None)
            else:
                rows.append(head + [vocab.accident_types[r.accident_type], cell_text(r.causes), r.level.name_zh,
                                    format_measures(r.measures, vocab), cell_text(r.check_content),
                                    cell_text(r.responsible), vocab.check_periods[r.check_period]])
                levels.append(r.level)
            groups.append(g)
    return Table(OPERATING, f"{lists.enterprise_name}  {OPERATING.sheet}", rows, levels, groups, (0, 1, 2, 3),
                 {OPERATING.index("风险等级"): _level_choices(),
                  OPERATING.index("排查周期"): list(vocab.check_periods.values()),
                  OPERATING.index("可能导致的事故类型"): list(vocab.accident_types.values())})


def management_table(lists: RiskLists, vocab: Vocab) -> Table:
    rows, levels, groups = [], [], []
    for g, p in enumerate(lists.management):
        for it in p.items or [None]:
            if it is None:
                rows.append([p.name] + [None] * 6)
                levels.append(None)
            else:
                rows.append([p.name, it.level.name_zh, cell_text(it.duty), format_measures(it.measures, vocab),
                             cell_text(it.check_content), cell_text(it.responsible), vocab.check_periods[it.check_period]])
                levels.append(it.level)
            groups.append(g)
    return Table(MANAGEMENT, f"{lists.enterprise_name}  {MANAGEMENT.sheet}", rows, levels, groups, (0,),
                 {MANAGEMENT.index("风险等级"): _level_choices(),
                  MANAGEMENT.index("排查周期"): list(vocab.check_periods.values())})


def significant_table(enterprise_name: str, risks: Sequence[SignificantRisk], vocab: Vocab) -> Table:
    rows = []
    for s in risks:
        who = "/".join(x for x in (s.responsible_unit, s.responsible) if x) or None
        rows.append([s.number, s.name, s.location, s.accident_type_zh, s.level.name_zh,
                     vocab.control_tiers[s.control_tier], who, format_measures(s.measures, vocab)])
    return Table(SIGNIFICANT, f"{enterprise_name}  {SIGNIFICANT.sheet}", rows, [s.level for s in risks],
                 list(range(len(rows))))


def risk_list_tables(conn: psycopg2.extensions.connection, enterprise_id: int) -> tuple[str, list[Table]]:
    """The enterprise name and the two lists (附件1, 附件2) as tables."""
    vocab = load_vocab(conn)
    lists = read_lists(conn, enterprise_id)
    return lists.enterprise_name, [operating_table(lists, vocab), management_table(lists, vocab)]


def significant_tables(
    conn: psycopg2.extensions.connection, enterprise_id: int, basis: Literal["residual", "inherent"] = "residual"
) -> tuple[str, list[Table]]:
    vocab = load_vocab(conn)
    with conn.cursor() as cur:
        name, _ = _enterprise(cur, enterprise_id)
    return name, [significant_table(name, significant_risks(conn, enterprise_id, basis), vocab)]


# ------------------------------------------------------------------------------------------------
# Import: read and validate everything, then write in one transaction
# ------------------------------------------------------------------------------------------------


class _Errors:
    """Collects errors as {"sheet", "row", "column", "cell", "message"}."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(self, message: str, *, sheet: str | None = None, row: int | None = None,
            column: str | None = None, col_index: int | None = None) -> None:
        from openpyxl.utils import get_column_letter

        cell = f"{get_column_letter(col_index + 1)}{row}" if col_index is not None and row else None
        self.items.append({"sheet": sheet, "row": row, "column": column, "cell": cell, "message": message})

    def __bool__(self) -> bool:
        return bool(self.items)


def _load_workbook(data: bytes, errors: _Errors):
    """The openpyxl workbook, or None with an error saying why the file is not a readable xlsx."""
    import openpyxl

    if len(data) > MAX_WORKBOOK_BYTES:
        errors.add(f"文件大小 {len(data) / 1048576:.1f} MB 超过 {MAX_WORKBOOK_BYTES // 1048576} MB 上限 "
                   "(file too large)")
        return None
    if not data:
        errors.add("文件为空 (empty file): 应为 .xlsx 工作簿")
        return None
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        errors.add("这是旧版 .xls (或加密的) 文件, 不是 .xlsx: 请在 Excel/WPS 中另存为 .xlsx 后再导入 "
                   "(legacy .xls or encrypted file, not .xlsx)")
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            total = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        errors.add("文件不是 .xlsx 工作簿 (not an xlsx workbook): 请上传 Excel 2007 及以上格式的 .xlsx 文件")
        return None
    if "xl/workbook.xml" not in names:
        errors.add("文件是 zip 压缩包但不是 .xlsx 工作簿 (a zip file, but not an xlsx workbook)")
        return None
    if total > MAX_UNCOMPRESSED_BYTES:
        errors.add(f"工作簿解压后超过 {MAX_UNCOMPRESSED_BYTES // 1048576} MB, 拒绝读取 (workbook too large "
                   "when uncompressed)")
        return None
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file; all mean the same to the user
        errors.add(f"无法读取工作簿, 文件可能已损坏 (cannot read the workbook): {type(exc).__name__}: {exc}")
        return None


def _norm_header(v: Any) -> str:
    return _WS.sub("", str(v)) if v is not None else ""


def _grid(ws) -> list[list[Any]]:
    """All cell values, with every merged range filled from its top-left cell."""
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    for rng in ws.merged_cells.ranges:
        if rng.min_row > len(grid):
            continue
        v = grid[rng.min_row - 1][rng.min_col - 1] if rng.min_col <= len(grid[rng.min_row - 1]) else None
        for r in range(rng.min_row, min(rng.max_row, len(grid)) + 1):
            row = grid[r - 1]
            for c in range(rng.min_col, rng.max_col + 1):
                if c <= len(row):
                    row[c - 1] = v
    return grid


def _header_row(grid: list[list[Any]], spec: ListSpec) -> tuple[int | None, int]:
    """(0-based index of the header row within the first 10 rows, number of matching headers)."""
    best, best_n = None, 0
    wanted = set(spec.headers)
    for i, row in enumerate(grid[:10]):
        n = len({_norm_header(v) for v in row} & wanted)
        if n > best_n:
            best, best_n = i, n
    return (best, best_n) if best_n >= 2 else (None, 0)


@dataclass
class _Sheet:
    spec: ListSpec
    name: str
    rows: list[tuple[int, dict[str, Any]]]  # (Excel row number, header -> value)
    cols: dict[str, int]  # header -> 0-based column


def _read_sheets(wb, errors: _Errors, warnings: list[str]) -> dict[str, _Sheet]:
    found: dict[str, _Sheet] = {}
    names = {_norm_header(n): spec for spec in LISTS for n in (spec.sheet, *spec.aliases)}
    for ws in wb.worksheets:
        grid = _grid(ws)
        empty = not any(v is not None and str(v).strip() for row in grid for v in row)
        spec = names.get(_norm_header(ws.title))
        if spec is None:  # not named as a list: recognise it by its header row
            scored = [(_header_row(grid, s)[1], s) for s in LISTS]
            n, s = max(scored, key=lambda t: t[0])
            spec = s if n >= 3 else None
        if spec is None:
            warnings.append(f"已忽略工作表 {ws.title!r}: 不是风险清单 (sheet ignored: not a risk list)")
            continue
        if spec is SIGNIFICANT:
            warnings.append(f"已忽略工作表 {ws.title!r}: 较大及以上风险管控清单由系统生成, 不导入 "
                            "(derived list, not imported)")
            continue
        expected = "、".join(spec.headers)
        if spec.key in found:
            errors.add(f"工作表 {ws.title!r} 与 {found[spec.key].name!r} 是同一种清单 (two sheets for one list)",
                       sheet=ws.title)
            continue
        if empty:
            errors.add(f"工作表为空 (empty sheet): 应有表头行 {expected} 及数据行", sheet=ws.title, row=1)
            continue
        hidx, _ = _header_row(grid, spec)
        if hidx is None:
            errors.add(f"找不到表头行 (header row not found): 前 10 行中应有一行表头 {expected}",
                       sheet=ws.title, row=1)
            continue
        hrow = hidx + 1
        cols: dict[str, int] = {}
        unknown: list[tuple[int, str]] = []
        for j, v in enumerate(grid[hidx]):
            h = _norm_header(v)
            if not h:
                continue
            if h in spec.headers:
                if h in cols:
                    errors.add(f"列 {h} 重复 (duplicate column)", sheet=ws.title, row=hrow, column=h, col_index=j)
                else:
                    cols[h] = j
            else:
                unknown.append((j, h))
        missing = [h for h in spec.headers if h not in cols]
        extra = "、".join(h for _, h in unknown)
        for h in missing:
            errors.add(f"缺少列 {h} (missing column); 表头应为: {expected}"
                       + (f"; 表中未识别的列 (unknown columns): {extra}" if extra else ""),
                       sheet=ws.title, row=hrow, column=h)
        if missing:
            continue
        for _, h in unknown:
            warnings.append(f"工作表 {ws.title!r} 第 {hrow} 行: 已忽略未识别的列 {h!r} (unknown column ignored)")
        rows = []
        for i in range(hidx + 1, len(grid)):
            values = {h: (grid[i][j] if j < len(grid[i]) else None) for h, j in cols.items()}
            if all(cell_text(v) is None for v in values.values()):
                continue
            rows.append((i + 1, values))
        if len(rows) > MAX_DATA_ROWS:
            errors.add(f"数据行 {len(rows)} 超过 {MAX_DATA_ROWS} 行上限 (too many rows)", sheet=ws.title)
            continue
        found[spec.key] = _Sheet(spec, ws.title, rows, cols)
    return found


@dataclass
class _Row:
    """One parsed data row (operating or management)."""

    row: int
    post: str
    headcount: int | None = None
    equipment: str | None = None
    activities: str | None = None
    types: list[int] = field(default_factory=list)
    item: Any = None  # PostRisk template (accident_type filled per type) or ManagementItem; None: no risk


def _parse_rows(sheet: _Sheet, vocab: Vocab, errors: _Errors) -> list[_Row]:
    operating = sheet.spec is OPERATING
    risk_cols = (["可能导致的事故类型", "可能导致事故的原因"] if operating else ["职责分工"]) + [
        "风险等级", "管控措施", "排查内容", "责任人", "排查周期"]
    out = []
    for rowno, v in sheet.rows:
        n_err = len(errors.items)

        def err(column: str, message: str, rowno: int = rowno) -> None:
            errors.add(message, sheet=sheet.name, row=rowno, column=column, col_index=sheet.cols[column])

        post = cell_text(v["岗位名称"])
        if post is None:
            err("岗位名称", "岗位名称为空 (missing post name)")
        r = _Row(rowno, post or "")
        if operating:
            try:
                r.headcount = parse_headcount(v["岗位人数"])
            except ValueError as exc:
                err("岗位人数", str(exc))
            r.equipment = cell_text(v["主要设备设施"])
            r.activities = cell_text(v["主要作业活动"])
        if any(cell_text(v[c]) is not None for c in risk_cols):
            level = period = None
            measures: list[Measure] = []
            level_text = cell_text(v["风险等级"])
            if level_text is None:
                err("风险等级", "风险等级为空 (missing risk level): 应为 重大风险/较大风险/一般风险/低风险")
            else:
                try:
                    level = parse_level(level_text)
                except ValueError as exc:
                    err("风险等级", str(exc))
                else:
                    if level is None:
                        err("风险等级", "清单中的风险必须定级, 不能为 未评估 (a listed risk needs a level)")
            period_text = cell_text(v["排查周期"])
            if period_text is None:
                err("排查周期", f"排查周期为空 (missing inspection period): 应为 {'/'.join(vocab.check_periods.values())}")
            else:
                try:
                    period = parse_period(period_text, vocab)
                except ValueError as exc:
                    err("排查周期", str(exc))
            try:
                measures = parse_measures(cell_text(v["管控措施"]), vocab)
            except ValueError as exc:
                err("管控措施", str(exc))
            if operating:
                types_text = cell_text(v["可能导致的事故类型"])
                if types_text is None:
                    err("可能导致的事故类型", "事故类型为空 (missing accident type)")
                else:
                    try:
                        r.types = parse_accident_types(types_text, vocab)
                    except ValueError as exc:
                        err("可能导致的事故类型", str(exc))
                if len(errors.items) == n_err:
                    r.item = PostRisk(0, level, period, cell_text(v["可能导致事故的原因"]), measures,
                                      cell_text(v["排查内容"]), cell_text(v["责任人"]))
            elif len(errors.items) == n_err:
                r.item = ManagementItem(level, period, cell_text(v["职责分工"]), measures,
                                        cell_text(v["排查内容"]), cell_text(v["责任人"]))
        out.append(r)
    return out


def _resolve_posts(posts: list[OperatingPost], rows: list[_Row], sheet: _Sheet, errors: _Errors
                   ) -> dict[int, list[_Row]]:
    """Rows grouped by area id; unknown/ambiguous posts and inconsistent post attributes are errors."""
    by_label = {p.label: p for p in posts}
    by_name: dict[str, list[OperatingPost]] = defaultdict(list)
    for p in posts:
        by_name[p.name].append(p)
    by_code = {p.code: p for p in posts}
    col = sheet.cols["岗位名称"]
    out: dict[int, list[_Row]] = defaultdict(list)
    for r in rows:
        if not r.post:
            continue
        p = by_label.get(r.post)
        if p is None and len(by_name.get(r.post, [])) > 1:
            errors.add(f"岗位名称 {r.post!r} 不唯一, 请写成其中之一 (ambiguous post name): "
                       + "、".join(q.label for q in by_name[r.post]),
                       sheet=sheet.name, row=r.row, column="岗位名称", col_index=col)
            continue
        if p is None:
            m = re.fullmatch(r"(.*?)\s*[\[［](.+?)[\]］]", r.post)
            q = by_code.get(m.group(2).strip()) if m else by_code.get(r.post)
            if q is not None and (m is None or m.group(1).strip() in ("", q.name)):
                p = q
        if p is None:
            known = "、".join(q.label for q in posts[:10]) + (" 等" if len(posts) > 10 else "")
            errors.add(f"岗位 {r.post!r} 不是本企业的岗位或单元 (unknown post of this enterprise; draw it on the "
                       f"plant map first). 本企业的岗位: {known or '无'}",
                       sheet=sheet.name, row=r.row, column="岗位名称", col_index=col)
            continue
        out[p.area_id].append(r)
    for area_rows in out.values():
        for attr, header in (("headcount", "岗位人数"), ("equipment", "主要设备设施"), ("activities", "主要作业活动")):
            first: _Row | None = None
            for r in area_rows:
                v = getattr(r, attr)
                if v is None:
                    continue
                if first is None:
                    first = r
                elif v != getattr(first, attr):
                    errors.add(f"{header} {v!r} 与同一岗位第 {first.row} 行的 {getattr(first, attr)!r} 不一致 "
                               "(differs from another row of the same post)",
                               sheet=sheet.name, row=r.row, column=header, col_index=sheet.cols[header])
    return out


@dataclass
class ImportResult:
    enterprise_id: int
    dry_run: bool
    sheets: dict[str, str]  # list key -> sheet name read
    operating: dict | None = None  # counts; None when the workbook had no operating sheet
    management: dict | None = None
    warnings: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _stated(method: str, inputs: dict | None) -> bool:
    """A risk whose level was stated (直接判定 with no rule facts): the list may set its level freely."""
    return method == "direct" and set(inputs or {}) <= {"level", "basis"}


def import_workbook(conn: psycopg2.extensions.connection, enterprise_id: int, data: bytes, *,
                    actor: str | None = None, dry_run: bool = False) -> ImportResult:
    """Import a risk-list workbook into one enterprise (rules in the module docstring).

    Raises :class:`InvalidInput` with every error (nothing written) or :class:`NotFound`. Writes in
    the caller's transaction and does not commit: the caller commits (``with conn:``)."""
    errors = _Errors()
    warnings: list[str] = []
    with conn.cursor() as cur:
        _, profile = _enterprise(cur, enterprise_id, lock=not dry_run)
    vocab = load_vocab(conn)
    wb = _load_workbook(data, errors)
    sheets = _read_sheets(wb, errors, warnings) if wb is not None else {}
    if wb is not None and not sheets and not errors:
        errors.add(f"工作簿中没有可导入的清单 (no list sheet in the workbook); 工作表: "
                   f"{'、'.join(ws.title for ws in wb.worksheets)}. 应包含工作表 {OPERATING.sheet!r} "
                   f"(表头 {'、'.join(OPERATING.headers)}) 或 {MANAGEMENT.sheet!r} (表头 {'、'.join(MANAGEMENT.headers)})")

    with conn.cursor() as cur:
        posts = _posts(cur, enterprise_id)
    plan_op = plan_mg = None
    if OPERATING.key in sheets:
        s = sheets[OPERATING.key]
        rows = _parse_rows(s, vocab, errors)
        grouped = _resolve_posts(posts, rows, s, errors)
        plan_op = _plan_operating(conn, s, posts, grouped, errors, vocab, profile)
    if MANAGEMENT.key in sheets:
        s = sheets[MANAGEMENT.key]
        plan_mg = _plan_management(conn, enterprise_id, s, _parse_rows(s, vocab, errors))

    if errors:
        n = len(errors.items)
        first = errors.items[0]
        where = " ".join(x for x in (first["sheet"] and f"工作表 {first['sheet']}", first["row"] and f"第 {first['row']} 行",
                                     first["column"] and f"列 {first['column']}") if x)
        raise InvalidInput(
            f"清单导入被拒绝: 共 {n} 处错误, 未写入任何数据 (import refused: {n} errors, nothing written)"
            + (f"; 仅列出前 {MAX_ERRORS} 处" if n > MAX_ERRORS else "")
            + f". 第一处 (first): {where + ': ' if where else ''}{first['message']}",
            errors.items[:MAX_ERRORS],
        )
    result = ImportResult(enterprise_id, dry_run, {k: s.name for k, s in sheets.items()}, warnings=warnings)
    if plan_op is not None:
        result.operating = plan_op.counts()
    if plan_mg is not None:
        result.management = plan_mg.counts()
    for key, counts in (("operating", result.operating), ("management", result.management)):
        if counts is not None and not sheets[key].rows and (counts["deleted"] or counts.get("posts_deleted")):
            warnings.append(f"工作表 {sheets[key].name!r} 没有数据行: 该清单被清空 (no data rows: the list is emptied)")
    if dry_run:
        return result
    with conn.cursor() as cur:
        if actor:
            cur.execute("SELECT set_config('riskatlas.actor', %s, true)", (actor,))
        if plan_op is not None:
            plan_op.write(cur)
        if plan_mg is not None:
            plan_mg.write(cur)
        cur.execute(
            """INSERT INTO audit_log (actor, table_name, row_id, action, after, note)
               VALUES (coalesce(nullif(current_setting('riskatlas.actor', true), ''), session_user::text),
                       'risk', NULL, 'BULK', %s, %s)""",
            (json.dumps({"enterprise_id": enterprise_id, "sheets": result.sheets, "operating": result.operating,
                         "management": result.management}, ensure_ascii=False),
             f"风险清单导入 (risk list import) enterprise {enterprise_id}"),
        )
    return result


# -- operating plan ------------------------------------------------------------------------------


@dataclass
class _OpPlan:
    posts: int = 0
    area_updates: list[tuple[int, int | None, str | None, str | None]] = field(default_factory=list)
    inserts: list[tuple[int, PostRisk, dict]] = field(default_factory=list)  # area, risk, extra columns
    updates: list[tuple[int, dict, list[Measure] | None, list[Measure]]] = field(default_factory=list)
    deletes: list[tuple[int, list[Measure]]] = field(default_factory=list)
    unchanged: int = 0

    def counts(self) -> dict:
        return {"posts": self.posts, "inserted": len(self.inserts), "updated": len(self.updates),
                "deleted": len(self.deletes), "unchanged": self.unchanged, "post_attributes_updated": len(self.area_updates)}

    def write(self, cur) -> None:
        for area_id, headcount, equipment, activities in self.area_updates:
            cur.execute("UPDATE area SET headcount = %s, equipment = %s, activities = %s WHERE id = %s",
                        (headcount, equipment, activities, area_id))
        if self.deletes:
            for rid, old in self.deletes:
                _audit_measures(cur, "control_measure", rid, old, [])
            cur.execute("DELETE FROM risk WHERE id = ANY (%s)", ([rid for rid, _ in self.deletes],))
        for rid, changes, old_measures, new_measures in self.updates:
            if changes:
                sets = ", ".join(f"{k} = %({k})s" for k in changes)
                params = {k: (json.dumps(v, ensure_ascii=False) if k in ("inputs",) else v)
                          for k, v in changes.items()}
                cur.execute(f"UPDATE risk SET {sets} WHERE id = %(id)s", {**params, "id": rid})
            if old_measures is not None:
                cur.execute("DELETE FROM control_measure WHERE risk_id = %s", (rid,))
                _insert_measures(cur, "control_measure", "risk_id", rid, new_measures)
                _audit_measures(cur, "control_measure", rid, old_measures, new_measures)
        for area_id, r, extra in self.inserts:
            cur.execute(
                """INSERT INTO risk (area_id, name, hazard_factors, causes, accident_type, method, inputs, profile,
                                     inherent_level, residual_level, control_tier, responsible, check_content,
                                     check_period, basis, assessed_by)
                   VALUES (%s, %s, %s, %s, %s, 'direct', %s, %s, %s, %s, %s, %s, %s, %s, %s,
                           nullif(current_setting('riskatlas.actor', true), ''))
                   RETURNING id""",
                (area_id, extra["name"], extra["hazard_factors"], r.causes, r.accident_type,
                 json.dumps({"level": r.level.value, "basis": IMPORT_BASIS}, ensure_ascii=False), extra["profile"],
                 r.level.value, r.level.value, DEFAULT_TIER[r.level], r.responsible, r.check_content,
                 r.check_period, IMPORT_BASIS),
            )
            rid = cur.fetchone()[0]
            _insert_measures(cur, "control_measure", "risk_id", rid, r.measures)
            _audit_measures(cur, "control_measure", rid, [], r.measures)


def _insert_measures(cur, table: str, key: str, owner: int, measures: list[Measure]) -> None:
    if measures:
        psycopg2.extras.execute_values(
            cur, f"INSERT INTO {table} ({key}, position, kind, description) VALUES %s",
            [(owner, i, m.kind, m.description) for i, m in enumerate(measures, 1)])


def _audit_measures(cur, table: str, owner: int, before: list[Measure], after: list[Measure]) -> None:
    """control_measure has no audit trigger of its own (0001): record a change of a risk's measures."""
    if before == after:
        return
    action = "INSERT" if not before else "DELETE" if not after else "UPDATE"
    cur.execute(
        """INSERT INTO audit_log (actor, table_name, row_id, action, before, after, note)
           VALUES (coalesce(nullif(current_setting('riskatlas.actor', true), ''), session_user::text),
                   %s, %s, %s, %s, %s, '风险清单导入 (risk list import)')""",
        (table, str(owner), action,
         json.dumps([asdict(m) for m in before], ensure_ascii=False) if before else None,
         json.dumps([asdict(m) for m in after], ensure_ascii=False) if after else None),
    )


def _plan_operating(conn, sheet: _Sheet, posts: list[OperatingPost], grouped: dict[int, list[_Row]],
                    errors: _Errors, vocab: Vocab, profile: str) -> _OpPlan:
    plan = _OpPlan(posts=len(grouped))
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(
            """SELECT r.id, r.area_id, r.accident_type, r.causes, r.residual_level::text AS residual,
                      r.inherent_level::text AS inherent, r.method::text AS method, r.inputs, r.residual_inputs,
                      r.check_content, r.responsible, r.check_period::text AS check_period
               FROM risk r WHERE r.area_id = ANY (%s) ORDER BY r.id""",
            ([p.area_id for p in posts],),
        )
        stored: dict[int, list[dict]] = defaultdict(list)
        for r in cur.fetchall():
            stored[r["area_id"]].append(r)
    with conn.cursor() as cur:
        measures = _measures(cur, "control_measure", "risk_id", [r["id"] for rs in stored.values() for r in rs])
    level_col = sheet.cols["风险等级"]
    for p in posts:
        rows = grouped.get(p.area_id)
        if rows is None:  # not in the sheet: its risks leave the list
            plan.deletes.extend((r["id"], measures.get(r["id"], [])) for r in stored.get(p.area_id, []))
            continue
        attrs = tuple(next((getattr(r, a) for r in rows if getattr(r, a) is not None), None)
                      for a in ("headcount", "equipment", "activities"))
        if attrs != (p.headcount, cell_text(p.equipment), cell_text(p.activities)):
            plan.area_updates.append((p.area_id, *attrs))
        free = list(stored.get(p.area_id, []))
        for r in rows:
            if r.item is None:
                continue
            for t in r.types:
                risk = PostRisk(t, r.item.level, r.item.check_period, r.item.causes, list(r.item.measures),
                                r.item.check_content, r.item.responsible)
                old = next((o for o in free if o["accident_type"] == t), None)
                if old is None:
                    type_zh = vocab.accident_types[t]
                    plan.inserts.append((p.area_id, risk, {
                        "name": f"{p.name}-{type_zh}", "hazard_factors": risk.causes or type_zh, "profile": profile}))
                    continue
                free.remove(old)
                changes = _risk_changes(old, risk)
                if changes is None:
                    inh = Level(old["inherent"])
                    errors.add(f"风险等级 {risk.level.name_zh} 高于该风险已评价的固有风险等级 {inh.name_zh} "
                               f"({old['method']} 评价, 风险 id {old['id']}): 请先重新评价 (level above the "
                               "assessed inherent level; re-assess the risk first)",
                               sheet=sheet.name, row=r.row, column="风险等级", col_index=level_col)
                    continue
                old_m = measures.get(old["id"], [])
                m_changed = old_m != risk.measures
                if changes or m_changed:
                    plan.updates.append((old["id"], changes, old_m if m_changed else None, risk.measures))
                else:
                    plan.unchanged += 1
        plan.deletes.extend((o["id"], measures.get(o["id"], [])) for o in free)
    return plan


def _risk_changes(old: dict, new: PostRisk) -> dict[str, Any] | None:
    """Columns of a stored risk to change so it says what the list row says; None if the row raises
    an assessed risk above its assessed inherent level."""
    changes: dict[str, Any] = {}
    level, inherent = new.level, Level(old["inherent"])
    if old["residual"] != level.value:
        if level > inherent:
            if not _stated(old["method"], old["inputs"]):
                return None
            changes["inherent_level"] = level.value
            changes["inputs"] = {**(old["inputs"] or {}), "level": level.value}
        if old["residual_inputs"] is not None:
            changes["residual_inputs"] = None
            changes["residual_score"] = None
        changes["residual_level"] = level.value
        changes["control_tier"] = DEFAULT_TIER[level]
    for k in ("causes", "check_content", "responsible"):
        if cell_text(old[k]) != getattr(new, k):
            changes[k] = getattr(new, k)
    if old["check_period"] != new.check_period:
        changes["check_period"] = new.check_period
    return changes


# -- management plan -----------------------------------------------------------------------------


@dataclass
class _MgPlan:
    enterprise_id: int
    posts: list[tuple[str, int | None, list[tuple[ManagementItem, dict | None]]]] = field(default_factory=list)
    delete_posts: list[int] = field(default_factory=list)
    delete_items: list[int] = field(default_factory=list)
    stored_positions: dict[int, int] = field(default_factory=dict)  # post id -> stored position

    def counts(self) -> dict:
        ins = upd = same = 0
        for _, _, items in self.posts:
            for _it, old in items:
                if old is None:
                    ins += 1
                elif old["changed"]:
                    upd += 1
                else:
                    same += 1
        return {"posts": len(self.posts), "posts_inserted": sum(1 for _, pid, _ in self.posts if pid is None),
                "posts_deleted": len(self.delete_posts), "inserted": ins, "updated": upd,
                "deleted": len(self.delete_items), "unchanged": same}

    def write(self, cur) -> None:
        if self.delete_posts:
            cur.execute("DELETE FROM management_post WHERE id = ANY (%s)", (self.delete_posts,))
        if self.delete_items:
            cur.execute("DELETE FROM management_risk WHERE id = ANY (%s)", (self.delete_items,))
        for position, (name, pid, items) in enumerate(self.posts, 1):
            if pid is None:
                cur.execute("INSERT INTO management_post (enterprise_id, name, position) VALUES (%s, %s, %s) "
                            "RETURNING id", (self.enterprise_id, name, position))
                pid = cur.fetchone()[0]
            elif self.stored_positions.get(pid) != position:
                cur.execute("UPDATE management_post SET position = %s, updated_at = now() WHERE id = %s",
                            (position, pid))
            for k, (it, old) in enumerate(items, 1):
                values = (it.duty, it.level.value, it.check_content, it.responsible, it.check_period)
                if old is None:
                    cur.execute(
                        """INSERT INTO management_risk (post_id, position, duty, level, check_content, responsible,
                                                        check_period) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id""",
                        (pid, k, *values))
                    iid = cur.fetchone()[0]
                    _insert_measures(cur, "management_control_measure", "management_risk_id", iid, it.measures)
                    continue
                if old["fields_changed"] or old["position"] != k:
                    cur.execute(
                        """UPDATE management_risk SET duty = %s, level = %s, check_content = %s, responsible = %s,
                                  check_period = %s, position = %s, updated_at = now() WHERE id = %s""",
                        (*values, k, old["id"]))
                if old["measures_changed"]:
                    cur.execute("DELETE FROM management_control_measure WHERE management_risk_id = %s", (old["id"],))
                    _insert_measures(cur, "management_control_measure", "management_risk_id", old["id"], it.measures)


def _plan_management(conn, enterprise_id: int, sheet: _Sheet, rows: list[_Row]) -> _MgPlan:
    plan = _MgPlan(enterprise_id)
    with conn.cursor() as cur:
        cur.execute("SELECT id, name, position FROM management_post WHERE enterprise_id = %s", (enterprise_id,))
        stored = {name: (pid, pos) for pid, name, pos in cur.fetchall()}
        cur.execute(
            """SELECT m.id, m.post_id, m.position, m.duty, m.level::text, m.check_content, m.responsible,
                      m.check_period::text
               FROM management_risk m JOIN management_post p ON p.id = m.post_id
               WHERE p.enterprise_id = %s ORDER BY m.post_id, m.position""", (enterprise_id,))
        items: dict[int, list[tuple]] = defaultdict(list)
        for r in cur.fetchall():
            items[r[1]].append(r)
    measures = _measures(conn.cursor(), "management_control_measure", "management_risk_id",
                         [r[0] for rs in items.values() for r in rs])
    order: dict[str, list[_Row]] = {}
    for r in rows:
        if r.post:
            order.setdefault(r.post, []).append(r)
    for name, prow in order.items():
        pid = stored[name][0] if name in stored else None
        if pid is not None:
            plan.stored_positions[pid] = stored[name][1]
        old_items = items.get(pid, []) if pid is not None else []
        new_items = [r.item for r in prow if r.item is not None]
        paired = []
        for k, it in enumerate(new_items):
            if k < len(old_items):
                o = old_items[k]
                fields_changed = (cell_text(o[3]), o[4], cell_text(o[5]), cell_text(o[6]), o[7]) != (
                    it.duty, it.level.value, it.check_content, it.responsible, it.check_period)
                m_old = [(m.kind, m.description) for m in measures.get(o[0], [])]
                m_changed = m_old != [(m.kind, m.description) for m in it.measures]
                paired.append((it, {"id": o[0], "position": o[2], "fields_changed": fields_changed, "measures_changed": m_changed,
                                    "changed": fields_changed or m_changed}))
            else:
                paired.append((it, None))
        plan.delete_items.extend(o[0] for o in old_items[len(new_items):])
        plan.posts.append((name, pid, paired))
    plan.delete_posts = [pid for name, (pid, _) in stored.items() if name not in order]
    return plan
