"""CAD plant layouts (DXF, local metres) read as areas and georeferenced by control points.

* Boundaries: closed LWPOLYLINE and 2-D POLYLINE (bulges flattened to arcs within 1 cm), and HATCH
  boundary paths (holes by the even-odd rule, as CAD fills them); blocks (INSERT) are exploded. An
  open polyline on an area layer is an error: a boundary must be closed.
* Area kind by layer: the caller's ``layer_map`` ({layer: kind}), else the layer name itself (厂区/
  plant, 车间/workshop, 装置/单元/unit, 岗位/post, 建筑/building, also as a token as in ``RA-PLANT``).
  Other layers are ignored (and said so).
* Code and name: the text (TEXT/MTEXT, any layer) inside the boundary and inside no smaller one,
  ``"W1 冲压车间"`` → code W1, name 冲压车间; a label without a code gets one (P1, W1, U1, G1, B1).
* Georeferencing: two or more control points ``local (x, y) ↔ (lon, lat)`` (lon/lat in the declared
  CRS, default WGS84; GCJ-02 when declared). The drawing (in metres after $INSUNITS) is fitted by
  least squares to the control points in a transverse Mercator plane centred on them, so residuals
  are ground metres: a similarity (scale, rotation, shift; ≥ 2 points) by default, an affine
  transform (≥ 3 points) on request. The fit is refused when a residual exceeds the tolerance, or
  when its scale is not 1 ± 5 % (the drawing is not in the units it claims).
"""

from __future__ import annotations

import io
import itertools
import json
import math
import re
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer

from layers.errors import InvalidInput
from layers.imports.crs import Reprojector, SourceCRS, invalid_reason
from layers.imports.problems import TooLarge, Where
from layers.imports.source import Feature, Source

#: Largest residual accepted by default (metres), and the fitted scale's allowed deviation from 1.
DEFAULT_TOLERANCE_M = 1.0
SCALE_TOLERANCE = 0.05
MAX_CONTROL_POINTS = 100
#: Arcs are flattened to chords within this distance (metres).
FLATTEN_M = 0.01
#: Records (entities, block definitions, table entries: every group-code-0 record) a drawing may
#: hold. Counted in the file's text before the drawing is built, because building it costs time and
#: memory in proportion (about 10 s and 150 MB per 100 000 entities): a larger drawing is refused
#: with what to do instead.
MAX_RECORDS = 100_000
#: Entities read from the model space once blocks (INSERT) are exploded: nested blocks multiply.
MAX_ENTITIES = 100_000
#: Vertices of one boundary once its arcs are flattened (a huge arc at 1 cm makes millions).
MAX_VERTICES = 100_000

LAYER_KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("plant", ("厂区", "厂界", "plant", "site")),
    ("workshop", ("车间", "workshop")),
    ("unit", ("装置", "单元", "装置单元", "unit")),
    ("post", ("岗位", "post")),
    ("building", ("建筑", "建筑物", "building")),
)
AUTO_PREFIX = {"plant": "P", "workshop": "W", "unit": "U", "post": "G", "building": "B"}
_LABEL = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._\-/#]{0,31})\s+(\S.*?)\s*$", re.S)
_UNIT_NAMES = {0: "无单位 (unitless)", 1: "英寸", 2: "英尺", 4: "毫米", 5: "厘米", 6: "米", 7: "千米"}


@dataclass(frozen=True)
class ControlPoint:
    x: float
    y: float
    lon: float
    lat: float


@dataclass
class Fit:
    kind: str
    params: list[float]          # similarity: a, b, tx, ty; affine: a, b, c, d, e, f
    scale: float
    rotation_deg: float
    residuals_m: list[float]
    rms_m: float
    max_m: float
    tolerance_m: float
    redundant: bool              # more points than the fit needs: the residuals mean something

    def apply(self, xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0], xy[:, 1]
        p = self.params
        if self.kind == "similarity":
            a, b, tx, ty = p
            return np.column_stack([a * x - b * y + tx, b * x + a * y + ty])
        a, b, c, d, e, f = p
        return np.column_stack([a * x + b * y + c, d * x + e * y + f])

    def as_dict(self) -> dict:
        d = asdict(self)
        d.pop("params")
        return d


