"""Risk assessment methods (docs/domain.md §3): LEC, LS, MES and 直接判定 (Shandong guide 第七条).

Value scales, thresholds and the direct-determination rules are data in named, versioned profiles
(table ``assessment_profile``; the defaults are seeded by db/migrations/0006). This module is the one
grader: it reads a profile's definition and turns a method's inputs into a score, a level and the
reason, for new assessments and for re-grading everything that uses a changed profile.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import psycopg2.extensions
import psycopg2.extras

from layers.errors import InvalidInput, NotFound, Stale
from layers.levels import DESCENDING, Level

#: The scored methods and their factors: the one list of methods (the database's enum
#: assessment_method, 0001, holds the same codes). Every other list is derived from these.
FACTORS = {"LEC": ("L", "E", "C"), "LS": ("L", "S"), "MES": ("M", "E", "S")}
FORMULA = {"LEC": "D = L × E × C", "LS": "R = L × S", "MES": "R = M × E × S"}
#: The scored methods (a score through a profile's scales and thresholds).
SCORED_METHODS: tuple[str, ...] = tuple(FACTORS)
#: Every method: the scored ones and 直接判定 (direct determination by the profile's rules).
METHODS: tuple[str, ...] = (*SCORED_METHODS, "direct")


class AssessmentError(InvalidInput):
    """An input outside the method's value scale, or a rule that cannot be applied."""


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

    def describe(self) -> str:
        return f"≥{self.major:g} 重大, ≥{self.significant:g} 较大, ≥{self.general:g} 一般, 其余 低"


@dataclass(frozen=True)
class Profile:
    """A named, versioned set of value scales, thresholds and direct-determination rules."""

    name: str
    version: int
    definition: dict[str, Any]
    title_zh: str = ""

    def _part(self, method: str, part: str) -> dict[str, Any]:
        """``definition[method][part]``; a definition of another shape (a list, a number... from an
        admin's PUT) is the caller's mistake, named, not a TypeError."""
        m = self.definition.get(method)
        if m is not None and not isinstance(m, dict):
            raise AssessmentError(f"评价方案 {self.name} 的 {method} 应为对象 (must be an object)")
        got = (m or {}).get(part)
        if got is not None and not isinstance(got, dict):
            raise AssessmentError(f"评价方案 {self.name} 的 {method}.{part} 应为对象 (must be an object)")
        return got or {}

    def scale(self, method: str, factor: str) -> dict[float, str]:
        raw = self._part(method, "scales").get(factor)
        if raw is None:
            raise AssessmentError(f"评价方案 {self.name} 未定义 {method} 的 {factor} 分值表")
        if not isinstance(raw, dict):
            raise AssessmentError(f"评价方案 {self.name} 的 {method} {factor} 分值表应为 {{分值: 说明}} (must be an object)")
        try:
            return {float(k): v for k, v in raw.items()}
        except ValueError:
            raise AssessmentError(f"评价方案 {self.name} 的 {method} {factor} 分值表的分值应为数值 "
                                  f"(scale values must be numbers)") from None

    def thresholds(self, method: str) -> Thresholds:
        t = self._part(method, "thresholds")
        if not t:
            raise AssessmentError(f"评价方案 {self.name} 未定义 {method} 的分级阈值")
        return Thresholds(*(_number(f"评价方案 {self.name} 的 {method} 分级阈值", k, t.get(k))
                            for k in ("major", "significant", "general")))

    @classmethod
    def from_row(cls, name: str, version: int, definition: dict[str, Any] | str, title_zh: str = "") -> Profile:
        parsed: dict[str, Any] = json.loads(definition) if isinstance(definition, str) else definition
        return cls(name, int(version), parsed, title_zh)


@dataclass(frozen=True)
class Result:
    method: str
    inputs: dict[str, Any]
    score: float | None
    level: Level
    profile: str
    profile_version: int
    reason: str = ""
    basis: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "method": self.method, "inputs": self.inputs, "score": self.score, "level": self.level.value,
            "level_zh": self.level.name_zh, "profile": self.profile, "profile_version": self.profile_version,
            "reason": self.reason, "basis": self.basis,
        }


def _number(method: str, name: str, value: Any) -> float:
    if isinstance(value, bool) or value is None:
        raise AssessmentError(f"{method} 的 {name} 缺失或不是数值 (missing or not a number)")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise AssessmentError(f"{method} 的 {name} 取值 {value!r} 不是数值 (not a number)") from None


