"""Exports of the map layers: GeoPackage (styled for QGIS) and GeoJSON, under the same filter as the maps.

A GeoPackage carries its four-colour style the way QGIS itself stores one: a ``layer_styles`` table
(registered in ``gpkg_contents`` as attributes) with the layer's QML and SLD and ``useAsDefault = 1``,
so QGIS opens the layer already coloured. Colours come from :data:`layers.levels.PALETTE` only.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

import geopandas as gpd
import pandas as pd
import psycopg2.extensions

from layers import city
from layers.errors import NotFound
from layers.filters import EVERYTHING, LayerFilter
from layers.hazard_source import GRADE_NAMES, NOT_MAJOR_ZH, grade_colour
from layers.levels import DESCENDING, NAMES, PALETTE, UNASSESSED

OUTLINE = "#333333"


@dataclass(frozen=True)
class Style:
    """A categorised style: the attribute and, per value, its label and colour."""

    attr: str
    categories: tuple[tuple[str, str, str], ...]   # (value, label, #RRGGBB)


def _level_style(attr: str = "level") -> Style:
    cats = [(lv.value, f"{lv.name_zh}({NAMES[lv.value]['colour_zh']})", PALETTE.colour(lv)) for lv in DESCENDING]
    cats.append((UNASSESSED, NAMES[UNASSESSED]["zh"], PALETTE.colour(None)))
    return Style(attr, tuple(cats))


def _grade_style() -> Style:
    cats = [(str(g), name, grade_colour(g)) for g, name in sorted(GRADE_NAMES.items())]
    cats.append(("", NOT_MAJOR_ZH, grade_colour(None)))
    return Style("grade", tuple(cats))


def _hidden_hazard_style() -> Style:
    return Style("grade", (("major", "重大隐患", PALETTE.colour("major")), ("general", "一般隐患", PALETTE.colour("general"))))


def _regions(conn, f: LayerFilter) -> gpd.GeoDataFrame:
    parts = [city.regions_layer(conn, lv, f) for lv in city.CHOROPLETH_LEVELS]
    gdf = pd.concat([p for p in parts if not p.empty], ignore_index=True) if any(not p.empty for p in parts) \
        else parts[0]
    gdf = gpd.GeoDataFrame(gdf, geometry="geometry", crs="EPSG:4326")
    gdf["colour_level"] = [v or UNASSESSED for v in gdf["colour_level"]]
    return gdf.drop(columns=["colour"], errors="ignore")


def _levelled(fn: Callable[..., gpd.GeoDataFrame]) -> Callable[..., gpd.GeoDataFrame]:
    def read(conn, f: LayerFilter) -> gpd.GeoDataFrame:
        gdf = fn(conn, f)
        gdf["level"] = [v or UNASSESSED for v in gdf["level"]]
        return gdf.drop(columns=["colour"], errors="ignore")
    return read


def _hazard_sources(conn, f: LayerFilter) -> gpd.GeoDataFrame:
    gdf = city.hazard_sources_layer(conn, f, major_only=False)
    gdf["grade"] = [str(g) if g is not None else "" for g in gdf["grade"]]
    if "computed_at" in gdf:
        gdf["computed_at"] = gdf["computed_at"].astype(str)
    return gdf.drop(columns=["colour"], errors="ignore")


def _hidden_hazards(conn, f: LayerFilter) -> gpd.GeoDataFrame:
    return city.hidden_hazards_layer(conn, f, open_major_only=False)


#: Exportable layers: name → (Chinese title, reader, style, geometry kind).
LAYERS: dict[str, tuple[str, Callable[..., gpd.GeoDataFrame], Style, str]] = {
    "enterprises": ("企业 (按现有风险)", _levelled(city.enterprises_layer), _level_style(), "marker"),
    "areas": ("厂区/车间/单元", _levelled(city.areas_layer), _level_style(), "fill"),
    "regions": ("区县/镇街/网格 区域颜色", _regions, _level_style("colour_level"), "fill"),
    "hazard_sources": ("危险源 (GB 18218 分级)", _hazard_sources, _grade_style(), "marker"),
    "hidden_hazards": ("隐患", _hidden_hazards, _hidden_hazard_style(), "marker"),
}


def read_layer(conn: psycopg2.extensions.connection, name: str, f: LayerFilter = EVERYTHING) -> gpd.GeoDataFrame:
    if name not in LAYERS:
        raise NotFound(f"图层 {name!r} 不存在, 可选 {'/'.join(LAYERS)} (unknown layer)")
    gdf = LAYERS[name][1](conn, f)
    for col in gdf.columns:   # GeoPackage/GeoJSON want plain values
        if col != "geometry" and gdf[col].dtype == object:
            gdf[col] = [v.isoformat() if isinstance(v, dt.date | dt.datetime) else v for v in gdf[col]]
    return gdf


def _rgba(colour: str) -> str:
    h = colour.lstrip("#")
    return f"{int(h[0:2], 16)},{int(h[2:4], 16)},{int(h[4:6], 16)},255"


def qml(style: Style, kind: str) -> str:
    """A QGIS style document (categorised renderer) for ``kind`` = fill or marker symbols."""
    cats = "".join(f'<category value={quoteattr(v)} symbol="{i}" label={quoteattr(label)} render="true"/>'
                   for i, (v, label, _) in enumerate(style.categories))
    symbols = []
    for i, (_, _, colour) in enumerate(style.categories):
        if kind == "fill":
            opts = {"color": _rgba(colour), "outline_color": _rgba(OUTLINE), "outline_width": "0.26",
                    "outline_width_unit": "MM", "style": "solid", "outline_style": "solid", "joinstyle": "bevel"}
            cls, stype = "SimpleFill", "fill"
        else:
            opts = {"color": _rgba(colour), "outline_color": _rgba(OUTLINE), "outline_width": "0.2", "name": "circle",
                    "size": "2.6", "size_unit": "MM", "outline_style": "solid"}
            cls, stype = "SimpleMarker", "marker"
        opt = "".join(f'<Option type="QString" name="{k}" value={quoteattr(v)}/>' for k, v in opts.items())
        props = "".join(f'<prop k="{k}" v={quoteattr(v)}/>' for k, v in opts.items())
        symbols.append(f'<symbol type="{stype}" name="{i}" alpha="1" clip_to_extent="1" force_rhr="0">'
                       f'<layer class="{cls}" enabled="1" locked="0" pass="0"><Option type="Map">{opt}</Option>'
                       f'{props}</layer></symbol>')
    return ("<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n"
            '<qgis version="3.28.0" styleCategories="Symbology">'
            f'<renderer-v2 type="categorizedSymbol" attr={quoteattr(style.attr)} symbollevels="0" '
            f'enableorderby="0" forceraster="0"><categories>{cats}</categories><symbols>{"".join(symbols)}</symbols>'
            '</renderer-v2><blendMode>0</blendMode><featureBlendMode>0</featureBlendMode><layerOpacity>1</layerOpacity>'
            '</qgis>\n')


def sld(name: str, style: Style, kind: str) -> str:
    """The same style as an OGC SLD 1.1 document (for GeoServer and QGIS alike)."""
    rules = []
    for v, label, colour in style.categories:
        if kind == "fill":
            sym = (f'<se:PolygonSymbolizer><se:Fill><se:SvgParameter name="fill">{colour}</se:SvgParameter></se:Fill>'
                   f'<se:Stroke><se:SvgParameter name="stroke">{OUTLINE}</se:SvgParameter>'
                   '<se:SvgParameter name="stroke-width">1</se:SvgParameter></se:Stroke></se:PolygonSymbolizer>')
        else:
            sym = ('<se:PointSymbolizer><se:Graphic><se:Mark><se:WellKnownName>circle</se:WellKnownName>'
                   f'<se:Fill><se:SvgParameter name="fill">{colour}</se:SvgParameter></se:Fill>'
                   f'<se:Stroke><se:SvgParameter name="stroke">{OUTLINE}</se:SvgParameter></se:Stroke></se:Mark>'
                   '<se:Size>10</se:Size></se:Graphic></se:PointSymbolizer>')
        rules.append(f'<se:Rule><se:Name>{_x(label)}</se:Name><ogc:Filter><ogc:PropertyIsEqualTo>'
                     f'<ogc:PropertyName>{_x(style.attr)}</ogc:PropertyName><ogc:Literal>{_x(v)}</ogc:Literal>'
                     f'</ogc:PropertyIsEqualTo></ogc:Filter>{sym}</se:Rule>')
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<StyledLayerDescriptor version="1.1.0" '
            'xmlns="http://www.opengis.net/sld" xmlns:ogc="http://www.opengis.net/ogc" '
            'xmlns:se="http://www.opengis.net/se" xmlns:xlink="http://www.w3.org/1999/xlink">'
            f'<NamedLayer><se:Name>{_x(name)}</se:Name><UserStyle><se:Name>{_x(name)}</se:Name>'
            f'<se:FeatureTypeStyle>{"".join(rules)}</se:FeatureTypeStyle></UserStyle></NamedLayer>'
            '</StyledLayerDescriptor>\n')


def _x(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


_LAYER_STYLES_DDL = """CREATE TABLE IF NOT EXISTS layer_styles (
    id INTEGER PRIMARY KEY AUTOINCREMENT, f_table_catalog TEXT(256), f_table_schema TEXT(256),
    f_table_name TEXT(256), f_geometry_column TEXT(256), styleName TEXT(30), styleQML TEXT, styleSLD TEXT,
    useAsDefault BOOLEAN, description TEXT, owner TEXT(30), ui TEXT(30),
    update_time DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')))"""


def add_style(gpkg: Path, table: str, style: Style, kind: str, *, title: str = "") -> None:
    """Store ``style`` as the default QGIS style of ``table`` in the GeoPackage (one transaction)."""
    con = sqlite3.connect(gpkg)
    try:
        with con:
            con.execute(_LAYER_STYLES_DDL)
            con.execute("INSERT OR IGNORE INTO gpkg_contents (table_name, data_type, identifier, description, "
                        "last_change) VALUES ('layer_styles', 'attributes', 'layer_styles', "
                        "'QGIS layer styles', strftime('%Y-%m-%dT%H:%M:%fZ','now'))")
            row = con.execute("SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table,)).fetchone()
            con.execute("DELETE FROM layer_styles WHERE f_table_name = ?", (table,))
            con.execute("INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, "
                        "styleName, styleQML, styleSLD, useAsDefault, description, owner) "
                        "VALUES ('', '', ?, ?, ?, ?, ?, 1, ?, 'riskatlas')",
                        (table, row[0] if row else "geom", f"{table} 四色", qml(style, kind), sld(table, style, kind),
                         title or f"riskatlas {table}"))
    finally:
        con.close()


def write_gpkg(conn: psycopg2.extensions.connection, names: list[str], out: Path,
               f: LayerFilter = EVERYTHING) -> Path:
    """Write the named layers (each a table) with their styles to the GeoPackage ``out`` (replaced)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.unlink(missing_ok=True)
    for i, name in enumerate(names):
        gdf = read_layer(conn, name, f)
        title, _, style, kind = LAYERS[name]
        # GeoPackage 1.3: read by the GDAL of Debian stable and by older QGIS alike
        gdf.to_file(out, layer=name, driver="GPKG", engine="pyogrio",
                    **({"dataset_options": {"VERSION": "1.3"}} if i == 0 else {}))
        add_style(out, name, style, kind, title=title)
    return out


def to_geojson(conn: psycopg2.extensions.connection, name: str, f: LayerFilter = EVERYTHING) -> dict:
    gdf = read_layer(conn, name, f)
    fc = json.loads(gdf.to_json(drop_id=True, na="null"))
    fc["name"] = name
    return fc
