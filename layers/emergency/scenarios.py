"""Accident scenarios at hazard sources and their stored threat zones (docs/domain.md §6, ALOHA levels).

A scenario is stored in PostGIS (``scenario``: hazard source, model, params, weather); its zones
(``threat_zone``) are computed in Python by :func:`layers.consequences.threat_zones` and stored as
polygons around the hazard source's location. Any change of inputs (in the row, or a move of the
hazard source) makes PostGIS delete the zones and bump ``inputs_version`` (0007's triggers). The
policy here is **recompute on save and on read**: :func:`create_scenario` / :func:`update_scenario`
compute at once, and every reader goes through :func:`ensure_computed`, which recomputes a stale
scenario inside the caller's transaction. Nothing here commits: the caller owns the transaction.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import psycopg2.extensions
import psycopg2.extras
import shapely
from pyproj import CRS, Transformer
from shapely.geometry import MultiPolygon, Polygon

from db.io import read_postgis
from layers.consequences import LEVEL_ZH, LEVELS, level_colour
from layers.errors import InvalidInput, NotFound

if TYPE_CHECKING:  # the consequence models come from their own module (imported lazily)
    from layers.consequences import ThreatZone

MAX_NAME = 200
#: The farthest a scenario's outer zone may reach from its hazard source, m. ALOHA draws no threat
#: zone beyond 10 km downwind (the plume model stops there too); the extra 5 km leave room for a
#: plume's crosswind spread at that distance. A circle model reaching farther has inputs beyond one
#: hazard source's inventory at the thresholds the domain uses (docs/domain.md §6), and such a zone
#: would make the list of who is inside, the map and the briefing cover a whole city.
MAX_ZONE_RADIUS_M = 15_000.0


# -- geometry: local metres around the source <-> EPSG:4326 ---------------------------------------
def local_to_wgs84(geom, lon: float, lat: float):
    """A shapely geometry in local metres (source at (0, 0), x east, y north) -> lon/lat, through
    an azimuthal equidistant projection centred on the source (distances from it are exact)."""
    tr = _aeqd_to_wgs84(float(lon), float(lat))

    def move(xy: np.ndarray) -> np.ndarray:
        x, y = tr.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, move)


@lru_cache(maxsize=256)
def _aeqd_to_wgs84(lon: float, lat: float) -> Transformer:
    aeqd = CRS.from_proj4(f"+proj=aeqd +lat_0={lat} +lon_0={lon} +x_0=0 +y_0=0 +ellps=WGS84 +units=m")
    return Transformer.from_crs(aeqd, "EPSG:4326", always_xy=True)


def _multi(geom) -> MultiPolygon:
    if isinstance(geom, MultiPolygon):
        return geom
    if isinstance(geom, Polygon):
        return MultiPolygon([geom])
    polys = [g for g in getattr(geom, "geoms", []) if isinstance(g, Polygon)]
    return MultiPolygon(polys)


# -- reading -----------------------------------------------------------------------------------------
_SCENARIO_COLS = """s.id, s.hazard_source_id, s.name, s.model, s.params, s.weather, s.inputs_version,
    s.computed_version, s.computed_at, s.created_at, s.created_by, s.updated_at,
    hs.code AS hazard_source_code, hs.name AS hazard_source_name, hs.enterprise_id, e.name AS enterprise_name,
    ST_X(hs.location) AS lon, ST_Y(hs.location) AS lat,
    coalesce(v.name_zh, s.model) AS model_zh"""
_SCENARIO_FROM = """FROM scenario s JOIN hazard_source hs ON hs.id = s.hazard_source_id
    JOIN enterprise e ON e.id = hs.enterprise_id
    LEFT JOIN vocabulary v ON v.domain = 'consequence_model' AND v.code = s.model"""


def _out(row: Mapping) -> dict:
    d = dict(row)
    for k in ("computed_at", "created_at", "updated_at"):
        if d.get(k) is not None:
            d[k] = d[k].isoformat()
    d["stale"] = d["computed_version"] != d["inputs_version"]
    return d


def scenario(conn: psycopg2.extensions.connection, scenario_id: int, *, lock: bool = False) -> dict:
    """One scenario with its hazard source; NotFound (404) when it does not exist."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(f"SELECT {_SCENARIO_COLS} {_SCENARIO_FROM} WHERE s.id = %s"
                    + (" FOR UPDATE OF s" if lock else ""), (scenario_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"情景 {scenario_id} 不存在 (scenario not found)")
    return _out(row)


