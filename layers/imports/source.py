"""Reading an uploaded file into features: GeoJSON, GeoPackage and zipped Shapefile through
pyogrio (GDAL), CSV and Excel sheets of points (lon/lat columns) or WKT. DXF drawings are read by
:mod:`layers.imports.dxf`.

Nothing here knows the import targets: a feature is its position as the user sees it, its raw
attributes by column header, and its geometry in the file's own coordinates (or the reason it has
none). Geometries are parsed one feature at a time, so a broken feature is reported by number
instead of failing the whole file.
"""

from __future__ import annotations

import csv
import io
import math
import re
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from layers.errors import InvalidInput
from layers.imports.problems import TooLarge, Where

#: Members of a zipped Shapefile read at most, and the largest total it may unpack to (zip bombs).
MAX_ZIP_MEMBERS = 1000
UNZIP_FACTOR = 10

#: Column names that hold a point's coordinates or a WKT geometry in CSV/Excel (normalised, see
#: :func:`norm_header`).
LON_COLUMNS = ("经度", "lon", "lng", "long", "longitude", "x")
LAT_COLUMNS = ("纬度", "lat", "latitude", "y")
WKT_COLUMNS = ("wkt", "几何", "geometry", "geom", "thegeom", "shape")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass
class Feature:
    where: Where
    attrs: dict[str, Any]             # column header -> value (DXF: canonical keys)
    geom: BaseGeometry | None         # in the source CRS, 2-D
    geom_error: str | None = None     # why there is no geometry
    point: BaseGeometry | None = None  # lon/lat columns, when a WKT column gave ``geom``
    check_attrs: bool = True          # False: only its geometry error is worth reporting (DXF)
    hint: str | None = None           # said when a required value is missing (DXF: no label)


@dataclass
class Source:
    format: str
    features: list[Feature]
    columns: list[str]
    crs: CRS | None = None            # read from the file
    crs_origin: str | None = None     # where it was read: ".prj", "GeoPackage", "GeoJSON crs"
    layer: str | None = None
    geometry_columns: tuple[str, ...] = ()
    warnings: list[str] = field(default_factory=list)
    georeference: dict | None = None  # DXF: the fitted transform and its residuals
    lonlat_columns: bool = False      # CSV/Excel points from lon/lat columns: geographic by nature


def norm_header(h: Any) -> str:
    """A header as compared: no bracketed notes (名称(name) = 名称), no spaces, _ or -, lower case."""
    s = "" if h is None else str(h)
    s = re.sub(r"[（(][^)）]*[)）]", "", s)
    return re.sub(r"[\s_\-—:：*]+", "", s).lower()


def max_upload_bytes() -> int:
    from layers.settings import import_settings

    return int(import_settings().max_upload_mb * 1024 * 1024)


def too_large_message(size: int | None = None) -> str:
    limit = max_upload_bytes() / 1048576
    got = f"{size / 1048576:.1f} MB " if size is not None else ""
    return (f"上传文件 {got}超过 {limit:g} MB 上限 (upload larger than the {limit:g} MB limit; "
            "setting RISKATLAS_MAX_UPLOAD_MB)")


# ------------------------------------------------------------------------------------------------
# cells
# ------------------------------------------------------------------------------------------------


def clean_value(v: Any) -> Any:
    """A cell or attribute as plain Python: numpy scalars unwrapped, NaN → None, dates as ISO text,
    strings stripped (empty → None)."""
    if v is None:
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, bytes):
        v = v.decode("utf-8", "replace")
    if isinstance(v, float) and math.isnan(v):
        return None
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if isinstance(v, str):
        v = v.strip()
        return v or None
    return v


def has_control_chars(s: str) -> bool:
    return bool(_CONTROL.search(s))


# ------------------------------------------------------------------------------------------------
# GIS files through pyogrio
# ------------------------------------------------------------------------------------------------


def _crs_of(text: str | None) -> CRS | None:
    if not text:
        return None
    try:
        return CRS.from_user_input(text)
    except CRSError:
        return None


def _parse_wkb(b: Any) -> tuple[BaseGeometry | None, str | None]:
    if b is None:
        return None, "要素没有几何或几何无法解析 (no geometry, or it could not be parsed)"
    try:
        g = shapely.from_wkb(b)
    except shapely.errors.GEOSException as exc:
        return None, _geos_reason(str(exc))
    if g is None:
        return None, "要素没有几何 (no geometry)"
    return shapely.force_2d(g), None