def parse_control_points(value: Any) -> list[ControlPoint]:
    """``[{"x":…, "y":…, "lon":…, "lat":…}, …]`` or ``[[x, y, lon, lat], …]`` (JSON text or parsed)."""
    def refuse(message: str) -> InvalidInput:
        return InvalidInput(message, [{"field": "control_points", "message": message}])

    if value is None or (isinstance(value, str) and not value.strip()):
        raise refuse("DXF 图纸需要至少两个控制点 control_points: [{\"x\", \"y\", \"lon\", \"lat\"}, …] (a DXF "
                     "drawing needs two or more control points)")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise refuse("control_points 不是有效的 JSON (not valid JSON)") from None
    if not isinstance(value, list):
        raise refuse("control_points 应为数组 (must be a JSON array)")
    if len(value) > MAX_CONTROL_POINTS:
        raise refuse(f"控制点过多 (more than {MAX_CONTROL_POINTS} control points)")
    out = []
    for i, p in enumerate(value, 1):
        try:
            if isinstance(p, dict):
                vals = [p["x"], p["y"], p["lon"], p["lat"]]
            elif isinstance(p, list) and len(p) == 4:
                vals = p
            else:
                raise KeyError
            nums = [float(v) for v in vals if not isinstance(v, bool)]
            if len(nums) != 4 or not all(math.isfinite(v) for v in nums):
                raise ValueError
        except (KeyError, TypeError, ValueError):
            raise refuse(f"第 {i} 个控制点应为 {{\"x\", \"y\", \"lon\", \"lat\"}} 四个有限数值 (control point {i} "
                         "needs finite x, y, lon, lat)") from None
        out.append(ControlPoint(*nums))
    if len(out) < 2:
        raise refuse(f"至少需要两个控制点, 实有 {len(out)} 个 (two or more control points needed)")
    return out


def fit_transform(local: np.ndarray, target: np.ndarray, kind: str = "similarity",
                  tolerance_m: float = DEFAULT_TOLERANCE_M) -> Fit:
    """Least-squares fit of ``local`` (n×2 metres) onto ``target`` (n×2 metres). Raises
    InvalidInput (field ``control_points``) for too few, coincident or collinear points, a residual
    above ``tolerance_m`` or a scale other than 1 ± 5 %."""
    def refuse(message: str) -> InvalidInput:
        return InvalidInput(message, [{"field": "control_points", "message": message}])

    n = len(local)
    x, y = local[:, 0], local[:, 1]
    one, zero = np.ones(n), np.zeros(n)
    if kind == "similarity":
        need = 2
        design = np.vstack([np.column_stack([x, -y, one, zero]), np.column_stack([y, x, zero, one])])
        rhs = np.concatenate([target[:, 0], target[:, 1]])
        unknowns = 4
    elif kind == "affine":
        need = 3
        design = np.column_stack([x, y, one])
        rhs = target
        unknowns = 3
    else:
        raise InvalidInput(f"transform 应为 similarity 或 affine, 实为 {kind!r}",
                           [{"field": "transform", "message": "similarity | affine"}])
    if n < need:
        raise refuse(f"{kind} 变换至少需要 {need} 个控制点, 实有 {n} 个 (needs {need} control points)")
    if np.linalg.matrix_rank(design) < unknowns:
        raise refuse("控制点的图纸坐标重合或共线, 无法确定变换 (control points coincide or are collinear in the "
                     "drawing)")
    solution, *_ = np.linalg.lstsq(design, rhs, rcond=None)
    if kind == "similarity":
        params = [float(v) for v in solution]
        a, b = params[0], params[1]
        scale, rotation = math.hypot(a, b), math.degrees(math.atan2(b, a))
    else:
        params = [float(v) for v in (*solution[:, 0], *solution[:, 1])]
        a, b, _, d, e, _ = params
        scale, rotation = math.sqrt(abs(a * e - b * d)), math.degrees(math.atan2(d, a))
    fit = Fit(kind, params, scale, rotation, [], 0.0, 0.0, tolerance_m, n > need)
    res = np.hypot(*(fit.apply(local) - target).T)
    fit.residuals_m = [round(float(r), 4) for r in res]
    fit.rms_m = round(float(np.sqrt(np.mean(res ** 2))), 4)
    fit.max_m = round(float(res.max()), 4)
    if fit.max_m > tolerance_m:
        worst = int(res.argmax()) + 1
        raise refuse(f"控制点残差过大: 最大 {fit.max_m:.2f} m (第 {worst} 个控制点), 超过允许的 {tolerance_m:g} m; "
                     f"中误差 {fit.rms_m:.2f} m; 各点残差 (m): {', '.join(f'{r:.2f}' for r in res)} (control point "
                     f"residual {fit.max_m:.2f} m exceeds the {tolerance_m:g} m tolerance: check the points)")
    if abs(scale - 1) > SCALE_TOLERANCE:
        hint = ""
        if 0.0008 < scale < 0.0012:
            hint = ": 图纸可能以毫米绘制 (the drawing seems to be in millimetres; set $INSUNITS = 4)"
        elif 800 < scale < 1200:
            hint = ": 图纸可能以千米绘制 (the drawing seems to be in kilometres)"
        raise refuse(f"拟合比例为 {scale:.4g}, 应接近 1 (fitted scale {scale:.4g}, expected about 1){hint}; "
                     "控制点是否对应正确? (are the control points matched correctly?)")
    return fit


