"""The plant layer: one enterprise's plant -> workshop -> unit/post areas with their levels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import psycopg2.extensions

from db.io import read_postgis
from layers.errors import NotFound
from layers.levels import NAMES, PALETTE, UNASSESSED

Basis = Literal["residual", "inherent"]


@dataclass(frozen=True)
class EnterpriseInfo:
    id: int
    uscc: str
    name: str
    industry: str
    industry_zh: str
    scale: str
    employees: int
    address: str | None
    region_id: int
    region_name: str
    district_name: str | None
    inherent_level: str | None
    residual_level: str | None


def enterprise_info(conn: psycopg2.extensions.connection, enterprise_id: int) -> EnterpriseInfo:
    with conn.cursor() as cur:
        cur.execute(
            """SELECT e.id, e.uscc, e.name, e.industry, i.name_zh, e.scale::text, e.employees, e.address,
                      e.region_id, r.name,
                      (SELECT d.name FROM region d WHERE d.level = 'district'
                         AND ST_Intersects(d.geom, e.location) LIMIT 1),
                      el.inherent_level::text, el.residual_level::text
               FROM enterprise e
               JOIN industry i ON i.code = e.industry
               JOIN region r ON r.id = e.region_id
               JOIN enterprise_level el ON el.enterprise_id = e.id
               WHERE e.id = %s""",
            (enterprise_id,),
        )
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
    return EnterpriseInfo(*row)


_AREAS_SQL = """
SELECT a.id, a.parent_id, a.kind::text AS kind, a.code, a.name, a.floor, a.headcount,
       al.inherent_level::text AS inherent_level, al.residual_level::text AS residual_level,
       al.risk_count, ST_AsBinary(a.geom) AS geom
FROM area a
JOIN area_level al ON al.area_id = a.id
WHERE a.enterprise_id = %s
ORDER BY CASE a.kind WHEN 'plant' THEN 0 WHEN 'building' THEN 1 WHEN 'workshop' THEN 2 ELSE 3 END, a.code
"""


def plant_areas(
    conn: psycopg2.extensions.connection, enterprise_id: int, basis: Basis = "residual"
) -> gpd.GeoDataFrame:
    """Every area of one enterprise, with ``level`` (by ``basis``), its Chinese name and colour."""
    if basis not in ("residual", "inherent"):
        raise ValueError(f"basis 应为 residual 或 inherent, 实为 {basis!r}")
    gdf = read_postgis(conn, _AREAS_SQL, (enterprise_id,))
    if gdf.empty:
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM enterprise WHERE id = %s", (enterprise_id,))
            if cur.fetchone() is None:
                raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
    gdf["level"] = gdf[f"{basis}_level"]
    # Buildings carry no risks: they are drawn neutral, not "unassessed".
    keys = gdf["level"].where(gdf["level"].notna(), UNASSESSED)
    gdf["level_zh"] = [NAMES[k]["zh"] if kind != "building" else "" for k, kind in zip(keys, gdf["kind"], strict=False)]
    gdf["colour"] = [PALETTE.colour(k) if kind != "building" else None for k, kind in zip(keys, gdf["kind"], strict=False)]
    return gdf
