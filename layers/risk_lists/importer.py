"""Import of an edited workbook (rules in :mod:`layers.risk_lists`): validate everything, plan the
changes against the stored lists, then write them in the caller's transaction."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import psycopg2.extensions
import psycopg2.extras

from layers.errors import InvalidInput
from layers.levels import Level
from layers.risk_lists.cells import (
    DEFAULT_TIER,
    AccidentTypes,
    Measure,
    Vocab,
    cell_text,
    format_accident_types,
    load_vocab,
)
from layers.risk_lists.columns import MANAGEMENT, OPERATING
from layers.risk_lists.store import (
    ManagementItem,
    OperatingPost,
    PostRisk,
    read_enterprise,
    read_measures,
    read_posts,
)
from layers.risk_lists.workbook import (
    MAX_ERRORS,
    Errors,
    Row,
    Sheet,
    load_workbook,
    parse_rows,
    read_sheets,
    resolve_posts,
)

IMPORT_BASIS = "风险清单导入: 按清单所列风险等级直接判定 (level stated in the imported risk list)"


@dataclass
class ImportResult:
    enterprise_id: int
    dry_run: bool
    sheets: dict[str, str]  # list key -> sheet name read
    operating: dict | None = None  # counts; None when the workbook had no operating sheet
    management: dict | None = None
    warnings: list[str] = field(default_factory=list)
    #: how words of the workbook were understood, e.g. "事故类型 火灾爆炸 → 火灾、其它爆炸 (第 3、5 行)"
    notes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


def _stated(method: str, inputs: dict | None) -> bool:
    """A risk whose level was stated (直接判定 with no rule facts): the list may set its level freely."""
    return method == "direct" and set(inputs or {}) <= {"level", "basis"}


def import_workbook(conn: psycopg2.extensions.connection, enterprise_id: int, data: bytes, *,
                    actor: str | None = None, dry_run: bool = False) -> ImportResult:
    """Import a risk-list workbook into one enterprise (rules in the :mod:`layers.risk_lists` docstring).

    Raises :class:`InvalidInput` with every error (nothing written) or :class:`NotFound`. Writes in
    the caller's transaction and does not commit: the caller commits (``with conn:``)."""
    errors = Errors()
    warnings: list[str] = []
    with conn.cursor() as cur:
        _, profile = read_enterprise(cur, enterprise_id, lock=not dry_run)
    vocab = load_vocab(conn)
    wb = load_workbook(data, errors)
    sheets = read_sheets(wb, errors, warnings) if wb is not None else {}
    if wb is not None and not sheets and not errors:
        errors.add(f"工作簿中没有可导入的清单 (no list sheet in the workbook); 工作表: "
                   f"{'、'.join(ws.title for ws in wb.worksheets)}. 应包含工作表 {OPERATING.sheet!r} "
                   f"(表头 {'、'.join(OPERATING.headers)}) 或 {MANAGEMENT.sheet!r} (表头 {'、'.join(MANAGEMENT.headers)})")

    with conn.cursor() as cur:
        posts = read_posts(cur, enterprise_id)
    plan_op = plan_mg = None
    notes: list[str] = []
    if OPERATING.key in sheets:
        s = sheets[OPERATING.key]
        rows = parse_rows(s, vocab, errors)
        notes = _alias_notes(s, rows, vocab)
        grouped = resolve_posts(posts, rows, s, errors)
        plan_op = _plan_operating(conn, s, posts, grouped, errors, vocab, profile)
    if MANAGEMENT.key in sheets:
        s = sheets[MANAGEMENT.key]
        plan_mg = _plan_management(conn, enterprise_id, s, parse_rows(s, vocab, errors))

    if errors:
        n = len(errors.items)
        first = errors.items[0]
        where = " ".join(x for x in (first["sheet"] and f"工作表 {first['sheet']}", first["row"] and f"第 {first['row']} 行",
                                     first["column"] and f"列 {first['column']}") if x)
        raise InvalidInput(
            f"清单导入被拒绝: 共 {n} 处错误, 未写入任何数据 (import refused: {n} errors, nothing written)"
            + (f"; 仅列出前 {MAX_ERRORS} 处" if n > MAX_ERRORS else "")
            + f". 第一处 (first): {where + ': ' if where else ''}{first['message']}",
            errors.items[:MAX_ERRORS],
        )
    result = ImportResult(enterprise_id, dry_run, {k: s.name for k, s in sheets.items()}, warnings=warnings,
                          notes=notes)
    if plan_op is not None:
        result.operating = plan_op.counts()
    if plan_mg is not None:
        result.management = plan_mg.counts()
    for key, counts in (("operating", result.operating), ("management", result.management)):
        if counts is not None and not sheets[key].rows and (counts["deleted"] or counts.get("posts_deleted")):
            warnings.append(f"工作表 {sheets[key].name!r} 没有数据行: 该清单被清空 (no data rows: the list is emptied)")
    if dry_run:
        return result
    with conn.cursor() as cur:
        if actor:
            cur.execute("SELECT set_config('riskatlas.actor', %s, true)", (actor,))
        if plan_op is not None:
            plan_op.write(cur)
        if plan_mg is not None:
            plan_mg.write(cur)
        cur.execute(
            """INSERT INTO audit_log (actor, table_name, row_id, action, after, note)
               VALUES (coalesce(nullif(current_setting('riskatlas.actor', true), ''), session_user::text),
                       'risk', NULL, 'BULK', %s, %s)""",
            (json.dumps({"enterprise_id": enterprise_id, "sheets": result.sheets, "operating": result.operating,
                         "management": result.management}, ensure_ascii=False),
             f"风险清单导入 (risk list import) enterprise {enterprise_id}"),
        )
    return result


