"""城市安全风险四色分布图: the regulators' interactive city page (folium), served by the app.

It receives layers (``layers.city``) and draws, on one Leaflet map:

- enterprises and plant areas as Mapbox vector tiles from the app's ``/tiles`` (Leaflet.VectorGrid):
  grid clusters at low zoom, one point per enterprise above, plant areas from zoom 12;
- district → town → grid choropleths (region colour, counts by level, risk index) as GeoJSON;
- a heat map weighted by level, 重大危险源 and open 重大隐患;
- a layer control, a Chinese legend (colours from :data:`layers.levels.PALETTE` only), filters
  (region, industry, level) and popups with each enterprise's key facts and a link to its plant map.

Every name from the database is HTML-escaped (in Python for the GeoJSON popups, in the page's
``raEsc`` for the vector-tile popups). Every script and stylesheet is served by the app
(:mod:`maps.vendor`); the only other host a page may reach is a configured base map.
"""

from __future__ import annotations

import json
from html import escape
from urllib.parse import urlencode

import folium
import geopandas as gpd
import numpy as np
import shapely
from branca.element import Element, MacroElement
from folium.elements import EventHandler
from folium.plugins import HeatMap, VectorGridProtobuf
from folium.template import Template
from folium.utilities import JsCode

from layers import tiles
from layers.city import CityLayers
from layers.levels import DESCENDING, NAMES, PALETTE, UNASSESSED
from layers.regions import REGION_LEVEL_ZH
from maps import vendor
from maps.settings import MapSettings, map_settings

CITY_PAGE_JS = ("leaflet", "jquery")   # folium builds popups with jQuery
CITY_PAGE_CSS = ("leaflet_css",)
OUTLINE = "#333333"


_SCRIPT_UNSAFE = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "'": "\\u0027",
                                "\u2028": "\\u2028", "\u2029": "\\u2029"})