def _product(method: str, inputs: dict[str, Any], profile: Profile) -> Result:
    values: dict[str, float] = {}
    for name in FACTORS[method]:
        v = _number(method, name, inputs.get(name))
        scale = profile.scale(method, name)
        if v not in scale:
            allowed = "/".join(f"{k:g}" for k in sorted(scale, reverse=True))
            raise AssessmentError(
                f"{method} 的 {name} 取值 {v:g} 不在分值表中, 应为 {allowed} (value not on the {method} scale)"
            )
        values[name] = v
    score = 1.0
    for v in values.values():
        score *= v
    t = profile.thresholds(method)
    level = t.grade(score)
    terms = " × ".join(f"{n}={v:g}" for n, v in values.items())
    reason = f"{FORMULA[method]}: {terms} = {score:g} → {level.name_zh} ({t.describe()})"
    clean = {n: (int(v) if v == int(v) else v) for n, v in values.items()}
    return Result(method, clean, score, level, profile.name, profile.version, reason)


def _condition(cond: dict[str, Any], inputs: dict[str, Any]) -> bool:
    if "any" in cond:
        return any(_condition(c, inputs) for c in cond["any"])
    if "all" in cond:
        return all(_condition(c, inputs) for c in cond["all"])
    value = inputs.get(cond["input"])
    if "is" in cond:
        return value is cond["is"] or value == cond["is"]
    if "gte" in cond:
        if value is None:
            return False
        return _number("直接判定", cond["input"], value) >= float(cond["gte"])
    raise AssessmentError(f"直接判定规则无法解释: {cond}")


DIRECT_INPUTS = {
    "fatal_or_serious_accident": "发生过死亡、重伤、重大财产损失事故",
    "law_violation": "违反法律、法规",
    "minor_injury_accidents": "轻伤事故次数",
    "major_hazard_source": "涉及重大危险源",
    "toxic_explosive_fire": "具有中毒、爆炸、火灾等危险因素的场所",
    "simultaneous_workers": "同一作业时间作业人员数",
}


def _direct(inputs: dict[str, Any], profile: Profile) -> Result:
    """直接判定法 (Shandong guide 第七条). The profile's rules (highest level first) are minimums: the first
    rule whose condition holds sets the level. A level may also be stated with its basis — 第七条(一)4
    and (二)3 allow 重大/较大 "经评价或直接判定法确定", (三) allows 一般/低 — and the result is the
    higher of the stated level and what the rules demand."""
    unknown = set(inputs) - set(DIRECT_INPUTS) - {"level", "basis"}
    if unknown:
        raise AssessmentError(f"直接判定的输入项未知: {', '.join(sorted(unknown))} (unknown inputs)")
    stated = inputs.get("level")
    basis = (inputs.get("basis") or "").strip() if isinstance(inputs.get("basis"), str) else ""
    if stated is not None:
        if stated not in ("major", "significant", "general", "low"):
            raise AssessmentError(f"直接判定的 level 应为 major/significant/general/low, 实为 {stated!r}")
        if not basis:
            raise AssessmentError("直接判定给出等级时必须填写判定依据 basis (basis is mandatory)")
    fired_level: Level | None = None
    fired: list[str] = []
    for rule in profile.definition.get("direct", {}).get("rules", []):
        fired = [c.get("basis", str(c)) for c in rule.get("any", []) if _condition(c, inputs)]
        if fired:
            fired_level = Level(rule["level"])
            break
    if fired_level is None and stated is None:
        raise AssessmentError(
            "未满足重大/较大风险的直接判定条件: 请给出 level 及判定依据 basis, 或改用 LEC/LS/MES 评价"
            " (no rule applies: state a level with its basis, or assess)"
        )
    if fired_level is not None and (stated is None or fired_level >= Level(stated)):
        return Result("direct", dict(inputs), None, fired_level, profile.name, profile.version,
                      f"直接判定为{fired_level.name_zh}: " + "; ".join(fired), fired)
    if stated is None:   # a rule fired (returned above) or a level was stated (refused above otherwise)
        raise RuntimeError("直接判定既无适用规则也无给出的等级 (neither a rule nor a stated level)")
    level = Level(stated)
    return Result("direct", dict(inputs), None, level, profile.name, profile.version,
                  f"直接判定为{level.name_zh}: {basis}", [basis])