class Georeference:
    """Drawing metres → EPSG:4326, through the fit in a transverse Mercator plane on the points."""

    def __init__(self, points: list[ControlPoint], scrs: SourceCRS, kind: str, tolerance_m: float,
                 unit_factor: float):
        project = Reprojector(scrs)
        lonlat = []
        for i, p in enumerate(points, 1):
            g, reason = project(shapely.Point(p.lon, p.lat))
            if g is None:   # the reprojector gives either a geometry or the reason it has none
                reason = reason or "坐标无法转换 (cannot be transformed)"
                raise InvalidInput(f"第 {i} 个控制点: {reason}", [{"field": "control_points", "message": reason}])
            lonlat.append((g.x, g.y))
        ll = np.array(lonlat)
        lon0, lat0 = ll.mean(axis=0)
        tm = CRS.from_proj4(f"+proj=tmerc +lat_0={lat0} +lon_0={lon0} +k=1 +x_0=0 +y_0=0 +ellps=WGS84 +units=m")
        to_tm = Transformer.from_crs(CRS.from_epsg(4326), tm, always_xy=True)
        self._to_lonlat = Transformer.from_crs(tm, CRS.from_epsg(4326), always_xy=True)
        target = np.column_stack(to_tm.transform(ll[:, 0], ll[:, 1]))
        self.unit_factor = unit_factor
        local = np.array([(p.x, p.y) for p in points]) * unit_factor
        self.fit = fit_transform(local, target, kind, tolerance_m)
        self.notes = [n for n in project.notes() if "未声明" not in n]

    def __call__(self, g: shapely.Geometry) -> shapely.Geometry:
        def f(xy: np.ndarray) -> np.ndarray:
            e_n = self.fit.apply(xy * self.unit_factor)
            return np.column_stack(self._to_lonlat.transform(e_n[:, 0], e_n[:, 1]))
        return shapely.transform(g, f)

    def report(self) -> dict:
        return {**self.fit.as_dict(), "unit_factor": self.unit_factor, "notes": self.notes}


# ------------------------------------------------------------------------------------------------
# reading
# ------------------------------------------------------------------------------------------------


