"""Imports: files in, rows of PostGIS out, all or nothing.

:func:`import_file` reads an upload (GeoJSON, GeoPackage, zipped Shapefile, DXF, CSV, Excel),
brings it to EPSG:4326 (:mod:`.crs`; DXF through control points, :mod:`.dxf`), validates every
feature against what the target needs (:mod:`.targets`) and only then writes, in the caller's
transaction. Any problem refuses the whole file with every error naming the feature or row (1-based,
as the user sees it), the field and the reason; nothing is written. Risk lists (.xlsx of Shandong guide
附件1/附件2) are imported by :func:`layers.risk_lists.import_workbook`, which the ``risks`` target
calls.

Targets and formats:

============  ======================================  ==========================================
target        rows of                                 formats
============  ======================================  ==========================================
enterprises   ``enterprise`` (point, opt. boundary)   GeoJSON, GeoPackage, Shapefile, CSV, Excel
areas         ``area`` of one enterprise              GeoJSON, GeoPackage, Shapefile, DXF, CSV, Excel
risks         risk lists of one enterprise            Excel (risk-list workbook)
resources     ``emergency_resource`` (points)         GeoJSON, GeoPackage, Shapefile, CSV, Excel
targets       ``protection_target`` (point/footprint) GeoJSON, GeoPackage, Shapefile, CSV, Excel
============  ======================================  ==========================================
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from db.bulk import Conn
from layers.errors import InvalidInput
from layers.imports import crs as crs_mod
from layers.imports import formats
from layers.imports import source as src
from layers.imports import targets as tg
from layers.imports.dxf import DEFAULT_TOLERANCE_M, read_dxf
from layers.imports.problems import MAX_ERRORS, Problems, TooLarge, UnsupportedFormat

__all__ = ["TARGETS", "ENTERPRISE_TARGETS", "may_import", "ImportOptions", "ImportResult", "import_file", "TooLarge", "UnsupportedFormat", "MAX_ERRORS"]

TARGETS: dict[str, str] = {
    "enterprises": "企业 (enterprises)",
    "areas": "区域 (areas)",
    "risks": "风险清单 (risk lists)",
    "resources": "应急资源 (emergency resources)",
    "targets": "防护目标 (protection targets)",
}
#: Targets holding one enterprise's data (its users and admins load them); the others are shared data
#: that only admins load.
ENTERPRISE_TARGETS: tuple[str, ...] = ("areas", "risks")


def may_import(role: str, target: str) -> bool:
    """Whether a user of ``role`` may load ``target``: admins everything, enterprise users their own
    enterprise's data, regulators nothing (they read enterprise data and do not write it)."""
    return role == "admin" or (role == "enterprise" and target in ENTERPRISE_TARGETS)


#: The formats read by a reader of their own (all but DXF, which needs control points): the GIS targets take them.
_GIS = tuple(name for name, f in formats.FORMATS.items() if f.read is not None)
FORMATS_BY_TARGET = {"enterprises": _GIS, "areas": (*_GIS, "dxf"), "risks": ("excel",), "resources": _GIS,
                     "targets": _GIS}
_COLUMNS = {"enterprises": tg.ENTERPRISE_COLUMNS, "areas": tg.AREA_COLUMNS, "resources": tg.RESOURCE_COLUMNS,
            "targets": tg.TARGET_COLUMNS}


@dataclass
class ImportOptions:
    crs: str | None = None                 # declared CRS (EPSG:…, GCJ-02); for DXF: of the control points
    enterprise_id: int | None = None       # areas, risks
    control_points: Any = None             # DXF: JSON text or list
    layer_map: Any = None                  # DXF: {layer: area kind} as JSON text or dict
    layer: str | None = None               # GeoPackage layer, Shapefile in the zip, Excel sheet
    transform: str = "similarity"          # DXF: similarity | affine
    tolerance_m: float = DEFAULT_TOLERANCE_M
    dry_run: bool = False
    actor: str | None = None               # recorded by the audit trigger (SET LOCAL riskatlas.actor)


@dataclass
class ImportResult:
    target: str
    dry_run: bool
    format: str
    features: int                          # features/rows read
    created: int                           # rows written (or that would be, in a dry run)
    ids: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    crs: str | None = None
    layer: str | None = None
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    georeference: dict | None = None
    risk_lists: dict | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _refuse(field_name: str, message: str) -> InvalidInput:
    return InvalidInput(message, [{"field": field_name, "message": message}])


def _layer_map(value: Any, vocab: tg.Vocabulary) -> dict[str, str] | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise _refuse("layer_map", "layer_map 不是有效的 JSON (not valid JSON): 应为 {\"图层名\": \"区域类型\"}") from None
    if not isinstance(value, dict) or not value:
        raise _refuse("layer_map", "layer_map 应为非空对象 {\"图层名\": \"区域类型\"} (must be a JSON object)")
    out = {}
    for layer, kind in value.items():
        code = vocab.resolve("area_kind", kind) if isinstance(kind, str) else None
        if code is None:
            raise _refuse("layer_map", f"layer_map 中图层 {layer!r} 的区域类型 {kind!r} 无效 (unknown area kind); 应为 "
                          f"{vocab.choices('area_kind')}")
        out[str(layer)] = code
    return out


def _enterprise_id(target: str, opts: ImportOptions) -> int:
    """The enterprise that areas and risk lists are imported into (refused when missing)."""
    if opts.enterprise_id is None:
        raise _refuse("enterprise_id", f"导入{TARGETS[target]}需要 enterprise_id (the enterprise to import into)")
    return opts.enterprise_id


