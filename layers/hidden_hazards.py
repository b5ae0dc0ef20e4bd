"""隐患排查治理: the closed loop of a hidden hazard (docs/domain.md §4; Shandong guide 第十六条–第十八条; Qitaihe plan).

Lifecycle: 上报 ``reported`` → 整改中 ``rectifying`` → 待验收 ``pending_review`` → 已闭环 ``closed``;
a failed review (复查不合格) sends a hazard from 待验收 back to 整改中, with the reason as its 复查结果.

The allowed transitions, the fields each one requires (per grade) and the fields it may set are the
rows of the SQL table ``hidden_hazard_transition`` (db/migrations/0004). The database enforces them
for every client (trigger ``ra_hidden_hazard_loop``, which also writes the history rows of
``hidden_hazard_event``); this module reads the same rows to check a request first and explain a
refusal clearly: :class:`Conflict` for a transition not allowed from the current state,
:class:`InvalidInput` for a missing or wrong field.

Rules: a 重大隐患 is 挂牌督办 and stops work from its report; stop-work is lifted only on closing;
before a 重大隐患 enters 整改中 its 五落实 (措施, 责任部门+责任人, 资金, 时限, 预案) must be filled;
the reviewer differs from the rectifier; closing requires a review result. A hazard is overdue when
its deadline has passed and it is not closed.

Functions take an open connection and never commit: the caller owns the transaction.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any, Literal, overload

import psycopg2.extensions
import psycopg2.extras

from layers.errors import Conflict, InvalidInput, NotFound
from layers.regions import region_exists, subtree_sql
from layers.text import markup_problem

STATUSES = ("reported", "rectifying", "pending_review", "closed")
GRADES = ("general", "major")
STATUS_ZH = {"reported": "上报", "rectifying": "整改中", "pending_review": "待验收", "closed": "已闭环"}

#: The fields a transition may carry, with their Python types (the SQL table says which one may set which).
FIELD_TYPES: dict[str, type] = {
    "measures": str, "responsible_dept": str, "responsible_person": str, "funds_yuan": float,
    "deadline": dt.date, "emergency_plan": str, "rectifier": str, "rectified_at": dt.datetime,
    "verified_by": str, "verify_result": str,
}
#: Largest photo accepted (bytes).
MAX_PHOTO_BYTES = 5 * 1024 * 1024
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_TEXT = 2000
MAX_NAME = 64


class PhotoTooLarge(InvalidInput):
    """A photo above :data:`MAX_PHOTO_BYTES` (HTTP 413)."""


# -- the transition table ------------------------------------------------------------------------
@dataclass(frozen=True)
class Transition:
    from_status: str
    to_status: str
    action: str
    name_zh: str
    name_en: str
    requires_general: tuple[str, ...]
    requires_major: tuple[str, ...]
    sets: tuple[str, ...]
    clears: tuple[str, ...]

    def requires(self, grade: str) -> tuple[str, ...]:
        return self.requires_major if grade == "major" else self.requires_general

    def as_dict(self) -> dict:
        d = asdict(self)
        d["from_zh"], d["to_zh"] = STATUS_ZH[self.from_status], STATUS_ZH[self.to_status]
        return d


def transitions(conn: psycopg2.extensions.connection) -> list[Transition]:
    """Every allowed transition, in lifecycle order (from ``hidden_hazard_transition``)."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT t.from_status::text, t.to_status::text, t.action, v.name_zh, v.name_en,
                      t.requires_general, t.requires_major, t.sets, t.clears
               FROM hidden_hazard_transition t
               LEFT JOIN vocabulary v ON v.domain = 'hidden_hazard_action' AND v.code = t.action
               ORDER BY t.from_status, t.to_status DESC""")
        return [Transition(r[0], r[1], r[2], r[3] or r[2], r[4] or r[2], tuple(r[5]), tuple(r[6]), tuple(r[7]),
                           tuple(r[8])) for r in cur.fetchall()]


def field_labels(conn: psycopg2.extensions.connection) -> dict[str, str]:
    """``{field: "整改措施(measures)"}`` for the fields of the loop (labels from ``vocabulary``)."""
    with conn.cursor() as cur:
        cur.execute("SELECT code, name_zh FROM vocabulary WHERE domain = 'hidden_hazard_field'")
        return {code: f"{zh}({code})" for code, zh in cur.fetchall()}


def _label(labels: dict[str, str], f: str) -> str:
    return labels.get(f, f)


# -- records -------------------------------------------------------------------------------------
@dataclass
class Event:
    id: int
    at: dt.datetime
    actor: str
    action: str
    action_zh: str
    from_status: str | None
    to_status: str
    note: str | None

    @property
    def from_zh(self) -> str | None:
        return STATUS_ZH.get(self.from_status) if self.from_status else None

    @property
    def to_zh(self) -> str:
        return STATUS_ZH[self.to_status]

    def as_dict(self) -> dict:
        return {**asdict(self), "from_zh": self.from_zh, "to_zh": self.to_zh}


@dataclass
class Photo:
    id: int
    hidden_hazard_id: int
    stage: str
    content_type: str
    byte_size: int
    taken_at: dt.datetime
    uploaded_by: str | None
    caption: str | None

    def as_dict(self) -> dict:
        return {**asdict(self), "stage_zh": STATUS_ZH[self.stage]}


@dataclass
class HiddenHazard:
    """One row of the 隐患排查治理台账 (view ``hidden_hazard_ledger``)."""

    id: int
    enterprise_id: int
    enterprise_name: str
    region_id: int
    area_id: int | None
    area_code: str | None
    area_name: str | None
    lon: float | None
    lat: float | None
    found_at: dt.datetime
    found_by: str
    description: str
    grade: str
    grade_zh: str
    status: str
    status_zh: str
    deadline: dt.date | None
    measures: str | None
    responsible_dept: str | None
    responsible_person: str | None
    funds_yuan: float | None
    emergency_plan: str | None
    stop_work: bool
    supervised: bool
    rectifier: str | None
    rectified_at: dt.datetime | None
    verified_by: str | None
    verified_at: dt.datetime | None
    verify_result: str | None
    updated_at: dt.datetime
    overdue: bool
    days_overdue: int | None
    photo_count: int
    history: list[Event] = field(default_factory=list)

    def as_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k != "history"}
        d["history"] = [e.as_dict() for e in self.history]
        return d


_LEDGER_COLUMNS = [f.name for f in HiddenHazard.__dataclass_fields__.values() if f.name != "history"]


def _hazard(row: dict) -> HiddenHazard:
    row = dict(row)
    if isinstance(row.get("funds_yuan"), Decimal):
        row["funds_yuan"] = float(row["funds_yuan"])
    return HiddenHazard(**row)


# -- reading -------------------------------------------------------------------------------------
def get(conn: psycopg2.extensions.connection, hazard_id: int, *, with_history: bool = True) -> HiddenHazard:
    """One hidden hazard, with its history (oldest first)."""
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(f"SELECT {', '.join(_LEDGER_COLUMNS)} FROM hidden_hazard_ledger WHERE id = %s", (hazard_id,))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"隐患 {hazard_id} 不存在 (hidden hazard not found)")
    h = _hazard(row)
    if with_history:
        h.history = history(conn, hazard_id)
    return h


def history(conn: psycopg2.extensions.connection, hazard_id: int) -> list[Event]:
    """Who moved the hazard when, from which status to which, and why (oldest first)."""
    with conn.cursor() as cur:
        cur.execute(
            """SELECT e.id, e.at, e.actor, e.action, coalesce(v.name_zh, e.action), e.from_status::text,
                      e.to_status::text, e.note
               FROM hidden_hazard_event e
               LEFT JOIN vocabulary v ON v.domain = 'hidden_hazard_action' AND v.code = e.action
               WHERE e.hidden_hazard_id = %s ORDER BY e.id""", (hazard_id,))
        return [Event(*r) for r in cur.fetchall()]


def _enterprise_name(cur, enterprise_id: int) -> str:
    cur.execute("SELECT name FROM enterprise WHERE id = %s", (enterprise_id,))
    row = cur.fetchone()
    if row is None:
        raise NotFound(f"企业 {enterprise_id} 不存在 (enterprise not found)")
    return row[0]


def list_hazards(
    conn: psycopg2.extensions.connection,
    *,
    enterprise_id: int | None = None,
    region_id: int | None = None,
    status: str | None = None,
    grade: str | None = None,
    overdue: bool | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[HiddenHazard]]:
    """Hidden hazards filtered by enterprise, region subtree (via the enterprise's region and the
    region parent chain), status, grade and overdue; ``(total, page)``, most urgent first."""
    where: list[str] = ["true"]
    params: list[int | str | bool] = []
    with conn.cursor() as cur:
        if enterprise_id is not None:
            _enterprise_name(cur, enterprise_id)
            where.append("h.enterprise_id = %s")
            params.append(enterprise_id)
        if region_id is not None:
            region_exists(conn, region_id)
            # through the enterprise index: 5× quicker at province size than filtering the ledger's region
            where.append(f"h.enterprise_id IN (SELECT e.id FROM enterprise e WHERE {subtree_sql('e.region_id')})")
            params.append(region_id)
    if status is not None:
        if status not in STATUSES:
            raise InvalidInput(f"状态 {status!r} 未知, 应为 {'/'.join(STATUSES)} (unknown status)",
                               [{"field": "status", "message": "unknown status"}])
        where.append("h.status = %s")
        params.append(status)
    if grade is not None:
        if grade not in GRADES:
            raise InvalidInput(f"隐患等级 {grade!r} 未知, 应为 general/major (unknown grade)",
                               [{"field": "grade", "message": "unknown grade"}])
        where.append("h.grade = %s")
        params.append(grade)
    if overdue is not None:
        where.append("h.overdue = %s")
        params.append(overdue)
    cond = " AND ".join(where)
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute(f"SELECT count(*) AS n FROM hidden_hazard_ledger h WHERE {cond}", params)
        total = cur.fetchone()["n"]
        cur.execute(
            f"""SELECT {', '.join('h.' + c for c in _LEDGER_COLUMNS)} FROM hidden_hazard_ledger h WHERE {cond}
                ORDER BY h.status = 'closed', h.overdue DESC, h.grade = 'major' DESC, h.deadline NULLS LAST, h.id
                LIMIT %s OFFSET %s""", [*params, limit, offset])
        return total, [_hazard(r) for r in cur.fetchall()]


def overdue(conn: psycopg2.extensions.connection, *, enterprise_id: int | None = None,
            region_id: int | None = None) -> list[HiddenHazard]:
    """The overdue hidden hazards (deadline passed, not closed) of an enterprise or a region subtree."""
    return list_hazards(conn, enterprise_id=enterprise_id, region_id=region_id, overdue=True, limit=1_000_000)[1]


#: The 隐患排查治理台账 columns (docs/domain.md §4) and where each comes from.
LEDGER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("编号", "id"), ("排查时间", "found_at"), ("排查人", "found_by"), ("隐患部位", "area"),
    ("隐患描述", "description"), ("隐患等级", "grade_zh"), ("整改措施", "measures"), ("整改期限", "deadline"),
    ("责任部门", "responsible_dept"), ("责任人", "responsible_person"), ("资金(元)", "funds_yuan"),
    ("应急预案", "emergency_plan"), ("整改人", "rectifier"), ("整改完成", "rectified_at"), ("复查人", "verified_by"),
    ("复查结果", "verify_result"), ("状态", "status_zh"), ("逾期", "overdue"), ("处理记录", "history"),
)


def ledger(conn: psycopg2.extensions.connection, enterprise_id: int) -> list[dict[str, Any]]:
    """The enterprise's 隐患排查治理台账: one dict per hazard keyed by the Chinese column headings;
    处理记录 is the history, one line per event."""
    _, items = list_hazards(conn, enterprise_id=enterprise_id, limit=1_000_000)
    rows = []
    for h in sorted(items, key=lambda x: x.id):
        h.history = history(conn, h.id)
        values = {**asdict(h), "area": " ".join(x for x in (h.area_code, h.area_name) if x) or None,
                  "overdue": "是" if h.overdue else "否",
                  "history": "\n".join(f"{e.at:%Y-%m-%d %H:%M} {e.actor} {e.action_zh}"
                                       f"{' ' + (e.from_zh or '') + '→' + e.to_zh if e.from_status else ''}"
                                       f"{': ' + e.note if e.note else ''}" for e in h.history)}
        rows.append({heading: values[key] for heading, key in LEDGER_COLUMNS})
    return rows


# -- checks --------------------------------------------------------------------------------------
@overload
def _text(name: str, value: Any, *, required: Literal[True], max_len: int = MAX_TEXT) -> str: ...
@overload
def _text(name: str, value: Any, *, required: bool = False, max_len: int = MAX_TEXT) -> str | None: ...
def _text(name: str, value: Any, *, required: bool = False, max_len: int = MAX_TEXT) -> str | None:
    """``value`` as stripped text, None when empty (InvalidInput when ``required``); checked for
    length and markup."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidInput(f"{name} 必填 (required)", [{"field": name, "message": "必填 (required)"}])
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"{name} 应为文字 (text expected)", [{"field": name, "message": "text expected"}])
    value = value.strip()
    if len(value) > max_len:
        raise InvalidInput(f"{name} 超过 {max_len} 字 (too long)", [{"field": name, "message": "too long"}])
    if (why := markup_problem(value)) is not None:
        raise InvalidInput(f"{name} {why}", [{"field": name, "message": why}])
    return value


