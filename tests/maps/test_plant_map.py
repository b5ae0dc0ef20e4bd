"""The plant four-colour map, opened as an image: colours inside areas, labels, size."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import shapely
from PIL import Image

from layers.levels import PALETTE
from layers.plant import enterprise_info, plant_areas
from maps.plant_map import TitleBlock, render_plant_map


def _drawn_plants(conn) -> list[int]:
    with conn.cursor() as cur:
        cur.execute("SELECT DISTINCT enterprise_id FROM area WHERE kind IN ('unit','post') ORDER BY 1")
        return [r[0] for r in cur.fetchall()]


@pytest.fixture(scope="module")
def rendered(demo_url, tmp_path_factory):
    import psycopg2

    conn = psycopg2.connect(demo_url)
    out = tmp_path_factory.mktemp("plants")
    results = []
    try:
        for eid in _drawn_plants(conn):
            areas = plant_areas(conn, eid)
            info = enterprise_info(conn, eid)
            results.append((eid, areas, render_plant_map(areas, TitleBlock(info.name), out / f"{eid}.png", dpi=150)))
    finally:
        conn.close()
    return results


def test_three_drawn_plants_render(rendered):
    assert len(rendered) >= 3
    for _, _, r in rendered:
        img = Image.open(r.path)
        w, h = img.size  # A4 landscape at 150 dpi, give or take rounding
        assert abs(w - 297 / 25.4 * 150) <= 1 and abs(h - 210 / 25.4 * 150) <= 1


def test_pixels_inside_areas_have_their_level_colour(rendered):
    checked = 0
    for _, areas, r in rendered:
        img = np.asarray(Image.open(r.path).convert("RGB"))
        local = areas.to_crs(r.crs)
        leaves = local[local["kind"].isin(["unit", "post"])]
        for kind in ("workshop", "unit", "post"):
            for _, row in local[local["kind"] == kind].iterrows():
                region = row.geometry
                if kind == "workshop" and not leaves.empty:
                    region = region.difference(shapely.union_all(leaves.geometry.values))
                region = region.buffer(-1.0)  # keep off the outlines
                if region.is_empty or region.area < 20:
                    continue
                minx, miny, maxx, maxy = region.bounds
                xs, ys = np.meshgrid(np.linspace(minx, maxx, 25), np.linspace(miny, maxy, 25))
                pts = [p for p in shapely.points(xs.ravel(), ys.ravel()) if region.contains(p)]
                colours = Counter()
                for p in pts:
                    col, rowpx = r.pixel(p.x, p.y)
                    colours[tuple(int(v) for v in img[rowpx, col])] += 1
                if not colours:
                    continue
                dominant, n = colours.most_common(1)[0]
                assert dominant == PALETTE.rgb(row["level"]), (row["name"], row["level"], colours.most_common(3))
                assert n / sum(colours.values()) > 0.5
                checked += 1
    assert checked >= 10


def test_labels_do_not_overlap_and_all_are_placed(rendered):
    for _, areas, r in rendered:
        boxes = [b for _, b in r.labels]
        for i in range(len(boxes)):
            for j in range(i + 1, len(boxes)):
                assert not boxes[i].overlaps(boxes[j]), (r.labels[i][0], r.labels[j][0])
        assert not r.unplaced, f"labels that found no place: {r.unplaced}"
        names = {t for t, _ in r.labels}
        assert set(areas.loc[areas["kind"] == "workshop", "name"]) <= names


def test_pdf_and_svg_outputs(demo_url, tmp_path):
    import subprocess

    import psycopg2

    conn = psycopg2.connect(demo_url)
    try:
        eid = _drawn_plants(conn)[0]
        areas = plant_areas(conn, eid)
        info = enterprise_info(conn, eid)
    finally:
        conn.close()
    pdf = render_plant_map(areas, TitleBlock(info.name), tmp_path / "p.pdf", dpi=150).path
    svg = render_plant_map(areas, TitleBlock(info.name), tmp_path / "p.svg", dpi=150).path
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert info.name in text.replace("\n", "")
    assert "<svg" in svg.read_text()[:500]
