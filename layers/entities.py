"""The stored objects one at a time: read one as a GeoJSON Feature with its version, list a
page of them, change part of one, delete one.

Every change quotes the version it is based on — the ETag of the read, which is PostgreSQL's row
version (``xmin``: any change to the row renews it). An edit based on an older version is refused
(:class:`~layers.errors.Stale`, HTTP 412) and one that quotes none too
(:class:`~layers.errors.VersionRequired`, 428): nothing is overwritten unseen.

Values are read by the same readers as the imports (:mod:`layers.imports.targets`): texts without
markup or control characters and within their length, vocabularies by code, Chinese or English name,
whole numbers in range; geometries valid, inside China, reprojected from a declared CRS (EPSG:4326
when none is declared, as GeoJSON says), of the entity's kind. Every problem names its field; a
change with any problem writes nothing. The database's own checks (USCC check digit, area nesting,
geometry) stay the last word and come back as the same kind of error. The ``ra_audit`` trigger
records who, when, before and after of every change.

New objects arrive through the imports: a posted GeoJSON Feature or FeatureCollection is a GeoJSON
import of those features (:func:`layers.imports.import_file`), so creation and file import check
the same things. What no import brings is created by :func:`insert` with the checks of an edit: a
hazard source, a risk with its assessment (:func:`layers.assessment.create_risk`), a sub-region
(:func:`layers.regions.create_region`). Risks are changed here in their descriptive fields; their levels change through a
re-assessment (:func:`layers.assessment.reassess_risk`), hidden hazards through their lifecycle
(:mod:`layers.hidden_hazards`).
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from dataclasses import dataclass, replace
from typing import Any

import psycopg2
import psycopg2.extras
import shapely
import shapely.geometry
from psycopg2 import sql

from db.bulk import Conn
from layers.access.accounts import Forbidden
from layers.errors import Conflict, InvalidInput, NotFound, Stale, VersionRequired
from layers.imports import crs as crs_mod
from layers.imports.problems import Problems, Where
from layers.imports.source import Feature, Source, norm_header
from layers.imports.targets import (
    AREA_COLUMNS,
    ENTERPRISE_COLUMNS,
    REFUSALS,
    RESOURCE_COLUMNS,
    TARGET_COLUMNS,
    Column,
    Reader,
    Vocabulary,
    deepest_regions,
    pointlike,
    polygonal,
)
from layers.text import like_pattern
from layers.uscc import validate as uscc_problem

#: A property or geometry the caller did not send (as opposed to one sent as null).
MISSING = object()


# ------------------------------------------------------------------------------------------------
# versions (optimistic locking)
# ------------------------------------------------------------------------------------------------


def etag(table: str, obj_id: int, version: str) -> str:
    """The ETag of one stored row: ``"<table>-<id>-<row version>"``."""
    return f'"{table}-{obj_id}-{version}"'


def quoted_version(value: str | None) -> str | None:
    """The row version an If-Match header (or a ``version`` field) quotes: an ETag of :func:`etag`,
    weak or strong, or the bare version."""
    if value is None:
        return None
    v = str(value).strip()
    if v.startswith("W/"):
        v = v[2:]
    v = v.strip('"').rsplit("-", 1)[-1].strip()
    return v or None


def check_version(what: str, current: str, expected: str | None) -> None:
    """Refuse an edit that quotes no version (428) or one that is not the current one (412)."""
    quoted = quoted_version(expected)
    if not quoted:
        raise VersionRequired(f"修改{what}需要说明基于哪个版本 (If-Match 头或 version 字段, 取自读取时的 ETag), 以免覆盖"
                              f"他人的修改 (the edit must quote the version it is based on)",
                              [{"field": "version", "message": "必填 (required)"}])
    if quoted != current:
        raise Stale(f"{what}已被他人修改, 您的修改未保存; 请刷新后重新修改 (it changed since you loaded it: "
                    "nothing was saved; reload and edit again)")


# ------------------------------------------------------------------------------------------------
# what each entity is
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prop:
    """One editable property: how it is read (``kind``) and written."""

    column: Column
    kind: str = "text"                 # text | int | enum | choice | date | uscc
    max_len: int = 200
    minimum: int = 0
    maximum: int = 2**31 - 1
    domain: str | None = None          # vocabulary domain of an enum
    choices: tuple[tuple[str, str], ...] = ()   # (code, Chinese name) of a choice
    cast: str = ""                     # SQL type of the written value
    nullable: bool = True
    admin_only: bool = False
    has_default: bool = False          # the table fills it in when a new object leaves it out

    @property
    def key(self) -> str:
        return self.column.key


@dataclass(frozen=True)
class Entity:
    """A kind of stored object as the REST API sees it."""

    name: str                          # in URLs: /api/<name>/<id>
    table: str
    zh: str
    props: tuple[Prop, ...]
    read: str                          # the properties a reader gets (SELECT list; the row is ``t``)
    joins: str = ""
    geometry: str | None = None        # the column of the Feature's geometry
    shape: str = "polygon"             # polygon | point | point_or_polygon
    secondary: str | None = None       # point_or_polygon: the polygon column (boundary, footprint)
    region_follows_point: str | None = None   # "required" or "optional": region_id is the deepest region
    on_geometry: str | None = None     # extra SET when the geometry changes
    dependents: tuple[tuple[str, str], ...] = ()   # (what, SQL counting them for %(id)s): block a delete
    filters: tuple[tuple[str, str], ...] = ()      # (query name, SQL condition with one %s)
    text_search: str = "t.name"

    def prop(self, key: str) -> Prop:
        return next(p for p in self.props if p.key == key)


def _col(columns: tuple[Column, ...], key: str) -> Column:
    return next(c for c in columns if c.key == key)


_E, _A, _RS, _T = ENTERPRISE_COLUMNS, AREA_COLUMNS, RESOURCE_COLUMNS, TARGET_COLUMNS
_IN_REGION = "IN (SELECT region_id FROM region_closure WHERE ancestor_id = %s)"

ENTERPRISES = Entity(
    "enterprises", "enterprise", "企业",
    (Prop(_col(_E, "uscc"), "uscc", max_len=40, nullable=False, admin_only=True),
     Prop(_col(_E, "name"), nullable=False),
     Prop(_col(_E, "industry"), "enum", domain="industry", nullable=False),
     Prop(_col(_E, "scale"), "enum", domain="enterprise_scale", cast="enterprise_scale", nullable=False),
     Prop(_col(_E, "employees"), "int", maximum=10_000_000, nullable=False),
     Prop(_col(_E, "address"), max_len=500), Prop(_col(_E, "legal_rep")), Prop(_col(_E, "safety_manager")),
     Prop(_col(_E, "contact_phone"), max_len=40), Prop(_col(_E, "emergency_phone"), max_len=40)),
    read="""t.uscc, t.name, t.industry, i.name_zh AS industry_zh, t.scale::text AS scale, t.employees, t.address,
            t.region_id, rg.name AS region_name, t.legal_rep, t.safety_manager, t.contact_phone, t.emergency_phone,
            el.residual_level::text AS level, ST_AsGeoJSON(t.boundary, 7)::json AS boundary, t.updated_at""",
    joins="""JOIN industry i ON i.code = t.industry JOIN region rg ON rg.id = t.region_id
             LEFT JOIN enterprise_level el ON el.enterprise_id = t.id""",
    geometry="location", shape="point_or_polygon", secondary="boundary", region_follows_point="required",
    dependents=(("区域", "SELECT count(*) FROM area WHERE enterprise_id = %(id)s"),
                ("重大危险源", "SELECT count(*) FROM hazard_source WHERE enterprise_id = %(id)s"),
                ("隐患", "SELECT count(*) FROM hidden_hazard WHERE enterprise_id = %(id)s")),
    filters=(("within", "t.region_id " + _IN_REGION), ("industry", "t.industry = %s"),
             ("level", "el.residual_level::text = %s")),
)

AREAS = Entity(
    "areas", "area", "区域",
    (Prop(_col(_A, "code"), max_len=64, nullable=False), Prop(_col(_A, "name"), nullable=False),
     Prop(_col(_A, "floor"), "int", minimum=-20, maximum=300, nullable=False),
     Prop(_col(_A, "headcount"), "int", maximum=1_000_000),
     Prop(_col(_A, "equipment"), max_len=2000), Prop(_col(_A, "activities"), max_len=2000)),
    read="""t.enterprise_id, t.parent_id, t.kind::text AS kind, t.code, t.name, t.floor, t.headcount, t.equipment,
            t.activities, al.residual_level::text AS level, al.risk_count, t.updated_at""",
    joins="LEFT JOIN area_level al ON al.area_id = t.id",
    geometry="geom", shape="polygon",
    dependents=(("下级区域", "SELECT count(*) FROM area WHERE parent_id = %(id)s"),
                ("风险", "SELECT count(*) FROM risk WHERE area_id = %(id)s")),
    filters=(("enterprise_id", "t.enterprise_id = %s"), ("kind", "t.kind::text = %s"),
             ("level", "al.residual_level::text = %s")),
)

RISK_COLUMNS = (
    Column("code", "编号", ("风险编号",)), Column("name", "风险名称", ("名称", "风险点")),
    Column("hazard_factors", "危险有害因素", ("危险因素",)), Column("causes", "原因", ("事故原因",)),
    Column("consequences", "可能导致的后果", ("后果",)), Column("responsible", "责任人", ()),
    Column("responsible_phone", "责任人电话", ("联系电话",)), Column("responsible_unit", "责任单位", ("责任部门",)),
    Column("check_content", "排查内容", ()), Column("check_period", "排查周期", ()),
    Column("control_tier", "管控层级", ()),
)
RISKS = Entity(
    "risks", "risk", "风险",
    (Prop(_col(RISK_COLUMNS, "code"), max_len=64), Prop(_col(RISK_COLUMNS, "name"), nullable=False),
     Prop(_col(RISK_COLUMNS, "hazard_factors"), max_len=2000, nullable=False),
     Prop(_col(RISK_COLUMNS, "causes"), max_len=2000), Prop(_col(RISK_COLUMNS, "consequences"), max_len=2000),
     Prop(_col(RISK_COLUMNS, "responsible")), Prop(_col(RISK_COLUMNS, "responsible_phone"), max_len=40),
     Prop(_col(RISK_COLUMNS, "responsible_unit")), Prop(_col(RISK_COLUMNS, "check_content"), max_len=2000),
     Prop(_col(RISK_COLUMNS, "check_period"), "enum", domain="check_period", cast="check_period", nullable=False,
          has_default=True),
     Prop(_col(RISK_COLUMNS, "control_tier"), "enum", domain="control_tier", cast="control_tier", nullable=False)),
    read="""t.area_id, a.enterprise_id, a.name AS area_name, t.code, t.name, t.hazard_factors, t.causes,
            t.consequences, t.accident_type, t.accident_types,
            (SELECT string_agg(at.name_zh, '、' ORDER BY u.o) FROM unnest(t.accident_types) WITH ORDINALITY
             AS u (c, o) JOIN accident_type at ON at.code = u.c) AS accident_types_zh, t.method::text AS method, t.inherent_level::text AS inherent_level,
            t.residual_level::text AS residual_level, t.control_tier::text AS control_tier, t.responsible,
            t.responsible_phone, t.responsible_unit, t.check_content, t.check_period::text AS check_period,
            t.assessed_at, t.assessed_by, t.updated_at""",
    joins="JOIN area a ON a.id = t.area_id",
    filters=(("enterprise_id", "a.enterprise_id = %s"), ("area_id", "t.area_id = %s"),
             ("level", "t.residual_level::text = %s")),
)

HAZARD_SOURCE_COLUMNS = (
    Column("code", "编号", ("危险源编号",)), Column("name", "名称", ("危险源名称",)),
    Column("kind", "类型", ("单元类型",)), Column("registered_at", "备案日期", ("登记日期",)),
)
HAZARD_SOURCES = Entity(
    "hazard-sources", "hazard_source", "重大危险源",
    (Prop(_col(HAZARD_SOURCE_COLUMNS, "code"), max_len=64, nullable=False),
     Prop(_col(HAZARD_SOURCE_COLUMNS, "name"), nullable=False),
     Prop(_col(HAZARD_SOURCE_COLUMNS, "kind"), "choice", choices=(("storage", "储存单元"), ("production", "生产单元")),
          nullable=False, has_default=True),
     Prop(_col(HAZARD_SOURCE_COLUMNS, "registered_at"), "date")),
    read="""t.enterprise_id, t.area_id, t.code, t.name, t.kind, t.registered_at,
            ST_AsGeoJSON(t.boundary, 7)::json AS boundary""",
    geometry="location", shape="point_or_polygon", secondary="boundary",
    filters=(("enterprise_id", "t.enterprise_id = %s"),),
)

RESOURCES = Entity(
    "resources", "emergency_resource", "应急资源",
    (Prop(_col(_RS, "kind"), "enum", domain="resource_kind", cast="resource_kind", nullable=False),
     Prop(_col(_RS, "name"), nullable=False), Prop(_col(_RS, "capacity"), "int", maximum=10_000_000),
     Prop(_col(_RS, "address"), max_len=500), Prop(_col(_RS, "phone"), max_len=40)),
    read="t.kind::text AS kind, v.name_zh AS kind_zh, t.name, t.capacity, t.address, t.phone, t.region_id",
    joins="LEFT JOIN vocabulary v ON v.domain = 'resource_kind' AND v.code = t.kind::text",
    geometry="geom", shape="point", region_follows_point="optional",
    filters=(("within", "t.region_id " + _IN_REGION), ("kind", "t.kind::text = %s")),
)

TARGETS = Entity(
    "targets", "protection_target", "防护目标",
    (Prop(_col(_T, "kind"), "enum", domain="target_kind", cast="target_kind", nullable=False),
     Prop(_col(_T, "name"), nullable=False), Prop(_col(_T, "population"), "int", maximum=100_000_000, nullable=False)),
    read="""t.kind::text AS kind, v.name_zh AS kind_zh, t.name, t.population, t.region_id,
            ST_AsGeoJSON(t.footprint, 7)::json AS footprint""",
    joins="LEFT JOIN vocabulary v ON v.domain = 'target_kind' AND v.code = t.kind::text",
    geometry="geom", shape="point_or_polygon", secondary="footprint", region_follows_point="optional",
    filters=(("within", "t.region_id " + _IN_REGION), ("kind", "t.kind::text = %s")),
)

REGION_COLUMNS = (
    Column("adcode", "区划代码", ("行政区划代码",)), Column("name", "名称", ("区域名称",)),
    Column("officer_name", "网格员", ("负责人", "监管责任人")), Column("officer_phone", "网格员电话", ("负责人电话",)),
)
REGIONS = Entity(
    "regions", "region", "行政区域/网格",
    (Prop(_col(REGION_COLUMNS, "adcode"), max_len=15, nullable=False), Prop(_col(REGION_COLUMNS, "name"), nullable=False),
     Prop(_col(REGION_COLUMNS, "officer_name"), max_len=64), Prop(_col(REGION_COLUMNS, "officer_phone"), max_len=40)),
    read="t.adcode, t.name, t.level::text AS level, t.parent_id, t.officer_name, t.officer_phone, t.area_km2",
    geometry="geom", shape="polygon", on_geometry="area_km2 = ST_Area(geom::geography) / 1e6",
    dependents=(("下级区域", "SELECT count(*) FROM region WHERE parent_id = %(id)s"),
                ("企业", "SELECT count(*) FROM enterprise WHERE region_id = %(id)s")),
    filters=(("within", "t.id " + _IN_REGION), ("level", "t.level::text = %s"), ("parent_id", "t.parent_id = %s")),
)

ENTITIES: dict[str, Entity] = {e.name: e for e in (ENTERPRISES, AREAS, RISKS, HAZARD_SOURCES, RESOURCES, TARGETS,
                                                   REGIONS)}


# ------------------------------------------------------------------------------------------------
# reading
# ------------------------------------------------------------------------------------------------


def _plain(v: Any) -> Any:
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, (dt.date, dt.datetime)):
        return v.isoformat()
    return v


def _select(ent: Entity) -> sql.Composable:
    geom = (sql.SQL("ST_AsGeoJSON(t.{}, 7)::json").format(sql.Identifier(ent.geometry)) if ent.geometry
            else sql.SQL("NULL::json"))
    return sql.SQL("SELECT t.id AS id, t.xmin::text AS version, {geom} AS geometry, {read} FROM {table} t {joins}").format(
        geom=geom, read=sql.SQL(ent.read), table=sql.Identifier(ent.table), joins=sql.SQL(ent.joins))


def _feature(row: dict, ent: Entity) -> dict:
    row = dict(row)
    obj_id, version, geometry = row.pop("id"), row.pop("version"), row.pop("geometry")
    props = {k: _plain(v) for k, v in row.items()}
    return {"type": "Feature", "id": obj_id, "geometry": geometry,
            "properties": {"id": obj_id, **props, "version": version}, "etag": etag(ent.table, obj_id, version)}


def get(conn: Conn, ent: Entity, obj_id: int) -> dict:
    """One object as a GeoJSON Feature; ``etag`` is what an edit quotes in If-Match."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(_select(ent) + sql.SQL(" WHERE t.id = %s"), (obj_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"{ent.zh} {obj_id} 不存在 (not found)")
    return _feature(row, ent)


