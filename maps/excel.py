"""Excel workbooks of the risk lists (.xlsx, openpyxl).

This is rendering, so it lives in ``maps/`` beside the plant map: it receives the lists as
:class:`layers.risk_lists.Table` (columns, cell values, levels) and decides only how they look on
paper: a title row, the Shandong guide's headers, the 风险等级 cell filled with the palette colour and a
readable text colour, column widths, row heights, a frozen header, drop-downs and A4 landscape print
setup. It never queries the database; the meaning of every cell (and its parsing back on import)
stays in ``layers/risk_lists/``.
"""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.formatting.rule import CellIsRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from layers.levels import DESCENDING, PALETTE, Level
from layers.risk_lists import Table

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

FONT_NAME = "宋体"
_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="D9D9D9")
_LINE_PT = 15.0  # height of one line of 10 pt CJK text, with leading
#: Rows below the data that still get the drop-downs and level colours, for rows a user adds.
_SPARE_ROWS = 500


def _hex(colour: str) -> str:
    return colour.lstrip("#").upper()


def level_fill(level: Level) -> tuple[PatternFill, Font]:
    """The palette fill of a level and a readable (black/white) bold font on it."""
    return (PatternFill("solid", fgColor=_hex(PALETTE.colour(level))),
            Font(name=FONT_NAME, size=10, bold=True, color=_hex(PALETTE.text_colour(level))))


def _display_width(s: str) -> int:
    """Width in Excel character units: CJK and full-width characters count 2."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def _lines(value: Any, width: float) -> int:
    if value is None:
        return 1
    usable = max(width - 1, 2)
    return sum(max(1, math.ceil(_display_width(part) / usable)) for part in str(value).split("\n"))


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    return value


#: First characters with which Excel and WPS take what is typed into a cell for a formula.
_FORMULA_START = ("=", "+", "-", "@")


def _put(ws, row: int, col: int, value: Any):
    """Write ``value`` to a cell; text is always a text cell, never a formula.

    openpyxl turns a string beginning with ``=`` into a formula, so a name such as ``=cmd|' /C
    calc'!A0`` stored by a user would run when the list is opened. A string is written as a text
    cell (an inline string: Excel and WPS show it as it is, and reading it back gives the same
    text); one beginning like a formula also gets the quote prefix (the hidden apostrophe Excel
    itself adds to typed text), so editing the cell in Excel does not turn it into a formula."""
    c = ws.cell(row, col, _clean(value))
    if isinstance(value, str):
        c.data_type = "s"
        if value.startswith(_FORMULA_START):
            c.quotePrefix = True
    return c


def _write_sheet(ws, t: Table) -> None:
    spec = t.spec
    ncol = len(spec.columns)
    last = get_column_letter(ncol)
    first_data = 3
    last_row = first_data + len(t.rows) - 1

    # title row
    _put(ws, 1, 1, t.title)
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(name=FONT_NAME, size=14, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30

    # header row
    for j, col in enumerate(spec.columns, 1):
        c = _put(ws, 2, j, col.header)
        c.font = Font(name=FONT_NAME, size=10, bold=True)
        c.fill = _HEADER_FILL
        c.border = _BORDER
        c.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(j)].width = col.width
    ws.row_dimensions[2].height = max(_lines(col.header, col.width) for col in spec.columns) * _LINE_PT + 6

    # data rows
    level_col = t.level_column
    body = Font(name=FONT_NAME, size=10)
    for i, (values, level) in enumerate(zip(t.rows, t.levels, strict=True)):
        r = first_data + i
        for j, (col, value) in enumerate(zip(spec.columns, values, strict=True)):
            c = _put(ws, r, j + 1, value)
            c.font = body
            c.border = _BORDER
            c.alignment = Alignment(horizontal=col.align, vertical="center", wrap_text=True)
            if j == level_col and level is not None:
                c.fill, c.font = level_fill(level)
        ws.row_dimensions[r].height = max(_lines(v, col.width) for col, v in zip(spec.columns, values, strict=True)
                                          ) * _LINE_PT + 4

    # rows of one post share its merged cells
    for j in t.merge_columns:
        start = 0
        for i in range(1, len(t.rows) + 1):
            if i == len(t.rows) or t.groups[i] != t.groups[start]:
                if i - start > 1:
                    ws.merge_cells(start_row=first_data + start, end_row=first_data + i - 1,
                                   start_column=j + 1, end_column=j + 1)
                start = i

    # level colours follow edits (conditional formatting) and drop-downs offer the words (a hint:
    # other accepted spellings such as 红 or several accident types stay allowed)
    spare = max(last_row, first_data) + _SPARE_ROWS
    lcol = get_column_letter(level_col + 1)
    for lv in DESCENDING:
        fill, font = level_fill(lv)
        ws.conditional_formatting.add(f"{lcol}{first_data}:{lcol}{spare}",
                                      CellIsRule(operator="equal", formula=[f'"{lv.name_zh}"'], fill=fill, font=font))
    for j, choices in t.choices.items():
        if len(",".join(choices)) > 250 or any(ch in c for c in choices for ch in '",'):
            continue  # Excel's limit for a literal list; a quote or comma would break the list
        dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"', allow_blank=True,
                            showErrorMessage=False)
        col = get_column_letter(j + 1)
        dv.add(f"{col}{first_data}:{col}{spare}")
        ws.add_data_validation(dv)

    ws.freeze_panes = "A3"
    ws.print_title_rows = "1:2"
    ws.print_area = f"A1:{last}{max(last_row, 2)}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = ws.ORIENTATION_LANDSCAPE
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页 / 共 &N 页"


def write_workbook(tables: Sequence[Table], *, title: str | None = None) -> bytes:
    """An .xlsx holding one sheet per table, as bytes."""
    wb = Workbook()
    wb.remove(wb.active)
    for t in tables:
        _write_sheet(wb.create_sheet(t.sheet), t)
    wb.properties.creator = "riskatlas"
    if title:
        wb.properties.title = _clean(title)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
