"""The 隐患排查治理 closed loop: transitions (layers and the database trigger), the 五落实, reviewer ≠
rectifier, stop-work, overdue, history and audit, photos. Runs on the constructed scene (tests.scene)."""

from __future__ import annotations

import datetime as dt
import io

import psycopg2
import psycopg2.errors
import psycopg2.extras
import pytest
from PIL import Image

from layers import hidden_hazards as hh
from layers.errors import Conflict, InvalidInput, NotFound
from tests.scene import X0, Y0, _sq, add_risk, build, levels

STATUSES = hh.STATUSES
ALLOWED = {("reported", "rectifying"), ("rectifying", "pending_review"), ("pending_review", "closed"),
           ("pending_review", "rectifying")}
FIVE = {"measures": "更换流量开关并恢复联锁", "responsible_dept": "设备部", "responsible_person": "李强",
        "funds_yuan": 86000, "deadline": dt.date.today() + dt.timedelta(days=30), "emergency_plan": "现场处置方案"}
RECTIFIER, REVIEWER = "王五", "赵六"
#: Fields that make each allowed move complete (Shandong guide 第十六条–第十八条; Qitaihe plan 五落实).
GOOD = {
    ("reported", "rectifying"): FIVE,
    ("rectifying", "pending_review"): {"rectifier": RECTIFIER},
    ("pending_review", "closed"): {"verified_by": REVIEWER, "verify_result": "复查合格"},
    ("pending_review", "rectifying"): {"verified_by": REVIEWER, "verify_result": "联锁测试未通过"},
}
PATH = ["reported", "rectifying", "pending_review", "closed"]


@pytest.fixture
def scene(scene_conn):
    return build(scene_conn)


def _report(conn, scene, grade="major", **kw):
    kw.setdefault("area_id", scene.units[0])
    return hh.report(conn, scene.enterprise, description="深井铸造冷却水联锁失效", grade=grade, found_by="检查员甲",
                     **kw)


def _walk(conn, hid: int, status: str) -> None:
    """Move a hazard along the main path up to ``status``."""
    current = hh.get(conn, hid, with_history=False).status
    for a, b in zip(PATH, PATH[1:], strict=False):
        if PATH.index(b) <= PATH.index(current) or PATH.index(a) >= PATH.index(status):
            continue
        hh.move(conn, hid, b, actor="操作员", **GOOD[(a, b)])


def _row(conn, hid: int) -> dict:
    with conn.cursor(cursor_factory=psycopg2.extras.RealDictCursor) as cur:
        cur.execute("SELECT * FROM hidden_hazard WHERE id = %s", (hid,))
        return dict(cur.fetchone())


def _events(conn, hid: int) -> list[tuple]:
    with conn.cursor() as cur:
        cur.execute("SELECT actor, action, from_status::text, to_status::text, note FROM hidden_hazard_event "
                    "WHERE hidden_hazard_id = %s ORDER BY id", (hid,))
        return cur.fetchall()


def _sql_error(conn, sql: str, params=()) -> psycopg2.Error:
    with conn.cursor() as cur:
        cur.execute("SAVEPOINT t")
        try:
            cur.execute(sql, params)
        except psycopg2.Error as exc:
            cur.execute("ROLLBACK TO SAVEPOINT t")
            return exc
        cur.execute("RELEASE SAVEPOINT t")
    pytest.fail(f"the database accepted: {sql}")


# -- report --------------------------------------------------------------------------------------
def test_report_major_is_supervised_and_stops_work(scene_conn, scene):
    h = _report(scene_conn, scene)
    assert (h.status, h.status_zh, h.grade_zh) == ("reported", "上报", "重大隐患")
    assert h.supervised and h.stop_work  # Shandong guide 第十七条: 暂停作业; Qitaihe plan: 挂牌督办
    assert h.lon is not None and h.area_code == "W1-U1"  # a point inside the area by default
    assert [(e.action, e.from_status, e.to_status, e.actor) for e in h.history] == [
        ("report", None, "reported", "检查员甲")]
    g = _report(scene_conn, scene, grade="general")
    assert not g.supervised and not g.stop_work