def assess(method: str, inputs: dict[str, Any], profile: Profile) -> Result:
    """Grade one assessment with a profile. Raises :class:`AssessmentError` naming the bad input."""
    if method not in METHODS:
        raise AssessmentError(f"评价方法 {method!r} 未知, 应为 {'/'.join(METHODS)} (unknown method)")
    if not isinstance(inputs, dict):
        raise AssessmentError("评价输入应为对象, 如 {\"L\": 3, \"E\": 6, \"C\": 15} (inputs must be an object)")
    if method == "direct":
        return _direct(inputs, profile)
    extra = set(inputs) - set(FACTORS[method])
    if extra:
        raise AssessmentError(f"{method} 的输入项未知: {', '.join(sorted(extra))}; 应为 {'/'.join(FACTORS[method])}")
    return _product(method, inputs, profile)


# -- the default profile, for code that has no database at hand (tests, generators) ---------------
_DEFAULT_DEFINITION = {
    "LEC": {"scales": {"L": {"10": "", "6": "", "3": "", "1": "", "0.5": "", "0.2": "", "0.1": ""},
                       "E": {"10": "", "6": "", "3": "", "2": "", "1": "", "0.5": ""},
                       "C": {"100": "", "40": "", "15": "", "7": "", "3": "", "1": ""}},
            "thresholds": {"major": 320, "significant": 160, "general": 70}},
    "LS": {"scales": {"L": {str(i): "" for i in range(1, 6)}, "S": {str(i): "" for i in range(1, 6)}},
           "thresholds": {"major": 20, "significant": 15, "general": 9}},
}
#: The numbers of the seeded 'default' profile for LEC and LS (the database copy is the one users edit).
DEFAULT_PROFILE = Profile("default", 1, _DEFAULT_DEFINITION)


def lec(L: float, E: float, C: float, profile: Profile = DEFAULT_PROFILE) -> Result:
    """作业条件危险性分析法: D = L × E × C."""
    return assess("LEC", {"L": L, "E": E, "C": C}, profile)


def ls(L: int, S: int, profile: Profile = DEFAULT_PROFILE) -> Result:
    """风险矩阵法: R = L × S, each 1–5."""
    return assess("LS", {"L": L, "S": S}, profile)


# -- profiles in the database -----------------------------------------------------------------------
def load_profile(conn: psycopg2.extensions.connection, name: str) -> Profile:
    with conn.cursor() as cur:
        cur.execute("SELECT name, version, definition, title_zh FROM assessment_profile WHERE name = %s", (name,))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"评价方案 {name} 不存在 (assessment profile not found)")
    return Profile.from_row(*row)


def list_profiles(conn: psycopg2.extensions.connection) -> list[Profile]:
    with conn.cursor() as cur:
        cur.execute("SELECT name, version, definition, title_zh FROM assessment_profile ORDER BY name")
        return [Profile.from_row(*r) for r in cur.fetchall()]


