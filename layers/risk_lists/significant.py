"""较大及以上风险: numbered once, for the list beside the plant map and the plant map alike."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import psycopg2.extensions
import psycopg2.extras

from layers.levels import Level
from layers.risk_lists.cells import Measure, cell_text, natural_key
from layers.risk_lists.store import read_enterprise, read_measures


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
    accident_type_zh: str  # every type of the risk, joined with 、
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
       r.accident_type,
       (SELECT string_agg(t.name_zh, '、' ORDER BY u.o)
        FROM unnest(r.accident_types) WITH ORDINALITY AS u (c, o) JOIN accident_type t ON t.code = u.c),
       r.{basis}_level::text, r.control_tier::text, r.responsible_unit,
       r.responsible, ST_X(ST_PointOnSurface(a.geom)), ST_Y(ST_PointOnSurface(a.geom))
FROM risk r
JOIN area a ON a.id = r.area_id
JOIN place pl ON pl.area_id = a.id
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
        read_enterprise(cur, enterprise_id)
        cur.execute(_SIGNIFICANT_SQL.format(basis=basis), {"e": enterprise_id})
        rows = cur.fetchall()
        measures = read_measures(cur, "control_measure", "risk_id", [r[0] for r in rows])
    rows.sort(key=lambda r: (-Level(r[11]).rank, natural_key(r[5]), natural_key(r[2]), r[0]))
    return [
        SignificantRisk(i, r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], r[9], r[10], Level(r[11]), r[12],
                        cell_text(r[13]), cell_text(r[14]), tuple(measures.get(r[0], [])), r[15], r[16])
        for i, r in enumerate(rows, 1)
    ]
