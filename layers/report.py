"""安全风险辨识管控报告 (Wujin service standard item 8): everything one enterprise's report holds, gathered once.

The report is assembled from the layers that own each part (nothing is computed twice): the enterprise
(``layers.plant.enterprise_info``), the plant areas for the four-colour map (``layers.plant.plant_areas``),
the 较大及以上 list and the two post lists (``layers.risk_lists``), the comparison chart counts
(``layers.charts``) and the cards (``layers.cards``). Only the summary counts are queried here: risk
points by inherent and residual level, and card areas by level (from ``area_level``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import geopandas as gpd
import psycopg2.extensions

from layers.cards import Basis, PostCard, card_areas
from layers.charts import KEYS, ChartData, post_risk_counts
from layers.levels import Level
from layers.plant import EnterpriseInfo, enterprise_info, plant_areas
from layers.risk_lists import Table, risk_list_tables, significant_tables


@dataclass
class ReportData:
    info: EnterpriseInfo
    basis: Basis
    legal_rep: str | None
    safety_manager: str | None
    contact_phone: str | None
    emergency_phone: str | None
    current_level: Level | None
    hazard_sources: int  # 重大危险源 (registered hazard sources of the enterprise)
    open_hidden_hazards: int  # 未闭环隐患
    risk_counts: dict[str, dict[str, int]]  # "inherent"/"residual" -> level key -> count of risk points
    card_counts: dict[str, int]  # level key -> posts/areas with a card, by the report's basis
    chart: ChartData
    areas: gpd.GeoDataFrame
    significant: Table
    lists: list[Table]
    cards: list[PostCard] = field(default_factory=list)
    generated: dt.date = field(default_factory=dt.date.today)

    @property
    def basis_zh(self) -> str:
        return "现有风险" if self.basis == "residual" else "固有风险"


def report_data(conn: psycopg2.extensions.connection, enterprise_id: int, basis: Basis = "residual") -> ReportData:
    """Gather one enterprise's report. NotFound for an unknown enterprise."""
    info = enterprise_info(conn, enterprise_id)
    with conn.cursor() as cur:
        cur.execute("""SELECT e.legal_rep, e.safety_manager, e.contact_phone, e.emergency_phone,
                              el.current_level::text,
                              (SELECT count(*) FROM hazard_source h WHERE h.enterprise_id = e.id),
                              (SELECT count(*) FROM hidden_hazard h WHERE h.enterprise_id = e.id
                                 AND h.status <> 'closed')
                       FROM enterprise e JOIN enterprise_level el ON el.enterprise_id = e.id WHERE e.id = %s""",
                    (enterprise_id,))
        legal, manager, phone, ephone, current, sources, open_hh = cur.fetchone()
        risk_counts: dict[str, dict[str, int]] = {}
        for b in ("inherent", "residual"):
            cur.execute(f"""SELECT r.{b}_level::text, count(*) FROM risk r JOIN area a ON a.id = r.area_id
                            WHERE a.enterprise_id = %s GROUP BY 1""", (enterprise_id,))
            found = dict(cur.fetchall())
            risk_counts[b] = {k: int(found.get(k, 0)) for k in KEYS if k != "unassessed"}
    cards = card_areas(conn, enterprise_id, basis)
    card_counts = {k: 0 for k in KEYS}
    for c in cards:
        card_counts[c.level.value if c.level else "unassessed"] += 1
    _, sig = significant_tables(conn, enterprise_id, basis)
    _, lists = risk_list_tables(conn, enterprise_id)
    return ReportData(
        info, basis, legal, manager, phone, ephone, Level(current) if current else None, int(sources), int(open_hh),
        risk_counts, card_counts, post_risk_counts(conn, enterprise_id, basis=basis, by="post"),
        plant_areas(conn, enterprise_id, basis), sig[0], lists, cards,
    )
