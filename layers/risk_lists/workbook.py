"""Reading an edited workbook: the xlsx checks (size, format, zip bomb), the sheets and header rows
found, and each data row parsed and validated, every error naming sheet, row, column and reason.
Nothing here writes."""

from __future__ import annotations

import io
import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from layers.levels import Level, parse_level
from layers.risk_lists.cells import (
    WHITESPACE,
    Measure,
    Vocab,
    accepted_accident_types,
    cell_text,
    parse_headcount,
    parse_measures,
    parse_period,
    read_accident_types,
)
from layers.risk_lists.columns import LISTS, OPERATING, SIGNIFICANT, ListSpec
from layers.risk_lists.store import ManagementItem, OperatingPost, PostRisk

#: Largest workbook accepted (the API answers 413 above it).
MAX_WORKBOOK_BYTES = 10 * 1024 * 1024
#: Largest total uncompressed size of the parts of an xlsx (a zip bomb is refused before parsing).
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_DATA_ROWS = 20_000
MAX_ERRORS = 200


class Errors:
    """Collects errors as {"sheet", "row", "column", "cell", "message"}."""

    def __init__(self) -> None:
        self.items: list[dict] = []

    def add(self, message: str, *, sheet: str | None = None, row: int | None = None,
            column: str | None = None, col_index: int | None = None) -> None:
        from openpyxl.utils import get_column_letter

        cell = f"{get_column_letter(col_index + 1)}{row}" if col_index is not None and row else None
        self.items.append({"sheet": sheet, "row": row, "column": column, "cell": cell, "message": message})

    def __bool__(self) -> bool:
        return bool(self.items)


def load_workbook(data: bytes, errors: Errors):
    """The openpyxl workbook, or None with an error saying why the file is not a readable xlsx."""
    import openpyxl

    if len(data) > MAX_WORKBOOK_BYTES:
        errors.add(f"文件大小 {len(data) / 1048576:.1f} MB 超过 {MAX_WORKBOOK_BYTES // 1048576} MB 上限 "
                   "(file too large)")
        return None
    if not data:
        errors.add("文件为空 (empty file): 应为 .xlsx 工作簿")
        return None
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        errors.add("这是旧版 .xls (或加密的) 文件, 不是 .xlsx: 请在 Excel/WPS 中另存为 .xlsx 后再导入 "
                   "(legacy .xls or encrypted file, not .xlsx)")
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            total = sum(i.file_size for i in z.infolist())
    except (zipfile.BadZipFile, ValueError, OSError):
        errors.add("文件不是 .xlsx 工作簿 (not an xlsx workbook): 请上传 Excel 2007 及以上格式的 .xlsx 文件")
        return None
    if "xl/workbook.xml" not in names:
        errors.add("文件是 zip 压缩包但不是 .xlsx 工作簿 (a zip file, but not an xlsx workbook)")
        return None
    if total > MAX_UNCOMPRESSED_BYTES:
        errors.add(f"工作簿解压后超过 {MAX_UNCOMPRESSED_BYTES // 1048576} MB, 拒绝读取 (workbook too large "
                   "when uncompressed)")
        return None
    try:
        return openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file; all mean the same to the user
        errors.add(f"无法读取工作簿, 文件可能已损坏 (cannot read the workbook): {type(exc).__name__}: {exc}")
        return None


def _norm_header(v: Any) -> str:
    return WHITESPACE.sub("", str(v)) if v is not None else ""


def _grid(ws) -> list[list[Any]]:
    """All cell values, with every merged range filled from its top-left cell."""
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    for rng in ws.merged_cells.ranges:
        if rng.min_row > len(grid):
            continue
        v = grid[rng.min_row - 1][rng.min_col - 1] if rng.min_col <= len(grid[rng.min_row - 1]) else None
        for r in range(rng.min_row, min(rng.max_row, len(grid)) + 1):
            row = grid[r - 1]
            for c in range(rng.min_col, rng.max_col + 1):
                if c <= len(row):
                    row[c - 1] = v
    return grid


def _header_row(grid: list[list[Any]], spec: ListSpec) -> tuple[int | None, int]:
    """(0-based index of the header row within the first 10 rows, number of matching headers)."""
    best, best_n = None, 0
    wanted = set(spec.headers)
    for i, row in enumerate(grid[:10]):
        n = len({_norm_header(v) for v in row} & wanted)
        if n > best_n:
            best, best_n = i, n
    return (best, best_n) if best_n >= 2 else (None, 0)


@dataclass
class Sheet:
    spec: ListSpec
    name: str
    rows: list[tuple[int, dict[str, Any]]]  # (Excel row number, header -> value)
    cols: dict[str, int]  # header -> 0-based column