def test_report_checks_its_input(scene_conn, scene):
    with pytest.raises(NotFound, match="企业 99999999"):
        hh.report(scene_conn, 99999999, description="x", grade="general", found_by="甲")
    with pytest.raises(InvalidInput, match="grade|等级"):
        _report(scene_conn, scene, grade="huge")
    with pytest.raises(InvalidInput) as e:
        hh.report(scene_conn, scene.enterprise, description="  ", grade="general", found_by="甲")
    assert e.value.errors[0]["field"] == "description"
    with pytest.raises(InvalidInput, match="整改期限.*早于"):
        _report(scene_conn, scene, found_at=dt.datetime(2026, 1, 10, tzinfo=dt.UTC), deadline="2026-01-01")
    with pytest.raises(InvalidInput, match="不在区域"):
        _report(scene_conn, scene, lon=X0 + 0.9, lat=Y0 + 0.9)


def _second_enterprise(conn, scene) -> tuple[int, int]:
    """Another enterprise in the same grid with a plant of its own: (enterprise, plant area)."""
    from layers.uscc import check_char

    body = "91990101MA1TNTY99"
    d = 1e-3
    x, y = X0 + 0.7, Y0 + 0.7
    with conn.cursor() as cur:
        cur.execute("INSERT INTO enterprise (uscc, name, industry, scale, employees, region_id, location) "
                    "VALUES (%s, '邻厂化工有限公司', 'hazchem', 'small', 30, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) "
                    "RETURNING id", (body + check_char(body), scene.grid, x + d, y + d))
        ent = cur.fetchone()[0]
        cur.execute("INSERT INTO area (enterprise_id, kind, code, name, geom) VALUES (%s, 'plant', 'P', '邻厂厂区', "
                    "ST_GeomFromText(%s, 4326)) RETURNING id", (ent, _sq(x, y, 2 * d, 2 * d)))
        return ent, cur.fetchone()[0]


def test_area_of_another_enterprise_is_refused(scene_conn, scene):
    other, other_plant = _second_enterprise(scene_conn, scene)
    with pytest.raises(InvalidInput) as e:
        _report(scene_conn, scene, area_id=other_plant)
    assert f"区域 {other_plant}" in str(e.value) and "邻厂" not in str(e.value)  # names the area, leaks nothing
    assert e.value.errors[0]["field"] == "area_id"
    with pytest.raises(InvalidInput, match="区域 99999999"):
        _report(scene_conn, scene, area_id=99999999)
    # and no client can do it either
    err = _sql_error(scene_conn, "INSERT INTO hidden_hazard (enterprise_id, area_id, description, grade, found_by) "
                                 "VALUES (%s, %s, '跨企业', 'general', '甲')", (scene.enterprise, other_plant))
    assert isinstance(err, psycopg2.errors.CheckViolation) and "another enterprise" in str(err)
    h = _report(scene_conn, scene)
    err = _sql_error(scene_conn, "UPDATE hidden_hazard SET area_id = %s WHERE id = %s", (other_plant, h.id))
    assert "不属于企业" in str(err)


# -- the transition matrix -----------------------------------------------------------------------
@pytest.mark.parametrize("src", STATUSES)
@pytest.mark.parametrize("dst", STATUSES)
def test_transition_matrix_in_layers(scene_conn, scene, src, dst):
    h = _report(scene_conn, scene)
    _walk(scene_conn, h.id, src)
    before, events = _row(scene_conn, h.id), _events(scene_conn, h.id)
    assert before["status"] == src
    if (src, dst) in ALLOWED:
        moved = hh.move(scene_conn, h.id, dst, actor="操作员乙", note="按流程", **GOOD[(src, dst)])
        assert moved.status == dst
        assert _events(scene_conn, h.id)[-1][:4] == ("操作员乙", moved.history[-1].action, src, dst)
        assert len(_events(scene_conn, h.id)) == len(events) + 1
    else:
        with pytest.raises(Conflict) as e:
            hh.move(scene_conn, h.id, dst, actor="操作员乙", **GOOD.get((src, dst), {}))
        assert hh.STATUS_ZH[src] in str(e.value) and "not allowed" in str(e.value)
        assert _row(scene_conn, h.id) == before  # refusal leaves the row unchanged
        assert _events(scene_conn, h.id) == events


