"""Mapbox vector tiles straight from PostGIS: ST_TileEnvelope → ST_AsMVTGeom → ST_AsMVT.

Each query transforms the tile envelope (Web Mercator) to EPSG:4326 once and filters the table with
``&&`` on its GiST-indexed geometry in its own SRID; only the rows found are transformed to 3857 for
``ST_AsMVTGeom``. Tiles stay small at every zoom:

- ``enterprises``: at zoom ≤ :data:`CLUSTER_MAX_ZOOM` enterprises are aggregated on a grid of
  :data:`CLUSTER_CELLS` × :data:`CLUSTER_CELLS` cells per tile (layer ``enterprise_clusters``: a point at
  the cells' mean position with the count per level and the highest level); above it each enterprise is
  a point (layer ``enterprises``: id, name, level, industry), at most :data:`MAX_FEATURES` per tile, the
  highest levels first.
- ``areas``: nothing below :data:`AREA_MIN_ZOOM`; plants only up to :data:`AREA_ALL_ZOOM`; every area
  from there (layer ``areas``: id, enterprise_id, name, kind, level), at most :data:`MAX_FEATURES`.

Levels are read from the views ``enterprise_level`` / ``area_level`` (current level). Every tile takes a
:class:`layers.filters.LayerFilter`: ``within`` (a region id: its subtree only; the jurisdiction check plugs in here),
industries and levels.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import psycopg2.extensions

from layers.filters import EVERYTHING, LEVEL_KEYS, LayerFilter

LAYERS = ("enterprises", "areas")
MAX_ZOOM = 22
EXTENT = 4096
CLUSTER_MAX_ZOOM = 10
CLUSTER_CELLS = 8            # cells per tile side at cluster zooms: 32 screen px each
AREA_MIN_ZOOM = 12
AREA_ALL_ZOOM = 14
MAX_FEATURES = 5000
POINT_BUFFER = 128           # tile units (8 screen px): a point marker near the edge is not cut off
AREA_BUFFER = 64
WORLD_M = 2 * 20037508.342789244

#: A tile query: its SQL and named parameters.
Query: TypeAlias = tuple[str, dict[str, Any]]


def check_tile(z: int, x: int, y: int) -> list[dict[str, str]]:
    """Problems with a tile address (empty when it exists), as {"field", "message"}."""
    problems: list[dict[str, str]] = []
    if not 0 <= z <= MAX_ZOOM:
        problems.append({"field": "z", "message": f"缩放级别应在 0–{MAX_ZOOM} 之间 (zoom out of range)"})
        return problems
    n = 2**z
    for name, v in (("x", x), ("y", y)):
        if not 0 <= v < n:
            problems.append({"field": name, "message": f"在 z={z} 时应在 0–{n - 1} 之间 (out of range)"})
    return problems


def _envelope(buffer: int) -> str:
    return f"""bounds AS (
            SELECT ST_TileEnvelope(%(z)s, %(x)s, %(y)s) AS g3857,
                   ST_Transform(ST_TileEnvelope(%(z)s, %(x)s, %(y)s, margin => {buffer / EXTENT}), 4326) AS g4326)"""


def enterprise_points_sql(f: LayerFilter) -> Query:
    cond, params = f.sql("el.current_level")
    return f"""WITH {f.cte()} {_envelope(POINT_BUFFER)},
        rows AS (
            SELECT e.id AS fid, e.id, e.name, el.current_level::text AS level, e.industry,
                   ST_AsMVTGeom(ST_Transform(e.location, 3857), bounds.g3857, {EXTENT}, {POINT_BUFFER}, true) AS geom
            FROM bounds, enterprise e JOIN enterprise_level el ON el.enterprise_id = e.id
            WHERE e.location && bounds.g4326 {cond}
            ORDER BY el.current_level DESC NULLS LAST, e.id
            LIMIT {MAX_FEATURES})
        SELECT ST_AsMVT(rows, 'enterprises', {EXTENT}, 'geom', 'fid') FROM rows""", params


#: EPSG:3857 of a lon/lat point by the spherical Mercator formulas that define it: about 4× cheaper than
#: ST_Transform per point, which counts when a low-zoom tile aggregates a whole province.
MERC_X = "ST_X(e.location) * (20037508.342789244 / 180)"
MERC_Y = "ln(tan(radians(90 + ST_Y(e.location)) / 2)) * 6378137"


def enterprise_clusters_sql(f: LayerFilter) -> Query:
    # Cells are aligned on the world grid and the margin is one whole cell, so a cell at a tile's edge
    # has the same aggregate in both tiles and its circle is drawn whole across the seam.
    cond, params = f.sql("el.current_level")
    counts = ", ".join(
        f"count(*) FILTER (WHERE coalesce(level::text, 'unassessed') = '{k}')::int AS {k}" for k in LEVEL_KEYS)
    return f"""WITH {f.cte()} {_envelope(EXTENT // CLUSTER_CELLS)},
        pts AS (
            SELECT {MERC_X} AS mx, {MERC_Y} AS my, el.current_level AS level
            FROM bounds, enterprise e JOIN enterprise_level el ON el.enterprise_id = e.id
            WHERE e.location && bounds.g4326 {cond}),
        cells AS (
            SELECT floor(mx / %(cell)s) AS ix, floor(my / %(cell)s) AS iy,
                   avg(mx) AS cx, avg(my) AS cy, count(*)::int AS count,
                   max(level)::text AS level, {counts}
            FROM pts GROUP BY 1, 2),
        rows AS (
            SELECT count, level, {', '.join(LEVEL_KEYS)},
                   ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(cx, cy), 3857), bounds.g3857, {EXTENT},
                                {EXTENT // CLUSTER_CELLS}, true) AS geom
            FROM cells, bounds)
        SELECT ST_AsMVT(rows, 'enterprise_clusters', {EXTENT}, 'geom') FROM rows""", params


def areas_sql(f: LayerFilter, z: int) -> Query:
    cond, params = f.sql("al.current_level")
    if z < AREA_ALL_ZOOM:
        cond += " AND a.kind = 'plant'"
    return f"""WITH {f.cte()} {_envelope(AREA_BUFFER)},
        rows AS (
            SELECT a.id AS fid, a.id, a.enterprise_id, a.name, a.kind::text AS kind, al.current_level::text AS level,
                   ST_AsMVTGeom(ST_Transform(a.geom, 3857), bounds.g3857, {EXTENT}, {AREA_BUFFER}, true) AS geom
            FROM bounds, area a JOIN area_level al ON al.area_id = a.id JOIN enterprise e ON e.id = a.enterprise_id
            WHERE a.geom && bounds.g4326 {cond}
            ORDER BY a.kind, a.id
            LIMIT {MAX_FEATURES})
        SELECT ST_AsMVT(rows, 'areas', {EXTENT}, 'geom', 'fid') FROM rows WHERE geom IS NOT NULL""", params


def tile_sql(layer: str, z: int, x: int, y: int, f: LayerFilter = EVERYTHING) -> Query | None:
    """The SQL and parameters of one tile, or None when the layer has nothing at this zoom."""
    if layer not in LAYERS:
        raise KeyError(layer)
    if layer == "enterprises":
        if z <= CLUSTER_MAX_ZOOM:
            sql, params = enterprise_clusters_sql(f)
            params["cell"] = WORLD_M / 2**z / CLUSTER_CELLS
        else:
            sql, params = enterprise_points_sql(f)
    else:
        if z < AREA_MIN_ZOOM:
            return None
        sql, params = areas_sql(f, z)
    params.update(z=z, x=x, y=y)
    return sql, params


def tile(conn: psycopg2.extensions.connection, layer: str, z: int, x: int, y: int,
         f: LayerFilter = EVERYTHING) -> bytes:
    """The tile's bytes (empty when it has no feature)."""
    q = tile_sql(layer, z, x, y, f)
    if q is None:
        return b""
    with conn.cursor() as cur:
        cur.execute(*q)
        row = cur.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""
