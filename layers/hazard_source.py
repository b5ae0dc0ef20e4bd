"""重大危险源 (major hazard sources): identification and grading by GB 18218-2018, and the layer.

The rules (GB 18218-2018 §4.2 and §4.3; docs/domain.md §5):

* identification: S = Σ qᵢ/Qᵢ ≥ 1 (q the maximum quantity present, Q the critical quantity, both in
  tonnes; a single substance with q ≥ Q is the same rule with one term);
* grading: R = α · Σ βᵢ qᵢ/Qᵢ; 一级 R ≥ 100 · 二级 50 ≤ R < 100 · 三级 10 ≤ R < 50 · 四级 R < 10 (表6);
* α by the people living within 500 m of the plant boundary (表5): ≥ 100 → 2.0 · 50–99 → 1.5 ·
  30–49 → 1.2 · 1–29 → 1.0 · 0 → 0.5.

The grades themselves are maintained in PostGIS (db/migrations/0003_hazard_source_grade.sql:
``hazard_source_state``, refreshed by triggers); Q and β live in ``chemical``, the α bands and grade
thresholds in ``gb18218_alpha`` / ``gb18218_grade``. The pure functions here mirror the formulas, in
exact rational arithmetic, to explain a grade and to test the database against; their default bands
are the standard's, and :func:`load_bands` reads the database's.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from numbers import Real
from typing import Any, TypeAlias

import geopandas as gpd
import pandas as pd
import psycopg2.extensions
import psycopg2.extras

from db.io import read_postgis
from db.sql import statements
from layers import chemicals
from layers.errors import InvalidInput, NotFound
from layers.levels import PALETTE
from layers.regions import region_exists, subtree_sql

SQL = statements(__file__)

Number = int | float | Decimal | Fraction

#: GB 18218-2018 表5: (first head-count of the band, α), from the top band down.
ALPHA_BANDS: tuple[tuple[int, Number], ...] = ((100, Fraction(2)), (50, Fraction(3, 2)), (30, Fraction(6, 5)),
                                               (1, Fraction(1)), (0, Fraction(1, 2)))
#: GB 18218-2018 表6: (grade, minimum R), 一级 first.
GRADE_BANDS: tuple[tuple[int, Number], ...] = ((1, 100), (2, 50), (3, 10), (4, 0))
GRADE_NAMES: dict[int, str] = {1: "一级重大危险源", 2: "二级重大危险源", 3: "三级重大危险源", 4: "四级重大危险源"}
NOT_MAJOR_ZH = "未构成重大危险源"

#: Display convention, not part of GB 18218: grades drawn in the four-colour palette, 一级 red ... 四级
#: blue; a hazard source that is not major is grey.
GRADE_COLOUR_LEVEL: dict[int, str] = {1: "major", 2: "significant", 3: "general", 4: "low"}

_SITE_BASIS_ZH = {
    "enterprise_boundary": "企业厂区边界 (enterprise boundary)",
    "source_boundary": "危险源自身边界 (hazard source boundary; the enterprise has none)",
    "source_location": "危险源位置点 (hazard source location; no boundary drawn)",
}


# ---------------------------------------------------------------------------------------------
# The formulas, exact
# ---------------------------------------------------------------------------------------------
def _frac(x: Number | str, what: str = "数值") -> Fraction:
    """An exact rational: floats by their shortest decimal form (0.1 is 1/10), like the SQL numeric."""
    if isinstance(x, bool):
        raise InvalidInput(f"{what} 应为数值 (not a number): {x!r}")
    if isinstance(x, Fraction):
        return x
    if isinstance(x, int | Decimal):
        if isinstance(x, Decimal) and not x.is_finite():
            raise InvalidInput(f"{what} 应为有限数值 (not finite): {x}")
        return Fraction(x)
    if isinstance(x, float):
        if not math.isfinite(x):
            raise InvalidInput(f"{what} 应为有限数值 (not finite): {x}")
        return Fraction(repr(x))
    if isinstance(x, str):
        try:
            return _frac(Decimal(x.strip()), what)
        except ArithmeticError:
            raise InvalidInput(f"{what} 应为数值 (not a number): {x!r}") from None
    if isinstance(x, Real):
        return _frac(float(x), what)
    raise InvalidInput(f"{what} 应为数值 (not a number): {x!r}")


@dataclass(frozen=True)
class Item:
    """One substance of a hazard source: q (t), its critical quantity Q (t) and its β."""

    q: Number
    critical: Number
    beta: Number = 1
    name: str = ""

    def ratio(self) -> Fraction:
        q, cap = _frac(self.q, f"{self.name or '物质'} 的存在量 q"), _frac(self.critical, "临界量 Q")
        if cap <= 0:
            raise InvalidInput(f"{self.name or '物质'} 的临界量 Q 应大于 0 (critical quantity must be > 0)")
        if q < 0:
            raise InvalidInput(f"{self.name or '物质'} 的存在量 q 不能为负 (quantity must not be negative)")
        return q / cap

    def beta_ratio(self) -> Fraction:
        return _frac(self.beta, "校正系数 β") * self.ratio()


#: A substance as an :class:`Item` or a plain tuple (q, Q), (q, Q, β) or (q, Q, β, name).
ItemLike: TypeAlias = Item | Sequence[Any]


def _items(items: Iterable[ItemLike]) -> list[Item]:
    """Items, or tuples (q, Q) / (q, Q, β) / (q, Q, β, name)."""
    return [i if isinstance(i, Item) else Item(*i) for i in items]


def identify(items: Iterable[ItemLike]) -> float:
    """S = Σ q/Q (GB 18218-2018 式(1)). A major hazard source when S ≥ 1 (see :func:`is_major`)."""
    return float(sum((i.ratio() for i in _items(items)), Fraction(0)))


def is_major(items: Iterable[ItemLike]) -> bool:
    """S ≥ 1, compared exactly (1/3 + 1/3 + 1/3 is major)."""
    return sum((i.ratio() for i in _items(items)), Fraction(0)) >= 1


def beta_sum(items: Iterable[ItemLike]) -> float:
    """Σ β q/Q."""
    return float(sum((i.beta_ratio() for i in _items(items)), Fraction(0)))


def _alpha(people: int, bands: Sequence[tuple[int, Number]]) -> Fraction:
    if isinstance(people, bool) or not isinstance(people, int):
        raise InvalidInput(f"人数应为整数 (people must be an integer): {people!r}")
    for start, a in sorted(bands, key=lambda b: b[0], reverse=True):
        if people >= start:
            return _frac(a, "α")
    raise InvalidInput(f"人数 {people} 不在任何 α 档内 (no α band covers {people} people)")


def alpha(people: int, bands: Sequence[tuple[int, Number]] = ALPHA_BANDS) -> float:
    """α by the number of people within 500 m of the plant boundary (GB 18218-2018 表5)."""
    return float(_alpha(people, bands))


def _grade(r: Fraction, bands: Sequence[tuple[int, Number]]) -> int:
    ordered = sorted(bands, key=lambda b: _frac(b[1]), reverse=True)
    for g, min_r in ordered:
        if r >= _frac(min_r):
            return g
    return ordered[-1][0]


def grade(r: Number, bands: Sequence[tuple[int, Number]] = GRADE_BANDS) -> int:
    """The grade (1 = 一级 ... 4 = 四级) of a major hazard source with index R (GB 18218-2018 表6)."""
    return _grade(_frac(r, "R"), bands)


def grade_zh(g: int | None) -> str:
    return GRADE_NAMES[g] if g is not None else NOT_MAJOR_ZH


def grade_colour(g: int | None) -> str:
    return PALETTE.colour(GRADE_COLOUR_LEVEL.get(g) if g is not None else None)


def r_value(items: Iterable[ItemLike], people: int, bands: Sequence[tuple[int, Number]] = ALPHA_BANDS) -> float:
    """R = α Σ β q/Q."""
    return float(_alpha(people, bands) * sum((i.beta_ratio() for i in _items(items)), Fraction(0)))


@dataclass(frozen=True)
class Grading:
    s: float
    beta_sum: float
    people: int
    alpha: float
    r: float
    is_major: bool
    grade: int | None
    grade_zh: str


def assess(items: Iterable[ItemLike], people: int, *, alpha_bands: Sequence[tuple[int, Number]] = ALPHA_BANDS,
           grade_bands: Sequence[tuple[int, Number]] = GRADE_BANDS) -> Grading:
    """Identification and grade of one hazard source, exactly as the database computes them."""
    its = _items(items)
    s = sum((i.ratio() for i in its), Fraction(0))
    b = sum((i.beta_ratio() for i in its), Fraction(0))
    a = _alpha(people, alpha_bands)
    r = a * b
    major = s >= 1
    g = _grade(r, grade_bands) if major else None
    return Grading(float(s), float(b), people, float(a), float(r), major, g, grade_zh(g))


@dataclass(frozen=True)
class Bands:
    """The bands as the database holds them (gb18218_alpha, gb18218_grade)."""

    alpha: tuple[tuple[int, Decimal], ...]
    alpha_labels: dict[int, str]
    grade: tuple[tuple[int, Decimal], ...]
    grade_names: dict[int, str] = field(default_factory=dict)

    def alpha_label(self, people: int) -> str:
        start = max(s for s, _ in self.alpha if s <= people)
        return self.alpha_labels[start]

    def grade_band_zh(self, g: int) -> str:
        ordered = sorted(self.grade, key=lambda b: b[1], reverse=True)
        idx = [x[0] for x in ordered].index(g)
        lo = ordered[idx][1]
        hi = ordered[idx - 1][1] if idx > 0 else None
        if hi is None:
            return f"R ≥ {_fmt(lo)}"
        if lo == 0:
            return f"R < {_fmt(hi)}"
        return f"{_fmt(lo)} ≤ R < {_fmt(hi)}"


def load_bands(conn: psycopg2.extensions.connection) -> Bands:
    with conn.cursor() as cur:
        cur.execute("SELECT min_people, alpha, label_zh FROM gb18218_alpha ORDER BY min_people DESC")
        arows = cur.fetchall()
        cur.execute("SELECT grade, min_r, name_zh FROM gb18218_grade ORDER BY grade")
        grows = cur.fetchall()
    return Bands(tuple((r[0], r[1]) for r in arows), {r[0]: r[2] for r in arows},
                 tuple((r[0], r[1]) for r in grows), {r[0]: r[2] for r in grows})


def _fmt(x: Number | None) -> str:
    if x is None:
        return "—"
    s = f"{float(x):.4f}".rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


# ---------------------------------------------------------------------------------------------
# Queries
# ---------------------------------------------------------------------------------------------
def _filters(conn: psycopg2.extensions.connection, *, region_id: int | None, enterprise_id: int | None
             ) -> tuple[str, list[int]]:
    """SQL conditions on ``e`` (enterprise) for the region subtree and the enterprise; the
    jurisdiction check plugs in here."""
    cond = ""
    params: list[int] = []
    with conn.cursor() as cur:
        if region_id is not None:
            region_exists(conn, region_id)
            cond += " AND " + subtree_sql("e.region_id")
            params.append(region_id)
        if enterprise_id is not None:
            cur.execute("SELECT 1 FROM enterprise WHERE id = %s", (enterprise_id,))
            if cur.fetchone() is None:
                raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
            cond += " AND e.id = %s"
            params.append(enterprise_id)
    return cond, params


def hazard_sources(conn: psycopg2.extensions.connection, *, region_id: int | None = None,
                   enterprise_id: int | None = None, major_only: bool = False) -> gpd.GeoDataFrame:
    """Hazard sources (points at their location) with S, Σβq/Q, population, α, R, grade, grade_zh
    and colour; the most serious first. ``region_id`` keeps those of enterprises in that region's
    subtree."""
    cond, params = _filters(conn, region_id=region_id, enterprise_id=enterprise_id)
    if major_only:
        cond += " AND st.is_major"
    gdf = read_postgis(conn, SQL["list"].format(cond=cond), params)
    for col in ("grade", "area_id"):   # nullable integers stay integers (not floats with NaN)
        gdf[col] = pd.Series([None if v is None or v != v else int(v) for v in gdf[col]], index=gdf.index,
                             dtype=object)
    gdf["grade_zh"] = [grade_zh(g) for g in gdf["grade"]]
    gdf["colour"] = [grade_colour(g) for g in gdf["grade"]]
    return gdf


def _source(cur: psycopg2.extensions.cursor, hazard_source_id: int, region_id: int | None, *,
            lock: bool = False) -> dict[str, Any]:
    cond, params = "", [hazard_source_id]
    if region_id is not None:
        cond = " AND " + subtree_sql("e.region_id")
        params.append(region_id)
    cur.execute(
        f"""SELECT hs.id, hs.code, hs.name, hs.kind, hs.enterprise_id, e.name AS enterprise_name, e.region_id,
                   hs.area_id, hs.registered_at, ST_AsGeoJSON(hs.location)::json AS location,
                   ST_AsGeoJSON(hs.boundary)::json AS boundary
            FROM hazard_source hs JOIN enterprise e ON e.id = hs.enterprise_id
            WHERE hs.id = %s{cond}{' FOR UPDATE OF hs' if lock else ''}""",
        params,
    )
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"重大危险源 {hazard_source_id} 不存在 (hazard source not found)")
    return dict(row)


def _state(cur: psycopg2.extensions.cursor, hazard_source_id: int) -> dict[str, Any] | None:
    cur.execute("""SELECT s_value, beta_sum, population_500m, alpha, r_value, is_major, grade, computed_at
                   FROM hazard_source_state WHERE hazard_source_id = %s""", (hazard_source_id,))
    row = cur.fetchone()
    return dict(row) if row else None


def _inventory(cur: psycopg2.extensions.cursor, hazard_source_id: int) -> list[dict[str, Any]]:
    cur.execute("""SELECT c.id AS chemical_id, c.name_zh, c.name_en, c.cas, c.category,
                          i.quantity_t, c.critical_t, c.beta
                   FROM hazard_source_inventory i JOIN chemical c ON c.id = i.chemical_id
                   WHERE i.hazard_source_id = %s
                   ORDER BY i.quantity_t / c.critical_t DESC, c.name_zh""", (hazard_source_id,))
    return [dict(r) for r in cur.fetchall()]


def _state_out(st: dict[str, Any] | None) -> dict[str, Any]:
    if st is None:
        return {"s_value": None, "beta_sum": None, "population_500m": None, "alpha": None, "r_value": None,
                "is_major": None, "grade": None, "grade_zh": NOT_MAJOR_ZH, "colour": grade_colour(None),
                "computed_at": None}
    return {"s_value": float(st["s_value"]), "beta_sum": float(st["beta_sum"]),
            "population_500m": st["population_500m"], "alpha": float(st["alpha"]), "r_value": float(st["r_value"]),
            "is_major": st["is_major"], "grade": st["grade"], "grade_zh": grade_zh(st["grade"]),
            "colour": grade_colour(st["grade"]),
            "computed_at": st["computed_at"].isoformat() if st["computed_at"] else None}


def hazard_source(conn: psycopg2.extensions.connection, hazard_source_id: int, *,
                  region_id: int | None = None) -> dict[str, Any]:
    """One hazard source: its record, its inventory and its maintained grade."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        src = _source(cur, hazard_source_id, region_id)
        inv = _inventory(cur, hazard_source_id)
        st = _state(cur, hazard_source_id)
    src["registered_at"] = src["registered_at"].isoformat() if src["registered_at"] else None
    src["inventory"] = [{"chemical_id": i["chemical_id"], "chemical": i["name_zh"], "cas": i["cas"],
                         "quantity_t": float(i["quantity_t"]), "critical_t": float(i["critical_t"]),
                         "beta": float(i["beta"])} for i in inv]
    return {**src, **_state_out(st)}