def _alias_notes(sheet: Sheet, rows: list[Row], vocab: Vocab) -> list[str]:
    """One note per 事故类型 word read through an alias, with the rows that wrote it."""
    where: dict[tuple[str, tuple[int, ...]], list[int]] = defaultdict(list)
    for r in rows:
        for word, codes in r.mapped.items():
            where[(word, codes)].append(r.row)
    return [f"工作表 {sheet.name!r} 列 可能导致的事故类型: {AccidentTypes(list(codes), {word: codes}).notes(vocab)[0]} "
            f"(第 {'、'.join(map(str, rownos))} 行; read as the GB 6441 types)"
            for (word, codes), rownos in where.items()]


# -- operating plan ------------------------------------------------------------------------------


@dataclass
class _OpPlan:
    posts: int = 0
    area_updates: list[tuple[int, int | None, str | None, str | None]] = field(default_factory=list)
    inserts: list[tuple[int, PostRisk, dict]] = field(default_factory=list)  # area, risk, extra columns
    updates: list[tuple[int, dict, list[Measure] | None, list[Measure]]] = field(default_factory=list)
    deletes: list[tuple[int, list[Measure]]] = field(default_factory=list)
    unchanged: int = 0

    def counts(self) -> dict:
        return {"posts": self.posts, "inserted": len(self.inserts), "updated": len(self.updates),
                "deleted": len(self.deletes), "unchanged": self.unchanged, "post_attributes_updated": len(self.area_updates)}

    def write(self, cur) -> None:
        for area_id, headcount, equipment, activities in self.area_updates:
            cur.execute("UPDATE area SET headcount = %s, equipment = %s, activities = %s WHERE id = %s",
                        (headcount, equipment, activities, area_id))
        if self.deletes:
            for rid, old in self.deletes:
                _audit_measures(cur, "control_measure", rid, old, [])
            cur.execute("DELETE FROM risk WHERE id = ANY (%s)", ([rid for rid, _ in self.deletes],))
        for rid, changes, old_measures, new_measures in self.updates:
            if changes:
                sets = ", ".join(f"{k} = %({k})s" for k in changes)
                params = {k: (json.dumps(v, ensure_ascii=False) if k in ("inputs",) else v)
                          for k, v in changes.items()}
                cur.execute(f"UPDATE risk SET {sets} WHERE id = %(id)s", {**params, "id": rid})
            if old_measures is not None:
                cur.execute("DELETE FROM control_measure WHERE risk_id = %s", (rid,))
                _insert_measures(cur, "control_measure", "risk_id", rid, new_measures)
                _audit_measures(cur, "control_measure", rid, old_measures, new_measures)
        for area_id, r, extra in self.inserts:
            cur.execute(
                """INSERT INTO risk (area_id, name, hazard_factors, causes, accident_type, accident_types, method, inputs,
                                     profile, inherent_level, residual_level, control_tier, responsible,
                                     check_content, check_period, basis, assessed_by)
                   VALUES (%s, %s, %s, %s, %s, %s::smallint[], 'direct', %s, %s, %s, %s, %s, %s, %s, %s, %s,
                           nullif(current_setting('riskatlas.actor', true), ''))
                   RETURNING id""",
                (area_id, extra["name"], extra["hazard_factors"], r.causes, r.accident_type, r.accident_types,
                 json.dumps({"level": r.level.value, "basis": IMPORT_BASIS}, ensure_ascii=False), extra["profile"],
                 r.level.value, r.level.value, DEFAULT_TIER[r.level], r.responsible, r.check_content,
                 r.check_period, IMPORT_BASIS),
            )
            rid = cur.fetchone()[0]
            _insert_measures(cur, "control_measure", "risk_id", rid, r.measures)
            _audit_measures(cur, "control_measure", rid, [], r.measures)


