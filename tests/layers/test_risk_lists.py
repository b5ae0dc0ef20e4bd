"""Risk lists as Excel: columns as in Shandong guide 附件1/附件2, export, import (all-or-nothing), the
round trip and the numbering of 较大及以上 risks, on a constructed scene."""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass

import openpyxl
import pytest

from db.settings import PACKAGE_ROOT
from layers import risk_lists
from layers.errors import InvalidInput, NotFound
from layers.levels import PALETTE, Level
from layers.risk_lists import (
    MANAGEMENT,
    OPERATING,
    SIGNIFICANT,
    import_workbook,
    load_vocab,
    parse_accident_types,
    parse_measures,
    parse_period,
    read_accident_types,
    read_lists,
    risk_list_tables,
    significant_risks,
    significant_tables,
)
from maps.excel import write_workbook
from tests.scene import _sq, build, levels

OP, MG = OPERATING.sheet, MANAGEMENT.sheet

# ------------------------------------------------------------------------------------------------
# The scene: tests.scene.build plus posts' attributes, risks, measures and management posts
# ------------------------------------------------------------------------------------------------


@dataclass
class ListScene:
    enterprise: int
    other_enterprise: int
    areas: dict[str, int]  # code -> id
    risks: dict[str, int]  # label -> id


def _risk(cur, area: int, accident_type: int, method: str, inputs: dict, inherent: str, residual: str, *,
          name: str, causes: str | None = None, measures=(), responsible: str | None = None,
          check_content: str | None = None, period: str = "daily", basis: str | None = None,
          tier: str = "team") -> int:
    cur.execute(
        "INSERT INTO risk (area_id, name, hazard_factors, causes, accident_type, method, inputs, inherent_level, "
        "residual_level, control_tier, responsible, check_content, check_period, basis) "
        "VALUES (%s, %s, '测试因素', %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
        (area, name, causes, accident_type, method, json.dumps(inputs), inherent, residual, tier, responsible,
         check_content, period, basis))
    rid = cur.fetchone()[0]
    for i, (kind, text) in enumerate(measures, 1):
        cur.execute("INSERT INTO control_measure VALUES (%s, %s, %s, %s)", (rid, i, kind, text))
    return rid


def build_list_scene(conn, code_suffix: str = "A") -> ListScene:
    s = build(conn, code_suffix)
    d = 1e-3
    x, y = 100.5, 30.5  # the scene plant's corner (tests.scene: X0 + 0.5, Y0 + 0.5)
    with conn.cursor() as cur:
        cur.execute("SELECT code, id FROM area WHERE enterprise_id = %s", (s.enterprise,))
        areas = dict(cur.fetchall())

        def area(kind, code, name, parent, geom):
            cur.execute("INSERT INTO area (enterprise_id, parent_id, kind, code, name, geom) "
                        "VALUES (%s, %s, %s, %s, %s, ST_GeomFromText(%s, 4326)) RETURNING id",
                        (s.enterprise, parent, kind, code, name, geom))
            areas[code] = cur.fetchone()[0]

        # a third workshop coded W10, to check natural order (W2 before W10)
        area("workshop", "W10", "喷涂车间", s.plant, _sq(x + d, y + 6 * d, 3 * d, 3 * d))
        area("post", "W10-P1", "喷漆岗位", areas["W10"], _sq(x + 1.5 * d, y + 6.5 * d, d, d))
        cur.execute("UPDATE area SET headcount = 2, equipment = '冲床 J23-63', activities = '冲压作业\n模具更换' "
                    "WHERE id = %s", (areas["W1-U1"],))
        cur.execute("UPDATE area SET headcount = 1, equipment = '桥式起重机 10t' WHERE id = %s", (areas["W1-U2"],))
        cur.execute("UPDATE area SET headcount = 6 WHERE id = %s", (areas["W2-U1"],))

        risks = {}
        # docs/domain.md §3 worked example: L=3 E=6 C=15 → D=270 → 较大; controls bring it to 一般.
        risks["punch"] = _risk(
            cur, areas["W1-U1"], 3, "LEC", {"L": 3, "E": 6, "C": 15}, "significant", "general", name="冲床冲压",
            causes="未安装光电保护装置\n双手进入模具区", responsible="张三", check_content="光电保护装置是否有效",
            period="shift", measures=[("engineering", "安装光电保护装置"), ("administrative", "执行安全操作规程"),
                                      ("ppe", "佩戴防护手套")])
        risks["punch_hit"] = _risk(
            cur, areas["W1-U1"], 1, "direct", {"level": "low", "basis": "历史无事故"}, "low", "low",
            name="工件飞出", basis="历史无事故", measures=[("administrative", "工件摆放整齐")], period="weekly")
        # L=6 E=6 C=15 → D=540 → 重大 (docs/domain.md §3 LEC default mapping, D ≥ 320); controls → 较大.
        risks["crane"] = _risk(
            cur, areas["W1-U2"], 4, "LEC", {"L": 6, "E": 6, "C": 15}, "major", "significant", name="行车吊装",
            causes="钢丝绳断裂", responsible="李四", measures=[("engineering", "安装限位器"), ("emergency", "制定起重事故应急预案")],
            period="daily", tier="workshop")
        risks["spray_fire"] = _risk(
            cur, areas["W10-P1"], 8, "direct", {"level": "major", "basis": "涉及易燃涂料"}, "major", "major",
            name="喷漆作业", basis="涉及易燃涂料", causes="静电火花", responsible="王五", period="shift", tier="company",
            measures=[("engineering", "防爆电气"), ("administrative", "动火作业审批")])
        # a risk on a workshop itself: outside the post lists, inside the 较大及以上 list
        risks["workshop"] = _risk(
            cur, areas["W2"], 2, "direct", {"level": "significant", "basis": "叉车通道"}, "significant", "significant",
            name="厂内叉车", basis="叉车通道", period="daily", tier="workshop")

        cur.execute("INSERT INTO management_post (enterprise_id, name, position) VALUES (%s, '安全管理员', 1), "
                    "(%s, '设备管理员', 2) RETURNING id", (s.enterprise, s.enterprise))
        safety, equipment = (r[0] for r in cur.fetchall())
        cur.execute(
            "INSERT INTO management_risk (post_id, position, duty, level, check_content, responsible, check_period) "
            "VALUES (%s, 1, '组织安全检查', 'general', '检查记录是否完整', '赵六', 'monthly'), "
            "(%s, 2, '组织应急演练', 'low', '演练记录', '赵六', 'quarterly'), "
            "(%s, 1, '特种设备管理', 'significant', '特种设备定期检验', '钱七', 'monthly') RETURNING id",
            (safety, safety, equipment))
        m1 = cur.fetchone()[0]
        cur.execute("INSERT INTO management_control_measure VALUES (%s, 1, 'administrative', '制定检查计划'), "
                    "(%s, 2, 'administrative', '隐患闭环跟踪')", (m1, m1))

        # another enterprise in the same grid, with a post named 焊接岗位
        from layers.uscc import check_char
        body = "91990101MA1TNT" + (code_suffix + "X").rjust(3, "0")
        cur.execute(
            "INSERT INTO enterprise (uscc, name, industry, scale, employees, region_id, location) "
            "VALUES (%s, '另一家公司', 'machinery', 'micro', 5, %s, ST_SetSRID(ST_MakePoint(100.8, 30.8), 4326)) "
            "RETURNING id", (body + check_char(body), s.grid))
        other = cur.fetchone()[0]
        ox, oy = 100.8, 30.8
        cur.execute("INSERT INTO area (enterprise_id, kind, code, name, geom) VALUES (%s, 'plant', 'P', '厂区', "
                    "ST_GeomFromText(%s, 4326)) RETURNING id", (other, _sq(ox, oy, 4 * d, 4 * d)))
        op = cur.fetchone()[0]
        cur.execute("INSERT INTO area (enterprise_id, parent_id, kind, code, name, geom) VALUES (%s, %s, 'workshop', "
                    "'W1', '焊接车间', ST_GeomFromText(%s, 4326)) RETURNING id", (other, op, _sq(ox + d, oy + d, 2 * d, 2 * d)))
        ow = cur.fetchone()[0]
        cur.execute("INSERT INTO area (enterprise_id, parent_id, kind, code, name, geom) VALUES (%s, %s, 'post', "
                    "'W1-P1', '焊接岗位', ST_GeomFromText(%s, 4326))", (other, ow, _sq(ox + 1.5 * d, oy + 1.5 * d, d, d)))
    return ListScene(s.enterprise, other, areas, risks)