def script_json(value) -> str:
    """JSON to write inside a <script> element: UTF-8 text rather than \\u escapes (a Chinese name
    is 3 bytes, not 6: the hazard layers of a province are half the size) and no separator spaces,
    with the characters that could end the script or an attribute escaped as Jinja's ``tojson``
    escapes them."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).translate(_SCRIPT_UNSAFE)


def _level_key(level: str | None) -> str:
    return level or UNASSESSED


def _colours_js() -> str:
    keys = [lv.value for lv in DESCENDING] + [UNASSESSED]
    return json.dumps({k: PALETTE.colour(None if k == UNASSESSED else k) for k in keys})


def _names_js() -> str:
    return json.dumps({k: v["zh"] for k, v in NAMES.items()}, ensure_ascii=False)


class _Head(MacroElement):
    """Shared page script: the escape helper, the palette and the labels (one copy per page)."""

    _template = Template("""
        {% macro header(this, kwargs) %}
        <meta name="riskatlas-page" content="city"><link rel="icon" href="data:,">
        <style>
          html, body {font-family: "Noto Sans CJK SC", "Noto Sans SC", "Microsoft YaHei", sans-serif;}
          .ra-panel {position: absolute; z-index: 1000; background: rgba(255,255,255,.94); border: 1px solid #888;
                     border-radius: 4px; padding: 6px 10px; font-size: 13px; box-shadow: 0 1px 4px rgba(0,0,0,.25);}
          .ra-title {top: 10px; left: 54px; font-size: 17px; font-weight: bold;}
          .ra-title small {font-weight: normal; color: #555; font-size: 12px; margin-left: 6px;}
          .ra-filter {top: 52px; left: 54px; max-width: 330px;}
          .ra-filter select {font-size: 12px; max-width: 290px;}
          .ra-filter label {margin-right: 6px; white-space: nowrap;}
          .ra-legend {bottom: 24px; right: 10px; line-height: 20px;}
          .ra-legend i {display: inline-block; width: 16px; height: 12px; border: 1px solid #333;
                        margin-right: 6px; vertical-align: -1px;}
          .ra-legend .dot {border-radius: 50%; width: 11px; height: 11px;}
          .ra-pop table {border-collapse: collapse; font-size: 12px;}
          .ra-pop th {text-align: left; padding: 1px 8px 1px 0; color: #555; font-weight: normal; white-space: nowrap;}
          .ra-pop td {padding: 1px 0;}
          .ra-pop h4 {font-size: 14px; margin: 0 0 4px 0;}
          .ra-lv {display: inline-block; padding: 0 5px; border: 1px solid #333;}
        </style>
        <script>
          var RA_COLOURS = {{ this.colours }};
          var RA_LEVELS = {{ this.names }};
          var RA_INDUSTRIES = {{ this.industries }};
          function raEsc(s) {
            return String(s === undefined || s === null ? "" : s).replace(/[&<>"']/g, function (c) {
              return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
            });
          }
          function raLevel(lv) { return lv || "unassessed"; }
          function raRows(title, rows) {
            return '<div class="ra-pop"><h4>' + raEsc(title) + '</h4><table>' + rows.map(function (kv) {
              return '<tr><th>' + raEsc(kv[0]) + '</th><td>' + raEsc(kv[1]) + '</td></tr>';
            }).join("") + '</table></div>';
          }
          function raHazardSourcePopup(p) {
            return raRows(p.name, [["企业", p.ent], ["级别", p.grade], ["R 值", Number(p.r).toFixed(2)]]);
          }
          function raHiddenHazardPopup(p) {
            return raRows("重大隐患 #" + p.id, [["企业", p.ent], ["隐患", p.desc], ["状态", p.status],
                                                ["整改期限", p.deadline]]);
          }
          function raRegionPopup(p) {
            var keys = ["major", "significant", "general", "low"];
            var rows = keys.map(function (k, i) {
              return '<tr><th>' + raBadge(k) + '</th><td>' + p.ent[i] + ' 家 · 风险点 ' + p.pts[i] + '</td></tr>';
            }).join("");
            var total = p.ent.reduce(function (a, b) { return a + b; }, 0);
            return '<div class="ra-pop ra-region" data-region="' + Number(p.id) + '"><h4>' + raEsc(p.name) + '</h4>' +
              '<table><tr><th>区域颜色</th><td>' + raBadge(p.lv === "unassessed" ? null : p.lv) + '</td></tr>' + rows +
              '<tr><th>未评估</th><td>' + p.ent[4] + ' 家</td></tr><tr><th>企业合计</th><td>' + total + ' 家</td></tr>' +
              '<tr><th>风险指数</th><td>' + Number(p.idx).toFixed(3) + ' /km²</td></tr>' +
              '<tr><th>面积</th><td>' + Number(p.km2).toFixed(1) + ' km²</td></tr></table>' +
              '<p><a href="?within=' + Number(p.id) + '">只看此区域 (this region only)</a></p></div>';
          }
          function raBadge(lv) {
            var k = raLevel(lv);
            var dark = (k === "major" || k === "low");
            return '<span class="ra-lv" style="background:' + RA_COLOURS[k] + ';color:' + (dark ? "#fff" : "#000") +
                   '">' + raEsc(RA_LEVELS[k]) + '</span>';
          }
        </script>
        {% endmacro %}
    """)

    def __init__(self, industries: dict[str, str]):
        super().__init__()
        self._name = "RaHead"
        self.colours = _colours_js()
        self.names = _names_js()
        self.industries = json.dumps(industries, ensure_ascii=False)


class _PointEvents(MacroElement):
    """Fits the region once the page has its size. And: Leaflet ≥ 1.8 takes a small circle marker's own position as the event position, and
    Leaflet.VectorGrid's tile points have none (they are placed in tile pixels): a click on one would throw.
    Such points report the pointer's position instead, recorded before Leaflet handles the event."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        (function (map) {
            var last = null;
            ["mousedown", "mouseup", "click", "dblclick", "contextmenu", "mousemove", "mouseover", "mouseout"]
                .forEach(function (t) {
                    map.getContainer().addEventListener(t, function (ev) { last = map.mouseEventToLatLng(ev); }, true);
                });
            var own = L.CircleMarker.prototype.getLatLng;
            L.CircleMarker.prototype.getLatLng = function () { return this._latlng ? own.call(this) : last; };
            // the window may get its final size after the script ran (embedded, headless): fit again then
            window.addEventListener("load", function () { map.invalidateSize(); map.fitBounds({{ this.bounds }}); });
        })({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self, bounds: list[list[float]]):
        super().__init__()
        self._name = "RaPageScript"
        self.bounds = json.dumps(bounds)


class _VectorTiles(VectorGridProtobuf):
    """Leaflet.VectorGrid served from this app (the plugin's CDN URL replaced by the local copy)."""

    default_js = [("vectorGrid", vendor.url(vendor.VECTORGRID_JS))]


# SVG tiles in a pane above the region polygons: the points are on top, and a click on empty ground
# passes through to the region below (only drawn paths take pointer events).
VECTOR_PANE = "ra_vector"

_ENTERPRISE_STYLE = """{
    pane: "ra_vector",
    interactive: true,
    maxNativeZoom: 18,
    attribution: "riskatlas",
    getFeatureId: function (f) { return f.properties.id; },
    vectorTileLayerStyles: {
        enterprises: function (p, z) {
            return {radius: z >= 14 ? 6 : 4, fill: true, fillColor: RA_COLOURS[raLevel(p.level)],
                    fillOpacity: 0.95, color: "#222", weight: 1};
        },
        enterprise_clusters: function (p, z) {
            return {radius: Math.min(16, 4 + 2.2 * Math.log2(p.count + 1)), fill: true,
                    fillColor: RA_COLOURS[raLevel(p.level)], fillOpacity: 0.85, color: "#222", weight: 1};
        }
    }
}"""

_AREA_STYLE = f"""{{
    pane: "ra_vector",
    interactive: true,
    minZoom: {tiles.AREA_MIN_ZOOM},
    maxNativeZoom: 18,
    getFeatureId: function (f) {{ return f.properties.id; }},
    vectorTileLayerStyles: {{
        areas: function (p, z) {{
            return {{fill: true, fillColor: RA_COLOURS[raLevel(p.level)], fillOpacity: p.kind === "plant" ? 0.25 : 0.7,
                    color: "#333", weight: p.kind === "plant" ? 1.5 : 0.6}};
        }}
    }}
}}"""

_ENTERPRISE_CLICK = """function (e) {
    var p = e.layer.properties || {};
    var html;
    if (p.count !== undefined) {
        html = '<div class="ra-pop"><h4>' + raEsc(p.count) + ' 家企业</h4><table>' +
            ["major", "significant", "general", "low", "unassessed"].map(function (k) {
                return '<tr><th>' + raBadge(k === "unassessed" ? null : k) + '</th><td>' + raEsc(p[k]) + ' 家</td></tr>';
            }).join("") + '</table><p>放大查看各企业 (zoom in for each enterprise)</p></div>';
    } else {
        html = '<div class="ra-pop"><h4>' + raEsc(p.name) + '</h4><table>' +
            '<tr><th>风险等级</th><td>' + raBadge(p.level) + '</td></tr>' +
            '<tr><th>行业</th><td>' + raEsc(RA_INDUSTRIES[p.industry] || p.industry) + '</td></tr>' +
            '<tr><th>企业编号</th><td>' + raEsc(p.id) + '</td></tr></table>' +
            '<p><a href="/api/enterprises/' + encodeURIComponent(p.id) + '/maps/plant.png" target="_blank">厂区四色图</a> · ' +
            '<a href="/api/enterprises/' + encodeURIComponent(p.id) + '" target="_blank">企业信息</a></p></div>';
    }
    L.popup().setLatLng(e.latlng).setContent(html).openOn(this._map);
}"""

_AREA_CLICK = """function (e) {
    var p = e.layer.properties || {};
    var html = '<div class="ra-pop"><h4>' + raEsc(p.name) + '</h4><table>' +
        '<tr><th>风险等级</th><td>' + raBadge(p.level) + '</td></tr>' +
        '<tr><th>企业编号</th><td>' + raEsc(p.enterprise_id) + '</td></tr></table>' +
        '<p><a href="/api/enterprises/' + encodeURIComponent(p.enterprise_id) + '/maps/plant.png" target="_blank">厂区四色图</a></p></div>';
    L.popup().setLatLng(e.latlng).setContent(html).openOn(this._map);
}"""


_COUNT_KEYS = ("major", "significant", "general", "low")


def region_geojson(gdf: gpd.GeoDataFrame, tolerance_deg: float = 0.0) -> dict:
    """The region layer of the page (``layers.city.regions_layer``) as compact GeoJSON: simplified by
    ``tolerance_deg`` and rounded to 4 or 5 decimals; the popup is built in the page
    (``raRegionPopup``) from the numbers, and the name is escaped there (``raEsc``)."""
    geoms = gdf.geometry.to_numpy()
    if tolerance_deg > 0:
        geoms = shapely.simplify(geoms, tolerance_deg, preserve_topology=True)
    digits = 4 if tolerance_deg >= 4e-4 else 5          # 11 m or 1 m: below what the screen shows
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, digits))
    feats = []
    for geom, (_, row) in zip(geoms, gdf.iterrows(), strict=True):
        if geom is None or geom.is_empty:
            continue
        feats.append({
            "type": "Feature",
            "geometry": json.loads(shapely.to_geojson(geom)),
            "properties": {
                "id": int(row["region_id"]), "name": str(row["name"]), "lv": _level_key(row["colour_level"]),
                "ent": [int(row["ent_" + k]) for k in _COUNT_KEYS] + [int(row["ent_unassessed"])],
                "pts": [int(row["risk_" + k]) for k in _COUNT_KEYS],
                "idx": round(float(row["risk_index"] or 0), 3), "km2": round(float(row["area_km2"]), 1),
            },
        })
    return {"type": "FeatureCollection", "features": feats}