def layer_kind(layer: str) -> str | None:
    """The area kind a layer name stands for, by the default names (see the module docstring)."""
    name = layer.strip().lower()
    tokens = {name, *re.split(r"[\s_\-.|/:]+", name)}
    tokens |= {re.sub(r"(边界|轮廓|范围|线)$", "", t) for t in tokens}
    for kind, words in LAYER_KINDS:
        if tokens & set(words):
            return kind
    return None


class _TooMany(TooLarge):
    """The drawing holds more than the limits above (413, refused before or while it is read)."""


def _too_many(what_zh: str, what: str, limit: int) -> _TooMany:
    message = (f"DXF 图纸{what_zh}过多, 超过上限 {limit} 个: 请只保留区域边界与标注所在的图层 (如 厂区/车间/装置/岗位/"
               f"建筑) 后另存为 DXF 再上传 (the drawing has too many {what}, more than {limit}: keep only the layers "
               "of the area boundaries and their labels, save as DXF and upload again)")
    return _TooMany(message, [{"field": "file", "message": message}])


#: A record's start: group code 0 and the record type, as tag lines of an ASCII DXF, or as the
#: little-endian code 0 and a NUL-terminated name in a binary one.
_RECORD = re.compile(rb"^[ \t]*0\r?\n[A-Z_][A-Za-z0-9_]*\r?$", re.M)
_BINARY_RECORD = re.compile(rb"\x00\x00[A-Z_][A-Z0-9_]+\x00")
_BINARY_SENTINEL = b"AutoCAD Binary DXF"


def check_record_count(data: bytes, limit: int | None = None) -> None:
    """Refuse a drawing of more than ``limit`` records (:data:`MAX_RECORDS`), counted in its bytes
    without building the drawing."""
    limit = MAX_RECORDS if limit is None else limit
    pattern = _BINARY_RECORD if data.startswith(_BINARY_SENTINEL) else _RECORD
    for n, _ in enumerate(pattern.finditer(data), 1):
        if n > limit:
            raise _too_many("对象", "objects", limit)


def _entities(layout, depth: int = 0, seen: list[int] | None = None):
    """The entities of ``layout`` with blocks exploded (4 levels deep), at most :data:`MAX_ENTITIES`."""
    seen = [0] if seen is None else seen

    def count(n: int) -> None:
        seen[0] += n
        if seen[0] > MAX_ENTITIES:
            raise _too_many("图元 (含展开的图块)", "entities, blocks exploded", MAX_ENTITIES)

    for e in layout:
        if e.dxftype() == "INSERT" and depth < 4:
            room = MAX_ENTITIES - seen[0] + 1   # one block reference (a MINSERT array) may give millions
            try:
                inner = list(itertools.islice(e.virtual_entities(), room))
            except Exception:  # noqa: BLE001 - a broken block reference is skipped, never fatal
                continue
            if len(inner) >= room:
                count(len(inner))
            yield from _entities(inner, depth + 1, seen)
        else:
            count(1)
            yield e


def _flat(path, tol: float) -> list[tuple[float, float]]:
    """The vertices of ``path`` flattened within ``tol``; ValueError when there would be more than
    :data:`MAX_VERTICES` (an arc far larger than a plant)."""
    pts = [(v.x, v.y) for v in itertools.islice(path.flattening(tol), MAX_VERTICES + 1)]
    if len(pts) > MAX_VERTICES:
        raise ValueError(f"边界顶点过多 (超过 {MAX_VERTICES} 个): 圆弧过大或图纸单位有误 (more than {MAX_VERTICES} "
                         "vertices: an arc far too large, or wrong drawing units)")
    return pts


