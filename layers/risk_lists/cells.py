"""What a list cell holds and how it is read and written: the vocabularies (accident types and their
aliases, control kinds, check periods, control tiers, read from the database), measures, periods,
headcounts, and the natural order of codes (W2 before W10)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import psycopg2.extensions
import psycopg2.extras

from layers.levels import Level

#: Default 管控层级 by level (docs/domain.md §3): 重大→公司, 较大→车间(部门), 一般→班组, 低→岗位.
DEFAULT_TIER = {Level.MAJOR: "company", Level.SIGNIFICANT: "workshop", Level.GENERAL: "team", Level.LOW: "post"}


@dataclass(frozen=True)
class Vocab:
    accident_types: dict[int, str]  # GB 6441 code -> 名称
    accident_aliases: dict[str, tuple[int, ...]]  # a common wording -> the GB 6441 codes it means, in order
    control_kinds: dict[str, str]  # code -> 消除/替代/...; in Shandong guide 第八条 order
    check_periods: dict[str, str]  # code -> 每班/每天/...
    control_tiers: dict[str, str]  # code -> 公司/车间(部门)/...


def load_vocab(conn: psycopg2.extensions.connection) -> Vocab:
    with conn.cursor() as cur:
        cur.execute("SELECT code, name_zh FROM accident_type ORDER BY code")
        accident_types = dict(cur.fetchall())
        cur.execute("SELECT alias, array_agg(code ORDER BY position) FROM accident_type_alias "
                    "GROUP BY alias ORDER BY min(code), alias")
        aliases = {alias: tuple(codes) for alias, codes in cur.fetchall()}
        cur.execute("SELECT domain, code, name_zh FROM vocabulary "
                    "WHERE domain IN ('control_kind', 'check_period', 'control_tier') ORDER BY domain, ord")
        by_domain: dict[str, dict[str, str]] = defaultdict(dict)
        for domain, code, name in cur.fetchall():
            by_domain[domain][code] = name
    return Vocab(accident_types, aliases, by_domain["control_kind"], by_domain["check_period"], by_domain["control_tier"])


_KIND_ALIASES = {
    "控制": "engineering", "工程措施": "engineering", "工程技术措施": "engineering", "技术措施": "engineering",
    "管理措施": "administrative", "个人防护": "ppe", "个体防护措施": "ppe", "个体防护用品": "ppe",
    "应急": "emergency", "应急措施": "emergency",
}
_PERIOD_ALIASES = {"每日": "daily", "每季": "quarterly"}
_SPLIT_TYPES = re.compile(r"[、,，;；/／\n]+")
_NUMBERING = re.compile(r"^\s*(?:\d{1,3}\s*[.．、)）](?!\d)|[（(]\d{1,3}[)）]|[①-⑳])\s*")
_TYPED_LINE = re.compile(r"^(?P<kind>[^:：]{1,10}?)\s*[:：]\s*(?P<text>.*)$", re.S)
WHITESPACE = re.compile(r"\s+")


_BRACKETED = re.compile(r"\s*[(（][^()（）]*[)）]\s*$")


@dataclass(frozen=True)
class AccidentTypes:
    """The GB 6441 codes a 事故类型 text names, in order without repeats, and the words that were read
    through an alias (word -> codes), so the reader can be told what was understood."""

    codes: list[int]
    mapped: dict[str, tuple[int, ...]]

    def notes(self, vocab: Vocab) -> list[str]:
        """``火灾爆炸 → 火灾、其它爆炸`` for every word read through an alias."""
        return [f"{word} → {'、'.join(vocab.accident_types[c] for c in codes)}" for word, codes in self.mapped.items()]


def accepted_accident_types(vocab: Vocab) -> str:
    """What a 事故类型 may say, for a refusal: the GB 6441 names and every alias with its meaning."""
    aliases = "、".join(f"{a}({'+'.join(vocab.accident_types[c] for c in codes)})"
                        for a, codes in vocab.accident_aliases.items())
    return (f"应为 GB 6441 的类别之一: {'、'.join(vocab.accident_types.values())} (或其编号 1–{len(vocab.accident_types)})"
            + (f"; 也接受这些常用写法 (aliases): {aliases}" if aliases else ""))


def _accident_word(word: str, vocab: Vocab, by_name: dict[str, int]) -> tuple[int, ...] | None:
    """The codes one word means: a name, an alias, a code number; a trailing 事故 or a bracketed
    remark (车辆伤害(厂内)) is dropped when what remains is known."""
    w = WHITESPACE.sub("", word)
    for candidate in dict.fromkeys((w, _BRACKETED.sub("", w), w.removesuffix("事故"))):
        if candidate in by_name:
            return (by_name[candidate],)
        if candidate in vocab.accident_aliases:
            return vocab.accident_aliases[candidate]
        if candidate.isdigit() and int(candidate) in vocab.accident_types:
            return (int(candidate),)
    return None


def read_accident_types(text: str, vocab: Vocab) -> AccidentTypes:
    """GB 6441 codes of a 事故类型 text (several separated by 、,，;；/ or lines; names, aliases from
    table accident_type_alias, or code numbers), in order, without repeats, with the words read
    through an alias. Raises ValueError naming the unknown word and listing what is accepted."""
    by_name = {name: code for code, name in vocab.accident_types.items()}
    codes: list[int] = []
    mapped: dict[str, tuple[int, ...]] = {}
    for word in (w.strip() for w in _SPLIT_TYPES.split(text)):
        if not word:
            continue
        found = _accident_word(word, vocab, by_name)
        if found is None:
            raise ValueError(f"未知的事故类型 {word!r} (unknown accident type); {accepted_accident_types(vocab)}")
        if word not in by_name and not word.isdigit():
            mapped[word] = found
        codes.extend(c for c in found if c not in codes)
    if not codes:
        raise ValueError(f"事故类型为空 (missing accident type); {accepted_accident_types(vocab)}")
    return AccidentTypes(codes, mapped)


def parse_accident_types(text: str, vocab: Vocab) -> list[int]:
    """GB 6441 codes of a 事故类型 text (:func:`read_accident_types`). Raises ValueError."""
    return read_accident_types(text, vocab).codes


def format_accident_types(codes: Iterable[int], vocab: Vocab) -> str:
    """The names of the types joined with 、, as a list cell writes them."""
    return "、".join(vocab.accident_types[c] for c in codes)


@dataclass(frozen=True)
class Measure:
    kind: str  # control_kind code
    description: str


def parse_measures(text: str | None, vocab: Vocab) -> list[Measure]:
    """管控措施 lines → typed measures. ``类型: 内容``; a line without a known type is 管理."""
    if not text:
        return []
    kinds = {name: code for code, name in vocab.control_kinds.items()}
    kinds.update({code: code for code in vocab.control_kinds})
    kinds.update(_KIND_ALIASES)
    out = []
    for i, raw in enumerate(text.split("\n"), 1):
        line = _NUMBERING.sub("", raw).strip()
        if not line:
            continue
        m = _TYPED_LINE.match(line)
        if m and m.group("kind").strip().lower() in kinds:
            kind = kinds[m.group("kind").strip().lower()]
            desc = m.group("text").strip()
            if not desc:
                raise ValueError(f"第 {i} 行 {line!r} 只有措施类型, 缺少措施内容 (measure line {i} has no text)")
        else:
            kind, desc = "administrative", line
        out.append(Measure(kind, desc))
    return out


def format_measures(measures: Iterable[Measure], vocab: Vocab) -> str | None:
    lines = [f"{vocab.control_kinds[m.kind]}: {_one_line(m.description)}" for m in measures]
    return "\n".join(lines) or None


def parse_period(text: str, vocab: Vocab) -> str:
    """排查周期 → check_period code. Raises ValueError."""
    v = WHITESPACE.sub("", text)
    for suffix in ("一次", "1次"):
        if v.endswith(suffix) and len(v) > len(suffix):
            v = v[: -len(suffix)]
    by_name = {name: code for code, name in vocab.check_periods.items()} | _PERIOD_ALIASES
    code = by_name.get(v) or (v.lower() if v.lower() in vocab.check_periods else None)
    if code is None:
        raise ValueError(f"无法识别的排查周期 {text!r}, 应为 {'/'.join(vocab.check_periods.values())} "
                         "(unknown inspection period)")
    return code


def parse_headcount(value: Any) -> int | None:
    """岗位人数: a non-negative integer (3, 3.0, '3', '3人'), or None for an empty cell."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise ValueError(f"岗位人数 {value!r} 不是整数 (headcount is not an integer)")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"岗位人数 {value:g} 不是整数 (headcount is not an integer)")
        value = int(value)
    if isinstance(value, str):
        v = value.strip().removesuffix("人").strip()
        if not re.fullmatch(r"[0-9]{1,6}", v):
            raise ValueError(f"岗位人数 {value!r} 不是整数 (headcount is not an integer)")
        value = int(v)
    if not isinstance(value, int):
        raise ValueError(f"岗位人数 {value!r} 不是整数 (headcount is not an integer)")
    if value < 0 or value > 1_000_000:
        raise ValueError(f"岗位人数 {value} 超出范围, 应为 0 或正整数 (headcount out of range)")
    return value


def _one_line(s: str) -> str:
    return " ".join(s.split("\n")).strip()


def cell_text(value: Any) -> str | None:
    """A cell as text: numbers without a spurious .0, line breaks normalised, stripped; None if empty."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.isoformat(sep=" ")
    elif isinstance(value, date):
        value = value.isoformat()
    s = str(value).replace("\r\n", "\n").replace("\r", "\n").strip()
    return s or None


def natural_key(s: str | None) -> tuple:
    """Sort key that orders W2 before W10; None last."""
    if s is None:
        return (1, ())
    return (0, tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", s) if p))
