"""The registry of import formats: detection by extension and by content, and the accepted-file list
that follows from it."""

from __future__ import annotations

import io
import zipfile

import pytest

from layers.errors import InvalidInput
from layers.imports import FORMATS_BY_TARGET
from layers.imports.formats import FORMATS, SUPPORTED, detect_format
from layers.imports.problems import UnsupportedFormat


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


CONTENT = {
    "geojson": b'  {"type": "FeatureCollection", "features": []}',
    "gpkg": b"SQLite format 3\x00" + b"\x00" * 100,
    "shapefile": _zip({"a.shp": b"x", "a.dbf": b"y"}),
    "dxf": b"  0\nSECTION\n  2\nHEADER\n",
    "excel": _zip({"xl/workbook.xml": b"<workbook/>", "[Content_Types].xml": b""}),
}


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_extension_of_a_format_names_it(name):
    for ext in FORMATS[name].extensions:
        assert detect_format(f"某文件{ext.upper()}", b"whatever") == name


@pytest.mark.parametrize("name,data", list(CONTENT.items()))
def test_a_file_without_a_telling_name_is_known_by_its_bytes(name, data):
    assert detect_format(None, data) == name
    assert detect_format("upload.bin", data) == name


def test_unknown_and_refused_files_say_what_is_accepted():
    with pytest.raises(UnsupportedFormat) as e:
        detect_format("x.bin", b"\x01\x02")
    assert SUPPORTED in str(e.value)
    for f in FORMATS.values():          # the list names every format and every extension
        assert f.title.split(" (")[0] in SUPPORTED and all(ext in SUPPORTED for ext in f.extensions)
    with pytest.raises(UnsupportedFormat, match="另存为 .xlsx"):
        detect_format("清单.xls", b"\xd0\xcf\x11\xe0")
    with pytest.raises(UnsupportedFormat, match="不支持的文件类型"):
        detect_format(None, b"PK\x03\x04 broken zip")
    with pytest.raises(InvalidInput, match="文件为空"):
        detect_format("a.geojson", b"")


def test_targets_take_registered_formats_only():
    for target, names in FORMATS_BY_TARGET.items():
        assert set(names) <= set(FORMATS), target
    # every format with a reader of its own is taken by the GIS targets
    assert {n for n, f in FORMATS.items() if f.read is not None} <= set(FORMATS_BY_TARGET["enterprises"])