def read_sheets(wb, errors: Errors, warnings: list[str]) -> dict[str, Sheet]:
    found: dict[str, Sheet] = {}
    names = {_norm_header(n): spec for spec in LISTS for n in (spec.sheet, *spec.aliases)}
    for ws in wb.worksheets:
        grid = _grid(ws)
        empty = not any(v is not None and str(v).strip() for row in grid for v in row)
        spec = names.get(_norm_header(ws.title))
        if spec is None:  # not named as a list: recognise it by its header row
            scored = [(_header_row(grid, s)[1], s) for s in LISTS]
            n, s = max(scored, key=lambda t: t[0])
            spec = s if n >= 3 else None
        if spec is None:
            warnings.append(f"已忽略工作表 {ws.title!r}: 不是风险清单 (sheet ignored: not a risk list)")
            continue
        if spec is SIGNIFICANT:
            warnings.append(f"已忽略工作表 {ws.title!r}: 较大及以上风险管控清单由系统生成, 不导入 "
                            "(derived list, not imported)")
            continue
        expected = "、".join(spec.headers)
        if spec.key in found:
            errors.add(f"工作表 {ws.title!r} 与 {found[spec.key].name!r} 是同一种清单 (two sheets for one list)",
                       sheet=ws.title)
            continue
        if empty:
            errors.add(f"工作表为空 (empty sheet): 应有表头行 {expected} 及数据行", sheet=ws.title, row=1)
            continue
        hidx, _ = _header_row(grid, spec)
        if hidx is None:
            errors.add(f"找不到表头行 (header row not found): 前 10 行中应有一行表头 {expected}",
                       sheet=ws.title, row=1)
            continue
        hrow = hidx + 1
        cols: dict[str, int] = {}
        unknown: list[tuple[int, str]] = []
        for j, v in enumerate(grid[hidx]):
            h = _norm_header(v)
            if not h:
                continue
            if h in spec.headers:
                if h in cols:
                    errors.add(f"列 {h} 重复 (duplicate column)", sheet=ws.title, row=hrow, column=h, col_index=j)
                else:
                    cols[h] = j
            else:
                unknown.append((j, h))
        missing = [h for h in spec.headers if h not in cols]
        extra = "、".join(h for _, h in unknown)
        for h in missing:
            errors.add(f"缺少列 {h} (missing column); 表头应为: {expected}"
                       + (f"; 表中未识别的列 (unknown columns): {extra}" if extra else ""),
                       sheet=ws.title, row=hrow, column=h)
        if missing:
            continue
        for _, h in unknown:
            warnings.append(f"工作表 {ws.title!r} 第 {hrow} 行: 已忽略未识别的列 {h!r} (unknown column ignored)")
        rows = []
        for i in range(hidx + 1, len(grid)):
            values = {h: (grid[i][j] if j < len(grid[i]) else None) for h, j in cols.items()}
            if all(cell_text(v) is None for v in values.values()):
                continue
            rows.append((i + 1, values))
        if len(rows) > MAX_DATA_ROWS:
            errors.add(f"数据行 {len(rows)} 超过 {MAX_DATA_ROWS} 行上限 (too many rows)", sheet=ws.title)
            continue
        found[spec.key] = Sheet(spec, ws.title, rows, cols)
    return found


@dataclass
class Row:
    """One parsed data row (operating or management)."""

    row: int
    post: str
    headcount: int | None = None
    equipment: str | None = None
    activities: str | None = None
    types: list[int] = field(default_factory=list)
    mapped: dict[str, tuple[int, ...]] = field(default_factory=dict)  # 事故类型 words read through an alias
    item: Any = None  # PostRisk or ManagementItem; None: no risk