def _polygon_of(e, tol: float) -> tuple[shapely.Geometry | None, str | None]:
    """The polygon of a boundary entity in drawing units, or the reason there is none."""
    import ezdxf.path

    kind = e.dxftype()
    if kind == "HATCH":
        polys = []
        for p in ezdxf.path.from_hatch(e):
            pts = _flat(p, tol)
            if len(pts) >= 3:
                polys.append(shapely.Polygon(pts))
        if not polys:
            return None, "填充 (HATCH) 没有可用的边界 (no boundary path)"
        g = polys[0]
        for p in polys[1:]:
            g = g.symmetric_difference(p)
        return g, None
    if kind == "POLYLINE" and not (e.is_2d_polyline or e.is_3d_polyline):
        return None, "多面网格不是区域边界 (a polyface/mesh is not a boundary)"
    closed = e.closed if kind == "LWPOLYLINE" else e.is_closed
    pts = _flat(ezdxf.path.make_path(e), tol)
    if not closed and not (len(pts) >= 4 and math.dist(pts[0], pts[-1]) <= 1e-9):
        return None, ("多段线未闭合: 区域边界必须是闭合多段线 (polyline is not closed: an area boundary must be "
                      "closed)")
    if len(pts) < 4:
        return None, f"多段线只有 {len(pts)} 个顶点, 不能构成面 (too few vertices for a polygon)"
    return shapely.Polygon(pts), None


def _texts(entities) -> list[tuple[float, float, float, str]]:
    out = []
    for e in entities:
        t = e.dxftype()
        try:
            if t == "TEXT":
                p, h, s = e.dxf.insert, e.dxf.height, e.plain_text()
            elif t == "MTEXT":
                p, h, s = e.dxf.insert, e.dxf.char_height, e.plain_text()
            else:
                continue
        except Exception:  # noqa: BLE001 - an unreadable label is skipped
            continue
        s = " ".join(s.split())
        if s:
            out.append((p.x, p.y, float(h or 0), s))
    return out


