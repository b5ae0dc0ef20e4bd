"""What a map layer keeps: a region's subtree, some industries, some levels.

Every layer query that a regulator filters (vector tiles, the city page's layers, exports) takes one
:class:`LayerFilter`; its level keys come from the one list of levels in :mod:`layers.levels`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from layers.levels import DESCENDING, UNASSESSED

#: The level codes a filter accepts: the four levels and 未评估.
LEVEL_KEYS: tuple[str, ...] = (*(lv.value for lv in DESCENDING), UNASSESSED)


@dataclass(frozen=True)
class LayerFilter:
    """What a tile (or any layer query) keeps: a region subtree, some industries, some levels."""

    within: int | None = None
    industries: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        bad = [lv for lv in self.levels if lv not in LEVEL_KEYS]
        if bad:
            raise ValueError(f"风险等级 {bad[0]!r} 未知, 应为 {'/'.join(LEVEL_KEYS)} (unknown level)")

    def sql(self, level_expr: str) -> tuple[str, dict[str, Any]]:
        """Conditions on ``e`` (enterprise) and ``level_expr``, with their named parameters."""
        cond = ""
        params: dict[str, Any] = {}
        if self.within is not None:
            cond += " AND e.region_id IN (SELECT id FROM sub)"
            params["within"] = self.within
        if self.industries:
            cond += " AND e.industry = ANY(%(industries)s)"
            params["industries"] = list(self.industries)
        if self.levels:
            cond += f" AND coalesce(({level_expr})::text, 'unassessed') = ANY(%(levels)s)"
            params["levels"] = list(self.levels)
        return cond, params

    def cte(self) -> str:
        """The region subtree of ``within`` (walked down from it with the parent index)."""
        if self.within is None:
            return ""
        return """sub AS (
            WITH RECURSIVE s (id) AS (
                SELECT id FROM region WHERE id = %(within)s
                UNION ALL SELECT r.id FROM region r JOIN s ON r.parent_id = s.id)
            SELECT id FROM s),"""


#: No filter: every region, industry and level.
EVERYTHING = LayerFilter()