def _coerce(name: str, value: Any) -> Any:
    """A transition field converted to its type, or InvalidInput naming it."""
    kind = FIELD_TYPES[name]
    if value is None:
        return None
    try:
        if kind is str:
            return _text(name, value, max_len=MAX_NAME if name in ("rectifier", "verified_by",
                                                                    "responsible_person") else MAX_TEXT)
        if kind is float:
            if isinstance(value, bool):
                raise ValueError
            v = float(value)
            if not v >= 0 or v == float("inf"):
                raise InvalidInput(f"{name} 应为不小于 0 的金额 (funds must be ≥ 0): {value!r}",
                                   [{"field": name, "message": "must be ≥ 0"}])
            return v
        if kind is dt.date:
            return value if isinstance(value, dt.date) and not isinstance(value, dt.datetime) \
                else dt.date.fromisoformat(str(value))
        if kind is dt.datetime:
            return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))
    except (TypeError, ValueError):
        raise InvalidInput(f"{name} 的值 {value!r} 无效 (invalid value)",
                           [{"field": name, "message": "invalid value"}]) from None
    return value


def _check_deadline(deadline: dt.date | None, found_at: dt.datetime | dt.date) -> None:
    if deadline is None:
        return
    found = found_at.date() if isinstance(found_at, dt.datetime) else found_at
    if deadline < found:
        raise InvalidInput(f"整改期限 {deadline} 早于排查日期 {found} (deadline before the date found)",
                           [{"field": "deadline", "message": "deadline before found_at"}])


