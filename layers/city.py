"""The regulators' city map: its layers as typed queries (GeoDataFrames), all under one filter.

Every query takes a :class:`layers.filters.LayerFilter` (``within`` = a region id whose subtree is kept, the
place where the jurisdiction check plugs in; industries; levels), the same filter the vector tiles take,
so the page, the tiles, the static maps and the exports always show the same enterprises.
Levels are the current levels of the views ``enterprise_level`` / ``area_level``; colours come from
:data:`layers.levels.PALETTE` only.

:func:`city_layers` gathers what the interactive city page shows (:class:`CityLayers`, drawn by
:mod:`maps.city_map`); the static maps add the regions :func:`outlined_regions` picks.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import psycopg2.extensions

from db.io import read_postgis
from layers.errors import InvalidInput, NotFound
from layers.filters import EVERYTHING, LEVEL_KEYS, LayerFilter
from layers.levels import NAMES, PALETTE, UNASSESSED, parse_level
from layers.regions import REGION_LEVELS

#: The region levels drawn as choropleths on the city page, coarse to fine: districts, towns, grids.
CHOROPLETH_LEVELS: tuple[str, ...] = REGION_LEVELS[REGION_LEVELS.index("district"):]


def industries(conn: psycopg2.extensions.connection) -> dict[str, str]:
    """Industry code → Chinese name, in the vocabulary's order."""
    with conn.cursor() as cur:
        cur.execute("SELECT code, name_zh FROM industry ORDER BY ord")
        return dict(cur.fetchall())


def _split(value: str | list[str] | tuple[str, ...] | None) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value.split(",") if isinstance(value, str) else list(value)
    return tuple(dict.fromkeys(s.strip() for s in items if s and s.strip()))


def parse_filter(conn: psycopg2.extensions.connection, *, within: int | None = None,
                 industry: str | list[str] | None = None, level: str | list[str] | None = None) -> LayerFilter:
    """A checked filter from request values: the region must exist (404), industries and levels must be
    known (422, naming the field). Levels may be codes (major), 重大风险/重大/红, or 未评估/unassessed."""
    if within is not None:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM region WHERE id = %s", (within,))
            if cur.fetchone() is None:
                raise NotFound(f"区域 {within} 不存在 (region not found)")
    codes = _split(industry)
    if codes:
        known = industries(conn)
        by_name = {v: k for k, v in known.items()}
        resolved = []
        for c in codes:
            if c in known or c in by_name:
                resolved.append(c if c in known else by_name[c])
            else:
                raise InvalidInput(f"行业 {c!r} 未知, 应为 {'/'.join(known)} (unknown industry)",
                                   [{"field": "industry", "message": f"unknown industry {c!r}"}])
        codes = tuple(resolved)
    levels = []
    for lv in _split(level):
        if lv in (UNASSESSED, NAMES[UNASSESSED]["zh"]):
            levels.append(UNASSESSED)
            continue
        try:
            levels.append(parse_level(lv).value)  # type: ignore[union-attr]
        except (ValueError, AttributeError):
            raise InvalidInput(f"风险等级 {lv!r} 未知, 应为 {'/'.join(LEVEL_KEYS)} (unknown level)",
                               [{"field": "level", "message": f"unknown level {lv!r}"}]) from None
    return LayerFilter(within=within, industries=codes, levels=tuple(levels))


def _with_colours(gdf: gpd.GeoDataFrame, col: str = "level") -> gpd.GeoDataFrame:
    gdf[col] = gdf[col].astype(object).where(gdf[col].notna(), None)
    gdf["level_zh"] = [NAMES[v or UNASSESSED]["zh"] for v in gdf[col]]
    gdf["colour"] = [PALETTE.colour(v) for v in gdf[col]]
    return gdf


def _params(f: LayerFilter, level_expr: str) -> tuple[str, str, dict]:
    cond, params = f.sql(level_expr)
    cte = f"WITH {f.cte().rstrip(',')}" if f.within is not None else ""
    return cte, cond, params