@pytest.mark.parametrize("src", STATUSES)
@pytest.mark.parametrize("dst", STATUSES)
def test_transition_matrix_in_the_database(scene_conn, scene, src, dst):
    """A client writing SQL directly cannot skip a step either (trigger ra_hidden_hazard_loop)."""
    h = _report(scene_conn, scene)
    _walk(scene_conn, h.id, src)
    if src == dst:  # not a status change: an edit, accepted, and no history row
        events = _events(scene_conn, h.id)
        with scene_conn.cursor() as cur:
            cur.execute("UPDATE hidden_hazard SET status = %s, description = '改写描述' WHERE id = %s", (dst, h.id))
        assert _row(scene_conn, h.id)["status"] == src and _events(scene_conn, h.id) == events
        return
    fields = {"status": dst, **GOOD.get((src, dst), {})}
    sets = ", ".join(f"{k} = %({k})s" for k in fields)
    sql = f"UPDATE hidden_hazard SET {sets} WHERE id = %(id)s"
    if (src, dst) in ALLOWED:
        with scene_conn.cursor() as cur:
            cur.execute(sql, {**fields, "id": h.id})
        assert _row(scene_conn, h.id)["status"] == dst
    else:
        before = _row(scene_conn, h.id)
        err = _sql_error(scene_conn, sql, {**fields, "id": h.id})
        assert isinstance(err, psycopg2.errors.CheckViolation)
        msg = err.diag.message_primary
        assert f"不能从 {hh.STATUS_ZH[src]}({src}) 直接变为" in msg and f"cannot go from {src} to {dst}" in msg
        assert _row(scene_conn, h.id) == before


def test_reported_to_closed_jump_refused_by_sql(scene_conn, scene):
    h = _report(scene_conn, scene, grade="general")
    err = _sql_error(scene_conn, "UPDATE hidden_hazard SET status = 'closed', rectifier = '甲', verified_by = '乙', "
                                 "verify_result = '合格' WHERE id = %s", (h.id,))
    assert "上报(reported) 直接变为 已闭环(closed); 允许: 整改中(rectifying)" in str(err)
    assert _row(scene_conn, h.id)["status"] == "reported"


def test_expected_from_guards_a_stale_screen(scene_conn, scene):
    h = _report(scene_conn, scene)
    with pytest.raises(Conflict, match="changed meanwhile"):
        hh.move(scene_conn, h.id, "pending_review", actor="甲", expected_from="rectifying", rectifier="甲")
    hh.move(scene_conn, h.id, "rectifying", actor="甲", expected_from="reported", **FIVE)


def test_unknown_status_and_missing_hazard(scene_conn, scene):
    h = _report(scene_conn, scene)
    with pytest.raises(InvalidInput, match="目标状态"):
        hh.move(scene_conn, h.id, "done", actor="甲")
    with pytest.raises(NotFound, match="隐患 99999999"):
        hh.move(scene_conn, 99999999, "rectifying", actor="甲", **FIVE)


def test_a_move_refuses_fields_it_does_not_set(scene_conn, scene):
    h = _report(scene_conn, scene)
    _walk(scene_conn, h.id, "rectifying")
    with pytest.raises(InvalidInput) as e:
        hh.move(scene_conn, h.id, "pending_review", actor="甲", rectifier="甲", verified_by="乙")
    assert [x["field"] for x in e.value.errors] == ["verified_by"]
    assert _row(scene_conn, h.id)["status"] == "rectifying"


