"""Why an area or an enterprise has its level: the chain of risks, children and dynamic rules.

The levels themselves are maintained in PostGIS (db/migrations/0002_levels.sql); this module reads
them and explains them, following the determining child down to the risk or hidden hazard at the
bottom of the chain.
"""

from __future__ import annotations

from typing import Any, Literal

import psycopg2.extensions
import psycopg2.extras

from layers.errors import NotFound
from layers.levels import NAMES, UNASSESSED

Basis = Literal["inherent", "residual", "current"]
#: A row or explanation node as a dict (JSON for the API).
Node = dict[str, Any]
_RANK = {None: 0, "low": 1, "general": 2, "significant": 3, "major": 4}


def _zh(level: str | None) -> str:
    return NAMES[level or UNASSESSED]["zh"]


class _Tree:
    """One enterprise's areas with their level state, the risks of each area and its open hidden
    hazards, read in three queries (the explanation walks it in memory: it used to ask the
    database two to four times per area on its way down)."""

    def __init__(self, cur: psycopg2.extensions.cursor, enterprise_id: int) -> None:
        cur.execute(
            """SELECT a.id, a.enterprise_id, a.parent_id, a.kind::text AS kind, a.code, a.name,
                      s.own_inherent::text AS own_inherent, s.own_residual::text AS own_residual,
                      s.own_dynamic::text AS own_dynamic, s.overdue_steps,
                      s.inherent_level::text AS inherent, s.residual_level::text AS residual,
                      s.current_level::text AS current
               FROM area a JOIN area_state s ON s.area_id = a.id
               WHERE a.enterprise_id = %s ORDER BY a.code""",
            (enterprise_id,),
        )
        self.areas: dict[int, Node] = {}
        self.children: dict[int | None, list[Node]] = {}
        for row in cur.fetchall():              # in code order: children lists keep it
            a = dict(row)
            self.areas[a["id"]] = a
            self.children.setdefault(a["parent_id"], []).append(a)
        cur.execute(
            """SELECT r.id, r.area_id, r.code, r.name, r.method::text AS method, r.score,
                      r.inherent_level::text AS inherent_level, r.residual_level::text AS residual_level,
                      at.name_zh AS accident_type, r.basis
               FROM risk r JOIN area a ON a.id = r.area_id JOIN accident_type at ON at.code = r.accident_type
               WHERE a.enterprise_id = %s ORDER BY r.id""",
            (enterprise_id,),
        )
        self.risks: dict[int, list[Node]] = {}
        for r in cur.fetchall():
            self.risks.setdefault(r["area_id"], []).append(dict(r))
        cur.execute(
            """SELECT id, area_id, description, deadline, status::text AS status, grade::text AS grade,
                      deadline < current_date AS past_deadline
               FROM hidden_hazard WHERE enterprise_id = %s AND status <> 'closed' ORDER BY id""",
            (enterprise_id,),
        )
        self.open_hazards: dict[int, list[Node]] = {}
        for h in cur.fetchall():
            self.open_hazards.setdefault(h["area_id"], []).append(dict(h))


