"""Regions for regulators: statistics at every level, and supervision by enterprise grade.

Statistics come from the SQL function ``region_stats_of(level, within)`` (db/migrations/0009): it
walks only the regions asked for and aggregates each enterprise's maintained risk tallies, so one
district of a 100,000-enterprise province answers in milliseconds. ``within`` is where the
jurisdiction check plugs in; :func:`subtree_sql` is the same filter for other layers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import geopandas as gpd
import psycopg2.extensions
import psycopg2.extras

from db.io import read_postgis
from layers.errors import InvalidInput, NotFound
from layers.levels import NAMES, PALETTE, UNASSESSED

#: Region levels, the largest first, and their Chinese names: the Python mirror of the database's
#: enum region_level and vocabulary domain 'region_level' (0001), the one place Python holds them.
REGION_LEVEL_ZH = {"province": "省", "city": "市", "district": "区县", "town": "镇/街道", "grid": "网格"}
REGION_LEVELS: tuple[str, ...] = tuple(REGION_LEVEL_ZH)
#: the level of a region's sub-regions (a grid has none)
CHILD_LEVEL = dict(zip(REGION_LEVELS, REGION_LEVELS[1:], strict=False))

_STATS_COLUMNS = """s.region_id, s.adcode, s.name, s.region_level::text AS region_level, s.parent_id, s.area_km2,
       s.ent_major, s.ent_significant, s.ent_general, s.ent_low, s.ent_unassessed, s.ent_total,
       s.risk_major, s.risk_significant, s.risk_general, s.risk_low, s.risk_index::float AS risk_index,
       s.region_level_colour::text AS colour_level"""


def subtree_sql(column: str) -> str:
    """SQL condition keeping rows whose ``column`` (a region id) lies in the subtree of a ``%s`` parameter."""
    return f"{column} IN (SELECT region_id FROM region_subtree(%s))"


def region_stats(conn: psycopg2.extensions.connection, *, level: str = "district",
                 within: int | None = None) -> list[dict[str, Any]]:
    """Counts by level, risk index and colour of every region at ``level`` (inside ``within``)."""
    if level not in REGION_LEVELS:
        raise InvalidInput(f"区域层级 {level!r} 未知, 应为 {'/'.join(REGION_LEVELS)} (unknown region level)")
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(f"SELECT {_STATS_COLUMNS} FROM region_stats_of(%s, %s) s ORDER BY s.adcode", [level, within])
        rows = [dict(r) for r in cur.fetchall()]
    for r in rows:
        r["colour"] = PALETTE.colour(r["colour_level"])
        r["colour_level_zh"] = NAMES[r["colour_level"] or UNASSESSED]["zh"]
    return rows


def region_stats_layer(conn: psycopg2.extensions.connection, *, level: str = "district",
                       within: int | None = None) -> gpd.GeoDataFrame:
    """The same statistics with each region's geometry (for choropleths)."""
    if level not in REGION_LEVELS:
        raise InvalidInput(f"区域层级 {level!r} 未知 (unknown region level)")
    gdf = read_postgis(
        conn,
        f"""SELECT {_STATS_COLUMNS}, ST_AsBinary(g.geom) AS geom
            FROM region_stats_of(%s, %s) s JOIN region g ON g.id = s.region_id
            ORDER BY s.adcode""",
        [level, within],
    )
    gdf["colour_level"] = gdf["colour_level"].astype(object).where(gdf["colour_level"].notna(), None)
    gdf["colour"] = [PALETTE.colour(v) for v in gdf["colour_level"]]
    return gdf


def region_exists(conn: psycopg2.extensions.connection, region_id: int) -> None:
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM region WHERE id = %s", (region_id,))
        if cur.fetchone() is None:
            raise NotFound(f"区域 {region_id} 不存在 (region not found)")


def region_count(conn: psycopg2.extensions.connection) -> int:
    """How many regions are stored (none: no city loaded yet)."""
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM region")
        return int(cur.fetchone()[0])


def region_id_of(conn: psycopg2.extensions.connection, ref: str) -> int:
    """The region an administrative code (adcode) or an id names; the adcode wins when both match."""
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM region WHERE adcode = %s OR id::text = %s ORDER BY adcode = %s DESC LIMIT 1",
                    (ref, ref, ref))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"区域 {ref} 不存在 (region not found)")
    return int(row[0])


def supervision(conn: psycopg2.extensions.connection, *, within: int | None = None, overdue_only: bool = False,
                limit: int = 500, offset: int = 0) -> list[dict[str, Any]]:
    """Each enterprise's grade, inspection frequency, last inspection and next due date."""
    params: list[int] = []
    cond = ""
    if within is not None:
        region_exists(conn, within)
        cond += " AND " + subtree_sql("e.region_id")
        params.append(within)
    if overdue_only:
        cond += " AND v.overdue"
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(
            f"""SELECT e.id AS enterprise_id, e.name, r.name AS region, v.grade::text AS grade, v.grade_basis,
                       v.every_days, v.frequency_zh, v.last_inspected, v.next_due, v.overdue
                FROM enterprise_supervision v JOIN enterprise e ON e.id = v.enterprise_id
                JOIN region r ON r.id = e.region_id
                WHERE true{cond}
                ORDER BY v.overdue DESC, v.next_due, e.id LIMIT %s OFFSET %s""",
            [*params, limit, offset],
        )
        rows = [dict(r) for r in cur.fetchall()]
    for r in rows:
        r["grade_zh"] = NAMES[r["grade"] or UNASSESSED]["zh"]
        for k in ("last_inspected", "next_due"):
            if isinstance(r[k], dt.date):
                r[k] = r[k].isoformat()
    return rows