def enterprise_profile(conn: psycopg2.extensions.connection, enterprise_id: int) -> Profile:
    with conn.cursor() as cur:
        cur.execute("SELECT profile FROM enterprise WHERE id = %s", (enterprise_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
    return load_profile(conn, row[0])


#: The parts of a profile's definition: one per method of the registry, each with its keys.
_METHOD_KEYS = ("scales", "thresholds", "note")
_THRESHOLD_KEYS = ("major", "significant", "general")
_DIRECT_KEYS = ("rules", "otherwise", "note")
_RULE_KEYS = ("level", "any", "note")
_CONDITION_KEYS = ("input", "is", "gte", "basis", "any", "all", "note")
#: What PUT /api/profiles/{name} may send around a definition: the object GET returns.
PROFILE_FIELDS = ("name", "version", "title_zh", "title_en", "definition")


class _Problems:
    """Problems of a profile definition, each named by its path (``LEC.thresholds.major``)."""

    def __init__(self) -> None:
        self.items: list[dict[str, str]] = []

    def add(self, path: str, message: str) -> None:
        self.items.append({"field": path or "(definition)", "message": message})

    def unknown_keys(self, obj: dict[str, Any], path: str, allowed: tuple[str, ...]) -> None:
        for key in obj:
            if key not in allowed:
                self.add(f"{path}.{key}" if path else str(key),
                         f"未知的键, 应为 {'/'.join(allowed)} 之一 (unknown key)")


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and v == v and abs(v) != float("inf")


def _check_scale(raw: Any, path: str, problems: _Problems) -> None:
    if not isinstance(raw, dict) or not raw:
        problems.add(path, "应为非空对象 {分值: 说明}, 如 {\"3\": \"可能但不经常\"} (a non-empty object of value: description)")
        return
    for key, desc in raw.items():
        try:
            value = float(key)
        except (TypeError, ValueError):
            value = float("nan")
        if not _is_number(value) or value <= 0:
            problems.add(f"{path}.{key}", "分值应为正数 (a scale value must be a positive number)")
        if not isinstance(desc, str):
            problems.add(f"{path}.{key}", "说明应为文字 (the description must be text)")


def _check_scored(method: str, part: Any, problems: _Problems) -> None:
    if not isinstance(part, dict):
        problems.add(method, "应为对象 {\"scales\": {...}, \"thresholds\": {...}} (must be an object)")
        return
    problems.unknown_keys(part, method, _METHOD_KEYS)
    scales = part.get("scales")
    if not isinstance(scales, dict):
        problems.add(f"{method}.scales", f"应为对象, 每个因子 {'/'.join(FACTORS[method])} 一个分值表 (must be an object)")
    else:
        problems.unknown_keys(scales, f"{method}.scales", FACTORS[method])
        for factor in FACTORS[method]:
            if factor not in scales:
                problems.add(f"{method}.scales.{factor}", "缺少分值表 (missing scale)")
            else:
                _check_scale(scales[factor], f"{method}.scales.{factor}", problems)
    t = part.get("thresholds")
    if not isinstance(t, dict):
        problems.add(f"{method}.thresholds", "应为对象 {\"major\": 数字, \"significant\": 数字, \"general\": 数字} "
                                             "(must be an object)")
        return
    problems.unknown_keys(t, f"{method}.thresholds", _THRESHOLD_KEYS)
    bad = [k for k in _THRESHOLD_KEYS if not _is_number(t.get(k))]
    for k in bad:
        problems.add(f"{method}.thresholds.{k}", f"应为数字, 实为 {t.get(k)!r} (must be a number)")
    if not bad and not t["major"] > t["significant"] > t["general"]:
        problems.add(f"{method}.thresholds", f"应满足 major > significant > general (重大 > 较大 > 一般), 实为 "
                                             f"{t['major']}/{t['significant']}/{t['general']} (thresholds must decrease)")


def _check_condition(cond: Any, path: str, problems: _Problems) -> None:
    """A 直接判定 condition as :func:`_condition` reads it: {"any"|"all": [...]} or {"input": name,
    "is"|"gte": value}, on an input of :data:`DIRECT_INPUTS`."""
    if not isinstance(cond, dict):
        problems.add(path, "应为对象 {\"input\": 输入项, \"is\"/\"gte\": 值} 或 {\"any\"/\"all\": [...]} (a condition)")
        return
    problems.unknown_keys(cond, path, _CONDITION_KEYS)
    for key in ("any", "all"):
        if key in cond:
            if not isinstance(cond[key], list) or not cond[key]:
                problems.add(f"{path}.{key}", "应为非空列表 (a non-empty list of conditions)")
                return
            for i, c in enumerate(cond[key]):
                _check_condition(c, f"{path}.{key}[{i}]", problems)
            return
    if cond.get("input") not in DIRECT_INPUTS:
        problems.add(f"{path}.input", f"未知的输入项 {cond.get('input')!r}, 应为 {'/'.join(DIRECT_INPUTS)} 之一 "
                                      "(unknown input)")
    if "gte" in cond:
        if not _is_number(cond["gte"]):
            problems.add(f"{path}.gte", f"应为数字, 实为 {cond['gte']!r} (must be a number)")
    elif "is" in cond:
        if not isinstance(cond["is"], (bool, int, float, str)):
            problems.add(f"{path}.is", "应为 true/false、数字或文字 (a plain value)")
    else:
        problems.add(path, "应含 is 或 gte (a condition needs is or gte)")
    if "basis" in cond and not isinstance(cond["basis"], str):
        problems.add(f"{path}.basis", "应为文字 (must be text)")


def _check_direct(direct: Any, problems: _Problems) -> None:
    if not isinstance(direct, dict):
        problems.add("direct", "应为对象 {\"rules\": [...]} (must be an object with a list of rules)")
        return
    problems.unknown_keys(direct, "direct", _DIRECT_KEYS)
    rules = direct.get("rules", [])
    if not isinstance(rules, list):
        problems.add("direct.rules", "应为列表 (must be a list of rules)")
        return
    levels = [lv.value for lv in DESCENDING]
    for i, rule in enumerate(rules):
        where = f"direct.rules[{i}]"
        if not isinstance(rule, dict):
            problems.add(where, "应为对象 {\"level\": ..., \"any\": [...]} (a rule)")
            continue
        problems.unknown_keys(rule, where, _RULE_KEYS)
        if rule.get("level") not in levels:
            problems.add(f"{where}.level", f"应为 {'/'.join(levels)} 之一, 实为 {rule.get('level')!r} (a rule needs a level)")
        _check_condition({"any": rule.get("any")}, where, problems)


def _sample_grades(definition: dict[str, Any], problems: _Problems) -> None:
    """Grade samples through every method (each factor at the top and at the bottom of its scale;
    直接判定 with no fact and a stated level): a profile that cannot grade is refused."""
    probe = Profile("probe", 1, definition)
    samples: list[tuple[str, str, dict[str, Any]]] = [
        ("direct", "direct", {"level": "low", "basis": "样例 (sample)", **{k: None for k in DIRECT_INPUTS}})]
    for method in SCORED_METHODS:
        for pick in (max, min):
            samples.append((method, method, {f: pick(probe.scale(method, f)) for f in FACTORS[method]}))
    for path, method, inputs in samples:
        try:
            assess(method, inputs, probe)
        except (AssessmentError, KeyError, TypeError, ValueError) as exc:
            problems.add(path, f"无法评价样例 {inputs} (cannot grade a sample): {exc}")


def check_definition(definition: Any) -> list[dict[str, str]]:
    """Every problem of a profile definition, each ``{"field": path, "message": ...}``; empty when it
    is valid. The schema follows the registry: one part per method of :data:`SCORED_METHODS` with a
    scale per factor of :data:`FACTORS` ({value: description}, values positive numbers) and
    thresholds (major > significant > general, numbers); ``direct`` with its rules (a level and
    conditions on :data:`DIRECT_INPUTS`); no other key. A valid shape is then graded through
    every method with samples."""
    problems = _Problems()
    if not isinstance(definition, dict):
        problems.add("", "评价方案的定义应为对象 (the definition must be an object)")
        return problems.items
    problems.unknown_keys(definition, "", (*SCORED_METHODS, "direct"))
    for method in SCORED_METHODS:
        if method not in definition:
            problems.add(method, f"缺少 {method} 的分值表与阈值 (missing: every method needs its scales and thresholds)")
        else:
            _check_scored(method, definition[method], problems)
    if "direct" in definition:
        _check_direct(definition["direct"], problems)
    if not problems.items:
        _sample_grades(definition, problems)
    return problems.items


def _validate_definition(definition: Any) -> None:
    problems = check_definition(definition)
    if problems:
        listed = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:10])
        raise AssessmentError(f"评价方案无效, 共 {len(problems)} 处问题, 未保存 (invalid profile, nothing saved): {listed}"
                              + (" …" if len(problems) > 10 else ""), problems)