def _empty(v: Any) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def _set_actor(cur, actor: str, note: str | None) -> None:
    cur.execute("SELECT set_config('riskatlas.actor', %s, true), set_config('riskatlas.note', %s, true)",
                (actor, note or ""))


# -- writing -------------------------------------------------------------------------------------
def report(
    conn: psycopg2.extensions.connection,
    enterprise_id: int,
    *,
    description: str,
    grade: str,
    found_by: str,
    actor: str | None = None,
    area_id: int | None = None,
    lon: float | None = None,
    lat: float | None = None,
    found_at: dt.datetime | None = None,
    deadline: dt.date | str | None = None,
    measures: str | None = None,
    responsible_dept: str | None = None,
    responsible_person: str | None = None,
    funds_yuan: float | None = None,
    emergency_plan: str | None = None,
    stop_work: bool = False,
    note: str | None = None,
) -> HiddenHazard:
    """上报: record a hidden hazard of an enterprise (status 上报). A 重大隐患 is 挂牌督办 and stops
    work at once (Shandong guide 第十七条). The area, if given, must be one of the enterprise's own; the
    location defaults to a point inside the area."""
    description = _text("description", description, required=True)
    found_by = _text("found_by", found_by, required=True, max_len=MAX_NAME)
    actor = _text("actor", actor, max_len=MAX_NAME) or found_by
    if grade not in GRADES:
        raise InvalidInput(f"隐患等级 {grade!r} 应为 general(一般隐患) 或 major(重大隐患) (unknown grade)",
                           [{"field": "grade", "message": "general / major"}])
    fields = {k: _coerce(k, v) for k, v in {
        "deadline": deadline, "measures": measures, "responsible_dept": responsible_dept,
        "responsible_person": responsible_person, "funds_yuan": funds_yuan, "emergency_plan": emergency_plan,
    }.items()}
    if found_at is not None and found_at.tzinfo is not None and found_at > dt.datetime.now(dt.UTC):
        raise InvalidInput(f"排查时间 {found_at} 在未来 (found_at in the future)",
                           [{"field": "found_at", "message": "in the future"}])
    _check_deadline(fields["deadline"], found_at or dt.date.today())
    if (lon is None) != (lat is None):
        raise InvalidInput("lon 与 lat 须同时给出 (give both lon and lat)", [{"field": "lon/lat", "message": "both"}])
    if lon is not None and lat is not None and not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidInput(f"坐标 ({lon}, {lat}) 超出经纬度范围 (coordinates out of lon/lat range)",
                           [{"field": "lon/lat", "message": "out of range"}])
    with conn.cursor() as cur:
        name = _enterprise_name(cur, enterprise_id)
        if area_id is not None:
            cur.execute("SELECT enterprise_id FROM area WHERE id = %s", (area_id,))
            row = cur.fetchone()
            if row is None or row[0] != enterprise_id:
                # the same answer for a foreign and a missing area: nothing about other enterprises leaks
                raise InvalidInput(f"区域 {area_id} 不是企业 {enterprise_id} ({name}) 的区域, 不能作为隐患部位 "
                                   f"(area {area_id} is not an area of enterprise {enterprise_id})",
                                   [{"field": "area_id", "message": f"区域 {area_id} 不属于企业 {enterprise_id} "
                                                                    "(area belongs to another enterprise)"}])
            if lon is not None:
                cur.execute("""SELECT ST_DWithin(geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography,
                                                 5) FROM area WHERE id = %s""", (lon, lat, area_id))
                if not cur.fetchone()[0]:
                    raise InvalidInput(f"隐患位置 ({lon}, {lat}) 不在区域 {area_id} 内 (location outside the area)",
                                       [{"field": "lon/lat", "message": "outside the area"}])
        _set_actor(cur, actor, note)
        cur.execute(
            """INSERT INTO hidden_hazard (enterprise_id, area_id, location, description, grade, found_at, found_by,
                                          deadline, measures, responsible_dept, responsible_person, funds_yuan,
                                          emergency_plan, stop_work)
               VALUES (%(e)s, %(a)s,
                       CASE WHEN %(lon)s::float8 IS NOT NULL THEN ST_SetSRID(ST_MakePoint(%(lon)s, %(lat)s), 4326)
                            ELSE (SELECT ST_PointOnSurface(geom) FROM area WHERE id = %(a)s) END,
                       %(d)s, %(g)s, coalesce(%(at)s, now()), %(by)s, %(deadline)s, %(measures)s,
                       %(responsible_dept)s, %(responsible_person)s, %(funds_yuan)s, %(emergency_plan)s, %(stop)s)
               RETURNING id""",
            {"e": enterprise_id, "a": area_id, "lon": lon, "lat": lat, "d": description, "g": grade, "at": found_at,
             "by": found_by, "stop": bool(stop_work), **fields})
        hid = cur.fetchone()[0]
    return get(conn, hid)