def parse_rows(sheet: Sheet, vocab: Vocab, errors: Errors) -> list[Row]:
    operating = sheet.spec is OPERATING
    risk_cols = (["可能导致的事故类型", "可能导致事故的原因"] if operating else ["职责分工"]) + [
        "风险等级", "管控措施", "排查内容", "责任人", "排查周期"]
    out = []
    for rowno, v in sheet.rows:
        n_err = len(errors.items)

        def err(column: str, message: str, rowno: int = rowno) -> None:
            errors.add(message, sheet=sheet.name, row=rowno, column=column, col_index=sheet.cols[column])

        post = cell_text(v["岗位名称"])
        if post is None:
            err("岗位名称", "岗位名称为空 (missing post name)")
        r = Row(rowno, post or "")
        if operating:
            try:
                r.headcount = parse_headcount(v["岗位人数"])
            except ValueError as exc:
                err("岗位人数", str(exc))
            r.equipment = cell_text(v["主要设备设施"])
            r.activities = cell_text(v["主要作业活动"])
        if any(cell_text(v[c]) is not None for c in risk_cols):
            level = period = None
            measures: list[Measure] = []
            level_text = cell_text(v["风险等级"])
            if level_text is None:
                err("风险等级", "风险等级为空 (missing risk level): 应为 重大风险/较大风险/一般风险/低风险")
            else:
                try:
                    level = parse_level(level_text)
                except ValueError as exc:
                    err("风险等级", str(exc))
                else:
                    if level is None:
                        err("风险等级", "清单中的风险必须定级, 不能为 未评估 (a listed risk needs a level)")
            period_text = cell_text(v["排查周期"])
            if period_text is None:
                err("排查周期", f"排查周期为空 (missing inspection period): 应为 {'/'.join(vocab.check_periods.values())}")
            else:
                try:
                    period = parse_period(period_text, vocab)
                except ValueError as exc:
                    err("排查周期", str(exc))
            try:
                measures = parse_measures(cell_text(v["管控措施"]), vocab)
            except ValueError as exc:
                err("管控措施", str(exc))
            if operating:
                types_text = cell_text(v["可能导致的事故类型"])
                if types_text is None:
                    err("可能导致的事故类型", f"事故类型为空 (missing accident type); {accepted_accident_types(vocab)}")
                else:
                    try:
                        read = read_accident_types(types_text, vocab)
                        r.types, r.mapped = read.codes, read.mapped
                    except ValueError as exc:
                        err("可能导致的事故类型", str(exc))
                if len(errors.items) == n_err:
                    level, period = _graded(level, period)
                    r.item = PostRisk(list(r.types), level, period, cell_text(v["可能导致事故的原因"]), measures,
                                      cell_text(v["排查内容"]), cell_text(v["责任人"]))
            elif len(errors.items) == n_err:
                level, period = _graded(level, period)
                r.item = ManagementItem(level, period, cell_text(v["职责分工"]), measures,
                                        cell_text(v["排查内容"]), cell_text(v["责任人"]))
        out.append(r)
    return out


def _graded(level: Level | None, period: str | None) -> tuple[Level, str]:
    """The level and period of a risk row without errors: both were parsed, so a None is a bug."""
    if level is None or period is None:
        raise RuntimeError(f"无错误的清单行却缺少风险等级或排查周期 (a row without errors lacks its level "
                           f"{level!r} or period {period!r})")
    return level, period


def resolve_posts(posts: list[OperatingPost], rows: list[Row], sheet: Sheet, errors: Errors
                   ) -> dict[int, list[Row]]:
    """Rows grouped by area id; unknown/ambiguous posts and inconsistent post attributes are errors."""
    by_label = {p.label: p for p in posts}
    by_name: dict[str, list[OperatingPost]] = defaultdict(list)
    for post in posts:
        by_name[post.name].append(post)
    by_code = {p.code: p for p in posts}
    col = sheet.cols["岗位名称"]
    out: dict[int, list[Row]] = defaultdict(list)
    for r in rows:
        if not r.post:
            continue
        p = by_label.get(r.post)
        if p is None and len(by_name.get(r.post, [])) > 1:
            errors.add(f"岗位名称 {r.post!r} 不唯一, 请写成其中之一 (ambiguous post name): "
                       + "、".join(q.label for q in by_name[r.post]),
                       sheet=sheet.name, row=r.row, column="岗位名称", col_index=col)
            continue
        if p is None:
            m = re.fullmatch(r"(.*?)\s*[\[［](.+?)[\]］]", r.post)
            q = by_code.get(m.group(2).strip()) if m else by_code.get(r.post)
            if q is not None and (m is None or m.group(1).strip() in ("", q.name)):
                p = q
        if p is None:
            known = "、".join(q.label for q in posts[:10]) + (" 等" if len(posts) > 10 else "")
            errors.add(f"岗位 {r.post!r} 不是本企业的岗位或单元 (unknown post of this enterprise; draw it on the "
                       f"plant map first). 本企业的岗位: {known or '无'}",
                       sheet=sheet.name, row=r.row, column="岗位名称", col_index=col)
            continue
        out[p.area_id].append(r)
    for area_rows in out.values():
        for attr, header in (("headcount", "岗位人数"), ("equipment", "主要设备设施"), ("activities", "主要作业活动")):
            first: Row | None = None
            for r in area_rows:
                v = getattr(r, attr)
                if v is None:
                    continue
                if first is None:
                    first = r
                elif v != getattr(first, attr):
                    errors.add(f"{header} {v!r} 与同一岗位第 {first.row} 行的 {getattr(first, attr)!r} 不一致 "
                               "(differs from another row of the same post)",
                               sheet=sheet.name, row=r.row, column=header, col_index=sheet.cols[header])
    return out
