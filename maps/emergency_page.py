"""The interactive emergency overlay (folium): threat zones over the four-colour city map, the
hazard source, protection targets by innermost zone, emergency resources, resource routes and
evacuation routes, with a summary panel.

Offline like the regulators' maps: Leaflet is served by the app itself (:mod:`maps.vendor`,
installed by scripts/setup.sh, under /static/vendor/) and folium's other CDN assets (jQuery,
Bootstrap, awesome-markers) are not used at all, so the page references no other host.
No base-map tiles: roads and enterprise boundaries are drawn from the database.
"""

from __future__ import annotations

import json
from html import escape

import folium
import psycopg2.extensions

from layers.consequences import LEVEL_ZH, LEVELS, level_colour
from layers.emergency.overlay import Overlay, overlay
from layers.levels import PALETTE
from maps import vendor

ROUTE_COLOURS = {"fire_station": "#B00020", "hospital": "#6A1B9A", "shelter": "#00796B", "rescue_team": "#5D4037",
                 "depot": "#455A64", "evacuation": "#1B5E20"}
FACILITY_COLOURS = {"fire_station": "#B00020", "hospital": "#6A1B9A", "shelter": "#00796B",
                    "rescue_team": "#5D4037", "depot": "#455A64"}


def _fmt_min(s) -> str:
    return "—" if s is None or s != s else f"{s / 60:.1f} 分钟"


def _fmt_km(m) -> str:
    return "—" if m is None or m != m else f"{m / 1000:.2f} km"


def render_overlay(o: Overlay) -> str:
    """The page for an :class:`Overlay` as one self-contained HTML string."""
    m = folium.Map(location=[o.source.geometry.iloc[0].y, o.source.geometry.iloc[0].x], zoom_start=14,
                   tiles=None, control_scale=True, prefer_canvas=True)
    # the same locally served Leaflet as the city map (maps/vendor.py): no other host is named
    m.default_js = [("leaflet", vendor.url(vendor.FOLIUM_JS["leaflet"]))]
    m.default_css = [("leaflet_css", vendor.url(vendor.FOLIUM_CSS["leaflet_css"]))]

    if len(o.enterprises):
        ents = o.enterprises.copy()
        ents["colour"] = [PALETTE.colour(lv) for lv in ents["level"]]
        ents["name"] = [escape(str(n)) for n in ents["name"]]   # the tooltip writes HTML
        folium.GeoJson(
            json.loads(ents[["name", "colour", "geometry"]].to_json(drop_id=True)), name="企业四色图 (enterprises)",
            style_function=lambda f: {"fillColor": f["properties"]["colour"], "color": "#555", "weight": 0.8,
                                      "fillOpacity": 0.35},
            tooltip=folium.GeoJsonTooltip(["name"], aliases=["企业"]),
        ).add_to(m)
    if len(o.roads):
        folium.GeoJson(json.loads(o.roads[["name", "geometry"]].to_json(drop_id=True)), name="道路 (roads)",
                       style_function=lambda f: {"color": "#9E9E9E", "weight": 2}).add_to(m)
    zl = folium.FeatureGroup(name="威胁区 (threat zones)").add_to(m)
    for z in reversed(list(o.zones.itertuples())):       # outermost first, so the red zone is on top
        colour = level_colour(z.level)
        folium.GeoJson(
            z.geometry.__geo_interface__,
            style_function=lambda f, c=colour: {"fillColor": c, "color": c, "weight": 2,
                                                                 "fillOpacity": 0.3},
            tooltip=f"{LEVEL_ZH[z.level]}: {escape(z.threshold_zh)}, 半径 {z.distance_m:.0f} m",
        ).add_to(zl)
    sl = folium.FeatureGroup(name="外部安全防护距离 (safety distances)", show=False).add_to(m)
    for b in o.safety_buffers.itertuples():
        folium.GeoJson(b.geometry.__geo_interface__,
                       style_function=lambda f: {"color": "#37474F", "weight": 1.5, "dashArray": "6 4", "fill": False},
                       tooltip=escape(f"外部安全防护距离 {b.distance_m:.0f} m: {b.kinds_zh}")).add_to(sl)
    breached = {x["target_id"]: x for x in o.safety_breaches}
    rl = folium.FeatureGroup(name="路线 (routes)").add_to(m)
    for r in o.routes.itertuples():
        if r.route_kind == "evacuation":
            colour, dash = ROUTE_COLOURS["evacuation"], "8 6"
            tip = f"疏散: {r.name} ({int(r.population)} 人) → {r.shelter_name}, {_fmt_min(r.time_s)}, {_fmt_km(r.length_m)}"
        else:
            colour, dash = ROUTE_COLOURS.get(r.resource_kind, "#333"), None
            tip = f"{r.resource_kind_zh} #{int(r.rank)}: {r.name}, {_fmt_min(r.time_s)}, {_fmt_km(r.length_m)}"
        folium.GeoJson(r.geometry.__geo_interface__,
                       style_function=lambda f, c=colour, d=dash: {"color": c, "weight": 4, "opacity": 0.85,
                                                                   "dashArray": d},
                       tooltip=escape(tip)).add_to(rl)
    tl = folium.FeatureGroup(name="防护目标 (protection targets)").add_to(m)
    for t in o.targets.itertuples():
        inside = isinstance(t.level, str)
        c = level_colour(t.level) if inside else PALETTE.colour(None)
        folium.CircleMarker([t.geometry.y, t.geometry.x], radius=6, color="#222", weight=1, fill=True,
                            fill_color=c, fill_opacity=0.95,
                            tooltip=escape(f"{t.name} ({t.kind_zh}) {t.population} 人"
                                           + (f" · {LEVEL_ZH[t.level]}" if inside else " · 区外")
                                           + (f" · 在外部安全防护距离 {breached[t.id]['required_m']:.0f} m 内"
                                              if t.id in breached else ""))).add_to(tl)
    fl = folium.FeatureGroup(name="应急资源 (resources)").add_to(m)
    for f in o.facilities.itertuples():
        folium.CircleMarker([f.geometry.y, f.geometry.x], radius=7, color="#fff",
                            weight=2.5, fill=True, fill_color=FACILITY_COLOURS.get(f.kind, "#333"), fill_opacity=1,
                                    tooltip=escape(f"{f.kind_zh}: {f.name}"
                                                   + (f" (容量 {f.capacity})" if f.capacity == f.capacity and f.capacity
                                                      is not None else ""))).add_to(fl)
    s = o.source.iloc[0]
    folium.CircleMarker([s.geometry.y, s.geometry.x], radius=9, color="#FFF", weight=3,
                        fill=True, fill_color="#000", fill_opacity=1,
                                tooltip=escape(f"危险源: {s.enterprise_name} / {s.code} {s['name']}")).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    # frame the zones with room around them (the routes run further: zoom out to follow them)
    b = o.zones.total_bounds if len(o.zones) else o.source.total_bounds
    dx, dy = (b[2] - b[0]) * 0.5 + 0.003, (b[3] - b[1]) * 0.5 + 0.003
    b = [b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy]
    m.fit_bounds([[b[1], b[0]], [b[3], b[2]]], padding=(20, 20))
    vendor.page(m).html.add_child(folium.Element(_panel(o)))
    vendor.page(m).header.add_child(folium.Element(
        f"<title>{escape(o.scenario['name'])} · 应急威胁区叠加图</title><style>{_PANEL_CSS}</style>"))
    return vendor.localise(m.get_root().render())