# -- 五落实 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("missing", list(FIVE))
def test_major_hazard_needs_the_five_implementations(scene_conn, scene, missing):
    """Seed 001 四.(二).6: 整改责任、措施、资金、时限和预案 "五落实" before rectification."""
    h = _report(scene_conn, scene)
    before = _row(scene_conn, h.id)
    fields = {k: v for k, v in FIVE.items() if k != missing}
    with pytest.raises(InvalidInput) as e:
        hh.move(scene_conn, h.id, "rectifying", actor="甲", **fields)
    assert [x["field"] for x in e.value.errors] == [missing] and "五落实" in str(e.value)
    assert _row(scene_conn, h.id) == before
    # the database says the same to a client that bypasses layers
    err = _sql_error(scene_conn, "UPDATE hidden_hazard SET status = 'rectifying' WHERE id = %s", (h.id,))
    assert "五落实" in str(err) and missing in str(err)


def test_five_implementations_given_at_report_are_enough(scene_conn, scene):
    h = _report(scene_conn, scene, **FIVE)
    assert hh.move(scene_conn, h.id, "rectifying", actor="甲").status == "rectifying"


def test_general_hazard_needs_measures_person_and_deadline_only(scene_conn, scene):
    """Seed 003 第十六条: 不能立即整改的要明确责任人、整改措施、整改期限."""
    h = _report(scene_conn, scene, grade="general")
    with pytest.raises(InvalidInput) as e:
        hh.move(scene_conn, h.id, "rectifying", actor="甲", measures="补装防护挡板")
    assert {x["field"] for x in e.value.errors} == {"responsible_person", "deadline"}
    moved = hh.move(scene_conn, h.id, "rectifying", actor="甲", measures="补装防护挡板", responsible_person="张三",
                    deadline=dt.date.today())
    assert moved.funds_yuan is None and moved.status == "rectifying"


def test_clearing_a_required_field_later_is_refused(scene_conn, scene):
    h = _report(scene_conn, scene)
    _walk(scene_conn, h.id, "rectifying")
    err = _sql_error(scene_conn, "UPDATE hidden_hazard SET emergency_plan = NULL WHERE id = %s", (h.id,))
    assert "emergency_plan" in str(err) and "整改中" in str(err)


# -- review --------------------------------------------------------------------------------------
@pytest.mark.parametrize("to", ["closed", "rectifying"])
def test_reviewer_must_differ_from_rectifier(scene_conn, scene, to):
    h = _report(scene_conn, scene)
    _walk(scene_conn, h.id, "pending_review")
    before = _row(scene_conn, h.id)
    with pytest.raises(InvalidInput) as e:
        hh.move(scene_conn, h.id, to, actor=RECTIFIER, verified_by=f" {RECTIFIER} ", verify_result="合格")
    assert e.value.errors[0]["field"] == "verified_by" and "整改人" in str(e.value)
    assert _row(scene_conn, h.id) == before
    err = _sql_error(scene_conn, "UPDATE hidden_hazard SET status = %s, verified_by = %s, verify_result = '合格' "
                                 "WHERE id = %s", (to, RECTIFIER, h.id))
    assert "hidden_hazard_reviewer_differs" in str(err)


def test_closing_requires_a_review_result(scene_conn, scene):
    h = _report(scene_conn, scene)
    _walk(scene_conn, h.id, "pending_review")
    with pytest.raises(InvalidInput) as e:
        hh.move(scene_conn, h.id, "closed", actor=REVIEWER, verified_by=REVIEWER)
    assert [x["field"] for x in e.value.errors] == ["verify_result"]
    with pytest.raises(InvalidInput) as e:
        hh.move(scene_conn, h.id, "closed", actor=REVIEWER, verify_result="合格")
    assert [x["field"] for x in e.value.errors] == ["verified_by"]


def test_failed_review_goes_back_with_its_reason_and_a_new_review_starts_clean(scene_conn, scene):
    h = _report(scene_conn, scene)
    _walk(scene_conn, h.id, "pending_review")
    back = hh.move(scene_conn, h.id, "rectifying", actor=REVIEWER, verified_by=REVIEWER,
                   verify_result="联锁测试未通过", deadline=dt.date.today() + dt.timedelta(days=40))
    assert back.status == "rectifying" and back.verify_result == "联锁测试未通过" and back.stop_work
    assert back.history[-1].action == "reject" and back.history[-1].note == "联锁测试未通过"
    again = hh.move(scene_conn, h.id, "pending_review", actor=RECTIFIER, rectifier=RECTIFIER)
    assert again.verified_by is None and again.verify_result is None  # the failed review stays in the history
    # the old verdict cannot close it: a new review is needed
    err = _sql_error(scene_conn, "UPDATE hidden_hazard SET status = 'closed' WHERE id = %s", (h.id,))
    assert "verified_by" in str(err) and "verify_result" in str(err)
    closed = hh.move(scene_conn, h.id, "closed", actor="周立新", verified_by="周立新", verify_result="复查合格")
    assert closed.status == "closed" and not closed.stop_work and closed.verified_at is not None
    assert [e.action for e in closed.history] == ["report", "start", "submit", "reject", "submit", "verify"]