def _insert_measures(cur, table: str, key: str, owner: int, measures: list[Measure]) -> None:
    if measures:
        psycopg2.extras.execute_values(
            cur, f"INSERT INTO {table} ({key}, position, kind, description) VALUES %s",
            [(owner, i, m.kind, m.description) for i, m in enumerate(measures, 1)])


def _audit_measures(cur, table: str, owner: int, before: list[Measure], after: list[Measure]) -> None:
    """control_measure has no audit trigger of its own (0001): record a change of a risk's measures."""
    if before == after:
        return
    action = "INSERT" if not before else "DELETE" if not after else "UPDATE"
    cur.execute(
        """INSERT INTO audit_log (actor, table_name, row_id, action, before, after, note)
           VALUES (coalesce(nullif(current_setting('riskatlas.actor', true), ''), session_user::text),
                   %s, %s, %s, %s, %s, '风险清单导入 (risk list import)')""",
        (table, str(owner), action,
         json.dumps([asdict(m) for m in before], ensure_ascii=False) if before else None,
         json.dumps([asdict(m) for m in after], ensure_ascii=False) if after else None),
    )


def _first_set(rows: list[Row], attr: str) -> Any:
    """The first value of ``attr`` that a row of one post sets (None when none does)."""
    return next((getattr(r, attr) for r in rows if getattr(r, attr) is not None), None)