def _geos_reason(text: str) -> str:
    if "closed linestring" in text or "LinearRing" in text:
        return f"多边形的环未闭合: 首尾坐标应相同 (unclosed polygon ring: first and last points differ) [{text}]"
    return f"几何无法解析 (geometry could not be parsed): {text}"


def _pyogrio_layers(src: Any) -> list[tuple[str, str | None]]:
    import pyogrio

    return [(str(n), g) for n, g in pyogrio.list_layers(src)]


def _choose_layer(layers: list[tuple[str, str | None]], layer: str | None, what: str) -> str:
    spatial = [n for n, g in layers if g]
    if layer:
        if layer not in [n for n, _ in layers]:
            raise InvalidInput(f"{what}中没有图层 {layer!r} (no such layer); 图层 (layers): {'、'.join(spatial)}",
                               [{"field": "layer", "message": f"图层不存在 (no such layer): {layer}"}])
        return layer
    if not spatial:
        raise InvalidInput(f"{what}中没有含几何的图层 (no spatial layer)", [{"field": "file", "message": "no spatial layer"}])
    if len(spatial) > 1:
        message = (f"{what}有 {len(spatial)} 个图层, 请用 layer 参数指定一个 (several layers: choose one with the "
                   f"layer field): {'、'.join(spatial)}")
        raise InvalidInput(message, [{"field": "layer", "message": message}])
    return spatial[0]


def _read_ogr(src: Any, fmt: str, *, layer: str | None = None, crs_origin: str, geojson_crs_member: bool = True
              ) -> Source:
    import pyogrio
    from pyogrio.errors import DataLayerError, DataSourceError

    from layers.imports.formats import title  # the registry reads files through this module

    what = title(fmt)
    try:
        chosen = _choose_layer(_pyogrio_layers(src), layer, what) if fmt == "gpkg" else None
        if hasattr(src, "seek"):
            src.seek(0)
        meta, fids, geoms, values = pyogrio.raw.read(src, layer=chosen, return_fids=True)
    except InvalidInput:
        raise
    except (DataSourceError, DataLayerError) as exc:
        reason = str(exc).replace(str(getattr(src, "name", "")), "").strip()
        message = f"无法读取 {what} 文件, 文件可能已损坏或格式不符 (cannot read the {what} file): {reason}"
        raise InvalidInput(message, [{"field": "file", "message": message}]) from None
    except (RuntimeError, ValueError, OSError) as exc:   # GDAL reports some damage as plain errors
        message = f"无法读取 {what} 文件 (cannot read the {what} file): {exc}"
        raise InvalidInput(message, [{"field": "file", "message": message}]) from None
    columns = [str(c) for c in meta["fields"]]
    features = []
    for i in range(len(geoms)):
        g, err = _parse_wkb(geoms[i])
        attrs = {c: clean_value(values[j][i]) for j, c in enumerate(columns)}
        features.append(Feature(Where(i + 1), attrs, g, err))
    crs = _crs_of(meta.get("crs")) if geojson_crs_member else None
    return Source(fmt, features, columns, crs, crs_origin if crs else None, chosen)


def read_geojson(data: bytes) -> Source:
    # GDAL reports EPSG:4326 for a GeoJSON without a "crs" member (RFC 7946): that is a default, not a
    # declaration, so it must not contradict a CRS the caller declares.
    return _read_ogr(io.BytesIO(data), "geojson", crs_origin="GeoJSON crs", geojson_crs_member=b'"crs"' in data)


def read_gpkg(data: bytes, layer: str | None) -> Source:
    if not data.startswith(b"SQLite format 3\x00"):
        message = "文件不是 GeoPackage (SQLite) 数据库 (not a GeoPackage file)"
        raise InvalidInput(message, [{"field": "file", "message": message}])
    with tempfile.TemporaryDirectory(prefix="riskatlas-import-") as tmp:
        path = Path(tmp) / "upload.gpkg"
        path.write_bytes(data)
        return _read_ogr(str(path), "gpkg", layer=layer, crs_origin="GeoPackage srs")


# -- zipped Shapefile ----------------------------------------------------------------------------


def _unsafe_member(name: str) -> bool:
    """A member name that would land outside the extraction directory (zip slip)."""
    parts = re.split(r"[\\/]+", name)
    return (name.startswith(("/", "\\")) or bool(re.match(r"^[A-Za-z]:", name)) or ".." in parts
            or "\x00" in name)