def enterprises_layer(conn: psycopg2.extensions.connection, f: LayerFilter = EVERYTHING, *,
                      limit: int | None = None) -> gpd.GeoDataFrame:
    """Enterprises (points) with their key facts and current level, the highest levels first."""
    cte, cond, params = _params(f, "el.current_level")
    gdf = read_postgis(conn, f"""{cte}
        SELECT e.id, e.name, e.uscc, e.industry, i.name_zh AS industry_zh, e.scale::text AS scale, e.employees,
               e.address, r.name AS region, e.region_id, el.current_level::text AS level,
               el.residual_level::text AS residual_level, el.inherent_level::text AS inherent_level,
               ST_AsBinary(e.location) AS geom
        FROM enterprise e JOIN enterprise_level el ON el.enterprise_id = e.id
        JOIN industry i ON i.code = e.industry JOIN region r ON r.id = e.region_id
        WHERE true {cond}
        ORDER BY el.current_level DESC NULLS LAST, e.id
        {'LIMIT %(limit)s' if limit else ''}""", {**params, "limit": limit})
    return _with_colours(gdf)


def areas_layer(conn: psycopg2.extensions.connection, f: LayerFilter = EVERYTHING, *,
                limit: int | None = None) -> gpd.GeoDataFrame:
    """Plant areas (plants, workshops, units, posts, buildings) with their current level."""
    cte, cond, params = _params(f, "al.current_level")
    gdf = read_postgis(conn, f"""{cte}
        SELECT a.id, a.enterprise_id, e.name AS enterprise, a.code, a.name, a.kind::text AS kind, a.parent_id,
               al.current_level::text AS level, al.risk_count, ST_AsBinary(a.geom) AS geom
        FROM area a JOIN area_level al ON al.area_id = a.id JOIN enterprise e ON e.id = a.enterprise_id
        WHERE true {cond}
        ORDER BY a.enterprise_id, a.kind, a.id
        {'LIMIT %(limit)s' if limit else ''}""", {**params, "limit": limit})
    gdf["parent_id"] = gdf["parent_id"].astype("Int64")
    return _with_colours(gdf)


def regions_layer(conn: psycopg2.extensions.connection, level: str = "district",
                  f: LayerFilter = EVERYTHING, *, simplify_m: float = 0.0) -> gpd.GeoDataFrame:
    """Regions at ``level`` inside ``f.within`` with counts by level, risk index and region colour
    (:func:`layers.regions.region_stats_layer`), optionally simplified by ``simplify_m`` metres."""
    from layers.regions import region_stats_layer

    gdf = region_stats_layer(conn, level=level, within=f.within)
    gdf["level_zh"] = [NAMES[v or UNASSESSED]["zh"] for v in gdf["colour_level"]]
    if simplify_m > 0 and not gdf.empty:
        tol = simplify_m / 111_320.0
        gdf["geometry"] = gdf.geometry.simplify(tol, preserve_topology=True)
    return gdf


def hazard_sources_layer(conn: psycopg2.extensions.connection, f: LayerFilter = EVERYTHING, *,
                         major_only: bool = True) -> gpd.GeoDataFrame:
    """重大危险源 (GB 18218 graded) of the enterprises inside the filter."""
    from layers.hazard_source import hazard_sources

    gdf = hazard_sources(conn, region_id=f.within, major_only=major_only)
    if f.industries or f.levels:
        gdf = gdf[gdf["enterprise_id"].isin(enterprise_ids(conn, f))]
    return gdf.reset_index(drop=True)


def enterprise_ids(conn: psycopg2.extensions.connection, f: LayerFilter = EVERYTHING) -> set[int]:
    """Ids of the enterprises inside the filter."""
    cte, cond, params = _params(f, "el.current_level")
    with conn.cursor() as cur:
        cur.execute(f"""{cte} SELECT e.id FROM enterprise e JOIN enterprise_level el ON el.enterprise_id = e.id
                        WHERE true {cond}""", params)
        return {r[0] for r in cur.fetchall()}


