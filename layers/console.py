"""What each console page shows: the enterprise list, an enterprise's page, the risk assessment form,
the regulators' dashboard and an enterprise's audit trail, as typed rows.

The app's page routes render these with templates; every change a page's forms make goes through the
same layers functions as the API (assessment, hidden hazards), so the rules, the audit and the levels
are the same. Queries run on the caller's connection, so the jurisdiction (row security) applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd

from db.bulk import Conn
from layers import entities, hidden_hazards
from layers.access.audit import enterprise_audit
from layers.city import region_level
from layers.plant import EnterpriseInfo, enterprise_info, plant_areas
from layers.regions import CHILD_LEVEL, REGION_LEVEL_ZH, region_stats, supervision

#: Enterprises on one page of the list.
PAGE_SIZE = 50


# ------------------------------------------------------------------------------------------------
# the enterprise list (home page)
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EnterpriseRow:
    id: int
    name: str
    industry_zh: str
    region: str
    residual_level: str | None
    inherent_level: str | None


@dataclass(frozen=True)
class EnterpriseList:
    rows: list[EnterpriseRow]
    counts: dict[str | None, int]     # enterprises by residual level (None: unassessed), whole jurisdiction
    page: int
    q: str | None


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def enterprise_list(conn: Conn, *, q: str | None = None, page: int = 1, size: int = PAGE_SIZE) -> EnterpriseList:
    """One page of the enterprises with drawn plants, most severe residual level first (then by id),
    optionally those whose name contains ``q``; with the count of enterprises by level."""
    params: list = []
    # the page's ids are read in the order of an index (0016: enterprise_state by residual level, id)
    # and the rest joined for those rows only
    named, where = "", ""
    if q:
        named = "JOIN enterprise n ON n.id = s.enterprise_id"
        where = "AND n.name ILIKE %s"
        params.append(_like(q))
    with conn.cursor() as cur:
        cur.execute(
            f"""WITH page AS (
                    SELECT s.enterprise_id AS id, s.residual_level, s.inherent_level FROM enterprise_state s {named}
                    WHERE EXISTS (SELECT 1 FROM area a WHERE a.enterprise_id = s.enterprise_id AND a.kind <> 'plant')
                    {where}
                    ORDER BY s.residual_level DESC NULLS LAST, s.enterprise_id LIMIT %s OFFSET %s)
                SELECT e.id, e.name, i.name_zh, r.name, page.residual_level::text, page.inherent_level::text
                FROM page JOIN enterprise e ON e.id = page.id JOIN industry i ON i.code = e.industry
                JOIN region r ON r.id = e.region_id
                ORDER BY page.residual_level DESC NULLS LAST, e.id""",
            [*params, size, (page - 1) * size],
        )
        rows = [EnterpriseRow(*row) for row in cur.fetchall()]
        cur.execute("SELECT residual_level::text, count(*) FROM enterprise_level GROUP BY 1")
        counts = dict(cur.fetchall())
    return EnterpriseList(rows=rows, counts=counts, page=page, q=q)


# ------------------------------------------------------------------------------------------------
# an enterprise's page
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskRow:
    id: int
    code: str | None
    area_id: int
    area: str
    name: str
    method: str
    inherent_level: str | None
    residual_level: str | None
    responsible: str | None


#: A hidden hazard's next step on the enterprise page: its status → (the next status, the button).
NEXT_STEP: dict[str, tuple[str, str]] = {
    "reported": ("rectifying", "开始整改"),
    "rectifying": ("pending_review", "整改完成, 提交验收"),
    "pending_review": ("closed", "验收通过, 闭环"),
}


@dataclass
class EnterprisePage:
    info: EnterpriseInfo
    current_level: str | None                 # residual raised by open hidden hazards
    areas: gpd.GeoDataFrame                   # layers.plant.plant_areas (current basis), for the plant map
    area_choices: list[tuple[int, str]]       # (id, name) of the areas a hazard can be reported in
    risks: list[RiskRow]
    hazards: list[hidden_hazards.HiddenHazard]
    can_edit: bool                            # the user may assess risks


_RISKS_SQL = """
SELECT r.id, r.code, a.id AS area_id, a.name AS area, r.name, r.method::text, r.inherent_level::text,
       r.residual_level::text, r.responsible
