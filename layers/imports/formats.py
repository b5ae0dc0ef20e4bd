"""The file formats an import reads: the one registry of them.

Each :class:`Format` says what it is called, which file extensions it has, how to recognise its bytes
when the name says nothing, and how to read it into a :class:`~layers.imports.source.Source`. The list
of accepted files in error messages, the detection of an upload's format and the choice of its reader
all follow from :data:`FORMATS`; which targets take which formats is said in :mod:`layers.imports`.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from layers.errors import InvalidInput
from layers.imports import source
from layers.imports.problems import UnsupportedFormat
from layers.imports.source import Source


@dataclass(frozen=True)
class ReadArgs:
    """What a reader may need beyond the bytes."""

    layer: str | None = None                          # GeoPackage layer, Shapefile in the zip, Excel sheet
    known: set[str] = field(default_factory=set)      # column names the target understands (CSV, Excel)


@dataclass(frozen=True)
class Format:
    name: str                                         # the code: "geojson", "gpkg", …
    title: str                                        # as the user sees it: "GeoJSON", "Shapefile (.zip)"
    extensions: tuple[str, ...]                       # lower case, with the dot; the first is the usual one
    sniff: Callable[[bytes], bool] | None             # True for the first bytes of such a file
    read: Callable[[bytes, ReadArgs], Source] | None  # None: read on its own path (DXF: control points)

    @property
    def listed(self) -> str:
        """How the list of accepted files names it: ``GeoJSON (.geojson/.json)``."""
        return f"{self.title.split(' (')[0]} ({'/'.join(self.extensions)})"


def _is_zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


def _zip_names(data: bytes) -> list[str] | None:
    """The members of a zip archive; None when ``data`` is not one that opens."""
    if not _is_zip(data):
        return None
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return z.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None


def _is_workbook(data: bytes) -> bool:
    names = _zip_names(data)
    return names is not None and "xl/workbook.xml" in names


def _is_zipped_shapefile(data: bytes) -> bool:
    """Any other zip: a Shapefile's parts (its reader says what is missing)."""
    names = _zip_names(data)
    return names is not None and "xl/workbook.xml" not in names


def _is_json(data: bytes) -> bool:
    return data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"[")


def _is_dxf(data: bytes) -> bool:
    return re.match(rb"\s*0\s*\r?\n\s*SECTION", data[:512]) is not None


#: Every format read, in the order the accepted files are listed.
FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("geojson", "GeoJSON", (".geojson", ".json"), _is_json, lambda d, a: source.read_geojson(d)),
    Format("gpkg", "GeoPackage", (".gpkg",), lambda d: d.startswith(b"SQLite format 3\x00"),
           lambda d, a: source.read_gpkg(d, a.layer)),
    Format("shapefile", "Shapefile (.zip)", (".zip",), _is_zipped_shapefile,
           lambda d, a: source.read_shapefile_zip(d, a.layer)),
    Format("dxf", "DXF", (".dxf",), _is_dxf, None),
    Format("csv", "CSV", (".csv", ".txt"), None, lambda d, a: source.read_csv(d, a.known)),
    Format("excel", "Excel (.xlsx)", (".xlsx", ".xlsm"), _is_workbook, lambda d, a: source.read_excel(d, a.known, a.layer)),
)}

#: The accepted files, as error messages list them.
SUPPORTED = ", ".join(f.listed for f in FORMATS.values())

#: Files that are recognised by their extension and refused with what to do instead.
REFUSED_EXTENSIONS = {
    ".xls": "旧版 .xls 工作簿不受支持: 请在 Excel/WPS 中另存为 .xlsx (legacy .xls is not supported: save as .xlsx)",
    ".dwg": "DWG 图纸不受支持: 请在 CAD 中另存为 DXF (DWG is not supported: save the drawing as DXF)",
    ".shp": "Shapefile 请将 .shp/.shx/.dbf/.prj 一起打包为 .zip 上传 (upload a Shapefile as a .zip of "
            ".shp/.shx/.dbf/.prj)",
    ".shx": "Shapefile 请打包为 .zip 上传 (upload a Shapefile as a .zip)",
    ".dbf": "Shapefile 请打包为 .zip 上传 (upload a Shapefile as a .zip)",
    ".kml": "KML 不受支持: 请转换为 GeoJSON 或 GeoPackage (KML is not supported)",
    ".kmz": "KMZ 不受支持: 请转换为 GeoJSON 或 GeoPackage (KMZ is not supported)",
}


def detect_format(filename: str | None, data: bytes) -> str:
    """The format of an upload, by its extension, else by its first bytes. Raises
    :class:`UnsupportedFormat` (415) for a type that is not read, InvalidInput for an empty file."""
    if not data:
        raise InvalidInput("文件为空 (empty file)", [{"field": "file", "message": "文件为空 (empty file)"}])
    suffix = Path(filename or "").suffix.lower()
    if suffix in REFUSED_EXTENSIONS:
        raise UnsupportedFormat(REFUSED_EXTENSIONS[suffix], [{"field": "file", "message": REFUSED_EXTENSIONS[suffix]}])
    for f in FORMATS.values():
        if suffix in f.extensions:
            return f.name
    for f in FORMATS.values():
        if f.sniff is not None and f.sniff(data):
            return f.name
    message = (f"不支持的文件类型 {suffix or '(无扩展名)'} (unsupported file type); 支持 (supported): {SUPPORTED}")
    raise UnsupportedFormat(message, [{"field": "file", "message": message}])


def title(name: str) -> str:
    """The title of the format ``name`` as the user sees it."""
    return FORMATS[name].title