def record_inspection(conn: psycopg2.extensions.connection, enterprise_id: int, inspected_at: dt.date,
                      inspector: str, findings: str | None = None) -> int:
    if not inspector or not inspector.strip():
        raise InvalidInput("检查人员不能为空 (inspector is required)", [{"field": "inspector", "message": "必填"}])
    if inspected_at > dt.date.today():
        raise InvalidInput("检查日期不能晚于今天 (inspection date is in the future)",
                           [{"field": "inspected_at", "message": "晚于今天"}])
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM enterprise WHERE id = %s", (enterprise_id,))
        if cur.fetchone() is None:
            raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
        cur.execute("INSERT INTO inspection (enterprise_id, inspected_at, inspector, findings) VALUES (%s,%s,%s,%s) "
                    "RETURNING id", (enterprise_id, inspected_at, inspector.strip(), findings))
        return int(cur.fetchone()[0])


#: share of a new sub-region's area that may lie outside its parent or over a sibling: boundaries
#: digitised at different scales never meet exactly
OVERLAP_TOLERANCE = 0.01


def create_region(conn: psycopg2.extensions.connection, parent_id: int, body: Any, *,
                  crs: str | None = None) -> dict[str, Any]:
    """Add a sub-region under ``parent_id`` (a town under a district, a supervision grid 网格 under a
    town, Wujin 2022 key points) from a GeoJSON Feature: 区划代码, 名称 and for a grid its 专管员 name and phone,
    checked as an edit of a region is (:func:`layers.entities.insert`). Its outline must lie within the
    parent's and overlap no sibling (up to :data:`OVERLAP_TOLERANCE` of its area). The enterprises,
    emergency resources and protection targets placed in the parent itself that lie inside the new
    region move into it, so jurisdiction and statistics follow at once; the answer says how many
    (``moved``). Runs in the caller's transaction (a refusal leaves nothing behind)."""
    from layers import entities

    with conn.cursor() as cur:
        cur.execute("SELECT level::text, name FROM region WHERE id = %s", (parent_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"上级区域 {parent_id} 不存在 (parent region not found)")
    parent_level, parent_name = row
    level = CHILD_LEVEL.get(parent_level)
    if level is None:
        raise InvalidInput(f"「{parent_name}」是网格, 不能再分 (a grid has no sub-regions)",
                           [{"field": "parent_id", "message": "grid"}])
    feature = entities.insert(conn, entities.REGIONS, body, fixed={"level": level, "parent_id": parent_id},
                              crs=crs, admin=True,
                              required=("officer_name", "officer_phone") if level == "grid" else ())
    rid = feature["id"]
    with conn.cursor() as cur:
        cur.execute("""SELECT ST_Area(ST_Difference(c.geom, p.geom)::geography) / nullif(ST_Area(c.geom::geography), 0)
                       FROM region c JOIN region p ON p.id = c.parent_id WHERE c.id = %s""", (rid,))
        outside = cur.fetchone()[0] or 0.0
        if outside > OVERLAP_TOLERANCE:
            raise InvalidInput(f"新区域有 {outside:.1%} 的面积在上级区域「{parent_name}」之外 (lies {outside:.1%} outside "
                               "its parent)", [{"field": "geometry", "message": "outside the parent region"}])
        cur.execute("""SELECT s.name, ST_Area(ST_Intersection(c.geom, s.geom)::geography)
                                      / nullif(ST_Area(c.geom::geography), 0) AS share
                       FROM region c JOIN region s ON s.parent_id = c.parent_id AND s.id <> c.id AND s.geom && c.geom
                       WHERE c.id = %s AND ST_Intersects(s.geom, c.geom) ORDER BY share DESC LIMIT 1""", (rid,))
        worst = cur.fetchone()
        if worst is not None and (worst[1] or 0.0) > OVERLAP_TOLERANCE:
            raise InvalidInput(f"新区域与同级区域「{worst[0]}」重叠 {worst[1]:.1%} (overlaps a sibling region by "
                               f"{worst[1]:.1%})", [{"field": "geometry", "message": "overlaps a sibling"}])
        moved: dict[str, int] = {}
        for table, column in (("enterprise", "location"), ("emergency_resource", "geom"), ("protection_target", "geom")):
            cur.execute(f"""UPDATE {table} t SET region_id = c.id FROM region c
                            WHERE c.id = %s AND t.region_id = %s AND t.{column} && c.geom
                              AND ST_Intersects(c.geom, t.{column})""", (rid, parent_id))
            moved[table] = cur.rowcount
    feature["properties"]["moved"] = moved
    return feature