def profile_body(p: Profile) -> dict[str, Any]:
    """A profile as GET /api/profiles/{name} returns it and PUT takes it back."""
    return {"name": p.name, "version": p.version, "title_zh": p.title_zh, "definition": p.definition}


def save_profile_body(conn: psycopg2.extensions.connection, name: str, body: Any) -> tuple[Profile, int]:
    """Save what PUT /api/profiles/{name} sends: the object GET returns ({"name", "version",
    "title_zh", "definition"}, so a read-edit-save works), or a bare definition. A ``version``
    sent must be the stored one (an edit based on an older read is refused), a ``name`` sent must
    be the one of the URL. Returns what :func:`save_profile` does."""
    if not isinstance(body, dict) or "definition" not in body:
        return save_profile(conn, name, body)
    problems = _Problems()
    problems.unknown_keys(body, "", PROFILE_FIELDS)
    if body.get("name") is not None and body["name"] != name:
        problems.add("name", f"应为 {name!r} (地址中的方案名), 实为 {body['name']!r} (must be the name of the URL)")
    for key in ("title_zh", "title_en"):
        if body.get(key) is not None and (not isinstance(body[key], str) or not body[key].strip() or len(body[key]) > 200):
            problems.add(key, "应为不超过 200 字的文字 (text up to 200 characters)")
    version = body.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        problems.add("version", f"应为整数, 实为 {version!r} (must be an integer)")
    if problems.items:
        raise AssessmentError("评价方案无效, 未保存 (invalid profile, nothing saved): "
                              + "; ".join(f"{p['field']}: {p['message']}" for p in problems.items), problems.items)
    if version is not None:
        with conn.cursor() as cur:
            cur.execute("SELECT version FROM assessment_profile WHERE name = %s FOR UPDATE", (name,))
            row = cur.fetchone()
        if row is not None and row[0] != version:
            raise Stale(f"评价方案 {name} 已被修改 (当前版本 {row[0]}, 您读取的是 {version}), 未保存; 请重新读取后再修改 "
                        "(the profile changed since you read it: nothing was saved)")
    return save_profile(conn, name, body["definition"], title_zh=body.get("title_zh"), title_en=body.get("title_en"))