def _plan_operating(conn, sheet: Sheet, posts: list[OperatingPost], grouped: dict[int, list[Row]],
                    errors: Errors, vocab: Vocab, profile: str) -> _OpPlan:
    plan = _OpPlan(posts=len(grouped))
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(
            """SELECT r.id, r.area_id, r.accident_type, r.accident_types, r.causes, r.residual_level::text AS residual,
                      r.inherent_level::text AS inherent, r.method::text AS method, r.inputs, r.residual_inputs,
                      r.check_content, r.responsible, r.check_period::text AS check_period
               FROM risk r WHERE r.area_id = ANY (%s) ORDER BY r.id""",
            ([p.area_id for p in posts],),
        )
        stored: dict[int, list[dict]] = defaultdict(list)
        for r in cur.fetchall():
            stored[r["area_id"]].append(r)
    with conn.cursor() as cur:
        measures = read_measures(cur, "control_measure", "risk_id", [r["id"] for rs in stored.values() for r in rs])
    level_col = sheet.cols["风险等级"]
    for p in posts:
        rows = grouped.get(p.area_id)
        if rows is None:  # not in the sheet: its risks leave the list
            plan.deletes.extend((r["id"], measures.get(r["id"], [])) for r in stored.get(p.area_id, []))
            continue
        attrs: tuple[int | None, str | None, str | None] = (
            _first_set(rows, "headcount"), _first_set(rows, "equipment"), _first_set(rows, "activities"))
        if attrs != (p.headcount, cell_text(p.equipment), cell_text(p.activities)):
            plan.area_updates.append((p.area_id, *attrs))
        free = list(stored.get(p.area_id, []))
        for r in rows:
            if r.item is None:
                continue
            risk = PostRisk(list(r.types), r.item.level, r.item.check_period, r.item.causes, list(r.item.measures),
                            r.item.check_content, r.item.responsible)
            # the stored risk with the same types, else one with the same primary type
            old = (next((o for o in free if list(o["accident_types"]) == risk.accident_types), None)
                   or next((o for o in free if o["accident_type"] == risk.accident_type), None))
            if old is None:
                types_zh = format_accident_types(risk.accident_types, vocab)
                plan.inserts.append((p.area_id, risk, {
                    "name": f"{p.name}-{types_zh}", "hazard_factors": risk.causes or types_zh, "profile": profile}))
                continue
            free.remove(old)
            changes = _risk_changes(old, risk)
            if changes is None:
                inh = Level(old["inherent"])
                errors.add(f"风险等级 {risk.level.name_zh} 高于该风险已评价的固有风险等级 {inh.name_zh} "
                           f"({old['method']} 评价, 风险 id {old['id']}): 请先重新评价 (level above the "
                           "assessed inherent level; re-assess the risk first)",
                           sheet=sheet.name, row=r.row, column="风险等级", col_index=level_col)
                continue
            old_m = measures.get(old["id"], [])
            m_changed = old_m != risk.measures
            if changes or m_changed:
                plan.updates.append((old["id"], changes, old_m if m_changed else None, risk.measures))
            else:
                plan.unchanged += 1
        plan.deletes.extend((o["id"], measures.get(o["id"], [])) for o in free)
    return plan


def _risk_changes(old: dict, new: PostRisk) -> dict[str, Any] | None:
    """Columns of a stored risk to change so it says what the list row says; None if the row raises
    an assessed risk above its assessed inherent level."""
    changes: dict[str, Any] = {}
    level, inherent = new.level, Level(old["inherent"])
    if old["residual"] != level.value:
        if level > inherent:
            if not _stated(old["method"], old["inputs"]):
                return None
            changes["inherent_level"] = level.value
            changes["inputs"] = {**(old["inputs"] or {}), "level": level.value}
        if old["residual_inputs"] is not None:
            changes["residual_inputs"] = None
            changes["residual_score"] = None
        changes["residual_level"] = level.value
        changes["control_tier"] = DEFAULT_TIER[level]
    for k in ("causes", "check_content", "responsible"):
        if cell_text(old[k]) != getattr(new, k):
            changes[k] = getattr(new, k)
    if old["check_period"] != new.check_period:
        changes["check_period"] = new.check_period
    if list(old["accident_types"]) != new.accident_types:
        changes["accident_types"] = new.accident_types
    return changes


# -- management plan -----------------------------------------------------------------------------


