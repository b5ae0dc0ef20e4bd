"""The plant layer: one enterprise's plant -> workshop -> unit/post areas with their levels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import psycopg2.extensions
import psycopg2.extras

from db.io import read_postgis
from layers.errors import InvalidInput, NotFound
from layers.levels import NAMES, PALETTE, UNASSESSED
from layers.text import like_pattern

Basis = Literal["residual", "inherent", "current"]

#: Chinese names of the bases a map can be coloured by.
BASIS_ZH: dict[str, str] = {
    "residual": "现有风险",
    "inherent": "固有风险",
    "current": "当前风险(含隐患动态调整)",
}


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
                      (SELECT d.name FROM region_closure c JOIN region d ON d.id = c.ancestor_id
                       WHERE c.region_id = e.region_id AND d.level = 'district' LIMIT 1),
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


def list_enterprises(conn: psycopg2.extensions.connection, *, q: str | None = None, limit: int = 50,
                     offset: int = 0) -> tuple[int, list[dict]]:
    """``(total, page)`` of the enterprises (by id; ``q`` a name fragment): id, name, uscc, industry_zh,
    scale, residual_level, inherent_level, area_count."""
    params: list = []
    where = ""
    if q:
        where = "WHERE e.name ILIKE %s"
        params.append(like_pattern(q))
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(f"SELECT count(*) AS n FROM enterprise e {where}", params)
        total = cur.fetchone()["n"]
        # the page's ids first: the per-row columns are then computed for 50 rows, not for every
        # row the offset skips (340 ms → 10 ms at offset 90,000 of 100,000)
        cur.execute(
            f"""WITH page AS (SELECT e.id FROM enterprise e {where} ORDER BY e.id LIMIT %s OFFSET %s)
                SELECT e.id, e.name, e.uscc, i.name_zh AS industry_zh, e.scale::text AS scale,
                       el.residual_level::text AS residual_level, el.inherent_level::text AS inherent_level,
                       (SELECT count(*) FROM area a WHERE a.enterprise_id = e.id) AS area_count
                FROM page JOIN enterprise e ON e.id = page.id JOIN industry i ON i.code = e.industry
                JOIN enterprise_level el ON el.enterprise_id = e.id
                ORDER BY e.id""",
            [*params, limit, offset],
        )
        return total, [dict(r) for r in cur.fetchall()]


def drawn_enterprises(conn: psycopg2.extensions.connection) -> list[int]:
    """The enterprises whose plant is drawn down to units or posts below its workshops, by id."""
    with conn.cursor() as cur:
        cur.execute("""SELECT DISTINCT e.id FROM enterprise e JOIN area a ON a.enterprise_id = e.id
                       WHERE a.kind IN ('unit', 'post') ORDER BY e.id""")
        return [r[0] for r in cur.fetchall()]


_AREAS_SQL = """
SELECT a.id, a.parent_id, a.kind::text AS kind, a.code, a.name, a.floor, a.headcount,
       al.inherent_level::text AS inherent_level, al.residual_level::text AS residual_level,
       al.current_level::text AS current_level, al.risk_count, ST_AsBinary(a.geom) AS geom
FROM area a
JOIN area_level al ON al.area_id = a.id
WHERE a.enterprise_id = %s
ORDER BY CASE a.kind WHEN 'plant' THEN 0 WHEN 'building' THEN 1 WHEN 'workshop' THEN 2 ELSE 3 END, a.code
"""


def plant_areas(
    conn: psycopg2.extensions.connection, enterprise_id: int, basis: Basis = "residual"
) -> gpd.GeoDataFrame:
    """Every area of one enterprise, with ``level`` (by ``basis``: residual 现有, inherent 固有 or current
    当前 = residual raised by the dynamic rules of open hidden hazards), its Chinese name and colour."""
    if basis not in BASIS_ZH:
        raise ValueError(f"basis 应为 residual、inherent 或 current, 实为 {basis!r}")
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


# ------------------------------------------------------------------------------------------------
# What the printed plant and workshop maps need beyond the areas (issue 5)
# ------------------------------------------------------------------------------------------------

#: Mark kinds of :func:`plant_marks`, in legend order, with their Chinese names.
MARK_KINDS: dict[str, str] = {
    "hazard_source": "重大危险源",
    "hazard_major": "重大隐患(未闭环)",
    "hazard_general": "一般隐患(未闭环)",
    "exit": "厂区出入口(疏散出口)",
    "assembly_point": "应急集合点",
    "rescue": "应急物资/救援点",
    "road": "道路",
}

#: A road end this close to the plant fence (metres) is a gate: where people leave the plant.
GATE_TOLERANCE_M = 3.0

_MARKS_SQL = """
WITH plant AS (
    SELECT a.geom FROM area a WHERE a.enterprise_id = %(e)s AND a.kind = 'plant'
), fence AS (
    SELECT ST_Union(geom) AS geom FROM plant
)
SELECT 'hazard_source' AS kind, hs.code AS code, hs.name, NULL::text AS grade, NULL::text AS status,
       ST_AsBinary(coalesce(hs.boundary, hs.location)) AS geom