def version(conn: Conn, ent: Entity, obj_id: int) -> str | None:
    """The object's current ETag, or None when it is not there (or not the caller's to see)."""
    with conn.cursor() as cur:
        cur.execute(sql.SQL("SELECT xmin::text FROM {} WHERE id = %s").format(sql.Identifier(ent.table)), (obj_id,))
        row = cur.fetchone()
    return None if row is None else etag(ent.table, obj_id, row[0])


def read_risk(conn: Conn, risk_id: int) -> dict:
    """One risk as its assessment shows it: method, inputs, score and levels, the area and enterprise
    it belongs to, and ``version`` (its ETag is ``etag("risk", risk_id, version)``)."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("""SELECT r.id, r.area_id, a.enterprise_id, a.name AS area_name, r.code, r.name, r.hazard_factors,
                              r.accident_type, r.accident_types, r.method::text AS method, r.inputs, r.score::float AS score, r.residual_inputs,
                              r.inherent_level::text AS inherent_level, r.residual_level::text AS residual_level,
                              r.control_tier::text AS control_tier, r.responsible, r.assessed_at, r.assessed_by,
                              r.xmin::text AS version
                       FROM risk r JOIN area a ON a.id = r.area_id WHERE r.id = %s""", (risk_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"风险 {risk_id} 不存在 (risk not found)")
    row["assessed_at"] = row["assessed_at"].isoformat() if row["assessed_at"] else None
    return dict(row)


def collection(conn: Conn, ent: Entity, *, limit: int = 100, offset: int = 0, q: str | None = None,
               bbox: tuple[float, float, float, float] | None = None, **filters: Any) -> dict:
    """A page of objects as a GeoJSON FeatureCollection with ``total``, ``limit`` and ``offset``;
    ``filters`` are the entity's named filters (``within`` a region's subtree, ``enterprise_id``,
    ``kind``, ``level``…), ``q`` a name fragment, ``bbox`` (west, south, east, north) in EPSG:4326."""
    known = dict(ent.filters)
    conds: list[sql.Composable] = []
    params: list[Any] = []
    for key, value in filters.items():
        if value is None:
            continue
        if key not in known:
            raise InvalidInput(f"{ent.zh}不能按 {key} 筛选 (unknown filter); 可用 (available): {'、'.join(known)}",
                               [{"field": key, "message": "unknown filter"}])
        conds.append(sql.SQL(known[key]))
        params.append(value)
    if q:
        conds.append(sql.SQL(ent.text_search + " ILIKE %s"))
        params.append(like_pattern(q))
    if bbox is not None:
        if ent.geometry is None:
            raise InvalidInput(f"{ent.zh}没有几何, 不能按范围筛选 (no geometry to filter by bbox)",
                               [{"field": "bbox", "message": "no geometry"}])
        conds.append(sql.SQL("t.{} && ST_MakeEnvelope(%s, %s, %s, %s, 4326)").format(sql.Identifier(ent.geometry)))
        params.extend(bbox)
    where = sql.SQL(" WHERE ") + sql.SQL(" AND ").join(conds) if conds else sql.SQL("")
    base = sql.SQL("FROM {table} t {joins}").format(table=sql.Identifier(ent.table), joins=sql.SQL(ent.joins))
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(sql.SQL("SELECT count(*) AS n ") + base + where, params)
        total = cur.fetchone()["n"]
        # the page's ids first, then their columns: the geometry is built for the page only
        cur.execute(sql.SQL("WITH page AS (SELECT t.id {base} {where} ORDER BY t.id LIMIT %s OFFSET %s) ").format(
            base=base, where=where) + _select(ent) + sql.SQL(" JOIN page ON page.id = t.id ORDER BY t.id"),
            [*params, limit, offset])
        rows = cur.fetchall()
    features = []
    for r in rows:
        f = _feature(r, ent)
        f.pop("etag")
        features.append(f)
    return {"type": "FeatureCollection", "total": total, "limit": limit, "offset": offset, "features": features}


# ------------------------------------------------------------------------------------------------
# changing
# ------------------------------------------------------------------------------------------------


def split_body(body: Any) -> tuple[dict, Any, Any]:
    """(properties, geometry or MISSING, quoted version or None) of a change: a GeoJSON Feature, or
    a plain object of properties (with an optional ``geometry`` and ``version``)."""
    if not isinstance(body, dict):
        raise InvalidInput("请求体应为 JSON 对象: GeoJSON Feature 或属性对象 (the body must be a JSON object: a GeoJSON "
                           "Feature or an object of properties)", [{"field": "body", "message": "not an object"}])
    if body.get("type") == "Feature":
        props = body.get("properties")
        if props is None:
            props = {}
        if not isinstance(props, dict):
            raise InvalidInput("Feature 的 properties 应为对象 (properties must be an object)",
                               [{"field": "properties", "message": "not an object"}])
        props = dict(props)
        geometry = body.get("geometry", MISSING)
        extra = [k for k in body if k not in ("type", "properties", "geometry", "id", "version", "bbox")]
        if extra:
            raise InvalidInput(f"Feature 中有未知的成员 {'、'.join(map(str, extra))} (unknown members): 属性应放在 "
                               "properties 中", [{"field": str(k), "message": "unknown member"} for k in extra])
        quoted = body.get("version", props.pop("version", None))
    else:
        props = {k: v for k, v in body.items() if k not in ("geometry", "version")}
        geometry = body.get("geometry", MISSING)
        quoted = body.get("version")
    props.pop("id", None)
    if quoted is not None and not isinstance(quoted, (str, int)):
        raise InvalidInput("version 应为读取时的 ETag 字符串 (version must be the ETag you read)",
                           [{"field": "version", "message": "not a string"}])
    return props, geometry, (str(quoted) if quoted is not None else None)


def _date(value: Any, label: str, problems: Problems, key: str) -> dt.date | None:
    if value is None:
        return None
    try:
        if isinstance(value, bool) or not isinstance(value, str):
            raise ValueError
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        problems.add(f"{label} 应为日期 YYYY-MM-DD, 实为 {value!r} (must be a date)", field=key)
        return None


def _values(conn: Conn, ent: Entity, props: dict, *, admin: bool, problems: Problems) -> dict[str, Any]:
    """The checked new values by column, of the properties the caller sent."""
    by_name: dict[str, Prop] = {}
    for prop in ent.props:
        for n in prop.column.names():
            by_name.setdefault(n, prop)
    editable = "、".join(p.column.label for p in ent.props)
    sent: dict[str, Any] = {}
    for name, value in props.items():
        p = by_name.get(norm_header(name))
        if p is None:
            problems.add(f"字段 {name!r} 不存在或不能在此修改 (unknown or read-only field); 可修改的字段 (editable): "
                         f"{editable}", field=str(name))
            continue
        if p.key in sent:
            problems.add(f"字段 {name!r} 与另一字段都表示 {p.column.label} (two names for one field)", field=str(name))
            continue
        if isinstance(value, (dict, list)):
            problems.add(f"{p.column.label} 应为单个值, 不能是对象或列表 (must be a single value)", field=p.key)
            continue
        if p.admin_only and not admin:
            raise Forbidden(f"只有管理员可以修改{ent.zh}的{p.column.zh} ({p.key} may only be changed by an admin)")
        sent[p.key] = value
    if not sent:
        return {}
    chosen = [p for p in ent.props if p.key in sent]
    feature = Feature(Where(1), dict(sent), None)
    source = Source("json", [feature], list(sent))
    rd = Reader(tuple(replace(p.column, required=False) for p in chosen), source, problems, [])
    vocab = Vocabulary(conn) if any(p.kind == "enum" for p in chosen) else None
    out: dict[str, Any] = {}
    for p in chosen:
        before = problems.count
        v: int | str | dt.date | None
        if p.kind == "int":
            v = rd.integer(feature, p.key, minimum=p.minimum, maximum=p.maximum)
        elif p.kind == "enum":
            if vocab is None or p.domain is None:   # vocab is read when an enum is chosen; every enum names its domain
                raise RuntimeError(f"枚举字段 {p.key} 没有词表域 (enum property without a vocabulary domain)")
            v = rd.enum(feature, p.key, vocab, p.domain)
        elif p.kind == "date":
            v = _date(rd.raw(feature, p.key), p.column.label, problems, p.key)
        elif p.kind == "choice":
            v = rd.text(feature, p.key, max_len=p.max_len)
            if v is not None:
                code = next((c for c, zh in p.choices if norm_header(v) in (norm_header(c), norm_header(zh),
                                                                         norm_header(zh[:2]))), None)
                if code is None:
                    allowed = "/".join(f"{zh} ({c})" for c, zh in p.choices)
                    problems.add(f"{p.column.label} 的值 {v!r} 不在可选值中 (unknown value); 应为 (allowed): {allowed}",
                                 field=p.key)
                v = code
        else:
            v = rd.text(feature, p.key, max_len=p.max_len)
            if v is not None and p.kind == "uscc":
                v = v.upper()
                reason = uscc_problem(v)
                if reason:
                    problems.add(f"{reason}: {v}", field=p.key)
                    v = None
        if problems.count > before:
            continue
        if v is None and not p.nullable:
            problems.add(f"{p.column.label} 不能为空 (required)", field=p.key)
            continue
        out[p.key] = v
    return out


def _geometries(conn: Conn, ent: Entity, geometry: Any, crs: str | None, current_point: Any,
                problems: Problems) -> dict[str, Any]:
    """The new geometry columns of a change that sent a geometry (EPSG:4326, checked)."""
    if geometry is MISSING:
        return {}
    if ent.geometry is None:
        problems.add(f"{ent.zh}没有几何, 不能修改几何 (this object has no geometry)", field="geometry")
        return {}
    if geometry is None:
        problems.add(f"{ent.zh}的几何不能为空 (geometry required)", field="geometry")
        return {}
    try:
        if not isinstance(geometry, dict) or "type" not in geometry:
            raise ValueError("not a GeoJSON geometry object")
        unclosed = _unclosed_ring(geometry)
        if unclosed:
            problems.add(f"面的{unclosed}未闭合: 首尾坐标应相同, 且至少 4 个坐标 (ring not closed: RFC 7946 requires the "
                         "first and last positions to be equal, and at least 4 of them)", field="geometry")
            return {}
        g = shapely.geometry.shape(geometry)
    except Exception as exc:   # shapely raises many kinds for malformed input; all mean the same to the caller
        problems.add(f"几何不是有效的 GeoJSON 几何对象 (malformed GeoJSON geometry): {str(exc)[:200]}", field="geometry")
        return {}
    if shapely.get_coordinates(g, include_z=True).shape[1] == 3:
        g = shapely.force_2d(g)
    scrs = crs_mod.parse_declared(crs) or crs_mod.SourceCRS(crs_mod.CRS.from_epsg(4326), origin="default")
    g, reason = crs_mod.Reprojector(scrs)(g)
    if reason:
        problems.add(reason, field="geometry")
        return {}
    feature = Feature(Where(1), {}, g)
    before = problems.count
    out: dict[str, Any] = {}
    if ent.shape == "polygon":
        poly = polygonal(feature, problems, ent.zh)
        if poly is not None:
            out[ent.geometry] = poly
    else:
        point, poly = pointlike(feature, problems, ent.zh, polygons=ent.shape == "point_or_polygon")
        if poly is not None:
            if ent.secondary is None:   # pointlike returns an outline only when polygons=True
                raise RuntimeError(f"{ent.zh}没有面几何列 (entity {ent.name} has no polygon column)")
            out[ent.secondary] = poly
            # the point stays where it was when it lies in the new outline, else moves onto it
            if current_point is None or not poly.covers(current_point):
                out[ent.geometry] = point
        elif point is not None:
            out[ent.geometry] = point
    if problems.count > before:
        return {}
    if ent.region_follows_point and ent.geometry in out:
        region = deepest_regions(conn, [(0, out[ent.geometry])]).get(0)
        if region is None and ent.region_follows_point == "required":
            problems.add(f"{ent.zh}位置不在任何已登记的区域内 (location outside every registered region)", field="geometry")
            return {}
        out["region_id"] = region
    return out


def _unclosed_ring(geometry: dict) -> str | None:
    """Which ring of a GeoJSON (Multi)Polygon is not closed (shapely would close it silently)."""
    kind, coords = geometry.get("type"), geometry.get("coordinates")
    polygons = [coords] if kind == "Polygon" else coords if kind == "MultiPolygon" else []
    if not isinstance(polygons, list):
        return None
    for i, polygon in enumerate(polygons):
        for j, ring in enumerate(polygon if isinstance(polygon, list) else []):
            if isinstance(ring, list) and (len(ring) < 4 or ring[0] != ring[-1]):
                where = f"第 {j + 1} 个环" if kind == "Polygon" else f"第 {i + 1} 个面的第 {j + 1} 个环"
                return f"{where} (ring {j + 1})"
    return None


def _refused(ent: Entity, obj_id: int | None, problems: Problems) -> InvalidInput:
    items = [{"field": i["field"], "message": i["message"]} for i in problems.items]
    first = items[0]
    where = f"字段 {first['field']} (field {first['field']}): " if first["field"] else ""
    what = (f"{ent.zh} {obj_id} 未修改 (not changed)" if obj_id is not None else f"{ent.zh}未新建 (not created)")
    return InvalidInput(f"{what}: 共 {problems.count} 处错误 ({problems.count} errors). "
                        f"第一处 (first): {where}{first['message']}", items)


def _database_refused(ent: Entity, obj_id: int | None, exc: psycopg2.Error) -> InvalidInput:
    reason = (exc.diag.message_primary if exc.diag else None) or str(exc).splitlines()[0]
    column = exc.diag.column_name if exc.diag else None
    what = (f"{ent.zh} {obj_id} 未修改 (not changed)" if obj_id is not None else f"{ent.zh}未新建 (not created)")
    return InvalidInput(f"{what}: 数据库拒绝 (refused by the database): {reason}", [{"field": column, "message": reason}])


def _assignments(ent: Entity, values: dict, geoms: dict) -> tuple[list[sql.Composable], list[sql.Composable], list]:
    """(columns, value placeholders, parameters) of checked values and geometries."""
    columns: list[sql.Composable] = []
    holders: list[sql.Composable] = []
    params: list[Any] = []
    for key, v in values.items():
        cast = ent.prop(key).cast
        columns.append(sql.Identifier(key))
        holders.append(sql.SQL("%s" + (f"::{cast}" if cast else "")))
        params.append(v)
    for column, g in geoms.items():
        columns.append(sql.Identifier(column))
        if column == "region_id":
            holders.append(sql.SQL("%s"))
            params.append(g)
        else:
            holders.append(sql.SQL("ST_GeomFromWKB(%s, 4326)"))
            params.append(psycopg2.Binary(shapely.to_wkb(g, output_dimension=2)))
    return columns, holders, params


def insert(conn: Conn, ent: Entity, body: Any, *, fixed: dict[str, Any], crs: str | None = None,
           admin: bool = False, required: tuple[str, ...] = ()) -> dict:
    """Create one object from a Feature (or an object of properties with a ``geometry``) with the
    checks of :func:`update`; every required property (and those named in ``required``) must be
    there. ``fixed`` columns (the owning enterprise) come from the URL, not the body. Runs in the
    caller's transaction."""
    props, geometry, _ = split_body(body)
    problems = Problems()
    values = _values(conn, ent, props, admin=admin, problems=problems)
    reported = {i["field"] for i in problems.items}
    for p in ent.props:
        if ((not p.nullable and not p.has_default) or p.key in required) and p.key not in values and p.key not in reported:
            problems.add(f"{p.column.label} 不能为空 (required)", field=p.key)
    geoms = _geometries(conn, ent, None if geometry is MISSING else geometry, crs, None, problems) \
        if ent.geometry else {}
    if problems:
        raise _refused(ent, None, problems)
    columns, holders, params = _assignments(ent, values, geoms)
    for column, v in fixed.items():
        columns.append(sql.Identifier(column))
        holders.append(sql.SQL("%s"))
        params.append(v)
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT ra_entity_insert")
        try:
            cur.execute(sql.SQL("INSERT INTO {table} ({columns}) VALUES ({holders}) RETURNING id").format(
                table=sql.Identifier(ent.table), columns=sql.SQL(", ").join(columns), holders=sql.SQL(", ").join(holders)),
                params)
            obj_id = cur.fetchone()[0]
        except REFUSALS as exc:
            cur.execute("ROLLBACK TO SAVEPOINT ra_entity_insert")
            raise _database_refused(ent, None, exc) from None
        cur.execute("RELEASE SAVEPOINT ra_entity_insert")
    return get(conn, ent, obj_id)


