"""The audit trail of one enterprise (Qitaihe plan: 痕迹化): who changed what, when, before and after.

Rows come from ``audit_log`` (written by the ``ra_audit`` trigger on every change to risk data; the
actor is the logged-in account), and by the few reads that open a window through row-level
security (action READ: the neighbours to notify of a scenario, 0019), for the enterprise's own rows and those below it (areas, risks,
measures, hidden hazards and their photos, hazard sources, lists). Row-level security limits them
to what the caller may see. Each row carries the fields that changed, with old and new values.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import psycopg2.extensions
import psycopg2.extras

from layers.errors import InvalidInput, NotFound

#: What each audited table is called in Chinese.
TABLE_ZH = {
    "enterprise": "企业", "area": "区域", "risk": "风险", "control_measure": "管控措施", "hidden_hazard": "隐患",
    "hidden_hazard_photo": "隐患照片", "hazard_source": "重大危险源", "hazard_source_inventory": "危险化学品存量",
    "management_post": "管理岗位", "management_risk": "管理岗位风险", "management_control_measure": "管理岗位措施",
    "inspection": "执法检查", "scenario": "事故情景",
}
ACTION_ZH = {"INSERT": "新增", "UPDATE": "修改", "DELETE": "删除", "BULK": "批量", "READ": "查阅"}
#: Columns that change on every write and say nothing to a reader.
_NOISE = {"updated_at", "levels_at"}


def set_actor(conn: psycopg2.extensions.connection, actor: str) -> None:
    """Record ``actor`` as who makes the changes of the current transaction (the ``ra_audit``
    trigger reads it), for a connection not scoped to a user."""
    with conn.cursor() as cur:
        cur.execute("SELECT set_config('riskatlas.actor', %s, true)", (actor,))


def changes(before: dict | None, after: dict | None) -> list[dict[str, Any]]:
    """The fields whose value differs between ``before`` and ``after`` (all of them for an insert or a delete)."""
    b, a = before or {}, after or {}
    keys = [k for k in dict.fromkeys([*b, *a]) if k not in _NOISE]
    return [{"field": k, "before": b.get(k), "after": a.get(k)} for k in keys if b.get(k) != a.get(k)]


def enterprise_audit(conn: psycopg2.extensions.connection, enterprise_id: int, *, table: str | None = None,
                     limit: int = 100, offset: int = 0) -> tuple[int, list[dict[str, Any]]]:
    """``(total, page)`` of the enterprise's audit rows, newest first."""
    if table is not None and table not in TABLE_ZH:
        raise InvalidInput(f"对象类型 {table!r} 未知, 应为 {'/'.join(TABLE_ZH)} (unknown table)",
                           [{"field": "table", "message": "unknown table"}])
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("SELECT name FROM enterprise WHERE id = %s", (enterprise_id,))
        if cur.fetchone() is None:
            raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
        cond = "enterprise_id = %s"
        params: list[int | str] = [enterprise_id]
        if table is not None:
            cond += " AND table_name = %s"
            params.append(table)
        cur.execute(f"SELECT count(*) AS n FROM audit_log WHERE {cond}", params)
        total = cur.fetchone()["n"]
        cur.execute(f"""SELECT id, at, actor, table_name, row_id, action, before, after, note, enterprise_id
                        FROM audit_log WHERE {cond} ORDER BY at DESC, id DESC LIMIT %s OFFSET %s""",
                    [*params, limit, offset])
        rows = []
        for r in cur.fetchall():
            r = dict(r)
            r["at"] = r["at"].isoformat() if isinstance(r["at"], dt.datetime) else r["at"]
            r["table_zh"] = TABLE_ZH.get(r["table_name"], r["table_name"])
            r["action_zh"] = ACTION_ZH.get(r["action"], r["action"])
            r["changes"] = changes(r.pop("before"), r.pop("after"))
            rows.append(r)
    return total, rows