def move(
    conn: psycopg2.extensions.connection,
    hazard_id: int,
    to: str,
    *,
    actor: str,
    note: str | None = None,
    expected_from: str | None = None,
    **fields: Any,
) -> HiddenHazard:
    """Move a hidden hazard to status ``to`` with the fields the transition needs.

    start (上报→整改中): measures, responsible_person, deadline (重大隐患: all of the 五落实);
    submit (整改中→待验收): rectifier; verify (待验收→已闭环): verified_by ≠ rectifier, verify_result,
    and work resumes; reject (待验收→整改中): verified_by ≠ rectifier, verify_result (the reason).
    ``expected_from`` guards against a stale screen: the move is refused if the status changed."""
    actor = _text("actor", actor, required=True, max_len=MAX_NAME)
    note = _text("note", note)
    if to not in STATUSES:
        raise InvalidInput(f"目标状态 {to!r} 未知, 应为 {'/'.join(STATUSES)} (unknown status)",
                           [{"field": "to", "message": "unknown status"}])
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("""SELECT id, status::text AS status, grade::text AS grade, found_at, measures, responsible_dept,
                              responsible_person, funds_yuan, deadline, emergency_plan, rectifier, rectified_at,
                              verified_by, verify_result
                       FROM hidden_hazard WHERE id = %s FOR UPDATE""", (hazard_id,))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"隐患 {hazard_id} 不存在 (hidden hazard not found)")
        current = row["status"]
        if expected_from is not None and expected_from != current:
            raise Conflict(f"隐患 {hazard_id} 当前状态为 {STATUS_ZH.get(current)}({current}), "
                           f"不是 {STATUS_ZH.get(expected_from, expected_from)}({expected_from}), 可能已被他人处理 "
                           "(the status changed meanwhile)")
        table = transitions(conn)
        t = next((x for x in table if x.from_status == current and x.to_status == to), None)
        if t is None:
            allowed = [f"{x.name_zh}→{STATUS_ZH[x.to_status]}({x.to_status})" for x in table if x.from_status == current]
            raise Conflict(f"隐患 {hazard_id} 当前为 {STATUS_ZH[current]}({current}), 不能变为 {STATUS_ZH[to]}({to}); "
                           f"允许: {', '.join(allowed) or '无, 已闭环 (none: closed)'} "
                           f"(transition {current} → {to} not allowed)")
        labels = field_labels(conn)
        unknown = [k for k in fields if k not in t.sets]
        if unknown:
            raise InvalidInput(
                f"{t.name_zh} 不能填写: {', '.join(_label(labels, k) for k in unknown)}; "
                f"可填写: {', '.join(_label(labels, k) for k in t.sets)} (fields not settable by '{t.action}')",
                [{"field": k, "message": f"not settable by {t.action}"} for k in unknown])
        values = {k: _coerce(k, v) for k, v in fields.items()}
        if "deadline" in values:
            _check_deadline(values["deadline"], row["found_at"])
        merged = {**row, **{k: None for k in t.clears}, **{k: v for k, v in values.items() if v is not None}}
        missing = [f for f in t.requires(row["grade"]) if _empty(merged.get(f))]
        if missing:
            five = (row["grade"] == "major" and t.action == "start")
            raise InvalidInput(
                f"隐患 {hazard_id} {t.name_zh}前须填写: {', '.join(_label(labels, f) for f in missing)}"
                + ("; 重大隐患须五落实: 措施、责任、资金、时限、预案 (a major hidden hazard needs the five "
                   "implementations: measures, responsibility, funds, deadline, emergency plan)" if five else
                   f" (required for '{t.action}')"),
                [{"field": f, "message": "必填 (required)"} for f in missing])
        if t.action in ("verify", "reject") and merged["verified_by"] == (merged.get("rectifier") or "").strip():
            raise InvalidInput(
                f"复查人 {merged['verified_by']} 不能是整改人 (the reviewer must differ from the rectifier)",
                [{"field": "verified_by", "message": "复查人不能是整改人 (reviewer = rectifier)"}])
        sets = {k: v for k, v in values.items() if v is not None}
        if t.to_status == "closed":
            sets["stop_work"] = False  # 验收合格: work resumes
        assignments = ["status = %(to)s"] + [f"{k} = %({k})s" for k in sets]
        _set_actor(cur, actor, note)
        cur.execute(f"UPDATE hidden_hazard SET {', '.join(assignments)} WHERE id = %(id)s",
                    {"to": to, "id": hazard_id, **sets})
    return get(conn, hazard_id)