_PANEL_CSS = """
#ra-panel{position:absolute;z-index:1000;right:10px;bottom:24px;max-width:360px;max-height:70%;overflow:auto;
 background:rgba(255,255,255,.95);border:1px solid #888;padding:8px 10px;font:13px "Noto Sans CJK SC",sans-serif}
#ra-panel h2{font-size:15px;margin:0 0 4px}#ra-panel table{border-collapse:collapse;width:100%}
#ra-panel td,#ra-panel th{border:1px solid #ccc;padding:2px 4px;text-align:right}
#ra-panel th:first-child,#ra-panel td:first-child{text-align:left}
.ra-sw{display:inline-block;width:12px;height:12px;border:1px solid #333;vertical-align:middle;margin-right:4px}
"""


def _panel(o: Overlay) -> str:
    sc, s = o.scenario, o.affected["summary"]
    rows = "".join(
        f"<tr><td><span class='ra-sw' style='background:{level_colour(lv)}'></span>{LEVEL_ZH[lv]}</td>"
        f"<td>{s[lv]['enterprises']}</td><td>{s[lv]['protection_targets']}</td><td>{s[lv]['population']}</td>"
        f"<td>{s[lv]['road_m'] / 1000:.2f}</td></tr>" for lv in LEVELS)
    ev = o.evacuation
    ok = "充足" if ev["enough_capacity"] else "不足"
    legend = " ".join(f"<span style='color:{c};font-weight:bold'>━</span>{escape(n)}" for n, c in (
        ("消防站路线", ROUTE_COLOURS["fire_station"]), ("医院路线", ROUTE_COLOURS["hospital"]),
        ("避难场所路线", ROUTE_COLOURS["shelter"]), ("疏散路线(虚线)", ROUTE_COLOURS["evacuation"])))
    return f"""<div id="ra-panel"><h2>{escape(sc['name'])}</h2>
<div>{escape(sc['enterprise_name'])} / {escape(sc['hazard_source_code'])} {escape(sc['hazard_source_name'])}<br>
模型: {escape(sc['model_zh'])}</div>
<table><tr><th>威胁区</th><th>企业</th><th>防护目标</th><th>人口</th><th>道路 km</th></tr>{rows}</table>
<div>外部安全防护距离内的防护目标 {len(o.safety_breaches)} 处; 需通知相邻企业 {s['total']['notify']} 家; 区内人口 {ev['population']} 人, 区外避难场所容量 {ev['capacity']} 人 ({ok})</div>
<div>{legend}</div></div>"""


def overlay_html(conn: psycopg2.extensions.connection, scenario_id: int) -> str:
    """The overlay page of a scenario (recomputed first when stale)."""
    return render_overlay(overlay(conn, scenario_id))