def hidden_hazards_layer(conn: psycopg2.extensions.connection, f: LayerFilter = EVERYTHING, *,
                         open_major_only: bool = True) -> gpd.GeoDataFrame:
    """Hidden hazards (points: their own location, else their area's, else their enterprise's);
    by default only open 重大隐患."""
    cte, cond, params = _params(f, "el.current_level")
    extra = " AND h.grade = 'major' AND h.status <> 'closed'" if open_major_only else ""
    return read_postgis(conn, f"""{cte}
        SELECT h.id, h.enterprise_id, e.name AS enterprise, h.description, h.grade::text AS grade,
               gv.name_zh AS grade_zh, h.status::text AS status, sv.name_zh AS status_zh, h.deadline::text AS deadline,
               h.supervised, ST_AsBinary(coalesce(h.location, ST_PointOnSurface(a.geom), e.location)) AS geom
        FROM hidden_hazard h JOIN enterprise e ON e.id = h.enterprise_id
        JOIN enterprise_level el ON el.enterprise_id = e.id
        LEFT JOIN area a ON a.id = h.area_id
        JOIN vocabulary gv ON gv.domain = 'hazard_grade' AND gv.code = h.grade::text
        JOIN vocabulary sv ON sv.domain = 'hazard_status' AND sv.code = h.status::text
        WHERE true {extra} {cond}
        ORDER BY h.grade DESC, h.deadline NULLS LAST, h.id""", params)


def heat_points(conn: psycopg2.extensions.connection, f: LayerFilter = EVERYTHING, *,
                cell_m: float = 300.0, limit: int = 5000) -> list[tuple[float, float, float]]:
    """Heat-map points (lat, lon, weight): enterprises aggregated on a ``cell_m`` grid, each weighted by
    its level's weight from ``region_index_config`` (the region risk index's weights), the heaviest
    ``limit`` cells. Bounded whatever the number of enterprises."""
    cte, cond, params = _params(f, "el.current_level")
    deg = cell_m / 111_320.0
    with conn.cursor() as cur:
        cur.execute(f"""{cte}
            SELECT avg(ST_Y(e.location)), avg(ST_X(e.location)), sum(ra_level_weight(el.current_level))::float AS w
            FROM enterprise e JOIN enterprise_level el ON el.enterprise_id = e.id
            WHERE el.current_level IS NOT NULL {cond}
            GROUP BY floor(ST_X(e.location) / %(deg)s), floor(ST_Y(e.location) / %(deg)s)
            ORDER BY w DESC LIMIT %(limit)s""", {**params, "deg": deg, "limit": limit})
        return [(round(a, 6), round(b, 6), w) for a, b, w in cur.fetchall()]


def extent(conn: psycopg2.extensions.connection, f: LayerFilter = EVERYTHING) -> tuple[float, float, float, float]:
    """(min lon, min lat, max lon, max lat) of the region ``f.within`` (else of every city/district)."""
    with conn.cursor() as cur:
        if f.within is not None:
            cur.execute("SELECT ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g) FROM "
                        "(SELECT geom::box2d AS g FROM region WHERE id = %s) s", (f.within,))
        else:
            cur.execute("SELECT ST_XMin(g), ST_YMin(g), ST_XMax(g), ST_YMax(g) FROM "
                        "(SELECT ST_Extent(geom) AS g FROM region WHERE level IN ('city', 'district')) s")
        row = cur.fetchone()
    if row is None or row[0] is None:
        return (73.5, 18.0, 135.1, 53.6)   # China
    return tuple(float(v) for v in row)  # type: ignore[return-value]


