"""The plant layer: one enterprise's plant -> workshop -> unit/post areas with their levels."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import psycopg2.extensions
import psycopg2.extras

from db.io import read_postgis
from db.sql import statements
from layers.errors import InvalidInput, NotFound
from layers.levels import NAMES, PALETTE, UNASSESSED
from layers.text import like_pattern

SQL = statements(__file__)

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
            SQL["enterprise_info"],
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
        # row the offset skips
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


def plant_areas(
    conn: psycopg2.extensions.connection, enterprise_id: int, basis: Basis = "residual"
) -> gpd.GeoDataFrame:
    """Every area of one enterprise, with ``level`` (by ``basis``: residual 现有, inherent 固有 or current
    当前 = residual raised by the dynamic rules of open hidden hazards), its Chinese name and colour."""
    if basis not in BASIS_ZH:
        raise ValueError(f"basis 应为 residual、inherent 或 current, 实为 {basis!r}")
    gdf = read_postgis(conn, SQL["areas"], (enterprise_id,))
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
# What the printed plant and workshop maps need beyond the areas
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
    gdf = read_postgis(conn, SQL["marks"], {"e": enterprise_id, "gate": GATE_TOLERANCE_M, "pad": pad_m})
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
