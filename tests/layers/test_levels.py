from __future__ import annotations

import pytest

from layers.assessment import AssessmentError, lec, ls
from layers.levels import DESCENDING, PALETTE, Level, highest, parse_level


def test_palette_defaults_follow_domain_and_never_green():
    assert PALETTE.colour("major") == "#FF0000"
    assert PALETTE.colour("significant") == "#FF8000"
    assert PALETTE.colour("general") == "#FFFF00"
    assert PALETTE.colour("low") == "#0000FF"
    assert PALETTE.colour(None) == "#BFBFBF"
    for lv in DESCENDING:
        r, g, b = PALETTE.rgb(lv)
        assert not (g > r and g > b), f"{lv} must not be green"


def test_readable_text_on_each_fill():
    assert PALETTE.text_colour("low") == "#FFFFFF"
    assert PALETTE.text_colour("general") == "#000000"


def test_order_is_from_strict_to_high():
    assert Level.LOW < Level.GENERAL < Level.SIGNIFICANT < Level.MAJOR
    assert highest(["low", None, "significant", "general"]) is Level.SIGNIFICANT
    assert highest([None, None]) is None


@pytest.mark.parametrize("text,level", [("重大风险", Level.MAJOR), ("较大", Level.SIGNIFICANT), ("黄", Level.GENERAL),
                                        ("low", Level.LOW), ("未评估", None)])
def test_parse_level(text, level):
    assert parse_level(text) is level


def test_parse_level_rejects_unknown():
    with pytest.raises(ValueError, match="无法识别"):
        parse_level("绿")


def test_lec_worked_example_from_domain():
    # docs/domain.md §3: 自动线造型作业 机械伤害, L=3 E=6 C=15 -> D=270 -> 较大
    r = lec(3, 6, 15)
    assert r.score == 270 and r.level is Level.SIGNIFICANT


@pytest.mark.parametrize("score_args,expected", [
    ((10, 2, 15), Level.SIGNIFICANT),   # 300
    ((10, 2, 40), Level.MAJOR),          # 800
    ((1, 6, 15), Level.GENERAL),         # 90
    ((1, 10, 7), Level.GENERAL),         # 70: the lower bound of 一般 is inclusive
    ((3, 3, 7), Level.LOW),              # 63
    ((1, 6, 40), Level.SIGNIFICANT),     # 240
    ((6, 6, 40), Level.MAJOR),           # 1440
    ((1, 2, 40), Level.GENERAL),         # 80
])
def test_lec_thresholds(score_args, expected):
    assert lec(*score_args).level is expected


def test_lec_boundaries_exact():
    assert lec(10, 2, 15).score == 300
    # 320 exactly is 重大, 160 exactly is 较大 (inclusive lower bounds)
    from layers.assessment import DEFAULT_PROFILE
    t = DEFAULT_PROFILE.thresholds("LEC")
    assert t.grade(320) is Level.MAJOR
    assert t.grade(319.9) is Level.SIGNIFICANT
    assert t.grade(160) is Level.SIGNIFICANT
    assert t.grade(159.9) is Level.GENERAL
    assert t.grade(70) is Level.GENERAL
    assert t.grade(69.9) is Level.LOW


def test_lec_rejects_values_off_the_scale():
    with pytest.raises(AssessmentError, match="LEC 的 L"):
        lec(4, 6, 15)


@pytest.mark.parametrize("L,S,expected", [(4, 5, Level.MAJOR), (5, 3, Level.SIGNIFICANT), (3, 5, Level.SIGNIFICANT),
                                          (2, 5, Level.GENERAL), (3, 3, Level.GENERAL), (2, 4, Level.LOW),
                                          (1, 1, Level.LOW)])
def test_ls_thresholds(L, S, expected):
    assert ls(L, S).level is expected


def test_ls_rejects_out_of_range():
    with pytest.raises(AssessmentError):
        ls(0, 3)
