"""The plant and workshop four-colour maps, opened as files: colours inside areas, labels, markers
matching the list, PDF text, SVG text, pages."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from collections import Counter

import numpy as np
import psycopg2
import pytest
import shapely
from PIL import Image

from layers.levels import PALETTE, Level
from layers.plant import descendant_ids, enterprise_info, plant_areas
from layers.risk_lists import significant_risks
from maps.plant_map import TitleBlock, render_enterprise_map, render_plant_map
from maps.risk_list import ListRow


def _drawn_plants(conn) -> list[int]:
    with conn.cursor() as cur:
        cur.execute("SELECT DISTINCT enterprise_id FROM area WHERE kind IN ('unit','post') ORDER BY 1")
        return [r[0] for r in cur.fetchall()]


def _workshops(conn, eid: int) -> list[int]:
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM area WHERE enterprise_id = %s AND kind = 'workshop' ORDER BY code", (eid,))
        return [r[0] for r in cur.fetchall()]


@pytest.fixture(scope="module")
def sheets(demo_url, tmp_path_factory):
    """The full sheet (map + list + marks) of each drawn plant, and the legacy call's map."""
    conn = psycopg2.connect(demo_url)
    out = tmp_path_factory.mktemp("plants")
    results = []
    try:
        for eid in _drawn_plants(conn):
            areas = plant_areas(conn, eid)
            r = render_enterprise_map(conn, out / f"{eid}.png", enterprise_id=eid, dpi=120)
            results.append((eid, areas, r, significant_risks(conn, eid)))
    finally:
        conn.close()
    return results


def _dominant_colours(img, r, region):
    minx, miny, maxx, maxy = region.bounds
    xs, ys = np.meshgrid(np.linspace(minx, maxx, 25), np.linspace(miny, maxy, 25))
    pts = [p for p in shapely.points(xs.ravel(), ys.ravel()) if region.contains(p)]
    colours = Counter()
    for p in pts:
        col, rowpx = r.pixel(p.x, p.y)
        colours[tuple(int(v) for v in img[rowpx, col])] += 1
    return colours


def _check_colours(areas, r, only: set[int] | None = None) -> int:
    img = np.asarray(Image.open(r.path).convert("RGB"))
    local = areas.to_crs(r.crs)
    leaves = local[local["kind"].isin(["unit", "post"])]
    checked = 0
    for kind in ("workshop", "unit", "post"):
        for _, row in local[local["kind"] == kind].iterrows():
            if only is not None and row["id"] not in only:
                continue
            region = row.geometry
            if kind == "workshop" and not leaves.empty:
                region = region.difference(shapely.union_all(leaves.geometry.values))
            region = region.buffer(-1.5)  # keep off the outlines
            if region.is_empty or region.area < 20:
                continue
            colours = _dominant_colours(img, r, region)
            if not colours:
                continue
            dominant, n = colours.most_common(1)[0]
            assert dominant == PALETTE.rgb(row["level"]), (row["name"], row["level"], colours.most_common(3))
            assert n / sum(colours.values()) > 0.5
            checked += 1
    return checked


def test_three_drawn_plants_render_on_a4_landscape(sheets):
    assert len(sheets) >= 3
    for _, _, r, _ in sheets:
        w, h = Image.open(r.path).size  # A4 landscape at 120 dpi, give or take rounding
        assert abs(w - 297 / 25.4 * 120) <= 1 and abs(h - 210 / 25.4 * 120) <= 1
        assert r.scale in (500, 1000, 1200, 1500, 2000, 2500, 3000)  # a round scale


def test_pixels_inside_areas_have_their_level_colour(sheets):
    assert sum(_check_colours(areas, r) for _, areas, r, _ in sheets) >= 20


def test_labels_do_not_overlap_each_other_markers_or_legend(sheets):
    for _, areas, r, _ in sheets:
        boxes = [b for _, b in r.labels]
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                assert not boxes[i].overlaps(boxes[j]), (r.labels[i][0], r.labels[j][0])
            assert not boxes[i].overlaps(r.legend_box), r.labels[i][0]
            assert not any(boxes[i].overlaps(m) for _, m in r.markers), r.labels[i][0]
            b, f = boxes[i], r.map_box
            assert f.x0 <= b.x0 and b.x1 <= f.x1 and f.y0 <= b.y0 and b.y1 <= f.y1, r.labels[i][0]
        assert not r.unplaced, f"labels that found no place: {r.unplaced}"
        names = {t for t, _ in r.labels}
        assert set(areas.loc[areas["kind"].isin(["workshop", "unit", "post"]), "name"]) <= names
        assert not r.legend_box.overlaps(r.map_box) and not r.table_box.overlaps(r.map_box)