def _check_options(target: str, opts: ImportOptions) -> None:
    if target not in TARGETS:
        raise _refuse("target", f"导入对象 {target!r} 无效, 应为 (target must be) {'/'.join(TARGETS)}")
    if target in ("areas", "risks"):
        _enterprise_id(target, opts)
    if opts.transform not in ("similarity", "affine"):
        raise _refuse("transform", f"transform 应为 similarity 或 affine, 实为 {opts.transform!r}")
    if not (isinstance(opts.tolerance_m, (int, float)) and math.isfinite(opts.tolerance_m)
            and 0 < opts.tolerance_m <= 100):
        raise _refuse("tolerance_m", "tolerance_m 应为 0–100 米之间的数 (must be between 0 and 100 metres)")


def import_file(conn: Conn, target: str, data: bytes, filename: str | None, opts: ImportOptions | None = None
                ) -> ImportResult:
    """Import one file into ``target`` (see the module docstring). Writes in the caller's
    transaction and does not commit; raises InvalidInput (every error listed, nothing written),
    TooLarge (413), UnsupportedFormat (415) or NotFound (the enterprise)."""
    opts = opts or ImportOptions()
    _check_options(target, opts)
    if len(data) > src.max_upload_bytes():
        raise TooLarge(src.too_large_message(len(data)), [{"field": "file", "message": "too large"}])
    fmt = formats.detect_format(filename, data)
    if fmt not in FORMATS_BY_TARGET[target]:
        allowed = "、".join(formats.title(f) for f in FORMATS_BY_TARGET[target])
        message = (f"{formats.title(fmt)} 文件不能导入为{TARGETS[target]} (this file type cannot be imported as "
                   f"{target}); 可用格式 (accepted): {allowed}")
        raise UnsupportedFormat(message, [{"field": "file", "message": message}])
    if target == "risks":
        return _import_risk_lists(conn, data, opts)
    if target == "areas":
        tg.enterprise_for_import(conn, _enterprise_id(target, opts))   # 404 before reading anything
    declared = crs_mod.parse_declared(opts.crs)
    vocab = tg.Vocabulary(conn)
    known = set().union(*(c.names() for c in _COLUMNS[target]))
    known |= {*src.LON_COLUMNS, *src.LAT_COLUMNS, *src.WKT_COLUMNS}
    if fmt == "dxf":
        points_crs = declared or crs_mod.SourceCRS(crs_mod.CRS.from_epsg(4326))
        source = read_dxf(data, control_points=opts.control_points, scrs=points_crs,
                          layer_map=_layer_map(opts.layer_map, vocab), transform=opts.transform,
                          tolerance_m=opts.tolerance_m)
        scrs = crs_mod.SourceCRS(crs_mod.CRS.from_epsg(4326), origin="georeferenced")
        crs_label = f"EPSG:4326 (控制点 control points {points_crs.label})"
    else:
        reader = formats.FORMATS[fmt].read
        if reader is None:
            raise RuntimeError(f"格式 {fmt} 没有读取函数 (format without a reader)")
        source = reader(data, formats.ReadArgs(layer=opts.layer, known=known))
        scrs = crs_mod.resolve(declared, source)
        crs_label = scrs.label
    if not source.features:
        raise _refuse("file", f"文件中没有要素 (no features in the file): {formats.title(fmt)}")
    problems = Problems()
    project = crs_mod.Reprojector(scrs)
    crs_mod.to_wgs84(source, scrs, problems)
    warnings = list(source.warnings)
    planner = {"enterprises": lambda: tg.plan_enterprises(conn, source, problems, vocab, warnings),
               "areas": lambda: tg.plan_areas(conn, source, problems, vocab, _enterprise_id(target, opts),
                                                 warnings),
               "resources": lambda: tg.plan_resources(conn, source, problems, vocab, warnings),
               "targets": lambda: tg.plan_targets(conn, source, problems, vocab, warnings)}[target]
    plan = planner()
    if problems:
        raise problems.refuse(TARGETS[target])
    notes = [] if fmt == "dxf" else project.notes()
    if source.georeference:
        notes.extend(source.georeference.get("notes", []))
    result = ImportResult(target, opts.dry_run, formats.title(fmt), len(source.features), len(plan.rows),
                          counts=plan.counts, crs=crs_label, layer=source.layer, notes=notes, warnings=warnings,
                          georeference=source.georeference)
    if opts.dry_run:
        return result
    if plan.write is None:
        raise RuntimeError(f"导入计划 {plan.table} 没有写入步骤 (the plan has no write step)")
    with conn.cursor() as cur:
        if opts.actor:
            cur.execute("SELECT set_config('riskatlas.actor', %s, true)", (opts.actor,))
        result.ids = plan.write(cur, plan)
    return result


def _import_risk_lists(conn: Conn, data: bytes, opts: ImportOptions) -> ImportResult:
    from layers.risk_lists import import_workbook

    r = import_workbook(conn, _enterprise_id("risks", opts), data, actor=opts.actor, dry_run=opts.dry_run)
    d = r.as_dict()
    created = sum((c or {}).get("inserted", 0) for c in (r.operating, r.management))
    return ImportResult("risks", opts.dry_run, formats.title("excel"), 0, created, warnings=list(r.warnings),
                        risk_lists=d)