def _safe_zip(data: bytes) -> zipfile.ZipFile:
    try:
        z = zipfile.ZipFile(io.BytesIO(data))
        infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        message = "文件不是有效的 zip 压缩包 (not a valid zip archive)"
        raise InvalidInput(message, [{"field": "file", "message": message}]) from None
    if len(infos) > MAX_ZIP_MEMBERS:
        raise InvalidInput(f"zip 中文件过多 ({len(infos)} 个, 上限 {MAX_ZIP_MEMBERS}) (too many members)",
                           [{"field": "file", "message": "too many members"}])
    bad = [i.filename for i in infos if _unsafe_member(i.filename)]
    links = [i.filename for i in infos if stat.S_ISLNK(i.external_attr >> 16)]
    if bad or links:
        message = ("zip 中含有指向解压目录之外的路径或符号链接, 拒绝处理 (zip member paths escape the archive or are "
                   f"symbolic links: refused): {', '.join((bad + links)[:5])}")
        raise InvalidInput(message, [{"field": "file", "message": message}])
    if any(i.flag_bits & 0x1 for i in infos):
        message = "zip 已加密, 无法读取 (encrypted zip)"
        raise InvalidInput(message, [{"field": "file", "message": message}])
    return z


def _damaged(name: str, reason: str) -> InvalidInput:
    message = (f"zip 中的文件 {name} 已损坏, 无法解压: {reason}; 请重新下载或重新打包 (a member of the zip is damaged "
               f"and cannot be unpacked: download or pack it again)")
    return InvalidInput(message, [{"field": "file", "message": message}])


def _lying_size(info: zipfile.ZipInfo) -> bool:
    """A member whose compressed data are larger than what its header says they unpack to: the
    header lies (compression never grows data by more than a few bytes a block), as in a zip bomb
    made to pass a check of the declared sizes."""
    return info.compress_size > info.file_size * 1.01 + 1024


def _extract(z: zipfile.ZipFile, info: zipfile.ZipInfo, dest: Path, budget: list[int]) -> None:
    """Copy one member, counting the bytes really produced (the sizes in a zip can lie). A damaged
    member (CRC mismatch, broken compressed stream, unknown method) is the file's fault: 422."""
    try:
        with z.open(info) as src, open(dest, "wb") as out:
            while chunk := src.read(1 << 20):
                budget[0] -= len(chunk)
                if budget[0] < 0:
                    break
                out.write(chunk)
    except zipfile.BadZipFile as exc:   # zipfile says "Bad CRC-32 for file …" on a checksum mismatch
        reason = "CRC 校验和不符 (CRC mismatch)" if "CRC" in str(exc) else f"{exc}"
        raise _damaged(info.filename, reason) from None
    except (zlib.error, EOFError) as exc:
        raise _damaged(info.filename, f"压缩数据无效 (invalid compressed data: {exc})") from None
    except NotImplementedError as exc:
        raise _damaged(info.filename, f"不支持的压缩方法 (unsupported compression method: {exc})") from None
    if budget[0] < 0:
        raise TooLarge(f"zip 解压后超过 {UNZIP_FACTOR} 倍上传上限, 拒绝处理 (zip unpacks to more than "
                       f"{UNZIP_FACTOR}× the upload limit: refused as a zip bomb)",
                       [{"field": "file", "message": "zip bomb"}])