class _PointLayer(folium.map.Layer):
    """Point markers from compact rows ``[lat, lon, properties]``; popups and tooltips are built in the
    page with escaped text (thousands of points cost a few bytes each, not a folium element each)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.featureGroup();
        {{ this.rows_js }}.forEach(function (r) {
            var m = L.circleMarker([r[0], r[1]], {{ this.style|tojson }});
            m.bindPopup(function () { return {{ this.popup }}(r[2]); }, {maxWidth: 320});
            m.bindTooltip(raEsc({{ this.tooltip|tojson }} + r[2][{{ this.tooltip_key|tojson }}]));
            {{ this.get_name() }}.addLayer(m);
        });
        {% endmacro %}
    """)

    def __init__(self, name: str, rows: list, popup: str, tooltip: str, tooltip_key: str, style: dict):
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "PointLayer"
        self.rows_js = script_json(rows)
        self.popup, self.tooltip, self.tooltip_key, self.style = popup, tooltip, tooltip_key, style


class _RegionLayer(folium.map.Layer):
    """A choropleth of one region level, fetched from the app when first shown (a province's grids are
    never downloaded unless asked for); coloured by region colour, popup with the counts by level."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.geoJSON(null, {
            style: function (f) {
                return {fillColor: RA_COLOURS[f.properties.lv], color: "#333333", weight: {{ this.weight }},
                        fillOpacity: 0.3};
            },
            onEachFeature: function (feature, layer) {
                layer.bindPopup(function () { return raRegionPopup(feature.properties); }, {maxWidth: 320});
                layer.bindTooltip(raEsc(feature.properties.name), {sticky: true});
                layer.on("mouseover", function () { layer.setStyle({weight: 3, fillOpacity: 0.45}); });
                layer.on("mouseout", function () { {{ this.get_name() }}.resetStyle(layer); });
            }
        });
        {{ this.get_name() }}.once("add", function () {
            fetch({{ this.url|tojson }}).then(function (r) {
                if (!r.ok) { throw new Error("区域图层加载失败 (region layer failed): HTTP " + r.status); }
                return r.json();
            }).then(function (data) { {{ this.get_name() }}.addData(data); {{ this.get_name() }}.bringToBack(); });
        });
        {% endmacro %}
    """)

    def __init__(self, url: str, name: str, weight: float, show: bool):
        super().__init__(name=name, overlay=True, control=True, show=show)
        self._name = "RegionLayer"
        self.url = url
        self.weight = weight