@dataclass
class _MgPlan:
    enterprise_id: int
    posts: list[tuple[str, int | None, list[tuple[ManagementItem, dict[str, Any] | None]]]] = field(
        default_factory=list)
    delete_posts: list[int] = field(default_factory=list)
    delete_items: list[int] = field(default_factory=list)
    stored_positions: dict[int, int] = field(default_factory=dict)  # post id -> stored position

    def counts(self) -> dict:
        ins = upd = same = 0
        for _, _, items in self.posts:
            for _it, old in items:
                if old is None:
                    ins += 1
                elif old["changed"]:
                    upd += 1
                else:
                    same += 1
        return {"posts": len(self.posts), "posts_inserted": sum(1 for _, pid, _ in self.posts if pid is None),
                "posts_deleted": len(self.delete_posts), "inserted": ins, "updated": upd,
                "deleted": len(self.delete_items), "unchanged": same}

    def write(self, cur) -> None:
        if self.delete_posts:
            cur.execute("DELETE FROM management_post WHERE id = ANY (%s)", (self.delete_posts,))
        if self.delete_items:
            cur.execute("DELETE FROM management_risk WHERE id = ANY (%s)", (self.delete_items,))
        for position, (name, pid, items) in enumerate(self.posts, 1):
            if pid is None:
                cur.execute("INSERT INTO management_post (enterprise_id, name, position) VALUES (%s, %s, %s) "
                            "RETURNING id", (self.enterprise_id, name, position))
                pid = cur.fetchone()[0]
            elif self.stored_positions.get(pid) != position:
                cur.execute("UPDATE management_post SET position = %s, updated_at = now() WHERE id = %s",
                            (position, pid))
            for k, (it, old) in enumerate(items, 1):
                values = (it.duty, it.level.value, it.check_content, it.responsible, it.check_period)
                if old is None:
                    cur.execute(
                        """INSERT INTO management_risk (post_id, position, duty, level, check_content, responsible,
                                                        check_period) VALUES (%s, %s, %s, %s, %s, %s, %s) RETURNING id""",
                        (pid, k, *values))
                    iid = cur.fetchone()[0]
                    _insert_measures(cur, "management_control_measure", "management_risk_id", iid, it.measures)
                    continue
                if old["fields_changed"] or old["position"] != k:
                    cur.execute(
                        """UPDATE management_risk SET duty = %s, level = %s, check_content = %s, responsible = %s,
                                  check_period = %s, position = %s, updated_at = now() WHERE id = %s""",
                        (*values, k, old["id"]))
                if old["measures_changed"]:
                    cur.execute("DELETE FROM management_control_measure WHERE management_risk_id = %s", (old["id"],))
                    _insert_measures(cur, "management_control_measure", "management_risk_id", old["id"], it.measures)


def _plan_management(conn, enterprise_id: int, sheet: Sheet, rows: list[Row]) -> _MgPlan:
    plan = _MgPlan(enterprise_id)
    with conn.cursor() as cur:
        cur.execute("SELECT id, name, position FROM management_post WHERE enterprise_id = %s", (enterprise_id,))
        stored = {name: (pid, pos) for pid, name, pos in cur.fetchall()}
        cur.execute(
            """SELECT m.id, m.post_id, m.position, m.duty, m.level::text, m.check_content, m.responsible,
                      m.check_period::text
               FROM management_risk m JOIN management_post p ON p.id = m.post_id
               WHERE p.enterprise_id = %s ORDER BY m.post_id, m.position""", (enterprise_id,))
        items: dict[int, list[tuple]] = defaultdict(list)
        for r in cur.fetchall():
            items[r[1]].append(r)
    measures = read_measures(conn.cursor(), "management_control_measure", "management_risk_id",
                         [r[0] for rs in items.values() for r in rs])
    order: dict[str, list[Row]] = {}
    for r in rows:
        if r.post:
            order.setdefault(r.post, []).append(r)
    for name, prow in order.items():
        pid = stored[name][0] if name in stored else None
        if pid is not None:
            plan.stored_positions[pid] = stored[name][1]
        old_items = items.get(pid, []) if pid is not None else []
        new_items = [r.item for r in prow if r.item is not None]
        paired: list[tuple[ManagementItem, dict[str, Any] | None]] = []
        for k, it in enumerate(new_items):
            if k < len(old_items):
                o = old_items[k]
                fields_changed = (cell_text(o[3]), o[4], cell_text(o[5]), cell_text(o[6]), o[7]) != (
                    it.duty, it.level.value, it.check_content, it.responsible, it.check_period)
                m_old = [(m.kind, m.description) for m in measures.get(o[0], [])]
                m_changed = m_old != [(m.kind, m.description) for m in it.measures]
                paired.append((it, {"id": o[0], "position": o[2], "fields_changed": fields_changed, "measures_changed": m_changed,
                                    "changed": fields_changed or m_changed}))
            else:
                paired.append((it, None))
        plan.delete_items.extend(o[0] for o in old_items[len(new_items):])
        plan.posts.append((name, pid, paired))
    plan.delete_posts = [pid for name, (pid, _) in stored.items() if name not in order]
    return plan
