"""The coordinate reference system of an import, and every geometry brought to EPSG:4326 with the
checks that catch a wrong CRS: finite coordinates, valid geometry, lon/lat in range, inside China
(and the hint when swapping lat and lon would put it there).

* Declared by the caller (``crs``: ``EPSG:4549``, ``4326``, ``GCJ-02``, …) or read from the file
  (.prj of a Shapefile, the srs of a GeoPackage layer, the ``crs`` member of a GeoJSON). When both
  are present they must agree, except that GCJ-02 may be declared for a file labelled WGS84 (files
  exported from Amap/Tencent are labelled so). Without either, lon/lat are taken as WGS84 (RFC 7946
  says so for GeoJSON).
* CGCS2000 (EPSG:4490, and projected CRSs on it such as EPSG:4549) is treated as WGS84: the two
  frames agree to centimetres (docs/domain.md §8), so coordinates are unprojected to CGCS2000 lon/lat and
  stored as they are, with no datum shift.
* GCJ-02 is never guessed: only a caller who declares it gets :mod:`db.coords`' inverse transform.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from db.coords import geometry_gcj02_to_wgs84
from layers.errors import InvalidInput
from layers.imports.problems import Problems
from layers.imports.source import Feature, Source

_GCJ02 = {"gcj02", "gcj-02", "gcj_02", "gcj", "火星坐标", "火星坐标系", "高德", "amap"}
_BD09 = {"bd09", "bd-09", "bd_09", "baidu", "百度"}

#: Mainland China with Hainan, Taiwan and the South China Sea islands (曾母暗沙 ~3.9°N, 漠河 ~53.6°N,
#: 帕米尔 ~73.5°E, 黑瞎子岛 ~135.1°E), with half a degree of margin: a plausibility check, not a border.
CHINA_BBOX = (73.0, 3.4, 135.6, 54.0)

CGCS2000_NOTE = ("CGCS2000 (EPSG:4490) 按 WGS84 (EPSG:4326) 处理: 两者相差在厘米级 (CGCS2000 is treated as "
                 "WGS84: the two agree to centimetres)")
GCJ02_NOTE = "GCJ-02 坐标已转换为 WGS84 (GCJ-02 coordinates converted to WGS84)"


@dataclass(frozen=True)
class SourceCRS:
    crs: CRS | None      # None for GCJ-02 (lon/lat on the offset grid)
    gcj02: bool = False
    origin: str = "declared"   # "declared", ".prj", "GeoPackage srs", "GeoJSON crs", "default"

    @property
    def label(self) -> str:
        if self.gcj02:
            return "GCJ-02"
        return crs_label(self.crs)

    @property
    def geographic(self) -> bool:
        return self.gcj02 or bool(self.crs and self.crs.is_geographic)

    @property
    def cgcs2000(self) -> bool:
        return self.crs is not None and _is_cgcs2000(self.crs)


def crs_label(crs: CRS | None) -> str:
    if crs is None:
        return "?"
    epsg = crs.to_epsg(min_confidence=70)
    return f"EPSG:{epsg}" if epsg else crs.name


def _datum_name(crs: CRS) -> str:
    """The name of the geodetic datum of ``crs`` ("" when it has none)."""
    datum = crs.geodetic_crs.datum if crs.geodetic_crs else None
    return datum.name if datum is not None else ""


def _is_cgcs2000(crs: CRS) -> bool:
    datum = _datum_name(crs)
    return "China 2000" in datum or "CGCS2000" in datum or "CGCS 2000" in datum


def _is_wgs84(crs: CRS) -> bool:
    datum = _datum_name(crs)
    return "World Geodetic System 1984" in datum or "WGS_1984" in datum or "WGS 84" in datum


def parse_declared(text: str | None) -> SourceCRS | None:
    """The CRS a caller declared, or None. Raises InvalidInput (field ``crs``) when unknown."""
    if text is None or not text.strip():
        return None
    t = text.strip()
    key = t.lower().replace(" ", "")
    if key in _GCJ02:
        return SourceCRS(None, gcj02=True)
    if key in _BD09:
        message = ("不支持百度 BD-09 坐标: 请先转换为 GCJ-02 或 WGS84 (Baidu BD-09 is not supported: convert to "
                   "GCJ-02 or WGS84 first)")
        raise InvalidInput(message, [{"field": "crs", "message": message}])
    if t.isdigit():
        t = f"EPSG:{t}"
    try:
        crs = CRS.from_user_input(t)
    except CRSError:
        message = (f"无法识别的坐标系 {text!r} (unknown CRS): 应为 EPSG 代码如 EPSG:4326、EPSG:4490、EPSG:4549、"
                   "EPSG:32650, 或 GCJ-02")
        raise InvalidInput(message, [{"field": "crs", "message": message}]) from None
    if not (crs.is_geographic or crs.is_projected):
        message = f"坐标系 {crs_label(crs)} 既不是地理坐标系也不是投影坐标系 (neither geographic nor projected)"
        raise InvalidInput(message, [{"field": "crs", "message": message}])
    return SourceCRS(crs)


def _same(a: CRS, b: CRS) -> bool:
    if a.equals(b, ignore_axis_order=True):
        return True
    if a.is_geographic and b.is_geographic:
        # WGS84 and CGCS2000 lon/lat are one frame to centimetres (and a .prj rarely says which).
        return (_is_wgs84(a) or _is_cgcs2000(a)) and (_is_wgs84(b) or _is_cgcs2000(b))
    return crs_label(a) == crs_label(b) != "?"


def resolve(declared: SourceCRS | None, source: Source) -> SourceCRS:
    """The CRS to read ``source`` in. Raises InvalidInput when the declaration contradicts the file."""
    file_crs = source.crs
    if declared is not None and file_crs is not None:
        if declared.gcj02:
            if file_crs.is_geographic:
                return declared
        elif declared.crs is None:
            raise RuntimeError(f"声明的坐标系 {declared.label} 不是 GCJ-02 却没有 CRS (a declared CRS other than "
                               "GCJ-02 must carry one)")
        elif _same(declared.crs, file_crs):
            return declared
        message = (f"声明的坐标系 {declared.label} 与文件中的坐标系 {crs_label(file_crs)} (来自 {source.crs_origin}) "
                   f"不一致 (declared CRS {declared.label} contradicts the file's {crs_label(file_crs)}); "
                   "请核对或不声明坐标系以使用文件中的 (check it, or leave crs empty to use the file's)")
        raise InvalidInput(message, [{"field": "crs", "message": message}])
    if declared is not None:
        return declared
    if file_crs is not None:
        return SourceCRS(file_crs, origin=source.crs_origin or "file")
    return SourceCRS(CRS.from_epsg(4326), origin="default")


# ------------------------------------------------------------------------------------------------
# checks and reprojection
# ------------------------------------------------------------------------------------------------

_REASONS = {
    "Self-intersection": "自相交 (self-intersection)",
    "Ring Self-intersection": "环自相交 (ring self-intersection)",
    "Too few points": "点数过少 (too few points)",
    "Hole lies outside shell": "内环位于外环之外 (hole outside the shell)",
    "Nested shells": "外环嵌套 (nested shells)",
    "Interior is disconnected": "内部不连通 (interior is disconnected)",
    "Nested holes": "内环嵌套 (nested holes)",
    "Duplicate Rings": "重复的环 (duplicate rings)",
    "Invalid Coordinate": "坐标无效 (invalid coordinate)",
}


def invalid_reason(g: shapely.Geometry) -> str | None:
    """None for a valid geometry, else GEOS's reason in Chinese with English, with its location."""
    if g.is_valid:
        return None
    reason = shapely.is_valid_reason(g)
    for en, zh in sorted(_REASONS.items(), key=lambda kv: -len(kv[0])):
        if reason.startswith(en):
            return f"几何无效: {zh} 位于 (at) {reason[len(en):].strip('[] ') or '?'}"
    return f"几何无效 (invalid geometry): {reason}"