def update(conn: Conn, ent: Entity, obj_id: int, body: Any, *, expected_version: str | None,
           crs: str | None = None, admin: bool = False) -> dict:
    """Change the properties and/or geometry ``body`` sends (see :func:`split_body`); the rest stays.
    Refused unless the quoted version (If-Match, or ``version`` in the body) is current. Runs in the
    caller's transaction; returns the changed object (with its new ETag)."""
    props, geometry, body_version = split_body(body)
    table = sql.Identifier(ent.table)
    point = sql.SQL("ST_AsBinary(t.{})").format(sql.Identifier(ent.geometry)) if ent.geometry else sql.SQL("NULL")
    with conn.cursor() as cur:
        cur.execute(sql.SQL("SELECT t.xmin::text, {point} FROM {table} t WHERE t.id = %s FOR UPDATE").format(
            point=point, table=table), (obj_id,))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"{ent.zh} {obj_id} 不存在 (not found)")
        check_version(f"{ent.zh} {obj_id} ", row[0], expected_version or body_version)
        problems = Problems()
        values = _values(conn, ent, props, admin=admin, problems=problems)
        current_point = shapely.from_wkb(bytes(row[1])) if row[1] is not None else None
        geoms = _geometries(conn, ent, geometry, crs, current_point, problems)
        if problems:
            raise _refused(ent, obj_id, problems)
        if not values and not geoms:
            return get(conn, ent, obj_id)
        columns, holders, params = _assignments(ent, values, geoms)
        sets: list[sql.Composable] = [sql.SQL("{} = {}").format(c, h) for c, h in zip(columns, holders, strict=True)]
        if ent.on_geometry and ent.geometry in geoms:
            sets.append(sql.SQL(ent.on_geometry))
        cur.execute("SAVEPOINT ra_entity_update")
        try:
            cur.execute(sql.SQL("UPDATE {table} SET {sets} WHERE id = %s").format(
                table=table, sets=sql.SQL(", ").join(sets)), [*params, obj_id])
            _after_geometry(cur, ent, obj_id, geoms)
        except REFUSALS as exc:
            cur.execute("ROLLBACK TO SAVEPOINT ra_entity_update")
            raise _database_refused(ent, obj_id, exc) from None
        cur.execute("RELEASE SAVEPOINT ra_entity_update")
    return get(conn, ent, obj_id)