FROM hazard_source hs WHERE hs.enterprise_id = %(e)s
UNION ALL
SELECT CASE h.grade WHEN 'major' THEN 'hazard_major' ELSE 'hazard_general' END, h.id::text, h.description,
       h.grade::text, h.status::text, ST_AsBinary(coalesce(h.location, ST_PointOnSurface(a.geom)))
FROM hidden_hazard h LEFT JOIN area a ON a.id = h.area_id
WHERE h.enterprise_id = %(e)s AND h.status <> 'closed' AND coalesce(h.location, a.geom) IS NOT NULL
UNION ALL
SELECT CASE er.kind WHEN 'shelter' THEN 'assembly_point' ELSE 'rescue' END, er.id::text, er.name, er.kind::text,
       NULL, ST_AsBinary(er.geom)
FROM emergency_resource er JOIN fence f ON ST_Intersects(er.geom, f.geom)
UNION ALL
SELECT DISTINCT ON (ST_AsBinary(v.pt)) 'exit', r.id::text, '厂区出入口', NULL, NULL, ST_AsBinary(v.pt)
FROM fence f JOIN road r ON ST_DWithin(r.geom, f.geom, 0.001)
CROSS JOIN LATERAL (VALUES (ST_StartPoint(r.geom)), (ST_EndPoint(r.geom))) AS v(pt)
WHERE ST_DWithin(v.pt::geography, ST_Boundary(f.geom)::geography, %(gate)s)
UNION ALL
SELECT 'road', r.id::text, coalesce(r.name, ''), r.class::text, NULL,
       ST_AsBinary(ST_Intersection(r.geom, ST_Envelope(ST_Buffer(f.geom::geography, %(pad)s)::geometry)))
FROM fence f JOIN road r ON ST_DWithin(r.geom::geography, f.geom::geography, %(pad)s)
"""


def plant_marks(conn: psycopg2.extensions.connection, enterprise_id: int, *, pad_m: float = 40.0) -> gpd.GeoDataFrame:
    """The marks of a plant map (EPSG:4326), one row each with ``kind`` (a key of :data:`MARK_KINDS`),
    ``code``, ``name``, ``grade``, ``status``:

    * 重大危险源 (``hazard_source``): its boundary where recorded, else its point;
    * open 隐患 (not 已闭环), ``hazard_major`` / ``hazard_general`` by grade, at their location (or on
      their area when no location was recorded);
    * emergency resources inside the plant fence: 应急避难场所 (shelter) as ``assembly_point``
      (a plant's 应急集合点), the other kinds as ``rescue``;
    * ``exit``: where a road ends on the plant fence (within :data:`GATE_TOLERANCE_M`), i.e. the gates;
    * ``road``: roads within ``pad_m`` of the plant, clipped to that box (context, drawn neutral)."""
    gdf = read_postgis(conn, _MARKS_SQL, {"e": enterprise_id, "gate": GATE_TOLERANCE_M, "pad": pad_m})
    if not gdf.empty:
        gdf = gdf[~gdf.geometry.is_empty].reset_index(drop=True)
    return gdf


@dataclass(frozen=True)
class WorkshopInfo:
    id: int
    enterprise_id: int
    code: str
    name: str


def workshop_info(conn: psycopg2.extensions.connection, area_id: int) -> WorkshopInfo:
    """The workshop ``area_id``; NotFound if there is no such area, InvalidInput if it is not a workshop."""
    with conn.cursor() as cur:
        cur.execute("SELECT id, enterprise_id, code, name, kind::text FROM area WHERE id = %s", (area_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"区域 {area_id} 不存在 (area not found)")
    if row[4] != "workshop":
        raise InvalidInput(f"区域 {area_id}({row[3]}) 不是车间, 而是 {row[4]} (area is not a workshop)",
                           [{"field": "area_id", "message": f"区域类型为 {row[4]}, 车间图需要 workshop"}])
    return WorkshopInfo(row[0], row[1], row[2], row[3])


def descendant_ids(areas: gpd.GeoDataFrame, root_id: int) -> set[int]:
    """``root_id`` and every area below it in ``areas`` (rows of :func:`plant_areas`)."""
    children: dict[int, list[int]] = {}
    for aid, parent in zip(areas["id"], areas["parent_id"], strict=True):
        if parent == parent and parent is not None:  # not NaN
            children.setdefault(int(parent), []).append(int(aid))
    out, todo = set(), [root_id]
    while todo:
        a = todo.pop()
        if a not in out:
            out.add(a)
            todo.extend(children.get(a, []))
    return out