def _basemap(m: folium.Map, s: MapSettings) -> None:
    if s.basemap == "tianditu":
        if not s.tianditu_key:
            raise ValueError("RISKATLAS_MAP_BASEMAP=tianditu 需要 RISKATLAS_MAP_TIANDITU_KEY (Tianditu needs a key)")
        for layer, name in (("vec", "天地图 矢量底图"), ("cva", "天地图 注记")):
            folium.TileLayer(
                tiles=(f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                       f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
                       f"&TILECOL={{x}}&tk={s.tianditu_key}"),
                attr="天地图 (Tianditu)", name=name, subdomains="01234567", overlay=layer == "cva",
                control=True, max_zoom=18).add_to(m)
    elif s.basemap == "amap":
        folium.TileLayer(
            tiles="https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            attr="高德地图 (Amap, GCJ-02)", name="高德底图", subdomains="1234", max_zoom=18).add_to(m)
    elif s.basemap == "xyz":
        if not s.xyz_url:
            raise ValueError("RISKATLAS_MAP_BASEMAP=xyz 需要 RISKATLAS_MAP_XYZ_URL (a tile URL template)")
        folium.TileLayer(tiles=s.xyz_url, attr=s.attribution or "本地底图 (local tiles)", name="底图",
                         max_zoom=19).add_to(m)


def _filter_panel(layers: CityLayers) -> str:
    def opt(value, label, selected) -> str:
        return f'<option value="{escape(str(value))}"{" selected" if selected else ""}>{escape(label)}</option>'

    regions = [opt("", "全部 (辖区)", layers.within is None)]
    for rid, name, level in layers.region_choices:
        pad = "\u3000" * {"city": 0, "district": 1, "town": 2}.get(level, 0)
        regions.append(opt(rid, pad + name, rid == layers.within))
    inds = [opt("", "全部行业", not layers.industry)]
    inds += [opt(code, name, code in layers.industry) for code, name in layers.industries.items()]
    boxes = "".join(
        f'<label><input type="checkbox" name="level" value="{k}"{" checked" if k in layers.levels else ""}> '
        f'{escape(NAMES[k]["zh"])}</label>' for k in [lv.value for lv in DESCENDING] + [UNASSESSED])
    return (f'<form class="ra-panel ra-filter" method="get" action="" id="ra-filter">'
            f'<div>区域 <select name="within">{"".join(regions)}</select></div>'
            f'<div>行业 <select name="industry">{"".join(inds)}</select></div>'
            f'<div>{boxes}</div><button type="submit">筛选 (filter)</button> <a href="?">重置</a></form>')


def _legend(layers: CityLayers) -> str:
    rows = "".join(
        f'<div><i style="background:{PALETTE.colour(lv.value)}"></i>{escape(lv.name_zh)}'
        f'({escape(NAMES[lv.value]["colour_zh"])}) {layers.counts.get(lv.value, 0)} 家</div>' for lv in DESCENDING)
    rows += (f'<div><i style="background:{PALETTE.colour(None)}"></i>{escape(NAMES[UNASSESSED]["zh"])} '
             f'{layers.counts.get(UNASSESSED, 0)} 家</div>')
    return (f'<div class="ra-panel ra-legend" id="ra-legend"><b>图例 (现有风险)</b>{rows}'
            f'<div><i class="dot" style="background:#7B1FA2"></i>重大危险源</div>'
            f'<div><i class="dot" style="background:#FFFFFF;border:2px solid {PALETTE.colour("major")}"></i>未闭环重大隐患</div>'
            f'<div style="color:#555;font-size:11px">圆圈大小 = 企业数 · 放大到 {tiles.CLUSTER_MAX_ZOOM + 1} 级显示单个企业, '
            f'{tiles.AREA_MIN_ZOOM} 级显示厂区</div></div>')


def region_url(level: str, layers: CityLayers) -> str:
    q = [("level", level)] + ([("within", str(layers.within))] if layers.within is not None else [])
    return f"/maps/city/regions.geojson?{urlencode(q)}"


def tile_url(layer: str, layers: CityLayers) -> str:
    q: list[tuple[str, str]] = []
    if layers.within is not None:
        q.append(("within", str(layers.within)))
    if layers.industry:
        q.append(("industry", ",".join(layers.industry)))
    if layers.levels:
        q.append(("level", ",".join(layers.levels)))
    qs = ("?" + urlencode(q)) if q else ""
    return f"/tiles/{layer}/{{z}}/{{x}}/{{y}}.pbf{qs}"


def city_map(layers: CityLayers, settings: MapSettings | None = None) -> folium.Map:
    """The folium map of the city page."""
    s = settings or map_settings()
    minx, miny, maxx, maxy = layers.bounds
    m = folium.Map(location=[(miny + maxy) / 2, (minx + maxx) / 2], zoom_start=9, tiles=None, control_scale=True,
                   max_zoom=19, prefer_canvas=False)
    # Leaflet and jQuery only: the page draws no Bootstrap widget and no icon marker, so Bootstrap,
    # Font Awesome and awesome-markers (installed for folium pages that do) would be ~400 kB for nothing.
    m.default_js = [(n, vendor.url(vendor.FOLIUM_JS[n])) for n in CITY_PAGE_JS]
    m.default_css = [(n, vendor.url(vendor.FOLIUM_CSS[n])) for n in CITY_PAGE_CSS]
    vendor.page(m).header.add_child(Element('<meta charset="utf-8"><title>'
                                            f'{escape(layers.title)} 安全风险四色分布图 (riskatlas)</title>'))
    m.add_child(_Head(layers.industries))
    _basemap(m, s)

    # shown at first: the level just below the region looked at (a city's districts, a district's towns…)
    below = {None: "district", "province": "district", "city": "district", "district": "town", "town": "grid"}
    shown = below.get(layers.within_level, "grid")
    for level in layers.region_levels:
        weight = {"district": 2.2, "town": 1.2, "grid": 0.6}.get(level, 1)
        _RegionLayer(region_url(level, layers), f"{REGION_LEVEL_ZH.get(level, level)}区域颜色 ({level})", weight,
                     show=level == shown).add_to(m)

    if layers.heat:
        hm = HeatMap([list(p) for p in layers.heat], name="热力图 (按风险等级加权)", radius=18, blur=16,
                     min_opacity=0.25, max_zoom=13, show=False,
                     gradient={0.25: PALETTE.colour("low"), 0.5: PALETTE.colour("general"),
                               0.75: PALETTE.colour("significant"), 1.0: PALETTE.colour("major")})
        hm.default_js = [("leaflet-heat.js", vendor.url(vendor.HEAT_JS))]
        hm.add_to(m)

    folium.map.CustomPane(VECTOR_PANE, z_index=450, pointer_events=True).add_to(m)
    m.add_child(_PointEvents([[miny, minx], [maxy, maxx]]))
    ent = _VectorTiles(tile_url("enterprises", layers), "企业四色 (矢量瓦片)", _ENTERPRISE_STYLE)
    ent.add_child(EventHandler("click", JsCode(_ENTERPRISE_CLICK)))
    areas = _VectorTiles(tile_url("areas", layers), f"厂区 ({tiles.AREA_MIN_ZOOM} 级起)", _AREA_STYLE)
    areas.add_child(EventHandler("click", JsCode(_AREA_CLICK)))
    areas.add_to(m)
    ent.add_to(m)

    hs_rows = [[round(r.geometry.y, 6), round(r.geometry.x, 6),
                {"name": str(r["name"]), "ent": str(r["enterprise_name"]), "grade": str(r["grade_zh"]),
                 "r": round(float(r["r_value"] or 0), 2)}] for _, r in layers.hazard_sources.iterrows()]
    _PointLayer(f"重大危险源 ({len(hs_rows)})", hs_rows, "raHazardSourcePopup", "重大危险源 ", "name",
                {"radius": 8, "color": "#4A148C", "weight": 2, "fill": True, "fillColor": "#7B1FA2",
                 "fillOpacity": 0.85}).add_to(m)
    hh_rows = [[round(r.geometry.y, 6), round(r.geometry.x, 6),
                {"id": int(r["id"]), "ent": str(r["enterprise"]), "desc": str(r["description"]),
                 "status": str(r["status_zh"]), "deadline": str(r["deadline"] or "—")}]
               for _, r in layers.hidden_hazards.iterrows()]
    _PointLayer(f"未闭环重大隐患 ({len(hh_rows)})", hh_rows, "raHiddenHazardPopup", "重大隐患: ", "ent",
                {"radius": 10, "color": PALETTE.colour("major"), "weight": 3, "fill": True, "fillColor": "#FFFFFF",
                 "fillOpacity": 0.6, "dashArray": "4 3"}).add_to(m)

    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    m.fit_bounds([[miny, minx], [maxy, maxx]])
    title = (f'<div class="ra-panel ra-title" id="ra-title">{escape(layers.title)} 安全风险四色分布图'
             f'<small>企业 {sum(layers.counts.values())} 家</small></div>')
    vendor.page(m).html.add_child(Element(title + _filter_panel(layers) + _legend(layers)))
    return m


def render_city_page(layers: CityLayers, settings: MapSettings | None = None) -> str:
    """The page's HTML; every script and stylesheet points at /static/vendor/ (checked)."""
    html = city_map(layers, settings).get_root().render()
    return vendor.localise(html)