def explain(conn: psycopg2.extensions.connection, hazard_source_id: int, *, region_id: int | None = None) -> dict[str, Any]:
    """Why a hazard source has its grade: each substance (q, Q, q/Q, β, βq/Q), S, the protection
    targets within 500 m of the plant boundary and their people, α, R and the grade, with the
    steps written out; ``consistent`` says the maintained state equals this recomputation."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        src = _source(cur, hazard_source_id, region_id)
        inv = _inventory(cur, hazard_source_id)
        st = _state(cur, hazard_source_id)
        cur.execute("SELECT ra_gb18218_radius_m() AS r", ())
        radius = cur.fetchone()["r"]
        cur.execute("SELECT site_basis FROM ra_hazard_source_site(ARRAY[%s]::int[])", (hazard_source_id,))
        site_basis = cur.fetchone()["site_basis"]
        cur.execute(SQL["targets"], {"r": radius, "id": hazard_source_id})
        targets = [dict(r) for r in cur.fetchall()]
    bands = load_bands(conn)

    items = [Item(i["quantity_t"], i["critical_t"], i["beta"], i["name_zh"]) for i in inv]
    people = sum(t["population"] for t in targets)
    g = assess(items, people, alpha_bands=bands.alpha, grade_bands=bands.grade)
    substances = [{"chemical_id": i["chemical_id"], "chemical": i["name_zh"], "name_en": i["name_en"],
                   "cas": i["cas"], "category": i["category"],
                   "q_t": float(i["quantity_t"]), "critical_t": float(i["critical_t"]),
                   "ratio": float(it.ratio()), "beta": float(i["beta"]), "beta_ratio": float(it.beta_ratio())}
                  for i, it in zip(inv, items, strict=True)]

    if substances:
        terms = " + ".join(f"{_fmt(s['q_t'])}/{_fmt(s['critical_t'])}" for s in substances)
        values = " + ".join(_fmt(s["ratio"]) for s in substances)
        s_line = f"S = Σq/Q = {terms}" + (f" = {values}" if len(substances) > 1 else "") + f" = {_fmt(g.s)}"
    else:
        s_line = "S = 0 (无危险化学品存量 no inventory)"
    s_line += (" ≥ 1 → 构成重大危险源 (a major hazard source)" if g.is_major
               else " < 1 → 未构成重大危险源 (not a major hazard source)")
    b_terms = " + ".join(f"{_fmt(s['beta'])}×{_fmt(s['ratio'])}" for s in substances) or "0"
    steps = [
        s_line,
        f"Σβq/Q = {b_terms} = {_fmt(g.beta_sum)}",
        f"厂区边界外 {_fmt(radius)} m 内常住人口 (people within {_fmt(radius)} m) {people} 人, "
        f"{len(targets)} 处防护目标 → α = {_fmt(g.alpha)} ({bands.alpha_label(people)})",
        f"R = α × Σβq/Q = {_fmt(g.alpha)} × {_fmt(g.beta_sum)} = {_fmt(g.r)}"
        + (f" → {g.grade_zh} ({bands.grade_band_zh(g.grade)})" if g.grade is not None
           else " (未构成重大危险源, 不分级 not graded)"),
    ]
    stored = _state_out(st)
    consistent = st is not None and (
        abs(stored["s_value"] - g.s) <= 1e-9 and abs(stored["beta_sum"] - g.beta_sum) <= 1e-9
        and stored["population_500m"] == people and abs(stored["alpha"] - g.alpha) <= 1e-12
        and abs(stored["r_value"] - g.r) <= 1e-9 * max(1.0, g.r) and stored["grade"] == g.grade)
    return {
        "hazard_source_id": src["id"], "code": src["code"], "name": src["name"], "kind": src["kind"],
        "enterprise_id": src["enterprise_id"], "enterprise_name": src["enterprise_name"],
        "region_id": src["region_id"],
        "substances": substances,
        "s_value": g.s, "is_major": g.is_major, "beta_sum": g.beta_sum,
        "population": {
            "radius_m": radius, "site_basis": site_basis, "site_basis_zh": _SITE_BASIS_ZH[site_basis],
            "total": people,
            "targets": [{"id": t["id"], "name": t["name"], "kind": t["kind"], "kind_zh": t["kind_zh"],
                         "population": t["population"], "distance_m": round(t["distance_m"], 1),
                         "by": "point" if t["point_within"] else "footprint"} for t in targets],
        },
        "alpha": g.alpha, "alpha_band_zh": bands.alpha_label(people),
        "r_value": g.r, "grade": g.grade, "grade_zh": g.grade_zh,
        "grade_band_zh": bands.grade_band_zh(g.grade) if g.grade is not None else None,
        "colour": grade_colour(g.grade),
        "steps_zh": steps,
        "computed_at": stored["computed_at"],
        "consistent": consistent,
    }


# ---------------------------------------------------------------------------------------------
# Writing the inventory
# ---------------------------------------------------------------------------------------------
def chemical_index(conn: psycopg2.extensions.connection) -> chemicals.Index:
    """The names a caller may use for a chemical (:func:`layers.chemicals.index`): its name, short
    names, aliases, English name and CAS numbers."""
    return chemicals.index(conn)


def _validate_inventory(items: Sequence[Mapping[str, Any]], index: chemicals.Index) -> dict[int, Decimal]:
    """chemical id -> quantity (t) of valid items; InvalidInput naming every bad row otherwise."""
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise InvalidInput("items 应为列表 (items must be a list)", [{"field": "items", "message": "expected a list"}])
    errors: list[dict[str, str]] = []
    resolved: dict[int, Decimal] = {}
    for k, item in enumerate(items):
        where = f"items[{k}]"
        if not isinstance(item, Mapping):
            errors.append({"field": where, "message": "应为 {chemical, quantity_t} (expected an object)"})
            continue
        name = item.get("chemical")
        chem = None
        if not isinstance(name, str) or not name.strip():
            errors.append({"field": f"{where}.chemical", "message": "危险化学品名称必填 (chemical name required)"})
        else:
            found = index.find(name)
            chem = (found.id, found.name_zh) if found is not None else None
            if chem is None:
                errors.append({"field": f"{where}.chemical", "message": chemicals.unknown_message(name, index)})
        q = item.get("quantity_t")
        qd: Decimal | None = None
        if q is None:
            errors.append({"field": f"{where}.quantity_t", "message": "最大存在量必填 (quantity_t required)"})
        else:
            try:
                qf = _frac(q, "最大存在量 quantity_t")
            except InvalidInput as exc:
                errors.append({"field": f"{where}.quantity_t", "message": str(exc)})
            else:
                if qf < 0:
                    errors.append({"field": f"{where}.quantity_t",
                                   "message": f"最大存在量不能为负: {q} t (quantity_t must not be negative)"})
                else:
                    qd = Decimal(qf.numerator) / Decimal(qf.denominator)
        if chem is not None and qd is not None:
            if chem[0] in resolved:
                errors.append({"field": f"{where}.chemical",
                               "message": f"{chem[1]} 重复列出, 应合并为一个最大存在量 (listed twice: give one total)"})
            else:
                resolved[chem[0]] = qd
    if errors:
        head = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:3])
        more = f" (另有 {len(errors) - 3} 处 and {len(errors) - 3} more)" if len(errors) > 3 else ""
        raise InvalidInput(f"危险化学品存量有误 (invalid inventory): {head}{more}", errors)
    return resolved


def replace_inventory(conn: psycopg2.extensions.connection, hazard_source_id: int, items: Sequence[Mapping[str, Any]], *,
                      region_id: int | None = None) -> dict[str, Any]:
    """Make the hazard source's inventory exactly ``items`` ([{"chemical": name, "quantity_t": q}, ...])
    in the caller's transaction: everything is validated first (unknown chemical, negative or
    non-numeric quantity, a chemical listed twice: InvalidInput naming every bad row), then rows no
    longer listed are deleted and the others inserted or updated where they changed. The triggers
    regrade the source; returns its :func:`explain`."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        _source(cur, hazard_source_id, region_id, lock=True)
    resolved = _validate_inventory(items, chemical_index(conn))
    with conn.cursor() as cur:
        cur.execute("DELETE FROM hazard_source_inventory WHERE hazard_source_id = %s AND chemical_id <> ALL (%s)",
                    (hazard_source_id, list(resolved)))
        if resolved:
            psycopg2.extras.execute_values(
                cur,
                """INSERT INTO hazard_source_inventory AS i (hazard_source_id, chemical_id, quantity_t) VALUES %s
                   ON CONFLICT (hazard_source_id, chemical_id) DO UPDATE SET quantity_t = EXCLUDED.quantity_t
                   WHERE i.quantity_t IS DISTINCT FROM EXCLUDED.quantity_t""",
                [(hazard_source_id, cid, q) for cid, q in resolved.items()],
                template="(%s, %s, %s::numeric)")
    return explain(conn, hazard_source_id, region_id=region_id)


def refresh_all(conn: psycopg2.extensions.connection) -> int:
    """Recompute every hazard source (after a bulk load with triggers off, or to check). Returns the
    number of states that changed."""
    with conn.cursor() as cur:
        cur.execute("SELECT ra_refresh_all_hazard_sources()")
        return int(cur.fetchone()[0])