def scenarios(conn: psycopg2.extensions.connection, *, hazard_source_id: int | None = None) -> list[dict]:
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(f"SELECT {_SCENARIO_COLS} {_SCENARIO_FROM} "
                    "WHERE %(hs)s::int IS NULL OR s.hazard_source_id = %(hs)s ORDER BY s.id",
                    {"hs": hazard_source_id})
        return [_out(r) for r in cur.fetchall()]


def _hazard_source(conn, hazard_source_id: Any) -> int:
    if isinstance(hazard_source_id, bool) or not isinstance(hazard_source_id, int) or not 1 <= hazard_source_id < 2**31:
        raise InvalidInput("hazard_source_id: 应为正整数 (must be a positive integer)",
                           [{"field": "hazard_source_id", "message": "应为正整数 (must be a positive integer)"}])
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM hazard_source WHERE id = %s", (hazard_source_id,))
        if cur.fetchone() is None:
            raise NotFound(f"危险源 {hazard_source_id} 不存在 (hazard source not found)")
    return hazard_source_id


# -- validation of inputs ------------------------------------------------------------------------------
def _bad(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", [{"field": field, "message": message}])


def _models():
    from layers.consequences import MODELS

    return MODELS


def validate_inputs(model: Any, params: Any, weather: Any, name: Any = "情景") -> tuple[str, dict, dict, str]:
    """Check the shape of a scenario's inputs (the model's own checks run when it computes)."""
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise _bad("name", f"情景名称不能为空且不超过 {MAX_NAME} 字 (name required, at most {MAX_NAME} characters)")
    models = _models()
    if not isinstance(model, str) or model not in models:
        raise _bad("model", f"未知的后果模型 {model!r}, 可选 (known): {', '.join(sorted(models))}")
    if not isinstance(params, Mapping):
        raise _bad("params", "应为对象 {参数名: 数值} (must be an object)")
    for k, v in params.items():
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            raise _bad(f"params.{k}", "应为数值或文字 (must be a number or a string)")
    if weather is None:
        weather = {}
    if not isinstance(weather, Mapping):
        raise _bad("weather", "应为对象 (must be an object)")
    from layers.consequences import Weather

    known = {f.name for f in dataclasses.fields(Weather)}
    for k, v in weather.items():
        if k not in known:
            raise _bad(f"weather.{k}", f"未知的气象参数, 可选 (known): {', '.join(sorted(known))}")
        if isinstance(v, bool) or not isinstance(v, int | float | str):
            raise _bad(f"weather.{k}", "应为数值或文字 (must be a number or a string)")
    return model, dict(params), dict(weather), name.strip()


def run_model(model: str, params: Mapping, weather: Mapping) -> list[ThreatZone]:
    """The consequence model's zones; any refusal of the inputs becomes InvalidInput (422)."""
    from layers.consequences import Weather, threat_zones

    try:
        zones = threat_zones(model, params, Weather(**weather))
    except InvalidInput as exc:   # name the field as the caller wrote it: params.X or weather.X
        wx = {f.name for f in dataclasses.fields(Weather)}
        errors = [{**e, "field": _qualify(str(e.get("field", "")), wx)} for e in exc.errors]
        raise InvalidInput(str(exc), errors) from exc
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise InvalidInput(f"params/weather: 模型 {model} 无法用这些输入计算 (model refused the inputs): {exc}",
                           [{"field": "params", "message": str(exc)}]) from exc
    zones = list(zones)
    for z in zones:
        _check_extent(z.level, float(z.distance_m))
    return zones


def _check_extent(level: str, distance_m: float) -> None:
    """Refuse a zone reaching farther than :data:`MAX_ZONE_RADIUS_M` (422 naming the outer zone's
    threshold, the inputs that size it, and the limit)."""
    if distance_m <= MAX_ZONE_RADIUS_M:
        return
    field = f"params.{level}_threshold"
    message = (f"{LEVEL_ZH[level]}外缘半径 {distance_m / 1000:,.1f} km 超过情景范围上限 {MAX_ZONE_RADIUS_M / 1000:g} km, "
               f"请减小泄漏量/燃料质量等规模参数或提高 {level}_threshold (the {level} zone reaches "
               f"{distance_m / 1000:,.1f} km; a scenario's outer zone radius is limited to {MAX_ZONE_RADIUS_M / 1000:g} km)")
    raise InvalidInput(f"{field}: {message}", [{"field": field, "message": message, "limit_m": MAX_ZONE_RADIUS_M}])


def _qualify(field: str, weather_fields: set[str]) -> str:
    if not field or field.split(".")[0] in ("params", "weather", "model", "name", "hazard_source_id"):
        return field
    return f"weather.{field}" if field in weather_fields else f"params.{field}"


# -- writing -------------------------------------------------------------------------------------------
def store_zones(conn: psycopg2.extensions.connection, scenario_id: int, zones: Sequence[ThreatZone]) -> int:
    """Replace the scenario's zones with ``zones`` (local-metre polygons placed at its hazard source's
    location) and mark it computed for its current inputs. Returns the number of zones stored."""
    sc = scenario(conn, scenario_id, lock=True)
    levels = [z.level for z in zones]
    if len(set(levels)) != len(levels) or not set(levels) <= set(LEVELS):
        raise InvalidInput(f"zones: 每个级别 (red/orange/yellow) 至多一个区域 (one zone per level), got {levels}")
    with conn.cursor() as cur:
        cur.execute("DELETE FROM threat_zone WHERE scenario_id = %s", (scenario_id,))
        for z in zones:
            g = _multi(local_to_wgs84(z.geometry, sc["lon"], sc["lat"]))
            if g.is_empty:
                continue
            cur.execute(
                "INSERT INTO threat_zone (scenario_id, level, threshold, threshold_unit, threshold_zh, distance_m, geom) "
                "VALUES (%s, %s, %s, %s, %s, %s, ST_Multi(ST_GeomFromWKB(%s, 4326)))",
                (scenario_id, z.level, float(z.threshold), z.threshold_unit, z.threshold_zh, float(z.distance_m),
                 psycopg2.Binary(shapely.to_wkb(g))))
        cur.execute("UPDATE scenario SET computed_version = inputs_version, computed_at = now() WHERE id = %s",
                    (scenario_id,))
    return len(zones)


def compute_scenario(conn: psycopg2.extensions.connection, scenario_id: int) -> dict:
    """Run the scenario's model and store its zones (whether stale or not). Returns the scenario."""
    sc = scenario(conn, scenario_id, lock=True)
    zones = run_model(sc["model"], sc["params"], sc["weather"])
    store_zones(conn, scenario_id, zones)
    return scenario(conn, scenario_id)


def ensure_computed(conn: psycopg2.extensions.connection, scenario_id: int) -> dict:
    """The scenario, recomputed first if its inputs changed since its zones were computed; zones
    reaching beyond :data:`MAX_ZONE_RADIUS_M` are refused (InvalidInput) whether new or stored."""
    sc = scenario(conn, scenario_id)
    if sc["stale"]:
        return compute_scenario(conn, scenario_id)
    with conn.cursor() as cur:   # zones stored before the limit: refused as a new scenario would be
        cur.execute("SELECT level, distance_m FROM threat_zone WHERE scenario_id = %s "
                    "ORDER BY distance_m DESC LIMIT 1", (scenario_id,))
        outer = cur.fetchone()
    if outer is not None:
        _check_extent(outer[0], outer[1])
    return sc


def create_scenario(conn: psycopg2.extensions.connection, *, hazard_source_id: Any, model: Any, params: Any,
                    weather: Any = None, name: Any = None, compute: bool = True) -> dict:
    """Store a scenario (and, by default, compute its zones at once: bad params are refused here)."""
    hs = _hazard_source(conn, hazard_source_id)
    model, params, weather, name = validate_inputs(model, params, weather, name or f"{model} 情景")
    if compute:
        run_model(model, params, weather)          # refuse bad inputs before anything is written
    with conn.cursor() as cur:
        cur.execute("INSERT INTO scenario (hazard_source_id, name, model, params, weather) "
                    "VALUES (%s, %s, %s, %s, %s) RETURNING id",
                    (hs, name, model, json.dumps(params), json.dumps(weather)))
        sid = cur.fetchone()[0]
    return compute_scenario(conn, sid) if compute else scenario(conn, sid)


def update_scenario(conn: psycopg2.extensions.connection, scenario_id: int, *, compute: bool = True,
                    **changes: Any) -> dict:
    """Change name/model/params/weather/hazard_source_id; the zones are recomputed (on save)."""
    sc = scenario(conn, scenario_id, lock=True)
    unknown = set(changes) - {"name", "model", "params", "weather", "hazard_source_id"}
    if unknown:
        raise _bad(sorted(unknown)[0], "不能修改的字段 (not a scenario input)")
    hs = _hazard_source(conn, changes["hazard_source_id"]) if "hazard_source_id" in changes else sc["hazard_source_id"]
    model, params, weather, name = validate_inputs(
        changes.get("model", sc["model"]), changes.get("params", sc["params"]),
        changes.get("weather", sc["weather"]), changes.get("name", sc["name"]))
    if compute:
        run_model(model, params, weather)
    with conn.cursor() as cur:
        cur.execute("UPDATE scenario SET hazard_source_id = %s, name = %s, model = %s, params = %s, weather = %s "
                    "WHERE id = %s", (hs, name, model, json.dumps(params), json.dumps(weather), scenario_id))
    return ensure_computed(conn, scenario_id) if compute else scenario(conn, scenario_id)


def delete_scenario(conn: psycopg2.extensions.connection, scenario_id: int) -> None:
    scenario(conn, scenario_id)
    with conn.cursor() as cur:
        cur.execute("DELETE FROM scenario WHERE id = %s", (scenario_id,))


# -- the zones layer -----------------------------------------------------------------------------------
def zones(conn: psycopg2.extensions.connection, scenario_id: int) -> gpd.GeoDataFrame:
    """The scenario's threat zones (recomputed first when stale), innermost first, with the band
    (the zone minus the zones inside it) area in m²."""
    ensure_computed(conn, scenario_id)
    gdf = read_postgis(conn, """
        SELECT z.id, z.scenario_id, z.level, v.name_zh AS level_zh, z.threshold, z.threshold_unit, z.threshold_zh,
               z.distance_m, ST_Area(z.geom::geography) AS area_m2, ST_AsBinary(z.geom) AS geom
        FROM threat_zone z LEFT JOIN vocabulary v ON v.domain = 'threat_level' AND v.code = z.level
        WHERE z.scenario_id = %s ORDER BY ra_threat_rank(z.level)""", (scenario_id,))
    gdf["colour"] = [level_colour(lv) for lv in gdf["level"]]
    return gdf


def geojson(gdf: gpd.GeoDataFrame) -> dict:
    """A GeoDataFrame as a GeoJSON FeatureCollection dict (NaN -> null)."""
    gdf = gdf.astype({c: "object" for c in gdf.columns if c != "geometry"})
    gdf = gdf.where(gdf.notna(), None)
    return json.loads(gdf.to_json(drop_id=True, na="null"))
