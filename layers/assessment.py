"""Risk assessment methods (DOMAIN.md §3). Thresholds are data in a profile, never code.

This first slice carries the default profile for LEC and LS; the Risk engine issue adds MES,
直接判定, named alternative profiles stored in the database and re-grading.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from layers.levels import Level

LEC_L = {10: "完全可以预料", 6: "相当可能", 3: "可能但不经常", 1: "可能性小,完全意外",
         0.5: "很不可能,可以设想", 0.2: "极不可能", 0.1: "实际不可能"}
LEC_E = {10: "连续暴露", 6: "每天工作时间内暴露", 3: "每周一次或偶然暴露", 2: "每月一次",
         1: "每年几次", 0.5: "非常罕见"}
LEC_C = {100: "大灾难,许多人死亡", 40: "灾难,数人死亡", 15: "非常严重,一人死亡", 7: "严重,重伤",
         3: "重大,致残", 1: "引人注目,需救护"}


@dataclass(frozen=True)
class Thresholds:
    """Lower bounds (inclusive) of a score for major, significant and general; below is low."""

    major: float
    significant: float
    general: float

    def grade(self, score: float) -> Level:
        if score >= self.major:
            return Level.MAJOR
        if score >= self.significant:
            return Level.SIGNIFICANT
        if score >= self.general:
            return Level.GENERAL
        return Level.LOW


@dataclass(frozen=True)
class Profile:
    name: str
    version: int
    lec: Thresholds = field(default_factory=lambda: Thresholds(320, 160, 70))
    ls: Thresholds = field(default_factory=lambda: Thresholds(20, 15, 9))


DEFAULT_PROFILE = Profile("default", 1)


class AssessmentError(ValueError):
    """An input outside the method's value scale."""


@dataclass(frozen=True)
class Result:
    method: str
    inputs: dict
    score: float
    level: Level
    profile: str
    profile_version: int


def lec(L: float, E: float, C: float, profile: Profile = DEFAULT_PROFILE) -> Result:
    """作业条件危险性分析法: D = L × E × C."""
    for name, value, scale in (("L", L, LEC_L), ("E", E, LEC_E), ("C", C, LEC_C)):
        if value not in scale:
            allowed = "/".join(str(k) for k in scale)
            raise AssessmentError(f"LEC 的 {name} 取值 {value} 不在分值表中, 应为 {allowed}")
    d = float(L) * float(E) * float(C)
    return Result("LEC", {"L": L, "E": E, "C": C}, d, profile.lec.grade(d), profile.name, profile.version)


def ls(L: int, S: int, profile: Profile = DEFAULT_PROFILE) -> Result:
    """风险矩阵法: R = L × S, each 1–5."""
    for name, value in (("L", L), ("S", S)):
        if value not in (1, 2, 3, 4, 5):
            raise AssessmentError(f"LS 的 {name} 取值 {value} 应为 1–5 的整数")
    r = float(L * S)
    return Result("LS", {"L": L, "S": S}, r, profile.ls.grade(r), profile.name, profile.version)
