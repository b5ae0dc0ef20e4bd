"""What each import target expects (columns, geometry, vocabularies, nesting) and how it is written.

Targets: ``enterprises`` (points, optional boundary), ``areas`` (plant/workshop/unit/post/building
polygons of one enterprise, parent by code or, when the parent code is empty, the smallest
containing area), ``resources`` (emergency resources) and ``targets`` (protection targets: points,
optional footprint). Risk lists are imported by :mod:`layers.risk_lists`.

A plan validates every feature against everything the database would check (and reports all the
problems); only a plan without problems is written, row by row in kind order, in the caller's
transaction. Should the database still refuse a row (its triggers are the last word), the error is
mapped back to the feature.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import psycopg2
import psycopg2.extras
import shapely
from pyproj import Geod
from shapely.geometry.base import BaseGeometry

from db.bulk import Conn
from layers.errors import NotFound
from layers.imports.problems import Problems, Where
from layers.imports.source import Feature, Source, clean_value, has_control_chars, norm_header
from layers.text import markup_problem
from layers.uscc import validate as uscc_problem

_GEOD = Geod(ellps="WGS84")
#: Rows inserted per statement.
CHUNK = 500


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    @property
    def label(self) -> str:
        return f"{self.zh} ({self.key})"

    def names(self) -> set[str]:
        return {norm_header(n) for n in (self.key, self.zh, *self.aliases)}


_NAME = Column("name", "名称", ("名字",), True)

AREA_COLUMNS = (
    Column("code", "编号", ("区域编号", "代码", "区域代码", "编码"), True),
    Column("name", "名称", ("区域名称", "名字"), True),
    Column("kind", "类型", ("区域类型", "种类", "type", "类别"), True),
    Column("parent_code", "上级编号", ("上级区域编号", "上级", "parent", "所属编号", "上级区域")),
    Column("floor", "楼层", ()),
    Column("headcount", "岗位人数", ("人数",)),
    Column("equipment", "主要设备设施", ("设备设施",)),
    Column("activities", "主要作业活动", ("作业活动",)),
)
ENTERPRISE_COLUMNS = (
    Column("uscc", "统一社会信用代码", ("信用代码", "社会信用代码", "creditcode"), True),
    Column("name", "企业名称", ("名称", "单位名称"), True),
    Column("industry", "行业", ("所属行业", "行业类别"), True),
    Column("scale", "企业规模", ("规模",), True),
    Column("employees", "从业人数", ("职工人数", "员工人数", "人数"), True),
    Column("address", "地址", ("企业地址", "注册地址")),
    Column("adcode", "区划代码", ("行政区划代码", "所属区划代码", "regionadcode")),
    Column("legal_rep", "法定代表人", ("法人",)),
    Column("safety_manager", "安全负责人", ("安全管理负责人",)),
    Column("contact_phone", "联系电话", ("电话", "phone")),
    Column("emergency_phone", "应急电话", ("应急联系电话",)),
)
RESOURCE_COLUMNS = (
    Column("kind", "类型", ("资源类型", "type", "类别"), True),
    _NAME,
    Column("capacity", "容量", ("容纳人数", "床位数", "人员数")),
    Column("address", "地址", ()),
    Column("phone", "电话", ("联系电话",)),
)
TARGET_COLUMNS = (
    Column("kind", "类型", ("目标类型", "type", "类别"), True),
    _NAME,
    Column("population", "人数", ("人口", "人员数量", "人员数", "pop"), True),
)

#: Columns a GIS tool adds that are never data: not worth a warning.
_HOUSEKEEPING = {"fid", "id", "objectid", "shapearea", "shapeleng", "shapelength", "ogcfid", "gid"}


class Vocabulary:
    """The controlled vocabularies from the database (``vocabulary``, ``industry``): codes, Chinese
    and English names are all accepted; 装置/单元 also as 装置 or 单元."""

    def __init__(self, conn: Conn):
        self.codes: dict[str, dict[str, str]] = {}
        self.labels: dict[str, list[tuple[str, str, str]]] = {}
        with conn.cursor() as cur:
            cur.execute("SELECT domain, code, name_zh, name_en FROM vocabulary "
                        "WHERE domain IN ('area_kind', 'enterprise_scale', 'resource_kind', 'target_kind', "
                        "'check_period', 'control_tier') "
                        "UNION ALL SELECT 'industry', code, name_zh, name_en FROM industry ORDER BY 1")
            for domain, code, zh, en in cur.fetchall():
                lookup = self.codes.setdefault(domain, {})
                self.labels.setdefault(domain, []).append((code, zh, en))
                for name in (code, zh, en, *zh.split("/"), zh.split("(")[0]):
                    lookup.setdefault(norm_header(name), code)

    def resolve(self, domain: str, value: Any) -> str | None:
        return self.codes[domain].get(norm_header(value))

    def choices(self, domain: str) -> str:
        items = self.labels[domain]
        return f"{'/'.join(zh for _, zh, _ in items)} ({'/'.join(code for code, _, _ in items)})"


@dataclass
class Row:
    feature: Feature
    values: dict[str, Any]


class Reader:
    """Reads the mapped fields of features, reporting every bad value."""

    def __init__(self, columns: tuple[Column, ...], source: Source, problems: Problems, warnings: list[str]):
        self.columns = {c.key: c for c in columns}
        self.problems = problems
        self.mapping = self._map(columns, source, warnings)

    def _map(self, columns: tuple[Column, ...], source: Source, warnings: list[str]) -> dict[str, str]:
        by_name: dict[str, Column] = {}
        for c in columns:
            for n in c.names():
                by_name.setdefault(n, c)
        mapping: dict[str, str] = {}
        unknown: list[str] = []
        for h in source.columns:
            if h in source.geometry_columns:
                continue
            n = norm_header(h)
            col = by_name.get(n)
            if col is None and len(n) == 10:   # a Shapefile cuts field names to 10 characters
                col = next((c for name, c in by_name.items() if len(name) > 10 and name[:10] == n), None)
            if col is None:
                if n not in _HOUSEKEEPING:
                    unknown.append(h)
                continue
            if col.key in mapping:
                self.problems.add(f"列 {mapping[col.key]!r} 与列 {h!r} 都表示 {col.label}, 不知以哪一列为准 (two "
                                  f"columns for one field: remove one)", field=h)
                continue
            mapping[col.key] = h
        expected = "、".join(c.label + (" *" if c.required else "") for c in columns)
        for c in columns:
            if c.required and c.key not in mapping:
                guess = difflib.get_close_matches(norm_header(c.zh), [norm_header(u) for u in unknown], 1, 0.5) or \
                    difflib.get_close_matches(norm_header(c.key), [norm_header(u) for u in unknown], 1, 0.6)
                hint = ""
                if guess:
                    original = next(u for u in unknown if norm_header(u) == guess[0])
                    hint = f"; 列 {original!r} 是否拼写错误? (is column {original!r} misspelt?)"
                self.problems.add(f"缺少必需的列 {c.label} (missing required column {c.key}){hint}; "
                                  f"应有的列 (expected columns, * 为必需): {expected}", field=c.key)
        if unknown:
            warnings.append(f"忽略未知的列 (ignored unknown columns): {'、'.join(unknown)}; 可用的列: {expected}")
        return mapping

    def raw(self, f: Feature, key: str) -> Any:
        h = self.mapping.get(key)
        return clean_value(f.attrs.get(h)) if h is not None else None

    def _missing(self, f: Feature, col: Column) -> None:
        if col.required and f.check_attrs:
            self.problems.add(f"{col.label} 不能为空 (required)" + (f": {f.hint}" if f.hint else ""), f.where, col.key)

    def text(self, f: Feature, key: str, *, max_len: int = 200) -> str | None:
        v = self.raw(f, key)
        col = self.columns[key]
        if v is None:
            self._missing(f, col)
            return None
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        s = str(v).strip()
        if has_control_chars(s):
            self.problems.add(f"{col.label} 含有控制字符 (contains control characters)", f.where, key)
            return None
        if (why := markup_problem(s)) is not None:
            self.problems.add(f"{col.label} {why}", f.where, key)
            return None
        if len(s) > max_len:
            self.problems.add(f"{col.label} 过长: {len(s)} 个字符, 上限 {max_len} (too long)", f.where, key)
            return None
        return s

    def integer(self, f: Feature, key: str, *, minimum: int = 0, maximum: int = 2**31 - 1) -> int | None:
        v = self.raw(f, key)
        col = self.columns[key]
        if v is None:
            self._missing(f, col)
            return None
        try:
            if isinstance(v, bool):
                raise ValueError
            number = float(str(v).replace(",", "")) if isinstance(v, str) else float(v)
            if not number.is_integer():
                raise ValueError
            n = int(number)
        except (TypeError, ValueError, OverflowError):
            self.problems.add(f"{col.label} 应为整数, 实为 {v!r} (must be a whole number)", f.where, key)
            return None
        if not minimum <= n <= maximum:
            self.problems.add(f"{col.label} 应在 {minimum}–{maximum} 之间, 实为 {n} (out of range)", f.where, key)
            return None
        return n

    def enum(self, f: Feature, key: str, vocab: Vocabulary, domain: str) -> str | None:
        v = self.text(f, key)
        if v is None:
            return None
        code = vocab.resolve(domain, v)
        if code is None:
            self.problems.add(f"{self.columns[key].label} 的值 {v!r} 不在词表中 (unknown value); 应为 (allowed): "
                              f"{vocab.choices(domain)}", f.where, key)
        return code


def _kind_of_geometry(g: BaseGeometry) -> str:
    return {"Point": "点 (Point)", "MultiPoint": "多点 (MultiPoint)", "LineString": "线 (LineString)",
            "MultiLineString": "多线 (MultiLineString)", "Polygon": "面 (Polygon)",
            "MultiPolygon": "多面 (MultiPolygon)"}.get(g.geom_type, g.geom_type)


def polygonal(f: Feature, problems: Problems, what: str) -> BaseGeometry | None:
    g = f.geom
    if g is None:
        return None
    if g.geom_type == "Polygon":
        return shapely.MultiPolygon([g])
    if g.geom_type == "MultiPolygon":
        return g
    problems.add(f"{what}的几何应为面 (Polygon/MultiPolygon), 实为{_kind_of_geometry(g)} (wrong geometry type)",
                 f.where, "geometry")
    return None


def pointlike(f: Feature, problems: Problems, what: str, *, polygons: bool
              ) -> tuple[BaseGeometry | None, BaseGeometry | None]:
    """(point, footprint): a Point (or a one-point MultiPoint); when ``polygons``, a polygon gives the
    footprint and its lon/lat columns or a point on its surface the point."""
    g = f.geom
    if g is None:
        return None, None
    if g.geom_type == "Point":
        return g, None
    if g.geom_type == "MultiPoint" and len(g.geoms) == 1:
        return g.geoms[0], None
    if polygons and g.geom_type in ("Polygon", "MultiPolygon"):
        footprint = g if g.geom_type == "MultiPolygon" else shapely.MultiPolygon([g])
        return (f.point if f.point is not None else g.point_on_surface()), footprint
    allowed = "点或面 (Point or Polygon)" if polygons else "点 (Point)"
    problems.add(f"{what}的几何应为{allowed}, 实为{_kind_of_geometry(g)} (wrong geometry type)", f.where, "geometry")
    return None, None


def _wkb(g: BaseGeometry | None) -> psycopg2.Binary | None:
    return None if g is None else psycopg2.Binary(shapely.to_wkb(g, output_dimension=2))


def deepest_regions(conn: Conn, rows: list[tuple[int, BaseGeometry]]) -> dict[int, int | None]:
    """For each (key, point): the deepest region containing it (grid before town before district)."""
    if not rows:
        return {}
    with conn.cursor() as cur:
        cur.execute("""SELECT u.i, (SELECT r.id FROM region r WHERE ST_Intersects(r.geom, ST_GeomFromWKB(u.w, 4326))
                                     ORDER BY r.level DESC LIMIT 1)
                       FROM unnest(%s::int[], %s::bytea[]) AS u (i, w)""",
                    ([k for k, _ in rows], [_wkb(g) for _, g in rows]))
        return dict(cur.fetchall())


def _area_m2(g: BaseGeometry) -> float:
    return abs(_GEOD.geometry_area_perimeter(g)[0])


# ------------------------------------------------------------------------------------------------
# plans
# ------------------------------------------------------------------------------------------------


@dataclass
class Plan:
    table: str
    rows: list[Row] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    write: Callable[[Any, Plan], list[int]] | None = None
    warnings: list[str] = field(default_factory=list)


#: area kinds in insertion order (a parent always comes first) and the kinds each may lie in (the
#: rule of ra_area_check in db/migrations/0001_core.sql).
AREA_RANK = {"plant": 0, "workshop": 1, "building": 1, "unit": 2, "post": 3}
AREA_PARENTS = {"plant": (), "workshop": ("plant",), "building": ("plant",), "unit": ("workshop",),
                "post": ("unit", "workshop")}


@dataclass
class _Area:
    code: str
    kind: str | None            # None when the file's kind was refused
    geom: BaseGeometry | None
    id: int | None = None       # stored areas
    row: Row | None = None      # areas of this import

    def own_row(self) -> Row:
        """The row of an area of this import (a stored area has none: asking is a bug)."""
        if self.row is None:
            raise RuntimeError(f"区域 {self.code} 是已有区域, 不属于本次导入 (a stored area has no import row)")
        return self.row


def enterprise_for_import(conn: Conn, enterprise_id: int) -> tuple[str, BaseGeometry | None]:
    """The enterprise's name and region outline, by an ordinary SELECT: under row-level security a
    foreign enterprise is not found (404), like a missing one."""
    with conn.cursor() as cur:
        cur.execute("SELECT e.name, ST_AsBinary(r.geom) FROM enterprise e LEFT JOIN region r ON r.id = e.region_id "
                    "WHERE e.id = %s", (enterprise_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
    return row[0], (shapely.from_wkb(bytes(row[1])) if row[1] is not None else None)


def plan_areas(conn: Conn, source: Source, problems: Problems, vocab: Vocabulary, enterprise_id: int,
               warnings: list[str]) -> Plan:
    enterprise_name, region = enterprise_for_import(conn, enterprise_id)
    rd = Reader(AREA_COLUMNS, source, problems, warnings)
    with conn.cursor() as cur:
        cur.execute("SELECT ra_nesting_tolerance_deg()")
        tol = cur.fetchone()[0]
        cur.execute("SELECT id, code, kind::text, ST_AsBinary(geom) FROM area WHERE enterprise_id = %s",
                    (enterprise_id,))
        stored = {code: _Area(code, kind, shapely.from_wkb(bytes(w)), id=i) for i, code, kind, w in cur.fetchall()}
    plan = Plan("area")
    new: dict[str, _Area] = {}
    for f in source.features:
        # code and kind are also kept typed (str | None) for the nesting checks below
        v = {"code": (code := rd.text(f, "code", max_len=64)), "name": rd.text(f, "name"),
             "kind": (kind := rd.enum(f, "kind", vocab, "area_kind")), "parent_code": rd.text(f, "parent_code", max_len=64),
             "floor": rd.integer(f, "floor", minimum=-20, maximum=300),
             "headcount": rd.integer(f, "headcount", maximum=1_000_000),
             "equipment": rd.text(f, "equipment", max_len=2000), "activities": rd.text(f, "activities", max_len=2000)}
        g = polygonal(f, problems, "区域")
        row = Row(f, {**v, "geom": g})
        plan.rows.append(row)
        if code is None:
            continue
        if code in new:
            first = new[code].own_row().feature.where.describe()
            problems.add(f"编号 {code} 重复: 与{first}相同 (duplicate code)", f.where, "code")
        elif code in stored:
            problems.add(f"编号 {code} 在企业 {enterprise_name} 中已存在 (code already exists in this enterprise): "
                         "导入只新增区域, 不修改已有区域", f.where, "code")
        else:
            new[code] = _Area(code, kind, g, row=row)

    # (area, its geometry) for every area that may be a parent
    candidates = [(a, a.geom) for a in (*stored.values(), *new.values()) if a.geom is not None and a.kind]
    for _, geom in candidates:
        shapely.prepare(geom)
    for a in new.values():
        row = a.own_row()
        f = row.feature
        parent_code = row.values["parent_code"]
        if a.kind is None:
            continue
        allowed = AREA_PARENTS[a.kind]
        if a.kind == "plant":
            if parent_code:
                problems.add(f"厂区 (plant) 没有上级区域, 上级编号应为空, 实为 {parent_code!r} (a plant has no parent)",
                             f.where, "parent_code")
            elif region is not None and a.geom is not None and not region.intersects(a.geom):
                problems.add(f"厂区不在企业 {enterprise_name} 所属区域内 (the plant lies outside the enterprise's "
                             "region): 坐标系或控制点是否正确?", f.where, "geometry")
            continue
        if parent_code:
            parent = new.get(parent_code) or stored.get(parent_code)
            if parent is None:
                problems.add(f"上级编号 {parent_code} 既不在本文件中也不在企业已有区域中 (parent code not found)",
                             f.where, "parent_code")
                continue
        else:
            if a.geom is None:
                problems.add("上级编号为空且几何无效, 无法确定上级区域 (no parent code)", f.where, "parent_code")
                continue
            inside = [(p, geom) for p, geom in candidates if p.kind in allowed and p is not a
                      and geom.buffer(tol).covers(a.geom)]
            if not inside:
                problems.add(f"上级编号为空, 且没有包含它的 {'/'.join(allowed)} 区域 (no parent code, and no "
                             f"{'/'.join(allowed)} contains it)", f.where, "parent_code")
                continue
            parent = min(inside, key=lambda pg: pg[1].area)[0]
            row.values["parent_code"] = parent.code
        if parent.kind not in allowed:
            problems.add(f"{a.kind} 不能位于 {parent.kind} ({parent.code}) 之下; {a.kind} 的上级应为 "
                         f"{'/'.join(allowed)} (a {a.kind} cannot be inside a {parent.kind})", f.where, "parent_code")
            continue
        if a.geom is not None and parent.geom is not None and not (
                parent.geom.covers(a.geom) or parent.geom.buffer(tol).covers(a.geom)):
            outside = _area_m2(a.geom.difference(parent.geom))
            problems.add(f"区域 {a.code} 超出上级区域 {parent.code} 的范围 {outside:.1f} m² (area is not inside its "
                         f"parent {parent.code}; tolerance 0.5 m)", f.where, "geometry")
        row.values["parent"] = parent

    for r in plan.rows:
        k = r.values["kind"]
        if k:
            plan.counts[k] = plan.counts.get(k, 0) + 1

    def write(cur, plan: Plan) -> list[int]:
        ids: list[int] = []
        ordered = sorted((r for r in plan.rows), key=lambda r: AREA_RANK[r.values["kind"]])
        for rank in sorted({AREA_RANK[r.values["kind"]] for r in ordered}):
            level = [r for r in ordered if AREA_RANK[r.values["kind"]] == rank]
            values = []
            for r in level:
                v = r.values
                parent = v.get("parent")
                parent_id = None if parent is None else (parent.id if parent.id is not None else new[parent.code].id)
                values.append((enterprise_id, parent_id, v["kind"], v["code"], v["name"], v["floor"] or 1,
                               v["headcount"], v["equipment"], v["activities"], _wkb(v["geom"])))
            got = insert_rows(cur, "area (enterprise_id, parent_id, kind, code, name, floor, headcount, equipment, "
                              "activities, geom)",
                              "(%s, %s, %s::area_kind, %s, %s, %s, %s, %s, %s, ST_GeomFromWKB(%s, 4326))",
                              values, [r.feature for r in level])
            for r, i in zip(level, got, strict=True):
                new[r.values["code"]].id = i
            ids.extend(got)
        return ids

    plan.write = write
    return plan


def plan_enterprises(conn: Conn, source: Source, problems: Problems, vocab: Vocabulary, warnings: list[str]) -> Plan:
    rd = Reader(ENTERPRISE_COLUMNS, source, problems, warnings)
    plan = Plan("enterprise")
    seen: dict[str, Where] = {}
    for f in source.features:
        uscc = rd.text(f, "uscc", max_len=40)
        v = {"uscc": uscc, "name": rd.text(f, "name"),
             "industry": rd.enum(f, "industry", vocab, "industry"), "scale": rd.enum(f, "scale", vocab, "enterprise_scale"),
             "employees": rd.integer(f, "employees", maximum=10_000_000), "address": rd.text(f, "address", max_len=500),
             "adcode": rd.text(f, "adcode", max_len=15), "legal_rep": rd.text(f, "legal_rep"),
             "safety_manager": rd.text(f, "safety_manager"), "contact_phone": rd.text(f, "contact_phone", max_len=40),
             "emergency_phone": rd.text(f, "emergency_phone", max_len=40)}
        if uscc is not None:
            uscc = uscc.upper()
            reason = uscc_problem(uscc)
            if reason:
                problems.add(f"{reason}: {uscc}", f.where, "uscc")
                uscc = None
            elif uscc in seen:
                problems.add(f"统一社会信用代码 {uscc} 重复: 与{seen[uscc].describe()}相同 (duplicate)",
                             f.where, "uscc")
            else:
                seen[uscc] = f.where
        v["uscc"] = uscc
        point, boundary = pointlike(f, problems, "企业", polygons=True)
        plan.rows.append(Row(f, {**v, "location": point, "boundary": boundary}))
    with conn.cursor() as cur:
        cur.execute("SELECT uscc, name FROM enterprise WHERE uscc = ANY(%s)", (list(seen),))
        for uscc, name in cur.fetchall():
            problems.add(f"统一社会信用代码 {uscc} 已登记为企业 {name} (already registered)", seen[uscc], "uscc")
        adcodes = sorted({r.values["adcode"] for r in plan.rows if r.values["adcode"]})
        cur.execute("SELECT adcode, id, ST_AsBinary(geom) FROM region WHERE adcode = ANY(%s)", (adcodes,))
        by_adcode = {a: (i, shapely.from_wkb(bytes(w))) for a, i, w in cur.fetchall()}
    deepest = deepest_regions(conn, [(i, r.values["location"]) for i, r in enumerate(plan.rows)
                                      if r.values["location"] is not None and not r.values["adcode"]])
    for i, r in enumerate(plan.rows):
        v, f = r.values, r.feature
        if v["location"] is None:
            continue
        if v["adcode"]:
            if v["adcode"] not in by_adcode:
                problems.add(f"区划代码 {v['adcode']} 不存在 (unknown region code)", f.where, "adcode")
            elif not by_adcode[v["adcode"]][1].intersects(v["location"]):
                problems.add(f"企业位置不在区划 {v['adcode']} 内 (location outside that region): 坐标或区划代码是否有误?",
                             f.where, "geometry")
            else:
                v["region_id"] = by_adcode[v["adcode"]][0]
        elif deepest.get(i) is None:
            problems.add("企业位置不在任何已登记的区域内 (location outside every registered region)", f.where, "geometry")
        else:
            v["region_id"] = deepest[i]
    plan.counts = {"enterprise": len(plan.rows)}

    def write(cur, plan: Plan) -> list[int]:
        values = [(v["uscc"], v["name"], v["industry"], v["scale"], v["employees"], v["address"], v["region_id"],
                   _wkb(v["location"]), _wkb(v["boundary"]), v["legal_rep"], v["safety_manager"], v["contact_phone"],
                   v["emergency_phone"]) for v in (r.values for r in plan.rows)]
        return insert_rows(cur, "enterprise (uscc, name, industry, scale, employees, address, region_id, location, "
                           "boundary, legal_rep, safety_manager, contact_phone, emergency_phone)",
                           "(%s, %s, %s, %s::enterprise_scale, %s, %s, %s, ST_GeomFromWKB(%s, 4326), "
                           "ST_GeomFromWKB(%s, 4326), %s, %s, %s, %s)", values, [r.feature for r in plan.rows])

    plan.write = write
    return plan


def _plan_points(conn: Conn, source: Source, problems: Problems, vocab: Vocabulary, warnings: list[str], *,
                 columns: tuple[Column, ...], domain: str, what: str, polygons: bool) -> tuple[Plan, Reader]:
    rd = Reader(columns, source, problems, warnings)
    plan = Plan("")
    for f in source.features:
        v = {"kind": rd.enum(f, "kind", vocab, domain), "name": rd.text(f, "name")}
        point, footprint = pointlike(f, problems, what, polygons=polygons)
        plan.rows.append(Row(f, {**v, "geom": point, "footprint": footprint}))
    regions = deepest_regions(conn, [(i, r.values["geom"]) for i, r in enumerate(plan.rows)
                                      if r.values["geom"] is not None])
    outside = 0
    for i, r in enumerate(plan.rows):
        r.values["region_id"] = regions.get(i)
        outside += r.values["geom"] is not None and r.values["region_id"] is None
        k = r.values["kind"]
        if k:
            plan.counts[k] = plan.counts.get(k, 0) + 1
    if outside:
        warnings.append(f"{outside} 个{what}不在任何已登记的区域内, 所属区域留空 (outside every registered region)")
    return plan, rd


def plan_resources(conn: Conn, source: Source, problems: Problems, vocab: Vocabulary, warnings: list[str]) -> Plan:
    plan, rd = _plan_points(conn, source, problems, vocab, warnings, columns=RESOURCE_COLUMNS,
                            domain="resource_kind", what="应急资源", polygons=False)
    plan.table = "emergency_resource"
    for r in plan.rows:
        f = r.feature
        r.values.update(capacity=rd.integer(f, "capacity", maximum=10_000_000),
                        address=rd.text(f, "address", max_len=500), phone=rd.text(f, "phone", max_len=40))

    def write(cur, plan: Plan) -> list[int]:
        values = [(v["kind"], v["name"], v["capacity"], v["address"], v["phone"], v["region_id"], _wkb(v["geom"]))
                  for v in (r.values for r in plan.rows)]
        return insert_rows(cur, "emergency_resource (kind, name, capacity, address, phone, region_id, geom)",
                           "(%s::resource_kind, %s, %s, %s, %s, %s, ST_GeomFromWKB(%s, 4326))", values,
                           [r.feature for r in plan.rows])

    plan.write = write
    return plan


def plan_targets(conn: Conn, source: Source, problems: Problems, vocab: Vocabulary, warnings: list[str]) -> Plan:
    plan, rd = _plan_points(conn, source, problems, vocab, warnings, columns=TARGET_COLUMNS,
                            domain="target_kind", what="防护目标", polygons=True)
    plan.table = "protection_target"
    for r in plan.rows:
        r.values["population"] = rd.integer(r.feature, "population", maximum=100_000_000)

    def write(cur, plan: Plan) -> list[int]:
        values = [(v["kind"], v["name"], v["population"], v["region_id"], _wkb(v["geom"]), _wkb(v["footprint"]))
                  for v in (r.values for r in plan.rows)]
        return insert_rows(cur, "protection_target (kind, name, population, region_id, geom, footprint)",
                           "(%s::target_kind, %s, %s, %s, ST_GeomFromWKB(%s, 4326), ST_GeomFromWKB(%s, 4326))",
                           values, [r.feature for r in plan.rows])

    plan.write = write
    return plan


# ------------------------------------------------------------------------------------------------
# writing
# ------------------------------------------------------------------------------------------------

#: What a check at the door raises (triggers: 22023 → DataError, 23514 → IntegrityError; RAISE
#: without a code → InternalError). Row-level security (InsufficientPrivilege) is not among them: it
#: propagates and the app answers 404.
REFUSALS = (psycopg2.IntegrityError, psycopg2.DataError, psycopg2.InternalError)


def insert_rows(cur, target: str, template: str, values: list[tuple], features: list[Feature]) -> list[int]:
    """INSERT … RETURNING id in chunks; when the database refuses a chunk, its rows are replayed one
    by one to name the feature at fault (the caller's transaction is then rolled back whole)."""
    sql = f"INSERT INTO {target} VALUES %s RETURNING id"
    ids: list[int] = []
    for start in range(0, len(values), CHUNK):
        chunk, feats = values[start:start + CHUNK], features[start:start + CHUNK]
        cur.execute("SAVEPOINT ra_import")
        try:
            got = psycopg2.extras.execute_values(cur, sql, chunk, template=template, page_size=len(chunk), fetch=True)
        except REFUSALS:
            cur.execute("ROLLBACK TO SAVEPOINT ra_import")
            for row, f in zip(chunk, feats, strict=True):
                try:
                    psycopg2.extras.execute_values(cur, sql, [row], template=template, fetch=True)
                except REFUSALS as exc:
                    problems = Problems()
                    reason = (exc.diag.message_primary if exc.diag else None) or str(exc).splitlines()[0]
                    problems.add(f"数据库拒绝写入 (refused by the database): {reason}", f.where)
                    raise problems.refuse("") from None
            raise
        cur.execute("RELEASE SAVEPOINT ra_import")
        ids.extend(r[0] for r in got)
    return ids
