"""The catalogue of hazardous chemicals (GB 18218-2018): what a hazard source's inventory may name.

The catalogue (table ``chemical``, migrations 0001 and 0021) holds every named substance of 表1 with
its critical quantity Q and its β (表3 by name for the toxic gases, else 表4 by category), and the
substances an admin entered by their hazard category (表2, table ``gb18218_category``), whose Q and
β are their category's (a trigger keeps them so).

A substance is found by any name it is known by: its name, the part of it before a parenthesis
(汽油(乙醇汽油、甲醇汽油) → 汽油), the names a comma or 、 separates (甲烷,天然气 → 甲烷, 天然气; not
the comma of 1,3-丁二烯), an alias (别名: 光气 → 碳酰氯), its English name, or a CAS number; matched
after NFKC normalisation, case-insensitively. A key that two substances share (硝化棉, the CAS
number of the six 硝化纤维素 rows) names neither: the caller is told which rows it could be.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import psycopg2.extensions
import psycopg2.extras

from db.sql import statements
from layers.errors import Conflict, InvalidInput, NotFound
from layers.text import markup_problem

SQL = statements(__file__)

#: Longest name or alias accepted for a substance entered by category.
MAX_NAME = 100
#: Most aliases one entry may carry.
MAX_ALIASES = 20
#: How a CAS registry number is written: 2–7 digits, 2 digits, the check digit.
CAS_FORMAT = re.compile(r"^(\d{2,7})-(\d{2})-(\d)$")

BETA_FROM_ZH = {"table3": "表3 (毒性气体, 按名称)", "table4": "表4 (按类别)", "default": "无表4类别, 取 1"}

# a comma between two names (甲烷,天然气), not inside a chemical name (1,3-丁二烯)
_SEPARATORS = re.compile(r"、|(?<!\d),|,(?!\d)")


@dataclass(frozen=True)
class Entry:
    """What a key of the catalogue names."""

    id: int
    name_zh: str
    gb_row: int | None


@dataclass(frozen=True)
class Index:
    """The catalogue's keys: ``unique`` maps a normalised key to the one substance it names,
    ``shared`` to the substances that share it (a key there names none of them)."""

    unique: dict[str, Entry]
    shared: dict[str, tuple[Entry, ...]]

    def find(self, text: str) -> Entry | None:
        return self.unique.get(normalise(text))

    def candidates(self, text: str) -> tuple[Entry, ...]:
        """Every substance ``text`` could name (one for a unique key, several for a shared one)."""
        key = normalise(text)
        hit = self.unique.get(key)
        return (hit,) if hit is not None else self.shared.get(key, ())


def normalise(text: str) -> str:
    """The form keys are compared in: NFKC (full-width brackets and digits become ASCII), no
    surrounding space, case folded."""
    return unicodedata.normalize("NFKC", text).strip().casefold()


def _short_names(name: str) -> list[str]:
    """The shorter names a catalogue name also stands for: before its first bracket, split at a
    comma or 、 that separates two names."""
    head = re.split(r"[(\[]", unicodedata.normalize("NFKC", name), maxsplit=1)[0]
    return [p.strip() for p in _SEPARATORS.split(head) if p.strip()]


def keys_of(name_zh: str, name_en: str | None, aliases: Iterable[str], cas: Iterable[str | None]) -> tuple[set[str], set[str]]:
    """``(exact, short)``: the normalised keys of one substance: its full name, and every other
    name it is known by (short names, aliases and theirs, English name, CAS numbers)."""
    exact = {normalise(name_zh)}
    short: set[str] = set()
    for name in (name_zh, *aliases):
        short.add(normalise(name))
        short.update(normalise(p) for p in _short_names(name))
    for extra in (name_en, *cas):
        if extra:
            short.add(normalise(extra))
    if name_en and "(" in name_en:
        short.add(normalise(name_en.split("(")[0]))   # Carbonyl dichloride (phosgene) → carbonyl dichloride
    return exact, short - exact


def index(conn: psycopg2.extensions.connection) -> Index:
    """The keys of the whole catalogue. A substance's full name always names it; another key
    names a substance only when no other one has it."""
    with conn.cursor() as cur:
        cur.execute("SELECT id, name_zh, name_en, aliases, cas, cas_other, gb_row FROM chemical")
        rows = cur.fetchall()
    exact: dict[str, Entry] = {}
    short: dict[str, set[Entry]] = {}
    for cid, zh, en, aliases, cas, cas_other, gb_row in rows:
        entry = Entry(cid, zh, gb_row)
        full, others = keys_of(zh, en, aliases or (), (cas, *(cas_other or ())))
        for k in full:
            exact[k] = entry
        for k in others:
            short.setdefault(k, set()).add(entry)
    unique = {k: next(iter(v)) for k, v in short.items() if len(v) == 1}
    unique.update(exact)
    shared = {k: tuple(sorted(v, key=lambda e: (e.gb_row or 0, e.id))) for k, v in short.items()
              if len(v) > 1 and k not in exact}
    return Index(unique, shared)


def describe(entry: Entry) -> str:
    """How a message names a catalogue entry: 「name」 (表1 第N行)."""
    return f"「{entry.name_zh}」" + (f"(表1 第{entry.gb_row}行)" if entry.gb_row else "(按类别登记)")


def unknown_message(name: str, idx: Index) -> str:
    """Why ``name`` names no substance: shared by several (which), or not in the catalogue."""
    several = idx.candidates(name)
    if len(several) > 1:
        return (f"「{name}」对应多个危险化学品: {'、'.join(describe(e) for e in several)}, 请写完整品名 "
                f"({name!r} names several substances: give the full name)")
    return (f"危险化学品「{name}」不在 GB 18218 临界量表中; 表1 以外的物质请管理员按表2类别登记 "
            f"(unknown chemical {name!r}: not in the catalogue; an admin registers it by its hazard category)")


# ---------------------------------------------------------------------------------------------
# Reading
# ---------------------------------------------------------------------------------------------
def categories(conn: psycopg2.extensions.connection) -> list[dict[str, Any]]:
    """The categories of 表2 with their Q (表2) and β (表4), in the standard's order."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("""SELECT code, class_zh, class_en, description_zh, critical_t::float AS critical_t,
                              beta::float AS beta
                       FROM gb18218_category ORDER BY sort""")
        return [dict(r) for r in cur.fetchall()]


def _item(r: dict[str, Any]) -> dict[str, Any]:
    item = dict(r)
    item["beta_from_zh"] = BETA_FROM_ZH.get(r["beta_from"] or "", "")
    item["source_zh"] = (f"表1 第{r['gb_row']}行" if r["gb_row"] is not None
                         else f"按表2类别 {r['category']} 登记")
    return item


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def search(conn: psycopg2.extensions.connection, q: str | None = None, *, limit: int = 50,
           offset: int = 0) -> dict[str, Any]:
    """``{"total", "items"}``: catalogue entries whose name, English name, alias or CAS number
    contains ``q`` (all of them without), 表1 rows in their order first, then entries by category."""
    pattern = _like(normalise(q)) if q and q.strip() else None
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(SQL["search"], {"q": pattern, "limit": limit, "offset": offset})
        rows = [dict(r) for r in cur.fetchall()]
    total = rows[0]["total"] if rows else 0
    if not rows and offset:
        with conn.cursor() as cur:
            cur.execute(SQL["count"], {"q": pattern})
            total = cur.fetchone()[0]
    return {"total": total, "items": [_item({k: v for k, v in r.items() if k != "total"}) for r in rows]}


def get(conn: psycopg2.extensions.connection, chemical_id: int) -> dict[str, Any]:
    """One catalogue entry as :func:`search` lists it."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(SQL["one"], {"id": chemical_id})
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"危险化学品 {chemical_id} 不存在 (chemical not found)")
    return _item(dict(row))