def save_profile(conn: psycopg2.extensions.connection, name: str, definition: Any, *,
                 title_zh: str | None = None, title_en: str | None = None) -> tuple[Profile, int]:
    """Create or change a profile (a change bumps its version) and re-grade every risk that uses
    it. Returns the profile and the number of risks whose stored result changed. One transaction.
    A definition with any problem (:func:`check_definition`) is refused with every problem named."""
    _validate_definition(definition)
    with conn.cursor() as cur:
        cur.execute(
            """INSERT INTO assessment_profile (name, title_zh, title_en, definition)
               VALUES (%(n)s, coalesce(%(tz)s, %(n)s), coalesce(%(te)s, %(n)s), %(d)s)
               ON CONFLICT (name) DO UPDATE SET definition = EXCLUDED.definition,
                   title_zh = coalesce(%(tz)s, assessment_profile.title_zh),
                   title_en = coalesce(%(te)s, assessment_profile.title_en),
                   version = assessment_profile.version + 1, updated_at = now()
               RETURNING name, version, definition, title_zh""",
            {"n": name, "tz": title_zh, "te": title_en, "d": psycopg2.extras.Json(definition)},
        )
        profile = Profile.from_row(*cur.fetchone())
    return profile, regrade(conn, profile)


def set_enterprise_profile(conn: psycopg2.extensions.connection, enterprise_id: int, name: str) -> int:
    """Choose the profile of an enterprise and re-grade its risks with it. Returns risks changed."""
    profile = load_profile(conn, name)
    with conn.cursor() as cur:
        cur.execute("UPDATE enterprise SET profile = %s WHERE id = %s", (name, enterprise_id))
        if cur.rowcount == 0:
            raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
    return regrade(conn, profile, enterprise_id=enterprise_id)


def regrade(conn: psycopg2.extensions.connection, profile: Profile, *, enterprise_id: int | None = None) -> int:
    """Re-grade every risk of every enterprise using ``profile`` (or of one enterprise)."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT r.id, r.method::text, r.inputs, r.residual_inputs, r.residual_level::text, r.name
               FROM risk r JOIN area a ON a.id = r.area_id JOIN enterprise e ON e.id = a.enterprise_id
               WHERE e.profile = %s AND (%s::int IS NULL OR e.id = %s)""",
            (profile.name, enterprise_id, enterprise_id),
        )
        rows = cur.fetchall()
    updates: list[tuple[Any, ...]] = []
    errors: list[dict[str, Any]] = []
    for rid, method, inputs, residual_inputs, residual_level, name in rows:
        try:
            inh = assess(method, inputs or {}, profile)
            if residual_inputs:
                res = assess(method, residual_inputs, profile)
                res_level, res_score = res.level, res.score
            else:
                res_level, res_score = min(Level(residual_level), inh.level), None
        except AssessmentError as exc:
            errors.append({"risk_id": rid, "risk": name, "message": str(exc)})
            continue
        updates.append((rid, inh.score, inh.level.value, res_level.value, res_score, profile.version))
    if errors:
        raise AssessmentError(
            f"评价方案 {profile.name} 修改后有 {len(errors)} 条风险无法重新评价, 未做任何修改 "
            "(the changed profile cannot grade some stored risks; nothing was changed)", errors[:50]
        )
    if not updates:
        return 0
    with conn.cursor() as cur:
        cur.execute("CREATE TEMP TABLE _regrade (id int, score numeric, inh risk_level, res risk_level, "
                    "rscore numeric, ver int) ON COMMIT DROP")
        psycopg2.extras.execute_values(cur, "INSERT INTO _regrade VALUES %s", updates, page_size=5000)
        cur.execute(
            """UPDATE risk r SET score = g.score, inherent_level = g.inh, residual_level = g.res,
                      residual_score = g.rscore, profile = %s, profile_version = g.ver
               FROM _regrade g
               WHERE r.id = g.id AND (r.score IS DISTINCT FROM g.score OR r.inherent_level <> g.inh
                     OR r.residual_level <> g.res OR r.profile <> %s OR r.profile_version <> g.ver)""",
            (profile.name, profile.name),
        )
        changed = int(cur.rowcount)
        cur.execute("DROP TABLE _regrade")
    return changed