# -- photos --------------------------------------------------------------------------------------
def sniff_image(data: bytes) -> str | None:
    """The content type of a JPEG, PNG or WebP by its magic bytes (as ``ra_image_type`` in SQL), else None."""
    if data[:3] == b"\xff\xd8\xff":
        return "image/jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def check_photo(data: bytes) -> str:
    """The photo's content type, or PhotoTooLarge / InvalidInput with the reason."""
    if len(data) > MAX_PHOTO_BYTES:
        raise PhotoTooLarge(
            f"照片 {len(data) / 1048576:.1f} MB 超过 {MAX_PHOTO_BYTES // 1048576} MB 上限 "
            f"(photo larger than the {MAX_PHOTO_BYTES // 1048576} MB limit)",
            [{"field": "file", "message": "too large"}])
    if not data:
        raise InvalidInput("照片为空 (empty photo)", [{"field": "file", "message": "empty"}])
    kind = sniff_image(data)
    if kind is None:
        raise InvalidInput(f"文件不是 JPEG/PNG/WebP 图片 (not a JPEG, PNG or WebP image): 文件头 {data[:12].hex(' ')}",
                           [{"field": "file", "message": "not a JPEG/PNG/WebP image"}])
    return kind


_PHOTO_COLUMNS = "id, hidden_hazard_id, stage::text, content_type, byte_size, taken_at, uploaded_by, caption"