def _area_enterprise(cur: psycopg2.extensions.cursor, area_id: int) -> int:
    cur.execute("SELECT enterprise_id FROM area WHERE id = %s", (area_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"区域 {area_id} 不存在 (area not found)")
    return int(row["enterprise_id"])


def explain_area(conn: psycopg2.extensions.connection, area_id: int, basis: Basis = "current",
                 *, enterprise_id: int | None = None) -> Node:
    """The chain that set ``basis`` level of an area. With ``enterprise_id`` an area of another
    enterprise is reported as not found."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        owner = _area_enterprise(cur, area_id)
        if enterprise_id is not None and owner != enterprise_id:
            raise NotFound(f"区域 {area_id} 不存在 (area not found)")
        tree = _Tree(cur, owner)
    if area_id not in tree.areas:            # an area without a level state (never, but not a 500)
        raise NotFound(f"区域 {area_id} 不存在 (area not found)")
    return _explain(tree, tree.areas[area_id], basis)


def _explain(tree: _Tree, a: Node, basis: Basis) -> Node:
    level = a[basis]
    node: Node = {"area_id": a["id"], "code": a["code"], "name": a["name"], "kind": a["kind"], "basis": basis,
            "level": level, "level_zh": _zh(level), "because": []}
    if level is None:
        node["summary"] = f"{a['name']}: 未评估 (no assessed risk in this area or below)"
        return node
    risk_col = "inherent_level" if basis == "inherent" else "residual_level"
    own = a["own_inherent"] if basis == "inherent" else a["own_residual"]
    because: list[Node] = node["because"]
    if _RANK[own] == _RANK[level] or (basis == "current" and own and a["overdue_steps"]):
        for r in tree.risks.get(a["id"], []):
            if r[risk_col] != own:
                continue
            because.append({"type": "risk", "risk_id": r["id"], "name": r["name"], "level": r[risk_col],
                            "level_zh": _zh(r[risk_col]), "method": r["method"],
                            "score": float(r["score"]) if r["score"] is not None else None,
                            "accident_type": r["accident_type"], "basis": r["basis"],
                            "rule": "风险点等级取其最高风险等级 (Shandong guide 第七条)"})
    if basis == "current":
        hazards = tree.open_hazards.get(a["id"], [])
        if a["own_dynamic"] and _RANK[a["own_dynamic"]] >= _RANK[level]:
            for h in hazards:
                if h["grade"] == "major":
                    because.append({"type": "rule", "rule": "open_major_hazard", "hidden_hazard_id": h["id"],
                                    "description": h["description"], "status": h["status"],
                                    "text": "存在未闭环的重大隐患, 在闭环前按重大风险管控"})
        if a["overdue_steps"]:
            for h in hazards:
                if h["grade"] == "general" and h["past_deadline"]:
                    because.append({"type": "rule", "rule": "overdue_general_hazard", "hidden_hazard_id": h["id"],
                                    "description": h["description"], "deadline": h["deadline"].isoformat(),
                                    "raise": a["overdue_steps"],
                                    "text": f"一般隐患超期未整改, 等级提高{a['overdue_steps']}级"})
    for child in tree.children.get(a["id"], []):
        if child[basis] == level:
            because.append({"type": "child", "rule": "从严从高: 取下级区域的最高等级", **_explain(tree, child, basis)})
    parts = [b.get("name") or b.get("description") or b.get("text") for b in because]
    node["summary"] = f"{a['name']} {_zh(level)}: 由 " + "、".join(p for p in parts if p) + " 决定"
    return node


def explain_enterprise(conn: psycopg2.extensions.connection, enterprise_id: int, basis: Basis = "current") -> Node:
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(
            f"""SELECT e.id, e.name, s.{basis}_level::text AS level FROM enterprise e
                JOIN enterprise_state s ON s.enterprise_id = e.id WHERE e.id = %s""",
            (enterprise_id,),
        )
        e = cur.fetchone()
        if e is None:
            raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
        node: Node = {"enterprise_id": e["id"], "name": e["name"], "basis": basis, "level": e["level"],
                "level_zh": _zh(e["level"]), "because": []}
        if e["level"] is None:
            node["summary"] = f"{e['name']}: 未评估"
            return node
        tree = _Tree(cur, enterprise_id)
    for plant in tree.areas.values():         # in code order
        if plant["kind"] == "plant" and plant[basis] == e["level"]:
            node["because"].append({"type": "child", "rule": "企业等级取其厂区的最高等级", **_explain(tree, plant, basis)})
    node["summary"] = f"{e['name']} {_zh(e['level'])}: 由 " + "、".join(b["name"] for b in node["because"]) + " 决定"
    return node


def refresh_all(conn: psycopg2.extensions.connection) -> int:
    """Recompute every level and every enterprise's risk tally set-based (after a bulk load or a rule
    change). Returns the number of area level rows that changed."""
    with conn.cursor() as cur:
        cur.execute("SELECT ra_refresh_all_levels()")
        n = int(cur.fetchone()[0])
        cur.execute("SELECT ra_refresh_all_risk_tallies()")
        return n


def refresh_overdue(conn: psycopg2.extensions.connection) -> int:
    """Pick up hidden hazards whose deadline passed since the last refresh."""
    with conn.cursor() as cur:
        cur.execute("SELECT ra_refresh_overdue()")
        return int(cur.fetchone()[0])


def leaf_chain(explanation: Node) -> list[Node]:
    """The items at the bottom of an explanation (risks and rules), for short displays."""
    out: list[Node] = []
    for b in explanation.get("because", []):
        if b["type"] == "child":
            out.extend(leaf_chain(b))
        else:
            out.append(b)
    return out