def test_stop_work_is_lifted_only_on_closing(scene_conn, scene):
    h = _report(scene_conn, scene)
    for status in ("reported", "rectifying", "pending_review"):
        _walk(scene_conn, h.id, status)
        err = _sql_error(scene_conn, "UPDATE hidden_hazard SET stop_work = false WHERE id = %s", (h.id,))
        assert "停产停业" in str(err) and "only when the hazard is closed" in str(err)
    _walk(scene_conn, h.id, "closed")
    row = _row(scene_conn, h.id)
    assert row["status"] == "closed" and row["stop_work"] is False and row["supervised"] is True


# -- overdue -------------------------------------------------------------------------------------
def _region(conn, adcode, name, level, parent, x):
    with conn.cursor() as cur:
        cur.execute("INSERT INTO region (adcode, name, level, parent_id, geom) VALUES (%s, %s, %s, %s, "
                    "ST_GeomFromText(%s, 4326)) RETURNING id", (adcode, name, level, parent, _sq(x, Y0 + 1.5, 0.5, 0.5)))
        return cur.fetchone()[0]


def test_overdue_per_enterprise_and_region_subtree(scene_conn, scene):
    conn = scene_conn
    today = dt.date.today()
    ten_days_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=10)
    late = _report(conn, scene, grade="general", found_at=ten_days_ago, deadline=today - dt.timedelta(days=3))
    due_today = _report(conn, scene, grade="general", found_at=ten_days_ago, deadline=today)
    _report(conn, scene, grade="general")  # no deadline yet
    done = _report(conn, scene, grade="general", area_id=scene.units[2], found_at=ten_days_ago,
                   deadline=today - dt.timedelta(days=2), measures="补装", responsible_person="张三")
    hh.move(conn, done.id, "rectifying", actor="张三")
    hh.move(conn, done.id, "pending_review", actor="张三", rectifier="张三")
    hh.move(conn, done.id, "closed", actor="李四", verified_by="李四", verify_result="合格")
    other_district = _region(conn, "990102", "邻区", "district", scene.city, X0)

    got = hh.overdue(conn, enterprise_id=scene.enterprise)
    assert [h.id for h in got] == [late.id] and got[0].days_overdue == 3
    assert not hh.get(conn, due_today.id).overdue  # overdue = deadline < today
    assert not hh.get(conn, done.id).overdue  # closed is never overdue
    for region in (scene.grid, scene.town, scene.district, scene.city):
        assert [h.id for h in hh.overdue(conn, region_id=region)] == [late.id]
    assert hh.overdue(conn, region_id=other_district) == []
    total, items = hh.list_hazards(conn, enterprise_id=scene.enterprise, overdue=False)
    assert total == 3 and late.id not in [h.id for h in items]
    assert hh.list_hazards(conn, region_id=scene.city, status="closed")[0] == 1
    with pytest.raises(NotFound, match="区域 99999999"):
        hh.overdue(conn, region_id=99999999)
    with pytest.raises(InvalidInput, match="状态"):
        hh.list_hazards(conn, status="open")


def test_overdue_general_hazard_raises_the_area_one_level(scene_conn, scene):
    """docs/domain.md §2 dynamic rule (0002): an overdue 一般隐患 raises its area one level."""
    add_risk(scene_conn, scene.units[0], "general", "low")
    _report(scene_conn, scene, grade="general", found_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=9),
            deadline=dt.date.today() - dt.timedelta(days=1))
    assert levels(scene_conn, scene.units[0]) == ("general", "low", "general")