def region_level(conn: psycopg2.extensions.connection, region_id: int | None) -> str | None:
    """The level (city, district, town, grid) of a region; None for no region."""
    if region_id is None:
        return None
    with conn.cursor() as cur:
        cur.execute("SELECT level::text FROM region WHERE id = %s", (region_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"区域 {region_id} 不存在 (region not found)")
    return row[0]


def region_name(conn: psycopg2.extensions.connection, region_id: int | None) -> str:
    if region_id is None:
        # the one top region (a province, or a city loaded without its province); several: all of them
        with conn.cursor() as cur:
            cur.execute("SELECT name FROM region WHERE parent_id IS NULL ORDER BY level, id LIMIT 2")
            rows = cur.fetchall()
        return rows[0][0] if len(rows) == 1 else "全部区域"
    with conn.cursor() as cur:
        cur.execute("SELECT name FROM region WHERE id = %s", (region_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"区域 {region_id} 不存在 (region not found)")
    return row[0]


def level_counts(conn: psycopg2.extensions.connection, f: LayerFilter = EVERYTHING) -> dict[str, int]:
    """Enterprises inside the filter by current level (key ``unassessed`` for none)."""
    cte, cond, params = _params(f, "el.current_level")
    with conn.cursor() as cur:
        cur.execute(f"""{cte} SELECT coalesce(el.current_level::text, 'unassessed'), count(*)
            FROM enterprise e JOIN enterprise_level el ON el.enterprise_id = e.id WHERE true {cond} GROUP BY 1""",
                    params)
        counts = dict(cur.fetchall())
    return {k: int(counts.get(k, 0)) for k in LEVEL_KEYS}


def region_choices(conn: psycopg2.extensions.connection, root: int | None = None) -> list[tuple[int, str, str]]:
    """(id, name, level) of the city, district and town regions under ``root`` (the jurisdiction),
    in tree order, for the page's region filter."""
    with conn.cursor() as cur:
        cur.execute("""
            WITH RECURSIVE t (id, name, level, path) AS (
                SELECT id, name, level, ARRAY[adcode] FROM region
                WHERE CASE WHEN %(root)s::int IS NULL THEN parent_id IS NULL ELSE id = %(root)s::int END
                UNION ALL
                SELECT r.id, r.name, r.level, t.path || r.adcode FROM region r JOIN t ON r.parent_id = t.id
                WHERE r.level IN ('city', 'district', 'town'))
            SELECT id, name, level::text FROM t WHERE level IN ('province', 'city', 'district', 'town') ORDER BY path""",
                    {"root": root})
        return [(int(i), n, lv) for i, n, lv in cur.fetchall()]


# ------------------------------------------------------------------------------------------------
# the city page as a whole
# ------------------------------------------------------------------------------------------------


@dataclass
class CityLayers:
    """What the city page shows (all already filtered to the jurisdiction)."""

    title: str                                      # the region's name, e.g. 常州市
    bounds: tuple[float, float, float, float]       # lon/lat of the region
    region_levels: tuple[str, ...]                  # choropleth levels offered (loaded lazily from region_url)
    heat: list[tuple[float, float, float]]          # heat_points
    hazard_sources: gpd.GeoDataFrame                # hazard_sources_layer
    hidden_hazards: gpd.GeoDataFrame                # hidden_hazards_layer
    counts: dict[str, int]                          # enterprises by level
    industries: dict[str, str]                      # code → 中文
    region_choices: list[tuple[int, str, str]] = field(default_factory=list)   # (id, name, level)
    within: int | None = None
    within_level: str | None = None                 # the level of ``within`` (city, district, town, grid)
    industry: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()

    @property
    def filter(self) -> LayerFilter:
        """The filter every layer of the page was read with."""
        return LayerFilter(within=self.within, industries=self.industry, levels=self.levels)

    @property
    def is_city(self) -> bool:
        """Whether the page covers a city (or more) rather than a district, a town or a grid."""
        return self.within_level in (None, "city", "province")


def city_layers(conn: psycopg2.extensions.connection, *, within: int | None = None,
                industry: str | list[str] | None = None, level: str | list[str] | None = None,
                heat_limit: int = 5000) -> CityLayers:
    """Everything the city page shows for a filter given as request values (checked by
    :func:`parse_filter`: NotFound for an unknown region, InvalidInput for an unknown industry or level);
    at most ``heat_limit`` heat-map cells."""
    f = parse_filter(conn, within=within, industry=industry, level=level)
    return CityLayers(
        title=region_name(conn, f.within),
        bounds=extent(conn, f),
        region_levels=CHOROPLETH_LEVELS,
        heat=heat_points(conn, f, limit=heat_limit),
        hazard_sources=hazard_sources_layer(conn, f),
        hidden_hazards=hidden_hazards_layer(conn, f),
        counts=level_counts(conn, f),
        industries=industries(conn),
        region_choices=region_choices(conn),
        within=f.within, within_level=region_level(conn, f.within), industry=f.industries, levels=f.levels,
    )


def outlined_regions(conn: psycopg2.extensions.connection,
                     layers: CityLayers) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The regions a static city map fills and outlines, ``(outer, inner)``: the districts (or, for a
    town or a grid, which has none, the region itself) and the towns inside them (grids inside a town
    or a grid)."""
    f, level = layers.filter, layers.within_level
    outer = regions_layer(conn, "district", f)
    if outer.empty and level in ("town", "grid"):
        outer = regions_layer(conn, level, f)
    inner = regions_layer(conn, "grid" if level in ("town", "grid") else "town", f)
    return outer, inner
