"""What an import tells its caller: the collected errors (every one names where and why) and the
two refusals that are not about the content (too large: HTTP 413; not a format we read: 415)."""

from __future__ import annotations

from dataclasses import dataclass

from layers.errors import InvalidInput

#: Errors listed at most (the count says how many there were).
MAX_ERRORS = 200


class TooLarge(InvalidInput):
    """The upload, or what it unpacks to, is over the limit (HTTP 413)."""


class UnsupportedFormat(InvalidInput):
    """Not a file type this target can be imported from (HTTP 415)."""


@dataclass(frozen=True)
class Where:
    """Where a feature is, as the user sees it: the n-th feature (1-based) of a GIS file or DXF
    drawing, or the row number of a CSV/Excel sheet (the header is row 1, or wherever it stood)."""

    feature: int
    row: int | None = None
    handle: str | None = None  # DXF entity handle
    layer: str | None = None   # DXF layer

    def describe(self) -> str:
        if self.row is not None:
            return f"第 {self.row} 行 (row {self.row})"
        extra = ", ".join(x for x in (self.layer and f"图层 {self.layer}", self.handle and f"句柄 {self.handle}") if x)
        return f"第 {self.feature} 个要素 (feature {self.feature})" + (f" [{extra}]" if extra else "")


class Problems:
    """Collects errors as {"feature", "row", "field", "message"} (plus "handle"/"layer" for DXF)."""

    def __init__(self) -> None:
        self.items: list[dict] = []
        self.count = 0

    def add(self, message: str, where: Where | None = None, field: str | None = None) -> None:
        self.count += 1
        if len(self.items) >= MAX_ERRORS:
            return
        item: dict = {"feature": where.feature if where else None, "row": where.row if where else None,
                      "field": field, "message": message}
        if where is not None and where.handle:
            item["handle"] = where.handle
            item["layer"] = where.layer
        self.items.append(item)

    def __bool__(self) -> bool:
        return self.count > 0

    def refuse(self, what: str) -> InvalidInput:
        """The one exception that carries every error (in file order): nothing has been written."""
        self.items.sort(key=lambda e: (e["feature"] is not None, e["feature"] or 0))
        first = self.items[0]
        where = ""
        if first["row"] is not None:
            where = f"第 {first['row']} 行 (row {first['row']}) "
        elif first["feature"] is not None:
            where = f"第 {first['feature']} 个要素 (feature {first['feature']}) "
        if first["field"]:
            where += f"字段 {first['field']} (field {first['field']}) "
        more = f"; 仅列出前 {MAX_ERRORS} 处 (first {MAX_ERRORS} listed)" if self.count > MAX_ERRORS else ""
        return InvalidInput(
            f"{what}导入被拒绝: 共 {self.count} 处错误, 未写入任何数据 (import refused: {self.count} errors, "
            f"nothing written){more}. 第一处 (first): {where}{first['message']}",
            self.items,
        )