# -- levels --------------------------------------------------------------------------------------
def test_closing_a_major_hazard_lowers_the_area_again(scene_conn, scene):
    add_risk(scene_conn, scene.units[0], "general", "low")
    assert levels(scene_conn, scene.units[0])[2] == "low"
    h = _report(scene_conn, scene)
    assert levels(scene_conn, scene.units[0])[2] == "major" and levels(scene_conn, scene.plant)[2] == "major"
    _walk(scene_conn, h.id, "pending_review")
    assert levels(scene_conn, scene.units[0])[2] == "major"  # open until closed
    _walk(scene_conn, h.id, "closed")
    assert levels(scene_conn, scene.units[0])[2] == "low" and levels(scene_conn, scene.plant)[2] == "low"


# -- history and audit ---------------------------------------------------------------------------
def test_every_transition_is_in_the_history_and_the_audit_log(scene_conn, scene):
    h = _report(scene_conn, scene, actor="安全员甲")
    hh.move(scene_conn, h.id, "rectifying", actor="设备部李强", note="已制定治理方案", **FIVE)
    hh.move(scene_conn, h.id, "pending_review", actor=RECTIFIER, rectifier=RECTIFIER)
    hh.move(scene_conn, h.id, "closed", actor=REVIEWER, verified_by=REVIEWER, verify_result="复查合格")
    assert _events(scene_conn, h.id) == [
        ("安全员甲", "report", None, "reported", None),
        ("设备部李强", "start", "reported", "rectifying", "已制定治理方案"),
        (RECTIFIER, "submit", "rectifying", "pending_review", None),
        (REVIEWER, "verify", "pending_review", "closed", "复查合格"),
    ]
    with scene_conn.cursor() as cur:
        cur.execute("""SELECT actor, action, before ->> 'status', after ->> 'status' FROM audit_log
                       WHERE table_name = 'hidden_hazard' AND row_id = %s ORDER BY id""", (str(h.id),))
        assert cur.fetchall() == [
            ("安全员甲", "INSERT", None, "reported"),
            ("设备部李强", "UPDATE", "reported", "rectifying"),
            (RECTIFIER, "UPDATE", "rectifying", "pending_review"),
            (REVIEWER, "UPDATE", "pending_review", "closed"),
        ]
    got = hh.get(scene_conn, h.id)
    assert [e.to_zh for e in got.history] == ["上报", "整改中", "待验收", "已闭环"]
    assert got.rectified_at is not None and got.verified_at is not None


def test_history_is_append_only(scene_conn, scene):
    h = _report(scene_conn, scene)
    assert "append-only" in str(_sql_error(scene_conn, "UPDATE hidden_hazard_event SET note = 'x' "
                                                       "WHERE hidden_hazard_id = %s", (h.id,)))
    assert "append-only" in str(_sql_error(scene_conn, "DELETE FROM hidden_hazard_event WHERE hidden_hazard_id = %s",
                                           (h.id,)))
    with scene_conn.cursor() as cur:  # but it goes with its hazard
        cur.execute("DELETE FROM hidden_hazard WHERE id = %s", (h.id,))
    assert _events(scene_conn, h.id) == []


def test_imported_rows_carry_what_their_status_needs(scene_conn, scene):
    """A 台账 row inserted in a later status (an import) is checked like the moves that lead there."""
    err = _sql_error(scene_conn, "INSERT INTO hidden_hazard (enterprise_id, description, grade, found_by, status) "
                                 "VALUES (%s, '旧台账', 'general', '甲', 'closed')", (scene.enterprise,))
    assert "已闭环" in str(err) and "verify_result" in str(err)
    with scene_conn.cursor() as cur:
        cur.execute("INSERT INTO hidden_hazard (enterprise_id, description, grade, found_by, status, deadline, measures, "
                    "responsible_person, rectifier, verified_by, verify_result) VALUES (%s, '旧台账', 'general', '甲', "
                    "'closed', current_date, '清理', '乙', '丙', '丁', '合格') RETURNING id", (scene.enterprise,))
        hid = cur.fetchone()[0]
    assert [e[1:4] for e in _events(scene_conn, hid)] == [("import", None, "closed")]