# ---------------------------------------------------------------------------------------------
# Entering a substance by its category
# ---------------------------------------------------------------------------------------------
def cas_valid(cas: str) -> bool:
    """A CAS number in its written form whose check digit is right."""
    m = CAS_FORMAT.match(cas)
    if not m:
        return False
    digits = (m.group(1) + m.group(2))[::-1]
    return sum((i + 1) * int(d) for i, d in enumerate(digits)) % 10 == int(m.group(3))


def _clean_name(value: Any, field: str, what: str, errors: list[dict[str, str]]) -> str | None:
    if not isinstance(value, str) or not value.strip():
        errors.append({"field": field, "message": f"{what}必填 ({field} required)"})
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    if "\x00" in text or any(unicodedata.category(c) == "Cc" for c in text):
        errors.append({"field": field, "message": f"{what}含控制字符 ({field} holds a control character)"})
        return None
    if len(text) > MAX_NAME:
        errors.append({"field": field, "message": f"{what}过长 (最多 {MAX_NAME} 字) ({field} too long)"})
        return None
    markup = markup_problem(text)              # names travel into PDFs, workbooks and exports
    if markup is not None:
        errors.append({"field": field, "message": f"{what}{markup}"})
        return None
    return text


def _validate(conn: psycopg2.extensions.connection, name: Any, category: Any, cas: Any, aliases: Any,
              name_en: Any) -> tuple[str, str, str | None, list[str], str | None]:
    errors: list[dict[str, str]] = []
    clean = _clean_name(name, "name", "名称", errors)
    code: str | None = None
    if not isinstance(category, str) or not category.strip():
        errors.append({"field": "category", "message": "危险性类别必填, 如 W2、J3 (category required)"})
    else:
        with conn.cursor() as cur:
            cur.execute("SELECT code FROM gb18218_category ORDER BY sort")
            known = [r[0] for r in cur.fetchall()]
        wanted = unicodedata.normalize("NFKC", category).strip().upper()
        if wanted not in known:
            errors.append({"field": "category",
                           "message": f"危险性类别 {category!r} 不在 GB 18218 表2 中, 应为 {'、'.join(known)} "
                                      f"(unknown category {category!r})"})
        else:
            code = wanted
    cas_text: str | None = None
    if cas is not None and not (isinstance(cas, str) and not cas.strip()):
        if not isinstance(cas, str) or not cas_valid(unicodedata.normalize("NFKC", cas).strip()):
            errors.append({"field": "cas", "message": f"CAS 号 {cas!r} 格式或校验位不对, 应如 115-07-1 "
                                                      f"(not a valid CAS number)"})
        else:
            cas_text = unicodedata.normalize("NFKC", cas).strip()
    clean_aliases: list[str] = []
    if aliases is not None:
        if isinstance(aliases, str) or not isinstance(aliases, Sequence):
            errors.append({"field": "aliases", "message": "别名应为列表 (aliases must be a list)"})
        elif len(aliases) > MAX_ALIASES:
            errors.append({"field": "aliases", "message": f"别名最多 {MAX_ALIASES} 个 (too many aliases)"})
        else:
            for k, a in enumerate(aliases):
                text = _clean_name(a, f"aliases[{k}]", "别名", errors)
                if text is not None and normalise(text) not in {normalise(x) for x in clean_aliases}:
                    clean_aliases.append(text)
    en: str | None = None
    if name_en is not None and not (isinstance(name_en, str) and not name_en.strip()):
        en = _clean_name(name_en, "name_en", "英文名", errors)
    if errors:
        head = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:3])
        raise InvalidInput(f"危险化学品未登记 (chemical not added): {head}", errors)
    assert clean is not None and code is not None
    return clean, code, cas_text, clean_aliases, en


