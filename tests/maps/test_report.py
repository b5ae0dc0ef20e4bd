"""安全风险辨识管控报告, opened: its pages, text, bookmarks and the plant map inside it."""

from __future__ import annotations

import subprocess

import psycopg2
import pytest
from pypdf import PdfReader

from layers.report import report_data
from maps.report import ReportMeta, render_report


@pytest.fixture(scope="module")
def report(demo_url, tmp_path_factory):
    conn = psycopg2.connect(demo_url)
    try:
        data = report_data(conn, 1)
    finally:
        conn.close()
    steps = []
    out = tmp_path_factory.mktemp("report") / "report.pdf"
    result = render_report(data, out, ReportMeta(compiled_by="王编制", reviewed_by="李审核"),
                           progress=lambda i, n, m: steps.append((i, n)))
    return data, result, steps


def _text(pdf, first: int | None = None, last: int | None = None) -> str:
    args = ["pdftotext", "-raw"] + (["-f", str(first), "-l", str(last)] if first else []) + [str(pdf), "-"]
    return "".join(subprocess.run(args, capture_output=True, text=True, check=True).stdout.split())


def test_report_holds_every_section_in_order(report):
    data, result, steps = report
    reader = PdfReader(result.path)
    assert len(reader.pages) == result.pages
    titles = [o.title for o in reader.outline]
    assert titles[:3] == ["封面", "目录", "一、企业概况  二、风险辨识结果汇总"]
    assert "三、厂区安全风险四色分布图" in titles and "四、较大及以上风险管控清单" in titles
    assert titles[-1].endswith("岗位安全风险告知卡")
    # one page per card at the end
    assert result.sections[-1][1] == result.pages - len(data.cards) + 1
    assert steps[-1][0] == steps[-1][1] and [s[0] for s in steps] == list(range(1, steps[-1][1] + 1))
    assert any("车间安全风险四色分布图" in s for s in result.skipped)


def test_report_text_has_enterprise_posts_and_list_rows(report):
    data, result, _ = report
    text = _text(result.path)
    assert data.info.name in text
    assert "安全风险辨识管控报告" in text and "王编制" in text and "李审核" in text
    for card in data.cards:
        assert card.name in text
    sig = data.significant
    assert sig.rows, "the demo plant has significant risks"
    for row in sig.rows:  # 编号, 风险点, 位置 ... of every row of the 较大及以上 list
        assert str(row[1]) in text and "".join(str(row[2]).split()) in text
    for row in data.lists[0].rows:
        if row[4]:
            assert row[4] in text  # 可能导致的事故类型


def test_plant_map_page_and_page_numbers(report):
    data, result, _ = report
    plant_first = dict(result.sections)["三、厂区安全风险四色分布图"]
    page = _text(result.path, plant_first, plant_first)
    assert "厂区安全风险四色分布图" in page and f"-{plant_first}/{result.pages}-" in page
    assert f"第2页共{result.pages}页" in _text(result.path, 2, 2)
    assert "第1页" not in _text(result.path, 1, 1)  # the cover carries no number


def test_summary_counts_match_the_database(report, conn):
    data, _, _ = report
    with conn.cursor() as cur:
        cur.execute("""SELECT r.residual_level::text, count(*) FROM risk r JOIN area a ON a.id = r.area_id
                       WHERE a.enterprise_id = 1 GROUP BY 1""")
        expected = dict(cur.fetchall())
    assert {k: v for k, v in data.risk_counts["residual"].items() if v} == expected
    assert sum(data.card_counts.values()) == len(data.cards)


def test_a_post_split_over_pages_is_named_again_on_the_next(tmp_path):
    from matplotlib.backends.backend_pdf import PdfPages

    from layers.levels import Level
    from layers.risk_lists import OPERATING, Table
    from maps.report import _table_pages

    rows = [["长名称测试岗位", 3, "设备", "活动", "机械伤害", "原因" * 20, "一般风险", "管理: 措施" * 10, "排查", "张三", "每天"]
            for _ in range(30)]
    table = Table(OPERATING, "t", rows, [Level.GENERAL] * 30, [0] * 30, (0, 1, 2, 3))
    figs = _table_pages("附件1", table)
    assert len(figs) >= 2
    pdf = tmp_path / "t.pdf"
    with PdfPages(pdf) as out:
        for f in figs:
            out.savefig(f)
    for page in range(1, len(figs) + 1):
        text = _text(pdf, page, page)
        assert text.count("长名称测试岗位") == 1, page  # once per page: merged below, repeated on each page
