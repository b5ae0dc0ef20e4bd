"""Chinese fonts for matplotlib: Noto Sans CJK SC from Debian's fonts-noto-cjk."""

from __future__ import annotations

from functools import lru_cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager  # noqa: E402

CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Zen Hei")


class FontMissing(RuntimeError):
    pass


@lru_cache
def cjk_family() -> str:
    """The installed CJK sans family; configures matplotlib to use it (and keep the minus sign)."""
    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in CJK_FAMILIES:
        if family in names:
            matplotlib.rcParams["font.family"] = "sans-serif"
            matplotlib.rcParams["font.sans-serif"] = [family, "DejaVu Sans"]
            matplotlib.rcParams["axes.unicode_minus"] = False
            matplotlib.rcParams["pdf.fonttype"] = 42  # embed TrueType: text stays text in the PDF
            matplotlib.rcParams["svg.fonttype"] = "none"
            return family
    raise FontMissing(
        "未找到中文字体 Noto Sans CJK SC (Chinese font missing): 运行 `make setup` 安装 fonts-noto-cjk"
    )
