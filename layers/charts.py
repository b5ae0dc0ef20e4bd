"""Counts behind the comparison charts (docs/domain.md §7, Qitaihe plan 四.(二).3 and 四.(三).3).

* 企业作业安全风险比较图 (:func:`post_risk_counts`): the posts (or workshops) of one enterprise, each
  with its risk points counted by level. ``by="post"``: one bar per area that holds risks (post, unit,
  or a workshop/plant for risks recorded there); ``by="workshop"``: one bar per workshop, counting the
  risks of the workshop and of everything inside it (risks on the plant itself form a bar 厂区).
  Levels are the risks' own (residual 现有 by default, or inherent 固有).
* 行业安全风险比较图 (:func:`industry_level_counts`): the industries of a region (the region and every
  region below it), each with its enterprises counted by the enterprise's level from the
  ``enterprise_level`` view (current by default, as ``region_stats`` counts them), and 未评估 for
  enterprises with no level.

Counting is done in SQL; Python only arranges the rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import psycopg2.extensions

from db.sql import statements
from layers.errors import InvalidInput, NotFound
from layers.levels import UNASSESSED
from layers.regions import region_exists
from layers.risk_lists import natural_key

SQL = statements(__file__)

RiskBasis = Literal["residual", "inherent"]
EnterpriseBasis = Literal["current", "residual", "inherent"]
#: Count keys in stacking order: the levels from 重大 down, then 未评估.
KEYS: tuple[str, ...] = ("major", "significant", "general", "low", UNASSESSED)


@dataclass
class Bar:
    label: str
    counts: dict[str, int]  # KEYS -> count
    key: str | int | None = None  # area id / industry code

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class ChartData:
    title: str  # e.g. 常州华铝铝业有限公司 企业作业安全风险比较图
    subject: str  # enterprise or region name
    category_zh: str  # what a bar is: 岗位/区域, 车间, 行业
    unit_zh: str  # what is counted: 风险点 (个), 企业 (家)
    basis_zh: str
    bars: list[Bar] = field(default_factory=list)

    def totals(self) -> dict[str, int]:
        return {k: sum(b.counts.get(k, 0) for b in self.bars) for k in KEYS}


_BASIS_ZH = {"residual": "现有风险", "inherent": "固有风险", "current": "当前风险(含动态调整)"}


def _enterprise_name(cur, enterprise_id: int) -> str:
    cur.execute("SELECT name FROM enterprise WHERE id = %s", (enterprise_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
    return row[0]


def post_risk_counts(conn: psycopg2.extensions.connection, enterprise_id: int, *,
                     basis: RiskBasis = "residual", by: Literal["post", "workshop"] = "post") -> ChartData:
    """企业作业安全风险比较图 data: risk points of one enterprise by level, per post or per workshop."""
    if basis not in ("residual", "inherent"):
        raise InvalidInput(f"basis 应为 residual 或 inherent, 实为 {basis!r}",
                           [{"field": "basis", "message": "应为 residual/inherent"}])
    if by not in ("post", "workshop"):
        raise InvalidInput(f"by 应为 post 或 workshop, 实为 {by!r}", [{"field": "by", "message": "应为 post/workshop"}])
    with conn.cursor() as cur:
        name = _enterprise_name(cur, enterprise_id)
        cur.execute(SQL["post"].format(basis=basis), {"e": enterprise_id, "by": by})
        rows = cur.fetchall()
    # Workshops in code order, the areas of a workshop together; the plant's own risks last.
    rows.sort(key=lambda r: (r[3] == "plant", natural_key(r[4]), r[3] == "workshop", natural_key(r[1]), r[0]))
    names = [r[2] for r in rows]
    bars = []
    for aid, code, aname, kind, _wcode, *counts in rows:
        label = "厂区(公共区域)" if kind == "plant" else (aname if names.count(aname) == 1 else f"{aname} [{code}]")
        if by == "post" and kind == "workshop":
            label = f"{aname}(车间公共区域)" if any(r[4] == code and r[0] != aid for r in rows) else label
        bars.append(Bar(label, dict(zip(KEYS, [*counts, 0], strict=True)), aid))
    return ChartData(f"{name} 企业作业安全风险比较图", name, "岗位/区域" if by == "post" else "车间",
                     "风险点数 (个)", _BASIS_ZH[basis], bars)


def industry_level_counts(conn: psycopg2.extensions.connection, region_id: int, *,
                          basis: EnterpriseBasis = "current") -> ChartData:
    """行业安全风险比较图 data: enterprises of a region's subtree, per industry, by enterprise level."""
    if basis not in ("current", "residual", "inherent"):
        raise InvalidInput(f"basis 应为 current/residual/inherent, 实为 {basis!r}",
                           [{"field": "basis", "message": "应为 current/residual/inherent"}])
    region_exists(conn, region_id)
    with conn.cursor() as cur:
        cur.execute("SELECT name FROM region WHERE id = %s", (region_id,))
        name = cur.fetchone()[0]
        cur.execute(SQL["industry"].format(basis=basis), (region_id,))
        rows = cur.fetchall()
    bars = [Bar(zh, dict(zip(KEYS, counts, strict=True)), code) for code, zh, *counts in rows]
    return ChartData(f"{name} 行业安全风险比较图", name, "行业", "企业数 (家)", _BASIS_ZH[basis], bars)