def test_ledger_has_the_domain_columns(scene_conn, scene):
    h = _report(scene_conn, scene)
    _walk(scene_conn, h.id, "pending_review")
    rows = hh.ledger(scene_conn, scene.enterprise)
    assert list(rows[0]) == [c for c, _ in hh.LEDGER_COLUMNS]
    assert rows[0]["隐患等级"] == "重大隐患" and rows[0]["状态"] == "待验收" and rows[0]["整改人"] == RECTIFIER
    assert rows[0]["处理记录"].count("\n") == 2 and "开始整改" in rows[0]["处理记录"]


# -- photos --------------------------------------------------------------------------------------
def image(fmt: str, size=(8, 8)) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", size, (255, 0, 0)).save(buf, format=fmt)
    return buf.getvalue()


@pytest.mark.parametrize("fmt,kind", [("JPEG", "image/jpeg"), ("PNG", "image/png"), ("WEBP", "image/webp")])
def test_photos_at_any_stage(scene_conn, scene, fmt, kind):
    h = _report(scene_conn, scene)
    p1 = hh.add_photo(scene_conn, h.id, image(fmt), actor="检查员甲", caption="现场")
    _walk(scene_conn, h.id, "closed")
    p2 = hh.add_photo(scene_conn, h.id, image(fmt), actor=REVIEWER)
    assert (p1.content_type, p1.stage, p2.stage) == (kind, "reported", "closed")
    assert [p.id for p in hh.photos(scene_conn, h.id)] == [p1.id, p2.id]
    meta, data = hh.photo_data(scene_conn, h.id, p1.id)
    assert data == image(fmt) and meta.byte_size == len(data) and meta.caption == "现场"
    assert hh.get(scene_conn, h.id).photo_count == 2
    with scene_conn.cursor() as cur:  # audited without the bytes
        cur.execute("SELECT actor, after ? 'data', after ->> 'content_type' FROM audit_log "
                    "WHERE table_name = 'hidden_hazard_photo' AND row_id = %s", (str(p1.id),))
        assert cur.fetchall() == [("检查员甲", False, kind)]


def test_photo_checks(scene_conn, scene):
    h = _report(scene_conn, scene)
    with pytest.raises(InvalidInput, match="不是 JPEG/PNG/WebP"):
        hh.add_photo(scene_conn, h.id, b"GIF89a" + b"\0" * 100, actor="甲")
    with pytest.raises(InvalidInput, match="不是 JPEG/PNG/WebP"):
        hh.add_photo(scene_conn, h.id, b"%PDF-1.7\n", actor="甲")
    with pytest.raises(InvalidInput, match="为空"):
        hh.add_photo(scene_conn, h.id, b"", actor="甲")
    big = image("PNG") + b"\0" * hh.MAX_PHOTO_BYTES
    with pytest.raises(hh.PhotoTooLarge, match="5 MB"):
        hh.add_photo(scene_conn, h.id, big, actor="甲")
    with pytest.raises(NotFound):
        hh.add_photo(scene_conn, 99999999, image("PNG"), actor="甲")
    with pytest.raises(NotFound):
        hh.photo_data(scene_conn, h.id, 99999999)
    assert hh.photos(scene_conn, h.id) == []
    # the database keeps the stored type honest too
    err = _sql_error(scene_conn, "INSERT INTO hidden_hazard_photo (hidden_hazard_id, stage, content_type, data) "
                                 "VALUES (%s, 'reported', 'image/png', %s)", (h.id, psycopg2.Binary(image("JPEG"))))
    assert "hidden_hazard_photo_magic" in str(err)


def test_sniff_matches_the_database(scene_conn):
    with scene_conn.cursor() as cur:
        for fmt in ("JPEG", "PNG", "WEBP", "GIF", "BMP"):
            data = image(fmt)
            cur.execute("SELECT ra_image_type(%s)", (psycopg2.Binary(data),))
            assert cur.fetchone()[0] == hh.sniff_image(data), fmt