def read_dxf(data: bytes, *, control_points: Any, scrs: SourceCRS, layer_map: dict[str, str] | None,
             transform: str = "similarity", tolerance_m: float = DEFAULT_TOLERANCE_M) -> Source:
    """Areas of a DXF drawing with their kind/code/name, georeferenced to EPSG:4326.

    ``layer_map`` values must already be area-kind codes. Raises InvalidInput for an unreadable
    drawing or a bad georeference; per-boundary problems stay on the features."""
    from ezdxf import recover

    points = parse_control_points(control_points)
    check_record_count(data)
    try:
        doc, auditor = recover.read(io.BytesIO(data))
        entities = list(_entities(doc.modelspace()))
        units = int(doc.header.get("$INSUNITS", 0) or 0)
    except _TooMany:
        raise
    except Exception as exc:  # noqa: BLE001 - ezdxf reports damage with many exception types
        message = f"无法读取 DXF 图纸, 文件可能已损坏或不是 DXF (cannot read the DXF drawing): {exc}"
        raise InvalidInput(message, [{"field": "file", "message": message}]) from None
    warnings: list[str] = []
    if units in (1, 2, 4, 5, 6, 7):
        from ezdxf.enums import InsertUnits
        from ezdxf.units import conversion_factor

        factor = conversion_factor(InsertUnits(units), InsertUnits.Meters)
    else:
        factor = 1.0
        warnings.append(f"图纸单位 $INSUNITS={units} ({_UNIT_NAMES.get(units, '其他')}), 按米处理 (drawing units "
                        "taken as metres)")
    georef = Georeference(points, scrs, transform, tolerance_m, factor)
    if not georef.fit.redundant:
        warnings.append("控制点数量刚好够确定变换, 无法检验残差: 建议再加一个控制点 (no redundant control point: "
                        "the residual cannot be checked; add one more)")

    mapping = {k.strip().lower(): v for k, v in (layer_map or {}).items()}
    ignored: dict[str, int] = {}
    boundaries = []
    for e in entities:
        layer = str(e.dxf.get("layer", "0"))
        kind = mapping.get(layer.lower()) if layer_map else layer_kind(layer)
        if kind is None:
            if e.dxftype() in ("LWPOLYLINE", "POLYLINE", "HATCH"):
                ignored[layer] = ignored.get(layer, 0) + 1
            continue
        if e.dxftype() not in ("LWPOLYLINE", "POLYLINE", "HATCH"):
            if e.dxftype() not in ("TEXT", "MTEXT", "POINT", "DIMENSION"):
                ignored[f"{layer} {e.dxftype()}"] = ignored.get(f"{layer} {e.dxftype()}", 0) + 1
            continue
        try:
            poly, err = _polygon_of(e, FLATTEN_M / factor)
        except Exception as exc:  # noqa: BLE001 - a damaged entity is an error of that feature
            poly, err = None, f"图形无法读取 (entity cannot be read): {exc}"
        boundaries.append((e, layer, kind, poly, err))
    if ignored:
        warnings.append("忽略的图层/对象 (ignored layers/entities): "
                        + "、".join(f"{k} ×{v}" for k, v in sorted(ignored.items())))
    if not boundaries:
        names = sorted({str(e.dxf.get("layer", "0")) for e in entities})
        message = ("图纸中没有区域边界: 区域应为 厂区/车间/装置/岗位/建筑 图层上的闭合多段线或填充, 或用 layer_map "
                   f"指定图层 (no area boundaries found: map layers to kinds with layer_map); 图层 (layers): "
                   f"{'、'.join(names) or '无'}")
        raise InvalidInput(message, [{"field": "layer_map", "message": message}])

    texts = _texts(entities)
    # Each label belongs to the smallest boundary containing it (a spatial index: labels × boundaries
    # pairs would be quadratic in the size of the drawing).
    valid = [i for i, (_, _, _, poly, _) in enumerate(boundaries) if poly is not None and poly.is_valid]
    labels: dict[int, list[tuple[float, str]]] = {}
    if valid and texts:
        tree = shapely.STRtree([boundaries[i][3] for i in valid])
        points = shapely.points([(x, y) for x, y, _, _ in texts])
        best: dict[int, tuple[float, int]] = {}
        for t, k in tree.query(points, predicate="within").T.tolist():
            i = valid[k]
            best[t] = min(best.get(t, (math.inf, i)), (boundaries[i][3].area, i))
        for t in sorted(best):
            labels.setdefault(best[t][1], []).append(texts[t][2:])

    features: list[Feature] = []
    counters: dict[str, int] = {}
    for n, (e, layer, kind, poly, err) in enumerate(boundaries):
        where = Where(n + 1, handle=str(e.dxf.handle), layer=layer)
        attrs: dict[str, Any] = {"kind": kind}
        found = labels.get(n, [])
        coded = [s for _, s in found if _LABEL.match(s)]
        text = coded[0] if coded else (max(found)[1] if found else None)
        if text:
            m = _LABEL.match(text)
            attrs["code"], attrs["name"] = (m.group(1), m.group(2)) if m else (None, text)
        if text and attrs.get("code") is None:
            counters[kind] = counters.get(kind, 0) + 1
            attrs["code"] = f"{AUTO_PREFIX[kind]}{counters[kind]}"
            attrs["code_auto"] = True
        geom = None
        if poly is not None and err is None:
            err = invalid_reason(poly)
            if err:
                err += " (图纸坐标 drawing coordinates)"
            else:
                geom = georef(poly)
        features.append(Feature(where, attrs, geom, err, check_attrs=geom is not None,
                                hint=None if text else "边界内没有文字标注, 请在图形内加 '编号 名称' 文字 (no label "
                                "inside the boundary: add a text 'CODE name')"))
    if counters:
        warnings.append("部分区域标注没有编号, 已自动编号 (labels without a code were numbered automatically): "
                        + "、".join(f"{AUTO_PREFIX[k]}1…{AUTO_PREFIX[k]}{v}" for k, v in counters.items()))
    if auditor.has_errors:
        warnings.append(f"DXF 文件有 {len(auditor.errors)} 处结构问题, 已自动修复后读取 (structural problems repaired "
                        "on reading)")
    return Source("dxf", features, ["kind", "code", "name"], CRS.from_epsg(4326), "georeferenced",
                  warnings=warnings, georeference=georef.report())