def _after_geometry(cur, ent: Entity, obj_id: int, geoms: dict) -> None:
    """What a new outline must still hold: an area its sub-areas, a region its enterprises."""
    if ent is AREAS and "geom" in geoms:
        cur.execute("""SELECT c.code FROM area c JOIN area p ON p.id = c.parent_id WHERE p.id = %s
                         AND NOT ST_CoveredBy(c.geom, ST_Buffer(p.geom, ra_nesting_tolerance_deg())) ORDER BY c.code""",
                    (obj_id,))
        outside = [r[0] for r in cur.fetchall()]
        if outside:
            raise _refusal_geometry(ent, obj_id, f"新的范围不再包含下级区域 {'、'.join(outside[:10])} (the new outline no "
                                                 f"longer holds sub-areas {', '.join(outside[:10])}): 请先调整它们")
    if ent is REGIONS and "geom" in geoms:
        cur.execute("""SELECT count(*), min(e.name) FROM enterprise e JOIN region r ON r.id = e.region_id
                       WHERE r.id = %s AND NOT ST_Intersects(r.geom, e.location)""", (obj_id,))
        n, name = cur.fetchone()
        if n:
            raise _refusal_geometry(ent, obj_id, f"新的范围不再包含其 {n} 家企业 (如 {name}) (the new outline leaves {n} of "
                                                 "its enterprises outside)")