def _graded(method: str, inputs: dict[str, Any], profile: Profile, *, residual_inputs: dict[str, Any] | None,
            residual_level: str | None, basis: str | None) -> tuple[Result, Level, float | None, str | None]:
    """(inherent result, residual level, residual score, 判定依据) of one assessment, checked: a
    residual assessment is required and may not be above the inherent one."""
    inputs = dict(inputs)
    if method == "direct" and basis and "basis" not in inputs and inputs.get("level"):
        inputs["basis"] = basis
    inh = assess(method, inputs, profile)
    if residual_inputs is not None:
        res = assess(method, residual_inputs, profile)
        res_level, res_score = res.level, res.score
    elif residual_level is not None:
        try:
            res_level, res_score = Level(residual_level), None
        except ValueError:
            raise InvalidInput(f"现有风险等级 {residual_level!r} 未知, 应为 major/significant/general/low "
                               "(unknown residual level)", [{"field": "residual_level", "message": "unknown level"}]) from None
    else:
        raise InvalidInput("需要 residual_inputs 或 residual_level (residual assessment missing)",
                           [{"field": "residual_level", "message": "必填其一"}])
    if res_level > inh.level:
        raise InvalidInput(f"现有风险等级({res_level.name_zh})不能高于固有风险等级({inh.level.name_zh})",
                           [{"field": "residual_level", "message": "residual > inherent"}])
    return inh, res_level, res_score, basis or ("; ".join(inh.basis) if inh.basis else None)


def reassess_risk(conn: psycopg2.extensions.connection, risk_id: int, method: str, inputs: dict[str, Any], *,
                  expected_version: str | None, actor: str, residual_inputs: dict[str, Any] | None = None,
                  residual_level: str | None = None, basis: str | None = None) -> tuple[Result, Level, str]:
    """Assess a risk again and save it (inherent from ``inputs``; residual from ``residual_inputs``
    or ``residual_level``); the area and enterprise levels follow through the triggers. Refused
    unless ``expected_version`` is the risk's current version. Returns (inherent result, residual
    level, new version). Runs in the caller's transaction."""
    from layers.entities import check_version

    with conn.cursor() as cur:
        cur.execute("""SELECT r.id, a.enterprise_id, r.xmin::text FROM risk r JOIN area a ON a.id = r.area_id
                       WHERE r.id = %s FOR UPDATE OF r""", (risk_id,))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"风险 {risk_id} 不存在 (risk not found)")
        check_version(f"风险 {risk_id} ", row[2], expected_version)
        profile = enterprise_profile(conn, row[1])
        inh, res_level, res_score, basis = _graded(method, inputs, profile, residual_inputs=residual_inputs,
                                                   residual_level=residual_level, basis=basis)
        cur.execute(
            """UPDATE risk SET method = %s, inputs = %s, score = %s, inherent_level = %s, residual_inputs = %s,
                      residual_score = %s, residual_level = %s, profile = %s, profile_version = %s,
                      basis = coalesce(%s, basis), assessed_at = current_date, assessed_by = %s, updated_at = now()
               WHERE id = %s RETURNING xmin::text""",
            (method, psycopg2.extras.Json(inh.inputs), inh.score, inh.level.value,
             psycopg2.extras.Json(residual_inputs) if residual_inputs is not None else None,
             res_score, res_level.value, profile.name, profile.version, basis, actor, risk_id),
        )
        version = str(cur.fetchone()[0])
    return inh, res_level, version


