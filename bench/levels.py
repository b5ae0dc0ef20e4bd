"""Risk-level maintenance at province scale: a full recompute and one incremental change.

``levels_full``: ``ra_refresh_all_levels()`` (own levels from every risk, dynamic rules from open
hidden hazards, roll-up unit → workshop → plant → enterprise) after the stored levels are wiped,
against the floor: one plain ``UPDATE area_state … FROM (SELECT … FROM risk GROUP BY area_id)``
that only sets each area's own residual level (no roll-up, no dynamic rules, no enterprises) —
the least work any recompute has to do.

``levels_incremental``: one risk's residual level changes (``UPDATE risk … WHERE id = …``) and the
statement trigger refreshes its area, the ancestors and the enterprise, against the same UPDATE
with triggers off (the cost of the row change alone).

Every run happens in a transaction that is rolled back, so each run sees the same data.
"""

from __future__ import annotations

import time

from bench.harness import Context, benchmark, scalar

WIPE = ("UPDATE area_state SET own_inherent = NULL, own_residual = NULL, own_dynamic = NULL, overdue_steps = 0, "
        "risk_count = 0, inherent_level = NULL, residual_level = NULL, current_level = NULL, levels_at = NULL; "
        "UPDATE enterprise_state SET inherent_level = NULL, residual_level = NULL, current_level = NULL")
FLOOR = ("UPDATE area_state st SET own_residual = s.res FROM "
         "(SELECT area_id, max(residual_level) AS res FROM risk GROUP BY area_id) s WHERE st.area_id = s.area_id")


def _timed(conn, prepare: str | None, statement: str, params=()) -> dict:
    try:
        with conn.cursor() as cur:
            if prepare:
                cur.execute(prepare)
            t0 = time.perf_counter()
            cur.execute(statement, params)
            t = time.perf_counter() - t0
        return {"time_s": t}
    finally:
        conn.rollback()


@benchmark("levels_full", "全部风险等级重算 ra_refresh_all_levels() vs 单条 UPDATE…GROUP BY 下限 "
           "(full recompute of every level after a wipe vs the plain GROUP BY floor)", baseline="floor_group_by")
def levels_full(ctx: Context):
    conn = ctx.connect()
    n_risks = scalar(conn, "SELECT count(*) FROM risk")
    n_areas = scalar(conn, "SELECT count(*) FROM area")
    ctx.log(f"levels_full: {n_risks:,} 条风险, {n_areas:,} 个区域")
    sizes = {"risks": n_risks, "areas": n_areas}
    yield {
        "ra_refresh_all_levels": lambda: {**_timed(conn, WIPE, "SELECT ra_refresh_all_levels()"), **sizes},
        "floor_group_by": lambda: {**_timed(conn, WIPE, FLOOR), **sizes},
    }
    conn.close()


@benchmark("levels_incremental", "改变一条风险的剩余等级后的增量维护 (one risk change: trigger-maintained levels "
           "vs the same UPDATE with triggers off)", baseline="update_without_triggers")
def levels_incremental(ctx: Context):
    conn = ctx.connect()
    with conn.cursor() as cur:
        # risks whose inherent level is above their area's residual level: setting the residual level to
        # the inherent one raises the area, and the change rolls up through workshop, plant, enterprise
        cur.execute("""SELECT r.id, r.inherent_level::text FROM risk r JOIN area_state s ON s.area_id = r.area_id
                       WHERE r.inherent_level > s.residual_level ORDER BY r.id LIMIT 50""")
        ids = cur.fetchall()
    conn.rollback()
    if not ids:
        raise RuntimeError("levels_incremental: 找不到可提升等级的风险 (no risk whose change raises a level)")
    turn = {"k": 0}

    def change(triggers: bool) -> dict:
        rid, level = ids[turn["k"] % len(ids)]
        turn["k"] += 1
        prepare = None if triggers else "SET LOCAL session_replication_role = replica"
        return _timed(conn, prepare, "UPDATE risk SET residual_level = %s::risk_level WHERE id = %s", (level, rid))

    yield {"update_with_levels": lambda: change(True), "update_without_triggers": lambda: change(False)}
    conn.close()