def _refusal_geometry(ent: Entity, obj_id: int, message: str) -> InvalidInput:
    problems = Problems()
    problems.add(message, field="geometry")
    return _refused(ent, obj_id, problems)


def delete(conn: Conn, ent: Entity, obj_id: int, *, expected_version: str | None) -> None:
    """Delete one object, refused (409) while others still hang on it (an enterprise's areas, an
    area's risks…: nothing disappears as a side effect). Runs in the caller's transaction."""
    table = sql.Identifier(ent.table)
    with conn.cursor() as cur:
        cur.execute(sql.SQL("SELECT xmin::text FROM {} WHERE id = %s FOR UPDATE").format(table), (obj_id,))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"{ent.zh} {obj_id} 不存在 (not found)")
        check_version(f"{ent.zh} {obj_id} ", row[0], expected_version)
        blocking = []
        for what, count in ent.dependents:
            cur.execute(count, {"id": obj_id})
            n = cur.fetchone()[0]
            if n:
                blocking.append(f"{n} 个{what}")
        if blocking:
            raise Conflict(f"{ent.zh} {obj_id} 不能删除: 还有 {'、'.join(blocking)} (still has dependent objects); "
                           "请先删除或移走它们 (delete or move them first)")
        cur.execute(sql.SQL("DELETE FROM {} WHERE id = %s").format(table), (obj_id,))