def read_shapefile_zip(data: bytes, layer: str | None) -> Source:
    z = _safe_zip(data)
    limit = UNZIP_FACTOR * max_upload_bytes()
    with z:
        infos = [i for i in z.infolist() if not i.is_dir()
                 and not PurePosixPath(i.filename.replace("\\", "/")).name.startswith(".")
                 and not i.filename.startswith("__MACOSX")]
        lying = [i.filename for i in infos if _lying_size(i)]
        if lying:
            message = (f"zip 中 {'、'.join(lying[:5])} 的头部所记大小与压缩数据不符, 疑为 zip 炸弹, 拒绝处理 (the size "
                       "recorded in the zip does not match the compressed data: refused as a possible zip bomb)")
            raise InvalidInput(message, [{"field": "file", "message": message}])
        if sum(i.file_size for i in infos) > limit:
            raise TooLarge(f"zip 解压后超过 {limit / 1048576:g} MB, 拒绝处理 (zip unpacks to more than the limit: "
                           "refused as a zip bomb)", [{"field": "file", "message": "zip bomb"}])
        by_stem: dict[str, dict[str, zipfile.ZipInfo]] = {}
        for i in infos:
            p = PurePosixPath(i.filename.replace("\\", "/"))
            by_stem.setdefault(str(p.with_suffix("")), {})[p.suffix.lower()] = i
        shapes = sorted(s for s, parts in by_stem.items() if ".shp" in parts)
        if not shapes:
            names = ", ".join(i.filename for i in infos[:10])
            message = f"zip 中没有 .shp 文件 (no .shp in the zip): {names or '空 (empty)'}"
            raise InvalidInput(message, [{"field": "file", "message": message}])
        if layer:
            matches = [s for s in shapes if PurePosixPath(s).name == layer or s == layer]
            if not matches:
                raise InvalidInput(f"zip 中没有图层 {layer!r} (no such layer); 图层 (layers): {'、'.join(shapes)}",
                                   [{"field": "layer", "message": f"no such layer: {layer}"}])
            stem = matches[0]
        elif len(shapes) > 1:
            message = (f"zip 中有 {len(shapes)} 个 Shapefile, 请用 layer 参数指定一个 (several shapefiles: choose one "
                       f"with the layer field): {'、'.join(shapes)}")
            raise InvalidInput(message, [{"field": "layer", "message": message}])
        else:
            stem = shapes[0]
        parts = by_stem[stem]
        missing = [ext for ext in (".shx", ".dbf") if ext not in parts]
        if missing:
            message = (f"Shapefile {stem} 缺少 {'、'.join(missing)} 文件 (missing {', '.join(missing)}): "
                       "请将 .shp/.shx/.dbf/.prj 一起打包")
            raise InvalidInput(message, [{"field": "file", "message": message}])
        warnings = []
        with tempfile.TemporaryDirectory(prefix="riskatlas-import-") as tmp:
            budget = [limit]
            for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg"):
                if ext in parts:
                    _extract(z, parts[ext], Path(tmp) / f"layer{ext}", budget)
            if ".cpg" not in parts:
                encoding = _guess_dbf_encoding(Path(tmp) / "layer.dbf")
                if encoding:
                    (Path(tmp) / "layer.cpg").write_text(encoding)
                    warnings.append(f"Shapefile 没有 .cpg, 属性按 {encoding} 编码读取 (no .cpg: attributes read as "
                                    f"{encoding})")
            source = _read_ogr(str(Path(tmp) / "layer.shp"), "shapefile", crs_origin=".prj")
        source.layer = PurePosixPath(stem).name
        source.warnings.extend(warnings)
        if ".prj" not in parts:
            source.warnings.append("Shapefile 没有 .prj 坐标系文件 (no .prj)")
        return source


def _guess_dbf_encoding(path: Path) -> str | None:
    """For a .dbf with no .cpg and no language driver id: UTF-8 if its bytes decode so, else GBK
    (code page 936: what Chinese desktop GIS wrote for years)."""
    raw = path.read_bytes()
    if len(raw) < 32 or raw[29] != 0:
        return None   # GDAL reads the language driver id itself
    body = raw[32:]
    try:
        body.decode("utf-8")
        return "UTF-8"
    except UnicodeDecodeError:
        return "936"


# ------------------------------------------------------------------------------------------------
# CSV and Excel: one row per feature
# ------------------------------------------------------------------------------------------------


def _header_index(rows: list[list[Any]], known: set[str]) -> int | None:
    """The header row: the first of the first 10 rows naming two or more known columns, else the
    first non-empty row (a title row above the header is common in Chinese spreadsheets)."""
    first = None
    for i, row in enumerate(rows[:10]):
        names = [norm_header(c) for c in row if clean_value(c) is not None]
        if names and first is None:
            first = i
        if sum(n in known for n in names) >= 2:
            return i
    return first


def _number(v: Any) -> float | None:
    if isinstance(v, bool):
        raise ValueError(v)
    if isinstance(v, (int, float)):
        return float(v)
    return float(str(v).strip().replace("，", ".").rstrip("°"))


