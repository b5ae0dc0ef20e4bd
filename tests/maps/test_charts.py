"""Comparison charts: the drawn bars hold the counts an independent SQL query gives, in palette colours."""

from __future__ import annotations

import subprocess

import pytest
from matplotlib.colors import to_hex

from layers.charts import KEYS, industry_level_counts, post_risk_counts
from layers.errors import InvalidInput, NotFound
from layers.levels import PALETTE
from maps.charts import render_chart


def test_post_chart_bars_match_sql_counts(conn, tmp_path):
    data = post_risk_counts(conn, 1)
    drawn = render_chart(data, tmp_path / "posts.png")
    with conn.cursor() as cur:
        cur.execute("""SELECT a.id, r.residual_level::text, count(*) FROM risk r JOIN area a ON a.id = r.area_id
                       WHERE a.enterprise_id = 1 GROUP BY 1, 2""")
        expected: dict[int, dict[str, int]] = {}
        for aid, level, n in cur.fetchall():
            expected.setdefault(aid, {})[level] = n
    assert {b.key for b in data.bars} == set(expected)
    for bar, (label, widths) in zip(data.bars, drawn.bars, strict=True):
        assert label == bar.label
        for key in KEYS[:4]:
            assert widths.get(key, 0) == expected[bar.key].get(key, 0), (label, key)
    assert drawn.path.stat().st_size > 20_000


def test_workshop_chart_sums_the_workshop_subtree(conn, tmp_path):
    data = post_risk_counts(conn, 2, by="workshop", basis="inherent")
    drawn = render_chart(data, tmp_path / "ws.svg")
    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM risk r JOIN area a ON a.id = r.area_id WHERE a.enterprise_id = 2")
        total = cur.fetchone()[0]
        cur.execute("""SELECT count(*) FROM risk r JOIN area a ON a.id = r.area_id
                       WHERE a.enterprise_id = 2 AND r.inherent_level = 'major'""")
        major = cur.fetchone()[0]
    assert sum(sum(w.values()) for _, w in drawn.bars) == total
    assert sum(w.get("major", 0) for _, w in drawn.bars) == major
    svg = drawn.path.read_text()
    assert "企业作业安全风险比较图" in svg  # svg.fonttype none: text stays text


def test_industry_chart_counts_enterprises_of_the_region_subtree(conn, tmp_path):
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM region WHERE level = 'district' ORDER BY id LIMIT 1")
        district = cur.fetchone()[0]
        cur.execute("""WITH RECURSIVE sub AS (SELECT id FROM region WHERE id = %s
                                            UNION ALL SELECT r.id FROM region r JOIN sub ON r.parent_id = sub.id)
                       SELECT e.industry, coalesce(el.current_level::text, 'unassessed'), count(*)
                       FROM enterprise e JOIN enterprise_level el ON el.enterprise_id = e.id
                       WHERE e.region_id IN (SELECT id FROM sub) GROUP BY 1, 2""", (district,))
        expected: dict[str, dict[str, int]] = {}
        for ind, level, n in cur.fetchall():
            expected.setdefault(ind, {})[level] = n
    data = industry_level_counts(conn, district)
    drawn = render_chart(data, tmp_path / "industries.pdf")
    assert {b.key for b in data.bars} == set(expected)
    for bar, (_, widths) in zip(data.bars, drawn.bars, strict=True):
        for key in KEYS:
            assert widths.get(key, 0) == expected[bar.key].get(key, 0)
    text = subprocess.run(["pdftotext", str(drawn.path), "-"], capture_output=True, text=True, check=True).stdout
    assert "行业安全风险比较图" in text and data.bars[0].label in text


def test_bar_colours_come_from_the_palette(conn, tmp_path):
    from matplotlib.figure import Figure

    from maps.charts import draw_chart

    data = post_risk_counts(conn, 1)
    fig = Figure()
    ax = fig.add_subplot()
    draw_chart(ax, data)
    colours = {to_hex(p.get_facecolor()).upper() for p in ax.patches if p.get_width() > 0}
    assert colours <= {PALETTE.colour(k).upper() for k in ("major", "significant", "general", "low")}
    assert len(colours) >= 3


def test_bad_arguments_are_refused(conn):
    with pytest.raises(NotFound):
        post_risk_counts(conn, 2_000_000_000)
    with pytest.raises(NotFound):
        industry_level_counts(conn, 2_000_000_000)
    with pytest.raises(InvalidInput):
        post_risk_counts(conn, 1, by="team")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="格式"):
        render_chart(post_risk_counts(conn, 1), __import__("pathlib").Path("/tmp/x.jpg"))