def create_risk(conn: psycopg2.extensions.connection, area_id: int, properties: Any, assessment: Any, *,
                actor: str, admin: bool = False) -> dict[str, Any]:
    """Add one risk to an area: its descriptive ``properties`` (checked as an edit of a risk is, by
    :func:`layers.entities.insert`; 事故类型 ``accident_type`` or ``accident_types`` as GB 6441 names,
    aliases or codes, one or several, all kept) and its ``assessment``
    ({"method", "inputs", "residual_inputs" or "residual_level", "basis"}), graded with the
    enterprise's profile. 管控层级 defaults to the one of the residual level. The area and
    enterprise levels follow through the triggers. Returns the new risk as a Feature. Runs in the
    caller's transaction; a foreign or unknown area is not found."""
    from layers import entities
    from layers.risk_lists import DEFAULT_TIER, accepted_accident_types, load_vocab, read_accident_types

    if not isinstance(properties, dict):
        raise InvalidInput("properties 应为对象 (properties must be an object)", [{"field": "properties", "message": "object"}])
    if not isinstance(assessment, dict):
        raise InvalidInput("assessment 应为对象, 如 {\"method\": \"LEC\", \"inputs\": {\"L\": 3, \"E\": 6, \"C\": 15}, "
                           "\"residual_level\": \"general\"} (assessment must be an object)",
                           [{"field": "assessment", "message": "object"}])
    with conn.cursor() as cur:
        cur.execute("SELECT enterprise_id FROM area WHERE id = %s", (area_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"区域 {area_id} 不存在 (area not found)")
    props = dict(properties)
    vocab = load_vocab(conn)
    raw = [props.pop(k) for k in ("accident_types", "accident_type", "事故类型") if k in props]
    raw_type = next((v for v in raw if v is not None), None)
    if isinstance(raw_type, list):
        raw_type = "、".join(str(v) for v in raw_type)
    if raw_type is None or isinstance(raw_type, (dict, bool)) or not str(raw_type).strip():
        message = f"事故类型不能为空 (accident_type required); {accepted_accident_types(vocab)}"
        raise InvalidInput(message, [{"field": "accident_type", "message": message}])
    try:
        types = read_accident_types(str(raw_type), vocab)
    except ValueError as exc:
        raise InvalidInput(f"字段 accident_type: {exc}", [{"field": "accident_type", "message": str(exc)}]) from None
    method = assessment.get("method")
    if method not in METHODS:
        raise InvalidInput(f"评价方法 {method!r} 未知, 应为 {'/'.join(METHODS)} (unknown method)",
                           [{"field": "assessment.method", "message": "unknown method"}])
    inputs, residual_inputs = assessment.get("inputs"), assessment.get("residual_inputs")
    for key, v in (("inputs", inputs), ("residual_inputs", residual_inputs)):
        if v is not None and not isinstance(v, dict):
            raise InvalidInput(f"assessment.{key} 应为对象 (must be an object)", [{"field": f"assessment.{key}", "message": "object"}])
    basis = assessment.get("basis")
    if basis is not None and (not isinstance(basis, str) or len(basis) > 2000):
        raise InvalidInput("判定依据应为不超过 2000 字的文字 (basis: text up to 2000 characters)",
                           [{"field": "assessment.basis", "message": "text"}])
    profile = enterprise_profile(conn, row[0])
    inh, res_level, res_score, basis = _graded(method, inputs or {}, profile, residual_inputs=residual_inputs,
                                               residual_level=assessment.get("residual_level"), basis=basis)
    if not any(k in props for k in ("control_tier", "管控层级")):
        props["control_tier"] = DEFAULT_TIER[res_level]
    fixed = {"area_id": area_id, "accident_type": types.codes[0], "accident_types": types.codes, "method": method,
             "inputs": psycopg2.extras.Json(inh.inputs), "score": inh.score, "inherent_level": inh.level.value,
             "residual_inputs": psycopg2.extras.Json(residual_inputs) if residual_inputs is not None else None,
             "residual_score": res_score, "residual_level": res_level.value, "profile": profile.name,
             "profile_version": profile.version, "basis": basis, "assessed_by": actor}
    feature = entities.insert(conn, entities.RISKS, props, fixed=fixed, admin=admin)
    if types.mapped:   # say how a common wording was read: 火灾爆炸 → 火灾、其它爆炸
        feature["notes"] = [f"事故类型 {n} (read as the GB 6441 types)" for n in types.notes(vocab)]
    return feature
