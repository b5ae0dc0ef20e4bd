"""The data model of the lists and its reads from the database: an enterprise's posts/units with their
risks and measures, and its management posts with their rows."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import psycopg2.extensions
import psycopg2.extras

from layers.errors import NotFound
from layers.levels import Level
from layers.risk_lists.cells import Measure, cell_text, natural_key


@dataclass
class PostRisk:
    accident_types: list[int]  # GB 6441 codes, the primary (risk.accident_type) first
    level: Level  # residual (现有)
    check_period: str
    causes: str | None = None
    measures: list[Measure] = field(default_factory=list)
    check_content: str | None = None
    responsible: str | None = None
    id: int | None = None

    @property
    def accident_type(self) -> int:
        """The primary type (``risk.accident_type``)."""
        return self.accident_types[0]


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


def read_enterprise(cur, enterprise_id: int, *, lock: bool = False) -> tuple[str, str]:
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


def read_posts(cur, enterprise_id: int) -> list[OperatingPost]:
    cur.execute(_POSTS_SQL, (enterprise_id,))
    posts = [OperatingPost(*row) for row in cur.fetchall()]
    posts.sort(key=lambda p: (natural_key(p.workshop_code), natural_key(p.code), p.area_id))
    names = Counter(p.name for p in posts)
    for p in posts:
        p.label = p.name if names[p.name] == 1 else f"{p.name} [{p.code}]"
    return posts


def read_measures(cur, table: str, key: str, ids: list[int]) -> dict[int, list[Measure]]:
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
        name, _ = read_enterprise(cur, enterprise_id)
        posts = read_posts(cur, enterprise_id)
        by_area = {p.area_id: p for p in posts}
        cur.execute(
            """SELECT r.id, r.area_id, r.accident_types, r.residual_level::text, r.check_period::text, r.causes,
                      r.check_content, r.responsible
               FROM risk r WHERE r.area_id = ANY (%s) ORDER BY r.id""",
            (list(by_area),),
        )
        rows = cur.fetchall()
        measures = read_measures(cur, "control_measure", "risk_id", [r[0] for r in rows])
        for rid, area_id, atypes, level, period, causes, content, responsible in rows:
            by_area[area_id].risks.append(PostRisk(
                list(atypes), Level(level), period, cell_text(causes), measures.get(rid, []), cell_text(content),
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
        mmeasures = read_measures(cur, "management_control_measure", "management_risk_id", [r[0] for r in items])
        for iid, post_id, level, period, duty, content, responsible in items:
            by_id[post_id].items.append(ManagementItem(
                Level(level), period, cell_text(duty), mmeasures.get(iid, []), cell_text(content),
                cell_text(responsible), iid))
    return RiskLists(enterprise_id, name, posts, mposts)
