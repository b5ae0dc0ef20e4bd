"""Bad input to the vocabularies users write and to the assessment profiles: accident types that are
neither a GB 6441 name nor an alias (over REST and in a risk list), and profile definitions of the
wrong shape. Every case gets a clear 4xx, a message in Chinese naming what is wrong (for a type,
the accepted names and aliases; for a profile, the path of each problem), and nothing is written."""

from __future__ import annotations

import io
import json
import re

import openpyxl
import psycopg2
import pytest

from layers.risk_lists import OPERATING
from tests.auth import api_client
from tests.corpus import CJK, row_counts

TABLES = ("risk", "control_measure", "area", "management_post", "audit_log")


def _counts(url: str) -> dict[str, object]:
    out: dict[str, object] = dict(row_counts(url, TABLES))
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT name, version, definition FROM assessment_profile ORDER BY name")
            out["assessment_profile"] = cur.fetchall()
            return out
    finally:
        conn.close()


@pytest.fixture(scope="module")
def place(demo_url) -> dict:
    conn = psycopg2.connect(demo_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT id FROM area WHERE enterprise_id = 1 AND kind = 'workshop' ORDER BY id LIMIT 1")
            workshop = cur.fetchone()[0]
            cur.execute("SELECT name FROM area WHERE enterprise_id = 1 AND kind IN ('post', 'unit') ORDER BY id LIMIT 1")
            post = cur.fetchone()[0]
            cur.execute("SELECT definition FROM assessment_profile WHERE name = 'default'")
            default = cur.fetchone()[0]
    finally:
        conn.close()
    return {"workshop": workshop, "post": post, "default": default}


def _risk(accident: dict) -> dict:
    return {"properties": {"name": "坏数据风险", "hazard_factors": "试验", **accident},
            "assessment": {"method": "LEC", "inputs": {"L": 3, "E": 6, "C": 7}, "residual_level": "low"}}


def _list_workbook(post: str, accident: str) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = OPERATING.sheet
    ws.append(list(OPERATING.headers))
    row = {"岗位名称": post, "可能导致的事故类型": accident, "风险等级": "一般", "排查周期": "每周"}
    ws.append([row.get(h) for h in OPERATING.headers])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _with(definition: dict, path: tuple, value) -> dict:
    out = json.loads(json.dumps(definition))
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def _cases(d: dict) -> list[tuple[str, str, str, dict, int, str]]:
    """(name, role, path, request, expected status, regex the message must match)."""
    risks = f"/api/areas/{d['workshop']}/risks"
    lists = "/api/enterprises/1/risk-lists"
    default = d["default"]
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    accepted = r"物体打击.*其它伤害.*火灾爆炸\(火灾\+其它爆炸\)"
    return [
        # accident types over REST: every refusal lists the names and the aliases
        ("unknown type", "enterprise", risks, {"json": _risk({"accident_type": "雷击"})}, 422, "雷击.*" + accepted),
        ("one unknown of several", "enterprise", risks, {"json": _risk({"accident_type": "火灾、飞碟"})}, 422,
         "飞碟.*" + accepted),
        ("unknown in a list", "enterprise", risks, {"json": _risk({"accident_types": ["高空坠落", "UFO"]})}, 422,
         "UFO.*" + accepted),
        ("code out of range", "enterprise", risks, {"json": _risk({"accident_type": 21})}, 422, "'21'.*" + accepted),
        ("empty type", "enterprise", risks, {"json": _risk({"accident_type": "  "})}, 422, "事故类型不能为空.*" + accepted),
        ("empty list", "enterprise", risks, {"json": _risk({"accident_types": []})}, 422, "事故类型不能为空"),
        ("separators only", "enterprise", risks, {"json": _risk({"accident_type": "、、/"})}, 422, "事故类型为空.*" + accepted),
        ("object as type", "enterprise", risks, {"json": _risk({"accident_type": {"name": "火灾"}})}, 422, "事故类型"),
        ("boolean as type", "enterprise", risks, {"json": _risk({"accident_type": True})}, 422, "事故类型"),
        # accident types in a risk list
        ("unknown type in a list cell", "enterprise", lists,
         {"files": {"file": ("清单.xlsx", _list_workbook(d["post"], "触电、雷击"), xlsx)}}, 422, "雷击.*" + accepted),
        # profiles: every problem named by its path
        ("unknown top-level key", "admin", "/api/profiles/default", {"json": {"bogus": 1}}, 422, r"bogus: 未知的键"),
        ("unknown key beside a valid definition", "admin", "/api/profiles/default",
         {"json": {**default, "remarks": "x"}}, 422, r"remarks: 未知的键"),
        ("method missing", "admin", "/api/profiles/default",
         {"json": {k: v for k, v in default.items() if k != "MES"}}, 422, r"MES: 缺少"),
        ("threshold not a number", "admin", "/api/profiles/default",
         {"json": _with(default, ("LEC", "thresholds", "major"), "高")}, 422, r"LEC\.thresholds\.major: 应为数字"),
        ("thresholds not ordered", "admin", "/api/profiles/default",
         {"json": _with(default, ("LS", "thresholds"), {"major": 9, "significant": 15, "general": 20})}, 422,
         r"LS\.thresholds: 应满足 major > significant > general"),
        ("unknown threshold", "admin", "/api/profiles/default",
         {"json": _with(default, ("LS", "thresholds", "extreme"), 30)}, 422, r"LS\.thresholds\.extreme: 未知的键"),
        ("scale value not a number", "admin", "/api/profiles/default",
         {"json": _with(default, ("MES", "scales", "M", "很多"), "x")}, 422, r"MES\.scales\.M\.很多: 分值应为正数"),
        ("negative scale value", "admin", "/api/profiles/default",
         {"json": _with(default, ("MES", "scales", "M", "-1"), "x")}, 422, r"MES\.scales\.M\.-1: 分值应为正数"),
        ("empty scale", "admin", "/api/profiles/default",
         {"json": _with(default, ("LEC", "scales", "E"), {})}, 422, r"LEC\.scales\.E: 应为非空对象"),
        ("unknown factor", "admin", "/api/profiles/default",
         {"json": _with(default, ("LS", "scales", "X"), {"1": "a"})}, 422, r"LS\.scales\.X: 未知的键"),
        ("description not text", "admin", "/api/profiles/default",
         {"json": _with(default, ("LS", "scales", "S", "1"), 5)}, 422, r"LS\.scales\.S\.1: 说明应为文字"),
        ("rule on an unknown input", "admin", "/api/profiles/default",
         {"json": _with(default, ("direct", "rules", 0, "any", 0, "input"), "moon_phase")}, 422,
         r"direct\.rules\[0\]\.any\[0\]\.input: 未知的输入项 'moon_phase'"),
        ("rule of an unknown level", "admin", "/api/profiles/default",
         {"json": _with(default, ("direct", "rules", 1, "level"), "extreme")}, 422, r"direct\.rules\[1\]\.level"),
        ("wrapper with a bad definition", "admin", "/api/profiles/default",
         {"json": {"name": "default", "definition": 5}}, 422, r"评价方案的定义应为对象"),
        ("wrapper with an unknown member", "admin", "/api/profiles/default",
         {"json": {"name": "default", "definition": default, "owner": "me"}}, 422, r"owner: 未知的键"),
        ("wrapper of another name", "admin", "/api/profiles/default",
         {"json": {"name": "ls-strict", "definition": default}}, 422, r"name: 应为 'default'"),
        ("wrapper with a text version", "admin", "/api/profiles/default",
         {"json": {"version": "1", "definition": default}}, 422, r"version: 应为整数"),
        ("wrapper of an old version", "admin", "/api/profiles/default",
         {"json": {"version": 0, "definition": default}}, 412, r"已被修改"),
        ("new profile that cannot grade", "admin", "/api/profiles/i19-bad",
         {"json": {"LEC": default["LEC"]}}, 422, r"LS: 缺少.*MES: 缺少"),
    ]


def test_bad_vocabulary_and_profile_corpus(demo_url, place):
    cases = _cases(place)
    before = _counts(demo_url)
    failures = []
    with api_client(demo_url, "enterprise", enterprise_id=1) as ent, api_client(demo_url, "admin") as admin:
        for name, role, path, req, expected, says in cases:
            client = ent if role == "enterprise" else admin
            r = client.put(path, **req) if path.startswith("/api/profiles/") else client.post(path, **req)
            try:
                body = r.json()
            except ValueError:
                body = {}
            detail = str(body.get("detail", ""))
            said = detail + " " + json.dumps(body.get("errors", []), ensure_ascii=False)
            if r.status_code != expected or not CJK.search(detail) or not re.search(says, said, re.S):
                failures.append(f"{name}: {r.status_code} {r.text[:300]}")
    assert failures == [], "\n".join(failures)
    assert _counts(demo_url) == before
