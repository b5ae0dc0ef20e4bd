"""The lists' sheets and columns: Shandong guide 附件1 (operating posts), 附件2 (management posts) and the
较大及以上风险管控清单, headers in the Shandong guide's order and wording, with the sheet names recognised on import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # Excel character units
    align: Literal["left", "center"] = "left"


@dataclass(frozen=True)
class ListSpec:
    key: str
    sheet: str  # sheet name on export: the Shandong guide's attachment title (≤ 31 characters)
    columns: tuple[Column, ...]
    aliases: tuple[str, ...] = ()  # other sheet names recognised on import

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(c.header for c in self.columns)

    def index(self, header: str) -> int:
        return self.headers.index(header)


#: Shandong guide 附件1 操作岗位风险管控与隐患排查清单, headers in the Shandong guide's order and wording.
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

#: Shandong guide 附件2 管理岗位风险管控与隐患排查清单.
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

#: 较大及以上风险管控清单, posted beside the plant map (docs/domain.md §4). Export only.
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