# ------------------------------------------------------------------------------------------------
# helpers
# ------------------------------------------------------------------------------------------------


def export(conn, eid: int) -> bytes:
    _, tables = risk_list_tables(conn, eid)
    return write_workbook(tables)


def values(data: bytes) -> dict[str, list[list]]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def merges(data: bytes) -> dict[str, list[str]]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: sorted(str(r) for r in ws.merged_cells.ranges) for ws in wb.worksheets}


def edit(data: bytes, fn) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    fn(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def delete_rows(ws, row: int, n: int = 1) -> None:
    """Delete rows; openpyxl does not move merged ranges, so first unmerge them, repeating the
    merged value in each cell (which the import reads the same way)."""
    for rng in list(ws.merged_cells.ranges):
        if rng.min_row > 2:
            v = ws.cell(rng.min_row, rng.min_col).value
            ws.unmerge_cells(str(rng))
            for r in range(rng.min_row, rng.max_row + 1):
                for c in range(rng.min_col, rng.max_col + 1):
                    ws.cell(r, c).value = v
    ws.delete_rows(row, n)


def row_of(ws, post: str) -> int:
    """First data row of a post (column A, where a merged block keeps its value)."""
    for r in range(3, ws.max_row + 1):
        if ws.cell(r, 1).value == post:
            return r
    raise KeyError(post)


def col(spec, header: str) -> int:
    return spec.index(header) + 1


def snapshot(conn, eid: int) -> dict:
    """Everything an import may touch, to prove a refused import changed nothing."""
    with conn.cursor() as cur:
        out = {}
        for key, sql in {
            "areas": "SELECT to_jsonb(a) - 'geom' FROM area a WHERE enterprise_id = %(e)s ORDER BY id",
            "risks": "SELECT to_jsonb(r) FROM risk r JOIN area a ON a.id = r.area_id WHERE a.enterprise_id = %(e)s "
                     "ORDER BY r.id",
            "measures": "SELECT to_jsonb(m) FROM control_measure m JOIN risk r ON r.id = m.risk_id "
                        "JOIN area a ON a.id = r.area_id WHERE a.enterprise_id = %(e)s ORDER BY m.risk_id, m.position",
            "mposts": "SELECT to_jsonb(p) FROM management_post p WHERE enterprise_id = %(e)s ORDER BY id",
            "mrisks": "SELECT to_jsonb(m) FROM management_risk m JOIN management_post p ON p.id = m.post_id "
                      "WHERE p.enterprise_id = %(e)s ORDER BY m.id",
            "mmeasures": "SELECT to_jsonb(c) FROM management_control_measure c JOIN management_risk m "
                         "ON m.id = c.management_risk_id JOIN management_post p ON p.id = m.post_id "
                         "WHERE p.enterprise_id = %(e)s ORDER BY 1::text",
            "audit": "SELECT count(*) FROM audit_log",
            "levels": "SELECT to_jsonb(s) - 'levels_at' FROM area_state s JOIN area a ON a.id = s.area_id "
                      "WHERE a.enterprise_id = %(e)s ORDER BY a.id",
        }.items():
            cur.execute(sql, {"e": eid})
            out[key] = cur.fetchall()
    return out


@pytest.fixture
def ls(scene_conn) -> ListScene:
    return build_list_scene(scene_conn)


# ------------------------------------------------------------------------------------------------
# Columns and export
# ------------------------------------------------------------------------------------------------


def _seed_headers() -> tuple[list[str], list[str]] | None:
    seeds = PACKAGE_ROOT.parent / "shared" / "seeds"
    found = sorted(seeds.glob("003_*.txt")) if seeds.is_dir() else []
    if not found:
        return None
    text = found[0].read_text(encoding="utf-8")
    a1 = text[text.index("附件1"):text.index("附件2")]
    a2 = text[text.index("附件2"):]

    def cells(block: str) -> list[str]:
        return [c.strip() for c in re.findall(r"^\t(\S[^\n]*)$", block, flags=re.M)]

    return cells(a1), cells(a2)


def test_headers_are_the_seeds_wording():
    expected_op = ("岗位名称", "岗位人数", "主要设备设施", "主要作业活动", "可能导致的事故类型", "可能导致事故的原因",
                   "风险等级", "管控措施", "排查内容", "责任人", "排查周期")
    expected_mg = ("岗位名称", "风险等级", "职责分工", "管控措施", "排查内容", "责任人", "排查周期")
    assert OPERATING.headers == expected_op and MANAGEMENT.headers == expected_mg
    assert SIGNIFICANT.headers == ("编号", "风险点", "位置", "事故类型", "风险等级", "管控层级", "责任单位/责任人",
                                   "主要管控措施")  # docs/domain.md §4
    seed = _seed_headers()
    if seed is None:
        pytest.skip("shared/seeds/003 not beside the checkout")
    assert tuple(seed[0]) == OPERATING.headers  # Shandong guide 附件1, cell by cell
    assert tuple(seed[1]) == MANAGEMENT.headers  # Shandong guide 附件2
    assert OPERATING.sheet == "操作岗位风险管控与隐患排查清单" and MANAGEMENT.sheet == "管理岗位风险管控与隐患排查清单"


def test_export_layout_colours_and_print_setup(scene_conn, ls):
    data = export(scene_conn, ls.enterprise)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == [OP, MG]
    ws = wb[OP]
    assert "测试机械有限公司" in ws["A1"].value and OP in ws["A1"].value
    assert [c.value for c in ws[2]] == list(OPERATING.headers)
    assert ws.freeze_panes == "A3"
    assert ws.page_setup.orientation == "landscape" and int(ws.page_setup.paperSize) == 9  # 9 = A4
    assert int(ws.page_setup.fitToWidth) == 1 and int(ws.page_setup.fitToHeight) == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_title_rows == "$1:$2"
    assert ws.column_dimensions["H"].width == OPERATING.columns[7].width
    # posts in workshop then area code order, W10 after W2; 冲床工位's two risks share merged post cells
    posts = [r[0] for r in values(data)[OP][2:] if r[0]]
    assert posts == ["冲床工位", "行车", "装配岗位", "喷漆岗位"]
    r = row_of(ws, "冲床工位")
    assert f"A{r}:A{r + 1}" in {str(m) for m in ws.merged_cells.ranges}
    assert ws.cell(r, col(OPERATING, "岗位人数")).value == 2
    assert ws.cell(r, col(OPERATING, "主要作业活动")).value == "冲压作业\n模具更换"
    assert ws.cell(r, col(OPERATING, "可能导致的事故类型")).value == "机械伤害"
    assert ws.cell(r, col(OPERATING, "管控措施")).value == "工程控制: 安装光电保护装置\n管理: 执行安全操作规程\n个体防护: 佩戴防护手套"
    assert ws.cell(r, col(OPERATING, "排查周期")).value == "每班"
    # the level cell: palette fill and readable text (black on yellow, white on blue/red)
    for row in range(3, ws.max_row + 1):
        c = ws.cell(row, col(OPERATING, "风险等级"))
        if c.value:
            lv = Level(next(k for k in ("major", "significant", "general", "low") if Level(k).name_zh == c.value))
            assert c.fill.fgColor.rgb.endswith(PALETTE.colour(lv)[1:])
            assert c.font.color.rgb.endswith(PALETTE.text_colour(lv)[1:])
    gen = ws.cell(r, col(OPERATING, "风险等级"))
    assert gen.value == "一般风险" and gen.font.color.rgb.endswith("000000")
    # a post with no risk is one row with empty risk cells; the workshop's own risk is not a post's
    assert values(data)[OP][row_of(ws, "装配岗位") - 1][4:] == [None] * 7
    assert "厂内叉车" not in json.dumps(values(data), ensure_ascii=False)
    mg = values(data)[MG]
    assert mg[1] == list(MANAGEMENT.headers)
    assert mg[2] == ["安全管理员", "一般风险", "组织安全检查", "管理: 制定检查计划\n管理: 隐患闭环跟踪", "检查记录是否完整",
                     "赵六", "每月"]
    assert mg[4][:3] == ["设备管理员", "较大风险", "特种设备管理"]


def test_round_trip_export_import_export_is_identical(scene_conn, ls):
    first = export(scene_conn, ls.enterprise)
    before = snapshot(scene_conn, ls.enterprise)
    result = import_workbook(scene_conn, ls.enterprise, first, actor="test")
    assert result.operating == {"posts": 4, "inserted": 0, "updated": 0, "deleted": 0, "unchanged": 4,
                                "post_attributes_updated": 0}
    assert result.management == {"posts": 2, "posts_inserted": 0, "posts_deleted": 0, "inserted": 0,
                                  "updated": 0, "deleted": 0, "unchanged": 3}
    after = snapshot(scene_conn, ls.enterprise)
    # nothing changed, and nothing but the one summary row was audited
    assert {k: v for k, v in after.items() if k != "audit"} == {k: v for k, v in before.items() if k != "audit"}
    assert after["audit"][0][0] == before["audit"][0][0] + 1
    second = export(scene_conn, ls.enterprise)
    assert values(second) == values(first)
    assert merges(second) == merges(first)


def test_import_of_an_edited_workbook(scene_conn, ls):
    first = export(scene_conn, ls.enterprise)
    punch_measures_text = "1. 定期检查光电保护装置\n2、工程控制：加装双手按钮\n(3) 个人防护: 佩戴防护眼镜"

    def change(wb):
        ws = wb[OP]
        r = row_of(ws, "冲床工位")
        ws.cell(r, col(OPERATING, "岗位人数")).value = 3
        ws.cell(r, col(OPERATING, "风险等级")).value = "橙"  # 较大 = the assessed inherent level: allowed
        ws.cell(r, col(OPERATING, "管控措施")).value = punch_measures_text
        ws.cell(r, col(OPERATING, "排查周期")).value = "每天一次"
        delete_rows(ws, r + 1)  # 工件飞出 (物体打击) leaves the list
        # a new row for 装配岗位 with two accident types in one cell → one risk keeping both
        p = row_of(ws, "装配岗位")
        ws.cell(p, col(OPERATING, "可能导致的事故类型")).value = "触电、其他伤害"
        ws.cell(p, col(OPERATING, "可能导致事故的原因")).value = "电动工具漏电"
        ws.cell(p, col(OPERATING, "风险等级")).value = "较大"
        ws.cell(p, col(OPERATING, "管控措施")).value = "使用漏电保护器"
        ws.cell(p, col(OPERATING, "排查周期")).value = "每周"
        ws.cell(p, col(OPERATING, "责任人")).value = 1001  # a number in a text cell is read as text
        mg = wb[MG]
        delete_rows(mg, 5)  # 设备管理员 leaves the list
        mg.append(["仓库管理员", "低", "危化品出入库登记", "应急: 配备吸附棉", None, "孙八", "每月"])

    edited = edit(first, change)
    result = import_workbook(scene_conn, ls.enterprise, edited, actor="tester")
    assert result.operating == {"posts": 4, "inserted": 1, "updated": 1, "deleted": 1, "unchanged": 2,
                                "post_attributes_updated": 1}
    assert any("其他伤害 → 其它伤害" in n for n in result.notes)
    assert result.management == {"posts": 2, "posts_inserted": 1, "posts_deleted": 1, "inserted": 1,
                                  "updated": 0, "deleted": 0, "unchanged": 2}
    lists = read_lists(scene_conn, ls.enterprise)
    punch = next(p for p in lists.operating if p.code == "W1-U1")
    assert punch.headcount == 3 and [r.id for r in punch.risks] == [ls.risks["punch"]]  # same risk, updated
    r = punch.risks[0]
    assert r.level is Level.SIGNIFICANT and r.check_period == "daily"
    assert [(m.kind, m.description) for m in r.measures] == [
        ("administrative", "定期检查光电保护装置"), ("engineering", "加装双手按钮"), ("ppe", "佩戴防护眼镜")]
    with scene_conn.cursor() as cur:
        cur.execute("SELECT inherent_level::text, residual_level::text, control_tier::text, method::text, inputs, "
                    "name FROM risk WHERE id = %s", (ls.risks["punch"],))
        assert cur.fetchone() == ("significant", "significant", "workshop", "LEC", {"L": 3, "E": 6, "C": 15}, "冲床冲压")
        cur.execute("SELECT count(*) FROM risk WHERE id = %s", (ls.risks["punch_hit"],))
        assert cur.fetchone()[0] == 0
        cur.execute("SELECT r.accident_types, r.method::text, r.inherent_level::text, r.residual_level::text, "
                    "r.control_tier::text, r.basis IS NOT NULL, r.responsible, r.name FROM risk r "
                    "WHERE r.area_id = %s ORDER BY r.id", (ls.areas["W2-U1"],))
        new = cur.fetchall()
        assert [n[0] for n in new] == [[5, 20]]  # 触电, 其它伤害 (GB 6441 codes)
        assert all(n[1:6] == ("direct", "significant", "significant", "workshop", True) for n in new)
        assert new[0][6] == "1001" and new[0][7] == "装配岗位-触电、其它伤害"
        # every change audited under the actor
        cur.execute("SELECT DISTINCT table_name FROM audit_log WHERE actor = 'tester'")
        assert {r[0] for r in cur.fetchall()} >= {"risk", "area", "control_measure", "management_post",
                                                  "management_risk"}
    # levels follow at once (triggers): 装配岗位 is now 较大; the workshop W2 keeps its own 较大
    assert levels(scene_conn, ls.areas["W2-U1"])[:2] == ("significant", "significant")
    mg = {p.name: p for p in lists.management}
    assert list(mg) == ["安全管理员", "仓库管理员"]
    assert mg["仓库管理员"].items[0].measures[0].kind == "emergency"
    # the edited list, exported and imported again, is stable
    second = export(scene_conn, ls.enterprise)
    again = import_workbook(scene_conn, ls.enterprise, second)
    assert again.operating["unchanged"] == 4 and again.operating["inserted"] == again.operating["updated"] == 0
    assert values(export(scene_conn, ls.enterprise)) == values(second)


def test_alias_keeps_every_type_reports_the_mapping_and_exports_them_all(scene_conn, ls):
    """火灾爆炸, the usual wording of a risk list, is 火灾 and 其它爆炸: one risk keeping both types, the
    import says how it read the word, and the export writes both."""
    def change(wb):
        ws = wb[OP]
        p = row_of(ws, "装配岗位")
        for header, v in (("可能导致的事故类型", "火灾爆炸"), ("风险等级", "一般"), ("排查周期", "每周"),
                          ("可能导致事故的原因", "稀释剂挥发遇明火")):
            ws.cell(p, col(OPERATING, header)).value = v

    result = import_workbook(scene_conn, ls.enterprise, edit(export(scene_conn, ls.enterprise), change))
    assert result.operating["inserted"] == 1
    assert any("火灾爆炸 → 火灾、其它爆炸" in n for n in result.notes), result.notes
    with scene_conn.cursor() as cur:
        cur.execute("SELECT accident_type, accident_types FROM risk WHERE area_id = %s", (ls.areas["W2-U1"],))
        assert cur.fetchall() == [(8, [8, 18])]  # 火灾 the primary, 其它爆炸 kept
    ws_rows = values(export(scene_conn, ls.enterprise))[OP]
    row = next(r for r in ws_rows if r[0] == "装配岗位")
    assert row[OPERATING.index("可能导致的事故类型")] == "火灾、其它爆炸"
    # the export imported again is the same risk, unchanged
    again = import_workbook(scene_conn, ls.enterprise, export(scene_conn, ls.enterprise))
    assert again.operating["inserted"] == again.operating["updated"] == 0 and not again.notes


def test_unknown_accident_type_refusal_lists_names_and_aliases(scene_conn, ls):
    def change(wb):
        ws = wb[OP]
        ws.cell(row_of(ws, "冲床工位"), col(OPERATING, "可能导致的事故类型")).value = "雷击"

    with pytest.raises(InvalidInput) as e:
        import_workbook(scene_conn, ls.enterprise, edit(export(scene_conn, ls.enterprise), change))
    message = e.value.errors[0]["message"]
    assert "雷击" in message and "高处坠落" in message and "其它伤害" in message  # the GB 6441 names
    assert "火灾爆炸(火灾+其它爆炸)" in message and "高空坠落(高处坠落)" in message  # and the aliases


def test_merged_cells_are_filled_down(scene_conn, ls):
    """A user's list with 岗位名称 and 排查周期 merged over a post's rows."""
    def change(wb):
        ws = wb[OP]
        r = row_of(ws, "装配岗位")
        ws.insert_rows(r + 1)
        for header, v in (("岗位名称", "装配岗位"), ("可能导致的事故类型", "触电"), ("风险等级", "一般"),
                          ("排查周期", "每周")):
            ws.cell(r, col(OPERATING, header)).value = v
        ws.cell(r + 1, col(OPERATING, "可能导致的事故类型")).value = "机械伤害"
        ws.cell(r + 1, col(OPERATING, "风险等级")).value = "蓝"
        ws.merge_cells(f"A{r}:A{r + 1}")
        c = get_letter(col(OPERATING, "排查周期"))
        ws.merge_cells(f"{c}{r}:{c}{r + 1}")

    from openpyxl.utils import get_column_letter as get_letter
    data = edit(export(scene_conn, ls.enterprise), change)
    result = import_workbook(scene_conn, ls.enterprise, data)
    assert result.operating["inserted"] == 2
    post = next(p for p in read_lists(scene_conn, ls.enterprise).operating if p.code == "W2-U1")
    assert [(r.accident_type, r.level, r.check_period) for r in post.risks] == [
        (5, Level.GENERAL, "weekly"), (3, Level.LOW, "weekly")]


def test_extra_column_is_ignored_with_a_warning(scene_conn, ls):
    def change(wb):
        ws = wb[OP]
        ws.cell(2, 12).value = "备注"
        ws.cell(3, 12).value = "随便写"
    result = import_workbook(scene_conn, ls.enterprise, edit(export(scene_conn, ls.enterprise), change))
    assert result.operating["unchanged"] == 4
    assert any("备注" in w for w in result.warnings)


def test_columns_in_another_order_and_renamed_sheet_are_recognised(scene_conn, ls):
    """A sheet called Sheet1 with the 附件2 headers in another order is read by its headers."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append(["责任人", "岗位名称", "排查周期", "风险等级", "职责分工", "管控措施", "排查内容"])
    ws.append(["周九", "主要负责人", "每季度一次", "重大风险", "组织制定安全生产规章制度", "管理措施: 每年修订", None])
    buf = io.BytesIO()
    wb.save(buf)
    result = import_workbook(scene_conn, ls.enterprise, buf.getvalue())
    assert result.sheets == {"management": "Sheet1"} and result.operating is None
    assert result.management["posts_deleted"] == 2
    mg = read_lists(scene_conn, ls.enterprise).management
    assert [(p.name, p.items[0].level, p.items[0].check_period, p.items[0].responsible) for p in mg] == [
        ("主要负责人", Level.MAJOR, "quarterly", "周九")]
    # the operating list was not in the workbook: untouched
    assert len(next(p for p in read_lists(scene_conn, ls.enterprise).operating if p.code == "W1-U1").risks) == 2


def test_stated_risk_may_be_raised_assessed_risk_may_not(scene_conn, ls):
    def raise_crane(wb):
        ws = wb[OP]
        ws.cell(row_of(ws, "行车"), col(OPERATING, "风险等级")).value = "重大风险"  # = its LEC inherent: allowed
        r = row_of(ws, "冲床工位")
        ws.cell(r + 1, col(OPERATING, "风险等级")).value = "较大风险"  # 工件飞出, stated 低: raised with inherent
    import_workbook(scene_conn, ls.enterprise, edit(export(scene_conn, ls.enterprise), raise_crane))
    with scene_conn.cursor() as cur:
        cur.execute("SELECT inherent_level::text, residual_level::text, inputs FROM risk WHERE id = %s",
                    (ls.risks["punch_hit"],))
        assert cur.fetchone() == ("significant", "significant", {"level": "significant", "basis": "历史无事故"})

    def over(wb):
        ws = wb[OP]
        ws.cell(row_of(ws, "冲床工位"), col(OPERATING, "风险等级")).value = "重大风险"  # above LEC's 较大
    before = snapshot(scene_conn, ls.enterprise)
    with pytest.raises(InvalidInput) as e:
        import_workbook(scene_conn, ls.enterprise, edit(export(scene_conn, ls.enterprise), over))
    (err,) = e.value.errors
    assert err["sheet"] == OP and err["column"] == "风险等级" and "固有风险等级" in err["message"]
    assert snapshot(scene_conn, ls.enterprise) == before


def test_dry_run_writes_nothing(scene_conn, ls):
    def change(wb):
        delete_rows(wb[OP], 3, 2)
    before = snapshot(scene_conn, ls.enterprise)
    result = import_workbook(scene_conn, ls.enterprise, edit(export(scene_conn, ls.enterprise), change), dry_run=True)
    assert result.dry_run and result.operating["deleted"] == 2
    assert snapshot(scene_conn, ls.enterprise) == before


def test_duplicate_post_names_are_written_with_their_code(scene_conn, ls):
    with scene_conn.cursor() as cur:
        cur.execute("INSERT INTO area (enterprise_id, parent_id, kind, code, name, geom) VALUES (%s, %s, 'post', "
                    "'W1-P9', '装配岗位', ST_GeomFromText(%s, 4326))",
                    (ls.enterprise, ls.areas["W1"], _sq(100.5 + 1.5e-3, 30.5 + 3e-3, 1e-3, 1e-3)))
    data = export(scene_conn, ls.enterprise)
    names = [r[0] for r in values(data)[OP][2:] if r[0]]
    assert "装配岗位 [W1-P9]" in names and "装配岗位 [W2-U1]" in names
    assert import_workbook(scene_conn, ls.enterprise, data).operating["unchanged"] == 4

    def bare(wb):
        ws = wb[OP]
        ws.cell(row_of(ws, "装配岗位 [W2-U1]"), 1).value = "装配岗位"
    with pytest.raises(InvalidInput) as e:
        import_workbook(scene_conn, ls.enterprise, edit(data, bare))
    assert e.value.errors[0]["column"] == "岗位名称" and "不唯一" in e.value.errors[0]["message"]

    def code_only(wb):
        ws = wb[OP]
        ws.cell(row_of(ws, "装配岗位 [W2-U1]"), 1).value = "W2-U1"
    assert import_workbook(scene_conn, ls.enterprise, edit(data, code_only)).operating["unchanged"] == 4


def test_unknown_enterprise(scene_conn, ls):
    data = export(scene_conn, ls.enterprise)
    with pytest.raises(NotFound):
        import_workbook(scene_conn, 2**31 - 1, data)
    with pytest.raises(NotFound):
        risk_list_tables(scene_conn, 2**31 - 1)


# ------------------------------------------------------------------------------------------------
# Refused workbooks: every error names sheet, row and column; the database is unchanged
# ------------------------------------------------------------------------------------------------


def _set(sheet: str, post: str, header: str, value, offset: int = 0):
    spec = OPERATING if sheet == OP else MANAGEMENT

    def fn(wb):
        ws = wb[sheet]
        ws.cell(row_of(ws, post) + offset, col(spec, header)).value = value
    return fn


def _header(sheet: str, old: str, new: str):
    def fn(wb):
        ws = wb[sheet]
        for c in ws[2]:
            if c.value == old:
                c.value = new
    return fn


def _delete_column(header: str):
    def fn(wb):
        wb[OP].delete_cols(col(OPERATING, header))
    return fn


def _unmerge_and_set(header: str, value):
    def fn(wb):
        ws = wb[OP]
        r = row_of(ws, "冲床工位")
        for rng in list(ws.merged_cells.ranges):
            if rng.min_row == r:
                ws.unmerge_cells(str(rng))
        for h in OPERATING.headers[:4]:
            ws.cell(r + 1, col(OPERATING, h)).value = ws.cell(r, col(OPERATING, h)).value
        ws.cell(r + 1, col(OPERATING, header)).value = value
    return fn


def _duplicate_sheet(wb):
    wb.copy_worksheet(wb[OP]).title = "作业岗位风险清单"


def _many(wb):
    _set(OP, "行车", "风险等级", "很高")(wb)
    _set(OP, "装配岗位", "岗位人数", "六")(wb)
    _set(MG, "设备管理员", "排查周期", "每年")(wb)


# (case id, edit, expected errors as (sheet, row or None, column)); row = the Excel row number in the export:
# title 1, header 2, then 冲床工位 3-4, 行车 5, 装配岗位 6, 喷漆岗位 7; 附件2: 安全管理员 3-4, 设备管理员 5.
BAD_EDITS = [
    ("wrong header", _header(OP, "岗位名称", "岗位名"), [(OP, 2, "岗位名称")]),
    ("missing column", _delete_column("管控措施"), [(OP, 2, "管控措施")]),
    ("duplicate column", _header(OP, "责任人", "排查内容"), [(OP, 2, "排查内容"), (OP, 2, "责任人")]),
    ("bad level word", _set(OP, "行车", "风险等级", "很高"), [(OP, 5, "风险等级")]),
    ("level left empty", _set(OP, "行车", "风险等级", None), [(OP, 5, "风险等级")]),
    ("bad accident type", _set(OP, "行车", "可能导致的事故类型", "被狗咬"), [(OP, 5, "可能导致的事故类型")]),
    ("one bad type among several", _set(OP, "行车", "可能导致的事故类型", "起重伤害、天灾"), [(OP, 5, "可能导致的事故类型")]),
    ("headcount not an integer", _set(OP, "装配岗位", "岗位人数", "六人"), [(OP, 6, "岗位人数")]),
    ("headcount a fraction", _set(OP, "装配岗位", "岗位人数", 2.5), [(OP, 6, "岗位人数")]),
    ("headcount negative", _set(OP, "装配岗位", "岗位人数", -1), [(OP, 6, "岗位人数")]),
    ("empty post name", _set(OP, "装配岗位", "岗位名称", None), [(OP, 6, "岗位名称")]),
    ("post of another enterprise", _set(OP, "装配岗位", "岗位名称", "焊接岗位"), [(OP, 6, "岗位名称")]),
    ("code of another enterprise's post", _set(OP, "装配岗位", "岗位名称", "W1-P1"), [(OP, 6, "岗位名称")]),
    ("bad inspection period", _set(OP, "行车", "排查周期", "每年"), [(OP, 5, "排查周期")]),
    ("measure type without text", _set(OP, "行车", "管控措施", "工程控制:"), [(OP, 5, "管控措施")]),
    ("inconsistent headcount", _unmerge_and_set("岗位人数", 7), [(OP, 4, "岗位人数")]),
    ("risk row without accident type", _set(OP, "装配岗位", "风险等级", "一般"), [(OP, 6, "可能导致的事故类型"),
                                                                                (OP, 6, "排查周期")]),
    ("management: bad level", _set(MG, "设备管理员", "风险等级", "紫"), [(MG, 5, "风险等级")]),
    ("management: empty post name", _set(MG, "设备管理员", "岗位名称", None), [(MG, 5, "岗位名称")]),
    ("management: wrong header", _header(MG, "职责分工", "职责"), [(MG, 2, "职责分工")]),
    ("two sheets for one list", _duplicate_sheet, [("作业岗位风险清单", None, None)]),
    ("errors in both sheets are all listed", _many, [(OP, 5, "风险等级"), (OP, 6, "岗位人数"), (MG, 5, "排查周期")]),
]


@pytest.mark.parametrize("case,change,expected", BAD_EDITS, ids=[c[0] for c in BAD_EDITS])
def test_bad_workbook_is_refused_whole(scene_conn, ls, case, change, expected):
    data = edit(export(scene_conn, ls.enterprise), change)
    before = snapshot(scene_conn, ls.enterprise)
    with pytest.raises(InvalidInput) as e:
        import_workbook(scene_conn, ls.enterprise, data, actor="test")
    got = [(x["sheet"], x["row"], x["column"]) for x in e.value.errors]
    assert sorted(got, key=str) == sorted(expected, key=str), e.value.errors
    for x in e.value.errors:
        assert x["message"]
        if x["row"] and x["column"] and x["row"] > 2:
            assert x["cell"] == f"{openpyxl.utils.get_column_letter(col(OPERATING if x['sheet'] == OP else MANAGEMENT, x['column']))}{x['row']}"
    assert "未写入任何数据" in str(e.value)
    assert snapshot(scene_conn, ls.enterprise) == before


def test_missing_header_error_names_the_expected_headers(scene_conn, ls):
    with pytest.raises(InvalidInput) as e:
        import_workbook(scene_conn, ls.enterprise, edit(export(scene_conn, ls.enterprise), _header(OP, "岗位名称", "岗位名")))
    msg = e.value.errors[0]["message"]
    assert "、".join(OPERATING.headers) in msg and "岗位名" in msg


def _workbook(build_fn) -> bytes:
    wb = openpyxl.Workbook()
    build_fn(wb)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip_not_xlsx() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("word/document.xml", "<w/>")
    return buf.getvalue()


def _empty_named_sheet(wb):
    wb.active.title = OP


def _header_only_title(wb):
    wb.active.title = OP
    wb.active["A1"] = "某公司 清单"


BAD_FILES = [
    ("not a workbook at all", b"%PDF-1.4 this is not a spreadsheet", "不是 .xlsx"),
    ("empty file", b"", "文件为空"),
    ("legacy xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512, ".xls"),
    ("a zip that is not xlsx", _zip_not_xlsx(), "不是 .xlsx"),
    ("empty workbook", _workbook(lambda wb: None), "没有可导入的清单"),
    ("empty list sheet", _workbook(_empty_named_sheet), "工作表为空"),
    ("list sheet without header row", _workbook(_header_only_title), "找不到表头行"),
]


@pytest.mark.parametrize("case,data,phrase", BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_file_is_refused(scene_conn, ls, case, data, phrase):
    before = snapshot(scene_conn, ls.enterprise)
    with pytest.raises(InvalidInput) as e:
        import_workbook(scene_conn, ls.enterprise, data)
    assert len(e.value.errors) == 1 and phrase in e.value.errors[0]["message"], e.value.errors
    if case.startswith(("empty list", "list sheet")):
        assert e.value.errors[0]["sheet"] == OP and e.value.errors[0]["row"] == 1
        assert "、".join(OPERATING.headers) in e.value.errors[0]["message"]
    assert snapshot(scene_conn, ls.enterprise) == before


def test_too_large_and_zip_bomb_are_refused(scene_conn, ls, monkeypatch):
    with pytest.raises(InvalidInput) as e:
        import_workbook(scene_conn, ls.enterprise, b"PK" + b"\0" * (10 * 1024 * 1024 + 1))
    assert "超过" in e.value.errors[0]["message"]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<x/>")
        z.writestr("xl/big.xml", b"\0" * 5000)
    monkeypatch.setattr(risk_lists.workbook, "MAX_UNCOMPRESSED_BYTES", 4096)
    with pytest.raises(InvalidInput) as e:
        import_workbook(scene_conn, ls.enterprise, buf.getvalue())
    assert "解压后" in e.value.errors[0]["message"]


# ------------------------------------------------------------------------------------------------
# Cells
# ------------------------------------------------------------------------------------------------


def test_cell_vocabularies(scene_conn):
    v = load_vocab(scene_conn)
    assert parse_accident_types("机械伤害、物体打击,机械伤害", v) == [3, 1]
    assert parse_accident_types("其他爆炸；中毒", v) == [18, 19]
    with pytest.raises(ValueError, match="未知的事故类型 '雷击'"):
        parse_accident_types("触电/雷击", v)
    assert parse_accident_types("火灾爆炸", v) == [8, 18]
    assert parse_accident_types("高空坠落、电击/触电、烫伤", v) == [9, 5, 7]
    assert parse_accident_types("车辆伤害（厂内）；坍塌事故；机械伤", v) == [2, 10, 3]
    assert parse_accident_types("火灾、爆炸、中毒、窒息", v) == [8, 18, 19]
    assert read_accident_types("火灾爆炸、机械伤害", v).notes(v) == ["火灾爆炸 → 火灾、其它爆炸"]
    assert not set(v.accident_aliases) & set(v.accident_types.values())  # an alias never hides a name
    assert [(m.kind, m.description) for m in parse_measures("消除：停用氯气\n替代: 水性漆\n控制: 联锁\n\n①设置警示标志\n"
                                                            "应急处置: 配备洗眼器\n1.5米以上设护栏", v)] == [
        ("elimination", "停用氯气"), ("substitution", "水性漆"), ("engineering", "联锁"),
        ("administrative", "设置警示标志"), ("emergency", "配备洗眼器"), ("administrative", "1.5米以上设护栏")]
    assert [parse_period(p, v) for p in ("每班", "每班一次", "每日", "每 周", "monthly", "每季度一次")] == [
        "shift", "shift", "daily", "weekly", "monthly", "quarterly"]


# ------------------------------------------------------------------------------------------------
# 较大及以上风险管控清单 and its numbering
# ------------------------------------------------------------------------------------------------


def test_significant_risks_are_numbered_once_for_list_and_map(scene_conn, ls):
    rs = significant_risks(scene_conn, ls.enterprise)
    # 重大 first; then by workshop code W1 < W2 < W10 (natural order), area code, risk id
    assert [(s.number, s.risk_id, s.level) for s in rs] == [
        (1, ls.risks["spray_fire"], Level.MAJOR),
        (2, ls.risks["crane"], Level.SIGNIFICANT),
        (3, ls.risks["workshop"], Level.SIGNIFICANT),
    ]
    assert rs[0].location == "喷涂车间/喷漆岗位" and rs[2].location == "装配车间" and rs[1].workshop_code == "W1"
    with scene_conn.cursor() as cur:  # the number's point lies on its area
        cur.execute("SELECT ST_Intersects(geom, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) FROM area WHERE id = %s",
                    (rs[0].x, rs[0].y, rs[0].area_id))
        assert cur.fetchone()[0]
    inherent = significant_risks(scene_conn, ls.enterprise, "inherent")
    assert [s.risk_id for s in inherent] == [ls.risks["crane"], ls.risks["spray_fire"], ls.risks["punch"],
                                             ls.risks["workshop"]]

    _, tables = significant_tables(scene_conn, ls.enterprise)
    data = write_workbook(tables)
    rows = values(data)[SIGNIFICANT.sheet]
    assert rows[1] == list(SIGNIFICANT.headers)
    assert rows[2] == [1, "喷漆作业", "喷涂车间/喷漆岗位", "火灾", "重大风险", "公司", "王五",
                       "工程控制: 防爆电气\n管理: 动火作业审批"]
    assert [r[0] for r in rows[2:]] == [s.number for s in rs]
    ws = openpyxl.load_workbook(io.BytesIO(data))[SIGNIFICANT.sheet]
    assert ws["E3"].fill.fgColor.rgb.endswith(PALETTE.colour("major")[1:])
    assert ws["E3"].font.color.rgb.endswith(PALETTE.text_colour("major")[1:])
    # the derived list alone is nothing to import
    with pytest.raises(InvalidInput, match="没有可导入的清单"):
        import_workbook(scene_conn, ls.enterprise, data)


def test_significant_list_is_ignored_on_import_beside_a_real_list(scene_conn, ls):
    _, sig = significant_tables(scene_conn, ls.enterprise)
    _, lists = risk_list_tables(scene_conn, ls.enterprise)
    result = import_workbook(scene_conn, ls.enterprise, write_workbook(lists + sig))
    assert result.operating["unchanged"] == 4 and any("不导入" in w for w in result.warnings)


def test_text_that_looks_like_a_formula_stays_text(scene_conn, ls):
    with scene_conn.cursor() as cur:
        cur.execute("UPDATE risk SET causes = '=HYPERLINK(\"http://x\")' WHERE id = %s", (ls.risks["crane"],))
    data = export(scene_conn, ls.enterprise)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    assert import_workbook(scene_conn, ls.enterprise, data).operating["unchanged"] == 4