def _table(rows: list[list[Any]], fmt: str, known: set[str], row_offset: int, layer: str | None) -> Source:
    """Features from a table whose rows are lists of cells; ``row_offset`` turns a list index into
    the row number the user sees."""
    h = _header_index(rows, known)
    if h is None:
        message = "表格为空, 没有表头 (empty sheet: no header row)"
        raise InvalidInput(message, [{"field": "file", "message": message}])
    header = [clean_value(c) for c in rows[h]]
    columns = [str(c) if c is not None else "" for c in header]
    normed = [norm_header(c) for c in columns]

    def find(names: Iterable[str]) -> int | None:
        for n in names:
            if n in normed:
                return normed.index(n)
        return None

    ilon, ilat, iwkt = find(LON_COLUMNS), find(LAT_COLUMNS), find(WKT_COLUMNS)
    if iwkt is None and (ilon is None or ilat is None):
        message = ("缺少坐标列: 需要 经度 和 纬度 (lon/lat) 两列, 或一个 WKT 几何列 (missing coordinate columns: "
                   f"lon and lat, or WKT); 表头 (header): {'、'.join(c for c in columns if c)}")
        raise InvalidInput(message, [{"row": h + row_offset, "field": "经度/纬度 (lon/lat)", "message": message}])
    geometry_columns = tuple(columns[i] for i in (ilon, ilat, iwkt) if i is not None)
    features: list[Feature] = []
    for k, row in enumerate(rows[h + 1:], start=h + 1):
        cells = [clean_value(c) for c in row]
        if all(c is None for c in cells):
            continue
        where = Where(len(features) + 1, row=k + row_offset)
        if len(cells) > len(columns) and any(c is not None for c in cells[len(columns):]):
            features.append(Feature(where, {}, None, f"该行有 {len(cells)} 列, 多于表头的 {len(columns)} 列 "
                                    f"(more cells than header columns): 分隔符或引号是否有误?"))
            continue
        attrs = {c: (cells[j] if j < len(cells) else None) for j, c in enumerate(columns) if c}
        point = geom = None
        err = None
        if ilon is not None and ilat is not None and (attrs.get(columns[ilon]) is not None
                                                      or attrs.get(columns[ilat]) is not None):
            try:
                lon, lat = _number(attrs.get(columns[ilon])), _number(attrs.get(columns[ilat]))
                point = shapely.Point(lon, lat)
            except (TypeError, ValueError):
                err = (f"坐标不是数字 (coordinates are not numbers): 经度 (lon) {attrs.get(columns[ilon])!r}, "
                       f"纬度 (lat) {attrs.get(columns[ilat])!r}")
        if iwkt is not None and attrs.get(columns[iwkt]) is not None:
            text = str(attrs[columns[iwkt]])
            try:
                geom = shapely.force_2d(shapely.from_wkt(text))
            except shapely.errors.GEOSException as exc:
                geom, err = None, _geos_reason(str(exc))
            if geom is None and err is None:
                err = f"WKT 无法解析 (invalid WKT): {text[:60]!r}"
        else:
            geom, point = point, None
        if geom is None and err is None:
            err = "缺少坐标 (no coordinates)"
        features.append(Feature(where, attrs, geom, err, point))
    if not features:
        message = "表格没有数据行 (no data rows)"
        raise InvalidInput(message, [{"row": h + row_offset, "message": message}])
    return Source(fmt, features, [c for c in columns if c], layer=layer, geometry_columns=geometry_columns,
                  lonlat_columns=iwkt is None)


def read_csv(data: bytes, known: set[str]) -> Source:
    warnings = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
            warnings.append("CSV 按 GB18030 (GBK) 编码读取 (read as GB18030)")
        except UnicodeDecodeError:
            message = "CSV 文件编码无法识别: 应为 UTF-8 或 GBK (unknown text encoding)"
            raise InvalidInput(message, [{"field": "file", "message": message}]) from None
    if "\x00" in text:
        message = "文件含有二进制内容, 不是 CSV 文本 (binary content: not a CSV file)"
        raise InvalidInput(message, [{"field": "file", "message": message}])
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t", "，"), key=first.count)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        message = f"CSV 格式错误 (malformed CSV): {exc}"
        raise InvalidInput(message, [{"field": "file", "message": message}]) from None
    source = _table(rows, "csv", known, 1, None)
    source.warnings.extend(warnings)
    return source


def read_excel(data: bytes, known: set[str], sheet: str | None) -> Source:
    # One safe loader of .xlsx for the project: the risk-list import's (size, zip-bomb, legacy .xls).
    from layers.risk_lists.workbook import Errors, load_workbook

    errors = Errors()
    wb = load_workbook(data, errors)
    if wb is None:
        items = [{"field": "file", "message": e["message"]} for e in errors.items]
        raise InvalidInput(items[0]["message"], items)
    if sheet:
        if sheet not in wb.sheetnames:
            raise InvalidInput(f"工作簿中没有工作表 {sheet!r} (no such sheet); 工作表: {'、'.join(wb.sheetnames)}",
                               [{"field": "layer", "message": f"no such sheet: {sheet}"}])
        ws = wb[sheet]
    else:
        ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    return _table(rows, "excel", known, 1, ws.title)
