"""Risk levels and the one palette of riskatlas.

Every colour on every output (matplotlib, folium, exports, QGIS styles) comes from :data:`PALETTE`.
The database stores levels as the ordered enum ``risk_level`` ('low' < 'general' < 'significant' <
'major'), so ``max()`` in SQL is 从严从高; :class:`Level` mirrors that order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from layers.settings import PaletteSettings


class Level(StrEnum):
    LOW = "low"
    GENERAL = "general"
    SIGNIFICANT = "significant"
    MAJOR = "major"

    @property
    def rank(self) -> int:
        return _RANK[self]

    def __lt__(self, other: object) -> bool:  # ordered like the SQL enum
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Level):
            return NotImplemented
        return self.rank >= other.rank

    @property
    def name_zh(self) -> str:
        return NAMES[self.value]["zh"]

    @property
    def name_en(self) -> str:
        return NAMES[self.value]["en"]

    @property
    def colour(self) -> str:
        return PALETTE.colour(self.value)


_RANK = {Level.LOW: 1, Level.GENERAL: 2, Level.SIGNIFICANT: 3, Level.MAJOR: 4}

#: Key for "not yet assessed" (未评估): a colour but not a level.
UNASSESSED = "unassessed"

NAMES: dict[str, dict[str, str]] = {
    "major": {"zh": "重大风险", "en": "Major risk", "colour_zh": "红", "colour_en": "red"},
    "significant": {"zh": "较大风险", "en": "Significant risk", "colour_zh": "橙", "colour_en": "orange"},
    "general": {"zh": "一般风险", "en": "General risk", "colour_zh": "黄", "colour_en": "yellow"},
    "low": {"zh": "低风险", "en": "Low risk", "colour_zh": "蓝", "colour_en": "blue"},
    UNASSESSED: {"zh": "未评估", "en": "Not assessed", "colour_zh": "灰", "colour_en": "grey"},
}

#: Levels from the highest down: the order of legends and lists.
DESCENDING: tuple[Level, ...] = (Level.MAJOR, Level.SIGNIFICANT, Level.GENERAL, Level.LOW)


@dataclass(frozen=True)
class Palette:
    """The four colours and grey, keyed by level code and ``unassessed``; read from
    :class:`layers.settings.PaletteSettings` (``RISKATLAS_COLOUR_*``)."""

    colours: dict[str, str]

    def colour(self, level: str | Level | None) -> str:
        if level is None or (isinstance(level, float) and level != level):  # None or NaN from a DataFrame
            key = UNASSESSED
        else:
            key = level.value if isinstance(level, Level) else str(level)
        try:
            return self.colours[key]
        except KeyError:
            raise ValueError(f"未知风险等级 {key!r} (unknown risk level)") from None

    def rgb(self, level: str | Level | None) -> tuple[int, int, int]:
        h = self.colour(level).lstrip("#")
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)

    def text_colour(self, level: str | Level | None) -> str:
        """Black or white, whichever reads better on the fill (WCAG relative luminance)."""
        r, g, b = (c / 255 for c in self.rgb(level))

        def lin(c: float) -> float:
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        lum = 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
        return "#000000" if lum > 0.179 else "#FFFFFF"


def _load_palette() -> Palette:
    return Palette(PaletteSettings().model_dump())


PALETTE = _load_palette()


def parse_level(value: str | Level | None) -> Level | None:
    """A level from its code ('major'), its Chinese name ('重大风险', '重大') or its colour word ('红')."""
    if value is None or isinstance(value, Level):
        return value
    v = str(value).strip()
    if not v or v == NAMES[UNASSESSED]["zh"]:
        return None
    for code, names in NAMES.items():
        if code == UNASSESSED:
            continue
        if v.lower() == code or v in (names["zh"], names["zh"].removesuffix("风险"), names["colour_zh"]):
            return Level(code)
    raise ValueError(f"无法识别的风险等级 {value!r}, 应为 重大/较大/一般/低 (unknown risk level)")


def highest(levels) -> Level | None:
    """从严从高: the highest of some levels, ignoring None; None when none is given."""
    found = [lv for lv in (parse_level(x) for x in levels) if lv is not None]
    return max(found, key=lambda lv: lv.rank) if found else None
