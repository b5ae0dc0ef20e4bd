"""The lists as tables of cells (export): maps/excel.py writes them to a workbook."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import psycopg2.extensions
import psycopg2.extras

from layers.levels import DESCENDING, Level
from layers.risk_lists.cells import Vocab, cell_text, format_accident_types, format_measures, load_vocab
from layers.risk_lists.columns import MANAGEMENT, OPERATING, SIGNIFICANT, ListSpec
from layers.risk_lists.significant import SignificantRisk, significant_risks
from layers.risk_lists.store import ManagementItem, PostRisk, RiskLists, read_enterprise, read_lists


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
    rows: list[list[Any]] = []
    levels: list[Level | None] = []
    groups: list[int] = []
    for g, p in enumerate(lists.operating):
        head = [p.label, p.headcount, cell_text(p.equipment), cell_text(p.activities)]
        risks: Sequence[PostRisk | None] = p.risks or [None]   # a post without risks still has its row
        for r in risks:
            if r is None:
                rows.append(head + [None] * 7)
                levels.append(None)
            else:
                rows.append(head + [format_accident_types(r.accident_types, vocab), cell_text(r.causes), r.level.name_zh,
                                    format_measures(r.measures, vocab), cell_text(r.check_content),
                                    cell_text(r.responsible), vocab.check_periods[r.check_period]])
                levels.append(r.level)
            groups.append(g)
    return Table(OPERATING, f"{lists.enterprise_name}  {OPERATING.sheet}", rows, levels, groups, (0, 1, 2, 3),
                 {OPERATING.index("风险等级"): _level_choices(),
                  OPERATING.index("排查周期"): list(vocab.check_periods.values()),
                  OPERATING.index("可能导致的事故类型"): list(vocab.accident_types.values())})


def management_table(lists: RiskLists, vocab: Vocab) -> Table:
    rows: list[list[Any]] = []
    levels: list[Level | None] = []
    groups: list[int] = []
    for g, p in enumerate(lists.management):
        items: Sequence[ManagementItem | None] = p.items or [None]   # a post without items still has its row
        for it in items:
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
        name, _ = read_enterprise(cur, enterprise_id)
    return name, [significant_table(name, significant_risks(conn, enterprise_id, basis), vocab)]