def test_every_significant_risk_has_its_numbered_marker_inside_its_area(sheets):
    for _, areas, r, risks in sheets:
        assert risks, "the demo plants have 较大/重大 risks"
        assert sorted(n for n, _ in r.markers) == [s.number for s in risks]
        assert r.listed == [s.number for s in risks]  # the list on the sheet: same numbers, in order
        geoms = dict(zip(areas["id"], areas.to_crs(r.crs).geometry, strict=True))
        inv = r._to_pixel.inverted()
        by_number = {s.number: s for s in risks}
        for n, box in r.markers:
            x, y = inv.transform((box.x0 + box.width / 2, box.y0 + box.height / 2))
            assert geoms[by_number[n].area_id].contains(shapely.Point(x, y)), (n, by_number[n].area_name)
        boxes = [b for _, b in r.markers]
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                assert not boxes[i].overlaps(boxes[j])


def test_pdf_holds_the_name_and_every_list_row(conn, tmp_path):
    eid = _drawn_plants(conn)[0]
    info = enterprise_info(conn, eid)
    # the pair on A4 portrait: 固有 (9 rows on the aluminium plant) then 现有; the list continues
    r = render_enterprise_map(conn, tmp_path / "p.pdf", enterprise_id=eid, paper="A4", landscape=False, pair=True)
    pdf = r.path.read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = subprocess.run(["pdfinfo", str(r.path)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split(":")[1] for line in pages.splitlines() if line.startswith("Pages:")))
    assert count == r.page_count >= 3  # 固有 map + its continued list, then 现有
    text = subprocess.run(["pdftotext", "-raw", str(r.path), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = "".join(text.split())
    assert info.name in flat
    inherent = significant_risks(conn, eid, "inherent")
    residual = significant_risks(conn, eid, "residual")
    assert len(inherent) > len(residual)
    for s in inherent + residual:
        assert "".join(s.name.split()) in flat, s.name
    assert r.listed == [s.number for s in inherent] + [s.number for s in residual]
    assert "固有风险" in flat and "现有风险" in flat
    assert "厂区安全风险四色分布图" in flat and "较大及以上风险管控清单" in flat
    areas = plant_areas(conn, eid)
    for name in areas.loc[areas["kind"].isin(["workshop", "unit", "post"]), "name"]:
        assert name in flat, name  # map labels stay text in the vector PDF (the halo is a copy beneath)


def test_svg_is_xml_with_text(conn, tmp_path):
    eid = _drawn_plants(conn)[2]
    info = enterprise_info(conn, eid)
    r = render_enterprise_map(conn, tmp_path / "p.svg", enterprise_id=eid, paper="A3", dpi=72)
    root = ET.parse(r.path).getroot()
    assert root.tag.endswith("svg")
    texts = "".join(t for el in root.iter() if el.tag.endswith("text") for t in el.itertext())
    assert info.name in texts
    assert "重大危险源" in texts  # the warehouse's tank farm is a 重大危险源 (demo plant 3)
    assert "应急集合点" in texts and "出入口" in texts


def test_workshop_map_lists_and_marks_only_its_own_risks(conn, tmp_path):
    eid = _drawn_plants(conn)[0]
    ws = _workshops(conn, eid)[0]  # 熔铸车间 of the aluminium plant
    areas = plant_areas(conn, eid)
    inside = descendant_ids(areas, ws)
    r = render_enterprise_map(conn, tmp_path / "w.png", workshop_id=ws, dpi=120)
    own = [s.number for s in significant_risks(conn, eid) if s.area_id in inside]
    assert own and r.listed == own and sorted(n for n, _ in r.markers) == own
    assert len(own) < len(significant_risks(conn, eid))
    assert _check_colours(areas, r, only=inside) >= 3
    assert not r.unplaced


def test_long_list_continues_on_numbered_pages(conn, tmp_path):
    eid = _drawn_plants(conn)[2]
    areas = plant_areas(conn, eid)
    base = significant_risks(conn, eid, "inherent")
    rows = [ListRow(i, base[i % len(base)].area_id, f"风险点{i}", "储罐区/甲醇储罐", "火灾", Level.SIGNIFICANT,
                    "工程控制: 设可燃气体报警\n管理: 每班巡检\n应急处置: 配置灭火器", "班组")
            for i in range(1, 41)]
    r = render_plant_map(areas, TitleBlock("测试企业"), tmp_path / "long.png", dpi=40, risks=rows)
    assert r.page_count >= 2 and len(r.pages) == r.page_count
    assert r.pages[1].name == "long-2.png" and all(p.exists() for p in r.pages)
    assert r.listed == list(range(1, 41))  # every row exactly once, in order


def test_legacy_call_and_bad_arguments(conn, tmp_path):
    eid = _drawn_plants(conn)[1]
    areas = plant_areas(conn, eid)
    info = enterprise_info(conn, eid)
    r = render_plant_map(areas, TitleBlock(info.name), tmp_path / "m.png", dpi=60)  # the call of the demo
    assert r.path.exists() and r.table_box is None and not r.markers
    with pytest.raises(ValueError, match="A4 或 A3"):
        render_plant_map(areas, TitleBlock(info.name), tmp_path / "m.png", paper="A5")
    with pytest.raises(ValueError, match="格式"):
        render_plant_map(areas, TitleBlock(info.name), tmp_path / "m.gif")