def add_photo(conn: psycopg2.extensions.connection, hazard_id: int, data: bytes, *, actor: str,
              caption: str | None = None) -> Photo:
    """Attach a photo (JPEG/PNG/WebP, ≤ 5 MB, checked by its magic bytes) at the hazard's current stage."""
    kind = check_photo(data)
    actor = _text("actor", actor, required=True, max_len=MAX_NAME)
    caption = _text("caption", caption, max_len=200)
    with conn.cursor() as cur:
        cur.execute("SELECT status::text FROM hidden_hazard WHERE id = %s", (hazard_id,))
        row = cur.fetchone()
        if row is None:
            raise NotFound(f"隐患 {hazard_id} 不存在 (hidden hazard not found)")
        _set_actor(cur, actor, None)
        cur.execute(f"""INSERT INTO hidden_hazard_photo (hidden_hazard_id, stage, content_type, data, uploaded_by, caption)
                        VALUES (%s, %s, %s, %s, %s, %s) RETURNING {_PHOTO_COLUMNS}""",
                    (hazard_id, row[0], kind, psycopg2.Binary(data), actor, caption))
        return Photo(*cur.fetchone())


def photos(conn: psycopg2.extensions.connection, hazard_id: int) -> list[Photo]:
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM hidden_hazard WHERE id = %s", (hazard_id,))
        if cur.fetchone() is None:
            raise NotFound(f"隐患 {hazard_id} 不存在 (hidden hazard not found)")
        cur.execute(f"SELECT {_PHOTO_COLUMNS} FROM hidden_hazard_photo WHERE hidden_hazard_id = %s ORDER BY id",
                    (hazard_id,))
        return [Photo(*r) for r in cur.fetchall()]


def photo_data(conn: psycopg2.extensions.connection, hazard_id: int, photo_id: int) -> tuple[Photo, bytes]:
    with conn.cursor() as cur:
        cur.execute(f"SELECT {_PHOTO_COLUMNS}, data FROM hidden_hazard_photo WHERE id = %s AND hidden_hazard_id = %s",
                    (photo_id, hazard_id))
        row = cur.fetchone()
    if row is None:
        raise NotFound(f"隐患 {hazard_id} 没有照片 {photo_id} (photo not found)")
    return Photo(*row[:-1]), bytes(row[-1])
