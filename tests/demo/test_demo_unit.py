"""Pure-Python pieces of the demo city (no database): GCJ-02 conversion, local frames, boundaries,
the region tree, risk templates, the drawn plant layouts and a small enterprise run."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod

from db.coords import gcj02_to_wgs84, geometry_gcj02_to_wgs84, wgs84_to_gcj02
from demo.enterprises import Cluster, UsccMaker, build_enterprises, workshop_rects
from demo.geo import Frame, Occupancy
from demo.plants import PLANTS
from demo.regions import build_regions, by_level
from demo.risks import COMMON, KIND, SOURCE_WORKSHOP, WORKSHOPS, fits, lec_combos
from layers import uscc
from layers.assessment import Profile, assess
from layers.boundaries import boundary
from layers.levels import Level

GEOD = Geod(ellps="WGS84")
# (lon, lat) around 常州: 天宁 centre, 武进 湖塘, 新北 春江, 金坛, 溧阳 天目湖
CHANGZHOU = np.array([[119.974, 31.811], [119.95, 31.70], [119.97, 31.94], [119.57, 31.74], [119.48, 31.30]])


@pytest.fixture(scope="module")
def profile() -> Profile:
    """The seeded 'default' assessment profile, read from its migration (no database needed)."""
    sql = (Path(__file__).resolve().parents[2] / "db" / "migrations" / "0006_profiles_supervision.sql").read_text("utf-8")
    definition = json.loads(re.search(r"\$json\$(.*?)\$json\$", sql, re.S).group(1))
    return Profile("default", 1, definition)


@pytest.fixture(scope="module")
def city():
    return build_regions(np.random.default_rng(7))


def test_gcj02_round_trip_is_below_1e6_degrees():
    glon, glat = wgs84_to_gcj02(CHANGZHOU[:, 0], CHANGZHOU[:, 1])
    wlon, wlat = gcj02_to_wgs84(glon, glat)
    assert np.max(np.abs(wlon - CHANGZHOU[:, 0])) < 1e-6 and np.max(np.abs(wlat - CHANGZHOU[:, 1])) < 1e-6
    # scalars work too, and the inverse is tight far beyond 1e-6
    lon, lat = gcj02_to_wgs84(*wgs84_to_gcj02(119.9, 31.7))
    assert abs(float(lon) - 119.9) < 1e-9 and abs(float(lat) - 31.7) < 1e-9


def test_gcj02_offset_in_changzhou_is_a_few_hundred_metres():
    glon, glat = wgs84_to_gcj02(CHANGZHOU[:, 0], CHANGZHOU[:, 1])
    _, _, dist = GEOD.inv(CHANGZHOU[:, 0], CHANGZHOU[:, 1], glon, glat)
    assert np.all((dist > 300) & (dist < 700)), dist
    # around 常州 GCJ-02 lies mostly east of WGS84 (and a little south)
    assert np.all(glon > CHANGZHOU[:, 0]) and np.all(np.abs(glat - CHANGZHOU[:, 1]) < glon - CHANGZHOU[:, 0])


def test_outside_china_gcj02_equals_wgs84():
    lon, lat = wgs84_to_gcj02([2.35, -74.0], [48.85, 40.7])
    assert np.allclose(lon, [2.35, -74.0]) and np.allclose(lat, [48.85, 40.7])


def test_geometry_conversion_moves_every_vertex():
    ring = shapely.Polygon([(119.9, 31.7), (119.91, 31.7), (119.91, 31.71), (119.9, 31.71)])
    moved = geometry_gcj02_to_wgs84(ring)
    assert len(moved.exterior.coords) == len(ring.exterior.coords)
    d = np.asarray(ring.exterior.coords) - np.asarray(moved.exterior.coords)
    assert np.all(np.abs(d) > 1e-3) and moved.is_valid


@pytest.mark.parametrize("make", [Frame.city, Frame.centred])
def test_local_frame_keeps_metres(make):
    f = make(119.95, 31.75, 20.0)
    rect = f.rect(-100, -50, 200, 100)
    area, _ = GEOD.geometry_area_perimeter(rect.geoms[0])
    assert abs(abs(area) - 20_000) < 20           # 200 m × 100 m, to 0.1 %
    p = f.point(0, 0)
    assert abs(p.x - 119.95) < 1e-9 and abs(p.y - 31.75) < 1e-9
    # rotated 20° anticlockwise: the local x axis points east-north-east
    east = f.point(100, 0)
    az, _, dist = GEOD.inv(p.x, p.y, east.x, east.y)
    assert abs(dist - 100) < 0.1 and abs(az - 70) < 0.2


def test_real_boundaries_are_valid_wgs84_multipolygons():
    city = boundary("320400")
    assert city.geom_type == "MultiPolygon" and city.is_valid and not city.is_empty
    area_km2 = abs(GEOD.geometry_area_perimeter(city)[0]) / 1e6
    assert 4000 < area_km2 < 4800                  # 常州市 is about 4,370 km²
    x0, y0, x1, y1 = city.bounds
    assert 119.0 < x0 < x1 < 120.4 and 31.0 < y0 < y1 < 32.2
    with pytest.raises(FileNotFoundError):
        boundary("999999")


def test_towns_and_grids_tile_their_parents(city):
    districts = city.children
    assert [d.name for d in districts] == ["天宁区", "钟楼区", "新北区", "武进区", "金坛区", "溧阳市"]
    assert len(by_level(city, "town")) == 62
    for d in districts:
        towns = shapely.union_all([t.geom for t in d.children])
        assert towns.symmetric_difference(d.geom).area < 1e-6 * d.geom.area
        assert sum(t.geom.area for t in d.children) == pytest.approx(d.geom.area, rel=1e-6)
        for t in d.children:
            assert re.fullmatch(r"\d{9}", t.adcode) and t.adcode.startswith(d.adcode)
            assert 3 <= len(t.children) <= 6
            assert sum(g.geom.area for g in t.children) == pytest.approx(t.geom.area, rel=1e-6)
            for g in t.children:
                assert re.fullmatch(r"\d{12}", g.adcode) and g.geom.is_valid and g.geom.geom_type == "MultiPolygon"
                assert re.fullmatch(r"1\d{10}", g.officer[1]) and len(g.officer[0]) >= 2
                assert g.name.startswith(t.name) and g.name.endswith("网格")


def test_regions_are_deterministic(city):
    again = build_regions(np.random.default_rng(7))
    a = [shapely.to_wkb(g.geom) for g in by_level(city, "grid")]
    b = [shapely.to_wkb(g.geom) for g in by_level(again, "grid")]
    assert a == b
    other = build_regions(np.random.default_rng(8))
    assert [shapely.to_wkb(g.geom) for g in by_level(other, "grid")] != a


def test_uscc_maker_makes_unique_valid_codes():
    make = UsccMaker(np.random.default_rng(1))
    codes = {make("320412") for _ in range(500)}
    assert len(codes) == 500 and all(uscc.is_valid(c) and c.startswith("91320412") for c in codes)


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5])
def test_workshops_tile_the_plant_inside_a_margin(n):
    w, h = 200.0, 150.0
    rects = [shapely.box(x, y, x + rw, y + rh) for x, y, rw, rh in workshop_rects(w, h, n, np.random.default_rng(n))]
    plant = shapely.box(-w / 2, -h / 2, w / 2, h / 2).buffer(-1.0)
    assert len(rects) == n and all(plant.contains(r) and r.area > 0 for r in rects)
    assert all(not a.intersects(b) for i, a in enumerate(rects) for b in rects[i + 1:])
    assert sum(r.area for r in rects) > 0.55 * w * h


def test_risk_templates_are_well_formed(profile):
    combos = lec_combos(profile)
    templates = list(COMMON) + [t for ws in WORKSHOPS.values() for wt in ws for t in wt.risks]
    templates += [t for wt in SOURCE_WORKSHOP.values() for t in wt.risks]
    assert set(WORKSHOPS) == {"machinery", "light", "textile", "commerce", "building_materials", "hazchem",
                              "metallurgy", "nonferrous", "tobacco", "other"}
    for t in templates:
        assert 1 <= t.accident <= 20, t.name
        assert t.measures and all(kind in KIND.values() and text for kind, text in t.measures), t.name
        assert fits(t, "low", combos), t.name
    # dust explosions (其它爆炸) and confined spaces (中毒和窒息) are among them
    assert any(t.accident == 18 and "粉尘" in t.factors for t in templates)
    assert any(t.accident == 19 and "有限空间" in t.name for t in templates)
    # every industry has a template severe enough for a major risk
    for industry, types in WORKSHOPS.items():
        assert any(fits(t, "major", combos) for wt in types for t in wt.risks), industry


def test_drawn_plants_nest_and_grade(profile):
    assert {p.industry for p in PLANTS} == {"nonferrous", "machinery", "hazchem"}
    for p in PLANTS:
        w, h = p.size
        site = shapely.box(0, 0, w, h)
        boxes = {code: shapely.box(x, y, x + bw, y + bh) for code, _, _, (x, y, bw, bh), *_ in p.areas}
        kinds = {code: kind for code, _, kind, *_ in p.areas}
        assert 4 <= sum(k == "workshop" for k in kinds.values()) <= 7, p.name
        assert {"办公楼", "门卫"} <= {name for _, name, kind, *_ in p.areas if kind == "building"}, p.name
        for code, box in boxes.items():
            parent = boxes.get(code.split("-")[0]) if "-" in code else site
            assert parent.contains(box), (p.name, code)
            if kinds[code] in ("unit", "post"):
                row = next(a for a in p.areas if a[0] == code)
                assert row[4] and row[5] and row[6], (p.name, code)   # 岗位人数, 主要设备设施, 主要作业活动
        assert 15 <= len(p.risks) <= 30, p.name
        assert {r.method for r in p.risks} >= {"LEC", "direct"}
        for r in p.risks:
            assert r.area in boxes and kinds[r.area] != "building", (p.name, r.name)
            inh = assess(r.method, r.inputs, profile)
            if r.residual:
                assert assess(r.method, r.residual, profile).level <= inh.level, (p.name, r.name)
            if r.method == "direct":
                assert inh.basis, (p.name, r.name)
        for hz in p.hazards:
            assert hz.area in boxes and boxes[hz.area].contains(shapely.Point(hz.xy)), (p.name, hz.description)
            assert hz.status != "closed" or (hz.verified_by and hz.verified_by != hz.rectifier)
        assert sum(hz.grade == "general" and hz.status != "closed" and hz.deadline < 0 for hz in p.hazards) == 1
    assert any(r.method == "LS" for p in PLANTS for r in p.risks)
    assert any(hz.grade == "major" and hz.status != "closed" and hz.measures and hz.funds and hz.plan
               for p in PLANTS for hz in p.hazards)


def test_a_small_run_of_enterprises(city, profile):
    rng = np.random.default_rng(3)
    anchor = by_level(city, "town")[0]
    c = shapely.point_on_surface(anchor.geom)
    clusters, ents = build_enterprises(city, rng, UsccMaker(rng), profile, Occupancy(), set(),
                                       [Cluster("测试园", c.x, c.y, anchor.parent, 1500.0, "hazchem")], n=120)
    assert len(ents) == 120 and len(clusters) > 10
    assert len({e.name for e in ents}) == 120 and all(uscc.is_valid(e.uscc) for e in ents)
    grids = {g.adcode: g for g in by_level(city, "grid")}
    plants = [e.boundary for e in ents]
    for e in ents:
        assert grids[e.grid].geom.contains(e.boundary) and e.boundary.contains(e.location)
        lo, hi = {"micro": (1, 19), "small": (20, 299), "medium": (300, 999), "large": (1000, math.inf)}[e.scale]
        assert lo <= e.employees <= hi
        ws = [a for a in e.areas if a.kind == "workshop"]
        assert 1 <= len(ws) <= 5 and all(e.boundary.contains(a.geom) for a in ws)
        assert len({a.code for a in e.areas}) == len(e.areas)
        assert e.risks and all(Level(r.residual) <= Level(r.inherent) for r in e.risks)
        assert all(r.tier == {"major": "company", "significant": "workshop", "general": "team",
                              "low": "post"}[r.residual] for r in e.risks)
        if e.source is not None:
            assert e.boundary.contains(e.source.location)
    assert not any(a.intersects(b) for i, a in enumerate(plants) for b in plants[i + 1:])
