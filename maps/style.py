"""How the printed maps and pages look, apart from the level colours: the Chinese font, the neutral
colours, line weights and type sizes shared by the sheets (plant/workshop maps, cards, charts, the
report, the city maps, the emergency briefing).

The four level colours and 未评估 are not here: they come from :data:`layers.levels.PALETTE` only,
which the settings may change; every colour here is one that is none of the levels.
"""

from __future__ import annotations

from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402

# ------------------------------------------------------------------------------------------------
# Font: Noto Sans CJK SC from Debian's fonts-noto-cjk
# ------------------------------------------------------------------------------------------------

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei")
LATIN_FAMILY = "DejaVu Sans"  # Latin-only text whose font must embed quickly (page-number overlays)


class FontMissing(RuntimeError):
    pass


@lru_cache
def cjk_family() -> str:
    """The installed CJK sans family; configures matplotlib to use it (and keep the minus sign).

    Every sheet calls this before it draws, so it is also where matplotlib is told to draw text as
    text: with ``text.parse_math`` on (its default) a string holding two ``$`` is typeset as TeX
    math, so a name such as ``储罐 $x^{2$ 区`` failed to render and ``$a$`` lost its dollars. Names,
    titles and every other string drawn come from users; nothing here is TeX."""
    matplotlib.rcParams["text.parse_math"] = False
    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            matplotlib.rcParams["font.family"] = "sans-serif"
            matplotlib.rcParams["font.sans-serif"] = [family, LATIN_FAMILY]
            matplotlib.rcParams["axes.unicode_minus"] = False
            matplotlib.rcParams["pdf.fonttype"] = 42  # embed TrueType: text stays text in the PDF
            matplotlib.rcParams["svg.fonttype"] = "none"
            return family
    raise FontMissing(
        "未找到中文字体 Noto Sans CJK SC (Chinese font missing): 运行 `make setup` 安装 fonts-noto-cjk"
    )


# ------------------------------------------------------------------------------------------------
# Neutral colours (never a level colour)
# ------------------------------------------------------------------------------------------------

INK = "#1A1A1A"            # body text of typeset pages
OUTLINE = "#333333"        # frames, rules, area outlines, bar edges
DARK = "#222222"           # figures in chart tables, symbol edges
SECONDARY = "#444444"      # subtitles and notes under a title
MUTED = "#555555"          # secondary text: 续表 notes, locations, footers, leader lines, road names
FAINT = "#777777"          # other buildings' edges, city map region outlines, chart baseline
CONTEXT_LABEL = "#666666"  # names of the other workshops on a workshop map
PALE = "#AAAAAA"           # context outlines on a workshop map, heat map regions, zero counts
DOTS = "#888888"           # the dotted leaders of a contents page
GRID = "#D9D9D9"           # chart grid lines

HEADER_FILL = "#EDEBE6"    # header rows of typeset tables, the charts' 合计 column
LABEL_FILL = "#F2F1EE"     # label cells of the cards
LIST_HEADER_FILL = "#E6E6E6"  # header row of the list on a plant sheet
LEGEND_HEAD_FILL = "#F2F2F2"  # the 图例 cell of a plant sheet's legend

NEUTRAL_FILL = "#E8E4DC"   # other buildings
PLANT_FILL = "#FAFAF7"     # open ground inside the plant
CONTEXT_FILL = "#EEEEEE"   # areas outside the workshop of a workshop map
ROAD_CASING = "#9A9A9A"
ROAD_FILL = "#F4F1EA"
ROAD_LINE = "#A0A0A0"      # roads on the briefing map
CITY_BACKGROUND = "#F4F6F7"     # outside the regions of a city map
BRIEFING_BACKGROUND = "#F7F7F4"

MARK_GREEN = "#00843D"     # safety-sign green (GB 2894 提示标志): exits, assembly points, rescue
HAZARD_MARK = "#6A1B9A"    # 隐患 triangles: a colour that is none of the four levels
SOURCE_MARK = "#5A0000"    # 重大危险源 outline and symbol on a plant sheet
CITY_SOURCE_MARK = "#7B1FA2"  # 重大危险源 triangles on a city map

# ------------------------------------------------------------------------------------------------
# Line weights (points)
# ------------------------------------------------------------------------------------------------

FRAME_LW = 1.4   # the drawing frame of a sheet or cover
HEAVY_LW = 0.8   # table outlines and header rules, the map's frame
RULE_LW = 0.6    # ordinary rules and swatch outlines
THIN_LW = 0.4    # rules inside tables, bar edges

# ------------------------------------------------------------------------------------------------
# Type sizes (points) of the plant/workshop sheet, at A4; an A3 sheet multiplies them by 1.25
# ------------------------------------------------------------------------------------------------

SHEET_TITLE_PT = 15.0    # the heading above the map
LIST_TITLE_PT = 10.0     # 较大及以上风险管控清单
LIST_PT = 6.6            # the list's cells
LEGEND_PT = 7.2          # legend entries
LEGEND_HEAD_PT = 9.0     # 图例
STRIP_KEY_PT = 6.5       # 图签 captions
STRIP_VALUE_PT = 7.5     # 图签 values
AREA_LABEL_PT = 6.8      # units and posts
WORKSHOP_LABEL_PT = 8.5  # workshops
BUILDING_LABEL_PT = 7.0  # other buildings, context workshops
MARK_LABEL_PT = 6.5      # marks and roads
NORTH_PT = 9.0           # the N of the north arrow
NORTH_ZH_PT = 7.5        # 北 below it
SCALE_BAR_PT = 6.8       # scale bar figures