#: Entities created through the imports (the import target of the same name).
CREATED_BY_IMPORT = ("enterprises", "areas", "resources", "targets")


def create(conn: Conn, ent: Entity, body: Any, *, crs: str | None = None, enterprise_id: int | None = None,
           actor: str | None = None) -> tuple[list[dict], Any]:
    """Create objects from a GeoJSON Feature or FeatureCollection by importing it (the same checks,
    the same error list, nothing written unless every feature passes). Returns (the created
    Features, the import result)."""
    from layers.imports import ImportOptions, import_file

    if ent.name not in CREATED_BY_IMPORT:
        raise InvalidInput(f"{ent.zh}不能这样新建 (cannot be created here)", [{"field": "body", "message": "not creatable"}])
    kind = body.get("type") if isinstance(body, dict) else None
    if kind not in ("Feature", "FeatureCollection"):
        raise InvalidInput("请求体应为 GeoJSON Feature 或 FeatureCollection (the body must be a GeoJSON Feature or "
                           "FeatureCollection)", [{"field": "type", "message": "Feature or FeatureCollection"}])
    fc = body if kind == "FeatureCollection" else {"type": "FeatureCollection", "features": [body]}
    data = json.dumps(fc, ensure_ascii=False).encode()
    result = import_file(conn, ent.name, data, "request.geojson",
                         ImportOptions(crs=crs, enterprise_id=enterprise_id, actor=actor))
    return [get(conn, ent, i) for i in result.ids], result
