"""Region statistics for every district, town and grid (benchmark 2).

``riskatlas``: :func:`layers.regions.region_stats` for the three levels — enterprises by current
level, risk points by residual level, the risk index and the region colour, through the
``region_stats`` view (region subtree via ``region_descendant``, enterprises by their region id).
Floor: one SQL GROUP BY over a GiST join of region polygons and enterprise points (counts of
enterprises and of risk points by level per region, nothing else) — what a hand-written query
would do.
"""

from __future__ import annotations

from bench.harness import Context, benchmark, scalar
from layers.regions import region_stats

FLOOR = """
WITH pts AS (
    SELECT a.enterprise_id, r.residual_level AS level, count(*) AS n
    FROM risk r JOIN area a ON a.id = r.area_id GROUP BY 1, 2
), ent AS (
    SELECT e.id, e.location, es.current_level,
           coalesce(sum(p.n) FILTER (WHERE p.level = 'major'), 0) AS r_major,
           coalesce(sum(p.n) FILTER (WHERE p.level = 'significant'), 0) AS r_significant,
           coalesce(sum(p.n) FILTER (WHERE p.level = 'general'), 0) AS r_general,
           coalesce(sum(p.n) FILTER (WHERE p.level = 'low'), 0) AS r_low
    FROM enterprise e JOIN enterprise_state es ON es.enterprise_id = e.id LEFT JOIN pts p ON p.enterprise_id = e.id
    GROUP BY e.id, es.current_level
)
SELECT g.id,
       count(ent.id) FILTER (WHERE ent.current_level = 'major'),
       count(ent.id) FILTER (WHERE ent.current_level = 'significant'),
       count(ent.id) FILTER (WHERE ent.current_level = 'general'),
       count(ent.id) FILTER (WHERE ent.current_level = 'low'),
       sum(ent.r_major), sum(ent.r_significant), sum(ent.r_general), sum(ent.r_low)
FROM region g LEFT JOIN ent ON ST_Intersects(g.geom, ent.location)
WHERE g.level IN ('district', 'town', 'grid')
GROUP BY g.id
"""


@benchmark("region_stats", "每个区县、镇街、网格的统计 (counts by level, risk index, colour) vs 单条 GROUP BY + GiST "
           "空间连接下限 (single GROUP BY with a GiST join)", baseline="floor_gist_group_by")
def region_stats_bench(ctx: Context):
    conn = ctx.connect()
    n_regions = scalar(conn, "SELECT count(*) FROM region WHERE level IN ('district', 'town', 'grid')")

    def ours() -> dict:
        n = sum(len(region_stats(conn, level=lv)) for lv in ("district", "town", "grid"))
        conn.rollback()
        return {"regions": n}

    def floor() -> dict:
        with conn.cursor() as cur:
            cur.execute(FLOOR)
            n = len(cur.fetchall())
        conn.rollback()
        return {"regions": n}

    ctx.log(f"region_stats: {n_regions:,} 个区域")
    yield {"riskatlas_region_stats": ours, "floor_gist_group_by": floor}
    conn.close()