def _inside(bounds: tuple[float, float, float, float], box: tuple[float, float, float, float]) -> bool:
    x0, y0, x1, y1 = bounds
    return x0 >= box[0] and y0 >= box[1] and x1 <= box[2] and y1 <= box[3]


def _swapped(bounds: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = bounds
    return (y0, x0, y1, x1)


def _lonlat_problem(g: shapely.Geometry, label: str) -> str | None:
    """For lon/lat input: out of range, swapped, or outside China."""
    b = g.bounds
    if _inside(b, CHINA_BBOX):
        return None
    if _inside(_swapped(b), CHINA_BBOX):
        return (f"坐标 ({b[0]:.6g}, {b[1]:.6g}) 不在中国境内, 经纬度交换后在: 经度与纬度是否颠倒? "
                f"(lat/lon swapped? swapping them puts the feature in China)")
    if not _inside(b, (-180, -90, 180, 90)):
        if max(abs(b[0]), abs(b[2])) > 1000 or max(abs(b[1]), abs(b[3])) > 1000:
            return (f"坐标 ({b[0]:.6g}, {b[1]:.6g}) 超出经纬度范围, 看起来是投影坐标 (米): 请声明坐标系, 如 "
                    f"EPSG:4549 或 EPSG:32650 (coordinates out of lon/lat range: they look projected; declare the "
                    f"CRS); 当前按 {label} 读取")
        return f"坐标 ({b[0]:.6g}, {b[1]:.6g}) 超出经纬度范围 (coordinates out of lon/lat range), 坐标系 {label}"
    return (f"坐标 ({b[0]:.6g}, {b[1]:.6g}) 位于中国范围之外 (outside China): 坐标系 {label} 是否正确? "
            "(wrong CRS?)")


class Reprojector:
    """Brings geometries of one :class:`SourceCRS` to EPSG:4326, checking each on the way."""

    def __init__(self, scrs: SourceCRS):
        self.scrs = scrs
        self.transformer: Transformer | None = None
        if scrs.crs is not None and scrs.crs.is_projected:
            # Unproject to the CRS's own lon/lat; for CGCS2000 and WGS84 that is the stored frame.
            target = scrs.crs.geodetic_crs if (_is_cgcs2000(scrs.crs) or _is_wgs84(scrs.crs)) else CRS.from_epsg(4326)
            self.transformer = Transformer.from_crs(scrs.crs, target, always_xy=True)
        elif scrs.crs is not None and not (_is_cgcs2000(scrs.crs) or _is_wgs84(scrs.crs)):
            self.transformer = Transformer.from_crs(scrs.crs, CRS.from_epsg(4326), always_xy=True)

    def notes(self) -> list[str]:
        out = []
        if self.scrs.cgcs2000:
            out.append(CGCS2000_NOTE)
        if self.scrs.gcj02:
            out.append(GCJ02_NOTE)
        if self.scrs.origin == "default":
            out.append("未声明坐标系, 按 WGS84 经纬度 (EPSG:4326) 读取 (no CRS declared or in the file: read as "
                       "WGS84 lon/lat)")
        return out

    def __call__(self, g: shapely.Geometry) -> tuple[shapely.Geometry | None, str | None]:
        """(geometry in EPSG:4326, None) or (None, the reason it was refused)."""
        if g.is_empty:
            return None, "几何为空 (empty geometry)"
        coords = shapely.get_coordinates(g)
        if not np.isfinite(coords).all():
            return None, "坐标含 NaN 或无穷大 (NaN or infinite coordinates)"
        reason = invalid_reason(g)
        if reason:
            return None, reason
        label = self.scrs.label
        if self.scrs.geographic:
            problem = _lonlat_problem(g, label)
            if problem:
                return None, problem
        else:
            b = g.bounds
            if _inside(b, (-180, -90, 180, 90)):
                return None, (f"坐标 ({b[0]:.6g}, {b[1]:.6g}) 像经纬度, 但坐标系 {label} 是投影坐标系 (米) "
                              f"(coordinates look like lon/lat, but {label} is projected): 坐标系是否声明错误?")
        out = g
        if self.transformer is not None:
            out = shapely.transform(g, lambda xy: np.column_stack(self.transformer.transform(xy[:, 0], xy[:, 1])))
            if not np.isfinite(shapely.get_coordinates(out)).all():
                return None, f"坐标无法从 {label} 转换 (cannot be transformed from {label}): 坐标系是否正确?"
            if not _inside(out.bounds, CHINA_BBOX):
                b = out.bounds
                return None, (f"按 {label} 转换后位于中国范围之外 ({b[0]:.4f}, {b[1]:.4f}) (outside China after "
                              f"transformation from {label}): 坐标系是否正确? (wrong CRS?)")
        if self.scrs.gcj02:
            out = geometry_gcj02_to_wgs84(out)
        if out is not g:
            reason = invalid_reason(out)
            if reason:
                return None, f"坐标转换后{reason} (after transformation)"
        return out, None


def to_wgs84(source: Source, scrs: SourceCRS, problems: Problems) -> None:
    """Replace each feature's geometry (and lon/lat point) by its EPSG:4326 version; every refusal is
    reported (field ``geometry``) and leaves the feature without geometry."""
    project = Reprojector(scrs)
    for f in source.features:
        _one(f, project, problems)


def _one(f: Feature, project: Reprojector, problems: Problems) -> None:
    if f.geom is None:
        problems.add(f.geom_error or "要素没有几何 (no geometry)", f.where, "geometry")
        return
    g, reason = project(f.geom)
    f.geom = g
    if reason:
        f.geom_error = reason
        problems.add(reason, f.where, "geometry")
        return
    if f.point is not None:
        p, reason = project(f.point)
        f.point = p
        if reason:
            problems.add(reason, f.where, "经度/纬度 (lon/lat)")