def add(conn: psycopg2.extensions.connection, name: Any, category: Any, *, cas: Any = None,
        aliases: Any = None, name_en: Any = None) -> dict[str, Any]:
    """Enter a substance not named in 表1 by its hazard category (表2), in the caller's transaction:
    its Q and β are its category's. Refused: a missing or over-long name, an unknown category, a
    malformed CAS number (InvalidInput); a name, alias or CAS number that already names a substance
    — a 表1 row (which row is said: that row's Q applies, not a category's) or an entry already
    entered (Conflict). The write is audited (the ``chemical_audit`` trigger). Returns the entry."""
    clean, code, cas_text, clean_aliases, en = _validate(conn, name, category, cas, aliases, name_en)
    with conn.cursor() as cur:
        # one entry at a time: the check below and the insert see the same catalogue
        cur.execute("LOCK TABLE chemical IN SHARE ROW EXCLUSIVE MODE")
    idx = index(conn)
    asked = [("name", clean), *((f"aliases[{k}]", a) for k, a in enumerate(clean_aliases))]
    if cas_text:
        asked.append(("cas", cas_text))
    if en:
        asked.append(("name_en", en))
    labels = {"name": "名称", "cas": "CAS 号", "name_en": "英文名"}
    for key, text in asked:
        found = idx.candidates(text)
        if not found:
            continue
        named = found[0]
        field = f"{labels.get(key, '别名')} {key}"
        if named.gb_row is not None:
            with conn.cursor() as cur:
                cur.execute("SELECT critical_t::float FROM chemical WHERE id = %s", (named.id,))
                q = cur.fetchone()[0]
            raise Conflict(f"{field}「{text}」是 GB 18218 表1 第{named.gb_row}行「{named.name_zh}」"
                           f"(临界量 {q:g} t), 应按表1登记存量, 不能按类别另行登记 "
                           f"({text!r} is row {named.gb_row} of table 1: use that row)")
        raise Conflict(f"{field}「{text}」已登记为{describe(named)}, id {named.id}, 不能重复登记 "
                       f"({text!r} is already in the catalogue)")
    with conn.cursor() as cur:
        cur.execute(SQL["insert"], {"name": clean, "name_en": en, "cas": cas_text, "aliases": clean_aliases,
                                    "category": code})
        new_id = cur.fetchone()[0]
    return get(conn, new_id)