FROM risk r JOIN area a ON a.id = r.area_id WHERE a.enterprise_id = %s
ORDER BY r.residual_level DESC, a.code, r.id LIMIT 500"""


def enterprise_page(conn: Conn, enterprise_id: int, *, role: str) -> EnterprisePage:
    """An enterprise's facts and levels, its plant areas by current level, its risks (most severe first)
    and its hidden hazards; NotFound when it is not there (or not the user's to see)."""
    info = enterprise_info(conn, enterprise_id)
    areas = plant_areas(conn, enterprise_id, "current")
    with conn.cursor() as cur:
        cur.execute("SELECT current_level::text FROM enterprise_state WHERE enterprise_id = %s", (enterprise_id,))
        current = cur.fetchone()[0]
        cur.execute(_RISKS_SQL, (enterprise_id,))
        risks = [RiskRow(*row) for row in cur.fetchall()]
    _, hazards = hidden_hazards.list_hazards(conn, enterprise_id=enterprise_id, limit=100)
    choices = [(int(a.id), a.name) for a in areas.itertuples() if a.kind != "building"]
    return EnterprisePage(info=info, current_level=current, areas=areas, area_choices=choices, risks=risks,
                          hazards=hazards, can_edit=role in ("admin", "enterprise"))


# ------------------------------------------------------------------------------------------------
# the risk assessment form
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RiskForm:
    id: int
    enterprise_id: int
    area: str
    name: str
    method: str
    inputs: dict[str, Any]
    inherent_level: str | None
    residual_level: str | None
    version: str


def risk_form(conn: Conn, risk_id: int) -> RiskForm:
    """The risk as its assessment form shows it (:func:`layers.entities.risk`); NotFound when absent."""
    r = entities.read_risk(conn, risk_id)
    return RiskForm(id=r["id"], enterprise_id=r["enterprise_id"], area=r["area_name"], name=r["name"],
                    method=r["method"], inputs=r["inputs"] or {}, inherent_level=r["inherent_level"],
                    residual_level=r["residual_level"], version=r["version"])


# ------------------------------------------------------------------------------------------------
# the regulators' dashboard
# ------------------------------------------------------------------------------------------------



@dataclass
class Dashboard:
    within: int | None                       # the user's region (None: everywhere)
    level: str                               # the region level listed: one below ``within``
    level_zh: str
    regions: list[dict]                      # layers.regions.region_stats
    overdue: list[dict] = field(default_factory=list)   # layers.regions.supervision, overdue only


def dashboard(conn: Conn, within: int | None) -> Dashboard:
    """The regions one level below ``within`` (districts when everywhere) with counts by level and risk
    index, and the first 20 enterprises whose inspection is overdue."""
    # one level below the user's region; a grid (or a region of no known level) lists grids
    level = "district" if within is None else CHILD_LEVEL.get(region_level(conn, within) or "", "grid")
    return Dashboard(within=within, level=level, level_zh=REGION_LEVEL_ZH[level],
                     regions=region_stats(conn, level=level, within=within),
                     overdue=supervision(conn, within=within, overdue_only=True, limit=20))


# ------------------------------------------------------------------------------------------------
# an enterprise's audit trail
# ------------------------------------------------------------------------------------------------

#: Changes shown per audit row, and the characters shown of a value.
AUDIT_CHANGES, AUDIT_TEXT = 12, 60


@dataclass(frozen=True)
class AuditRow:
    at: str                                  # YYYY-MM-DD HH:MM:SS
    actor: str
    what: str                                # the table in Chinese and the row id
    action_zh: str
    changes: list[tuple[str, str, str]]      # (field, before, after), values shortened


@dataclass(frozen=True)
class AuditPage:
    info: EnterpriseInfo
    total: int
    rows: list[AuditRow]
    page: int


def _short(v: Any) -> str:
    text = "" if v is None else (v if isinstance(v, str) else str(v))
    return text if len(text) <= AUDIT_TEXT else text[:AUDIT_TEXT - 3] + "…"


def audit_page(conn: Conn, enterprise_id: int, *, page: int = 1, size: int = 100) -> AuditPage:
    """One page of the enterprise's audit trail (痕迹化): who, when, what, before → after."""
    info = enterprise_info(conn, enterprise_id)
    total, rows = enterprise_audit(conn, enterprise_id, limit=size, offset=(page - 1) * size)
    return AuditPage(info=info, total=total, page=page, rows=[
        AuditRow(at=r["at"][:19].replace("T", " "), actor=r["actor"], what=f'{r["table_zh"]} {r["row_id"] or ""}',
                 action_zh=r["action_zh"],
                 changes=[(c["field"], _short(c["before"]), _short(c["after"])) for c in r["changes"][:AUDIT_CHANGES]])
        for r in rows])
