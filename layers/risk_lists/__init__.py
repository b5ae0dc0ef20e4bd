"""Risk lists (docs/domain.md §4, Shandong guide 附件1/附件2): their columns, the mapping to and from the data
model, the numbering of significant risks, and the import of an edited workbook.

Three lists:

* 操作岗位风险管控与隐患排查清单 (Shandong guide 附件1, operating posts): one row per risk of a post. Posts
  are ``area`` rows of kind 'post' or 'unit' (they are places, drawn on the plant map first); 岗位人数,
  主要设备设施 and 主要作业活动 are attributes of the area; the other columns are the ``risk`` row and
  its ``control_measure`` rows. A post with no risk is one row whose risk columns are empty.
* 管理岗位风险管控与隐患排查清单 (Shandong guide 附件2, management posts): management posts are not places,
  so they live in ``management_post`` / ``management_risk`` (db/migrations/0005_risk_lists.sql),
  outside the maps and the area/enterprise levels. One row per 职责分工 of a post.
* 较大及以上风险管控清单 (export only): :func:`significant_risks` numbers them once, for the list and
  the plant map alike.

Rules of the cells (export writes them so; import accepts them and a little more):

* 风险等级 is the residual (现有) level, the basis the maps use by default: 重大风险/较大风险/一般风险/低风险,
  also 重大/较大/一般/低 and the colour words 红/橙/黄/蓝 (:func:`layers.levels.parse_level`).
* 可能导致的事故类型 is one or more GB 6441 names, separated by 、,，;；/ or line breaks. The common
  wordings of table ``accident_type_alias`` are accepted (火灾爆炸 = 火灾 + 其它爆炸, 高空坠落 =
  高处坠落, 烫伤 = 灼烫 …; docs/domain.md §3), and so are the code numbers; the import's notes say how
  each alias was read. One row is one risk: all its types are kept (``risk.accident_types``, the
  first is ``risk.accident_type``) and the export writes them joined with 、.
* 管控措施: one measure per line, ``类型: 内容`` with a type of Shandong guide 第八条 (消除/替代/工程控制/管理/
  个体防护/应急处置; 控制 = 工程控制, also 管理措施, 个人防护, 应急). Leading numbering (1. 1、 (1) ①) is
  dropped. A line with no type is a 管理 (administrative) measure: most lists in use are written as
  plain numbered lines, and 管理 is the Shandong guide's catch-all for procedures, training and checks. The export
  writes every line with its type, so a round trip is stable.
* 排查周期: 每班/每天/每周/每月/每季度 (also 每日, 每季, and 每X一次 as in Shandong guide 第十五条).
* 岗位名称 names a post/unit of the enterprise by name; when two posts share a name the export writes
  ``名称 [编号]`` and the import accepts that, or the area code alone.

Import (:func:`import_workbook`): everything is validated before anything is written; a workbook with
any bad cell is refused whole with every error naming sheet, row (as Excel numbers it), column and
reason. Then, in the caller's transaction:

* Each list sheet present replaces that list of the enterprise (the workbook *is* the list): a risk
  row removed from the sheet deletes the risk, a management post absent from the sheet is deleted. A
  sheet that is absent leaves its list untouched. Posts themselves (areas) are never created or
  deleted by the import: an unknown post is an error.
* Risks keep their identity where they can: within a post, sheet rows are paired in order with the
  post's stored risks of the same accident types, else of the same first (primary) type; a paired
  risk is updated in place, keeping its id, name, hazard factors, assessment inputs and score, and
  only if something changed (re-importing an unchanged workbook writes nothing but one summary audit
  row). Unpaired stored risks are deleted, unpaired rows
  inserted. Management rows pair by position within their post.
* A new risk from the list has no assessment of its own: it is stored as 直接判定 (method 'direct',
  inputs {"level", "basis"}) with the list's level as inherent and residual level and a basis saying
  so. The list's level is the residual level: it may be anything up to the stored inherent level. Above
  it, a risk whose level was stated (直接判定 without rule facts, e.g. one the list created) has its
  inherent level raised too; an assessed risk (LEC/LS/MES, or 直接判定 by the Shandong guide's rules) is refused
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

The package: :mod:`~layers.risk_lists.columns` (sheets and headers), :mod:`~layers.risk_lists.cells`
(vocabularies and cell parsing), :mod:`~layers.risk_lists.store` (the lists as stored),
:mod:`~layers.risk_lists.significant` (the 较大及以上 numbering), :mod:`~layers.risk_lists.tables`
(export), :mod:`~layers.risk_lists.workbook` (reading and validating a workbook) and
:mod:`~layers.risk_lists.importer` (the import).
"""

from layers.risk_lists.cells import (
    DEFAULT_TIER,
    AccidentTypes,
    Measure,
    Vocab,
    accepted_accident_types,
    cell_text,
    format_accident_types,
    format_measures,
    load_vocab,
    natural_key,
    parse_accident_types,
    parse_headcount,
    parse_measures,
    parse_period,
    read_accident_types,
)
from layers.risk_lists.columns import LISTS, MANAGEMENT, OPERATING, SIGNIFICANT, Column, ListSpec
from layers.risk_lists.importer import IMPORT_BASIS, ImportResult, import_workbook
from layers.risk_lists.significant import SignificantRisk, significant_risks
from layers.risk_lists.store import (
    ManagementItem,
    ManagementPost,
    OperatingPost,
    PostRisk,
    RiskLists,
    read_lists,
)
from layers.risk_lists.tables import (
    Table,
    management_table,
    operating_table,
    risk_list_tables,
    significant_table,
    significant_tables,
)
from layers.risk_lists.workbook import MAX_DATA_ROWS, MAX_ERRORS, MAX_UNCOMPRESSED_BYTES, MAX_WORKBOOK_BYTES

__all__ = [
    "DEFAULT_TIER", "IMPORT_BASIS", "LISTS", "MANAGEMENT", "MAX_DATA_ROWS", "MAX_ERRORS", "MAX_UNCOMPRESSED_BYTES",
    "MAX_WORKBOOK_BYTES", "OPERATING", "SIGNIFICANT", "AccidentTypes", "Column", "ImportResult", "ListSpec", "ManagementItem",
    "ManagementPost", "Measure", "OperatingPost", "PostRisk", "RiskLists", "SignificantRisk", "Table", "Vocab",
    "accepted_accident_types", "cell_text", "format_accident_types", "format_measures", "import_workbook", "load_vocab", "management_table", "natural_key",
    "operating_table", "parse_accident_types", "parse_headcount", "parse_measures", "parse_period", "read_accident_types", "read_lists",
    "risk_list_tables", "significant_risks", "significant_table", "significant_tables",
]
