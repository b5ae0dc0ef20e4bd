"""Vector tiles decoded with mapbox-vector-tile and checked against SQL on the demo city."""

from __future__ import annotations

import math

import mapbox_vector_tile
import psycopg2
import pytest

from layers import tiles
from tests.auth import api_client


def tile_of(lon: float, lat: float, z: int) -> tuple[int, int]:
    """Slippy-map tile numbers (the OSM formula)."""
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


@pytest.fixture(scope="module")
def client(demo_url):
    with api_client(demo_url) as c:
        yield c


@pytest.fixture(scope="module")
def busy_tile(demo_url) -> tuple[int, int, int]:
    """The z=13 tile holding the most demo enterprises."""
    conn = psycopg2.connect(demo_url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT ST_X(location), ST_Y(location) FROM enterprise")
            pts = cur.fetchall()
    finally:
        conn.close()
    counts: dict[tuple[int, int], int] = {}
    for lon, lat in pts:
        k = tile_of(lon, lat, 13)
        counts[k] = counts.get(k, 0) + 1
    (x, y), _ = max(counts.items(), key=lambda kv: kv[1])
    return 13, x, y


def _in_tile_sql(z, x, y, extra: str = "") -> str:
    return f"""SELECT e.id, el.current_level::text FROM enterprise e JOIN enterprise_level el ON el.enterprise_id = e.id
               WHERE ST_Intersects(ST_Transform(e.location, 3857), ST_TileEnvelope({z}, {x}, {y})) {extra}"""


def test_enterprise_points_carry_their_level_and_match_sql(client, conn, busy_tile):
    z, x, y = busy_tile
    r = client.get(f"/tiles/enterprises/{z}/{x}/{y}.pbf")
    assert r.status_code == 200
    assert r.headers["content-type"] == tiles_media()
    assert "content-encoding" not in r.headers        # tiles are not gzipped by the app (pages and JSON are)
    layer = mapbox_vector_tile.decode(r.content)["enterprises"]
    assert layer["extent"] == 4096
    got = {f["properties"]["id"]: f["properties"].get("level") for f in layer["features"]}
    with conn.cursor() as cur:
        cur.execute(_in_tile_sql(z, x, y))
        inside = dict(cur.fetchall())
    # every enterprise inside the tile is there with its level (the buffer adds neighbours only)
    assert len(inside) >= 5
    for eid, level in inside.items():
        assert got[eid] == level
    f = next(f for f in layer["features"] if f["properties"]["id"] in inside)
    assert set(f["properties"]) == {"id", "name", "level", "industry"}
    assert f["id"] == f["properties"]["id"] and f["geometry"]["type"] == "Point"
    x_, y_ = f["geometry"]["coordinates"]
    assert 0 <= x_ <= 4096 and 0 <= y_ <= 4096


def test_filters_keep_only_matching_enterprises(client, conn, busy_tile):
    z, x, y = busy_tile
    with conn.cursor() as cur:
        cur.execute("SELECT region_id FROM enterprise e WHERE ST_Intersects(ST_Transform(e.location, 3857), "
                    "ST_TileEnvelope(%s, %s, %s)) GROUP BY 1 ORDER BY count(*) DESC LIMIT 1", (z, x, y))
        grid = cur.fetchone()[0]
        cur.execute("SELECT parent_id FROM region WHERE id = %s", (grid,))
        town = cur.fetchone()[0]
        cur.execute(_in_tile_sql(z, x, y, """AND e.region_id IN (SELECT region_id FROM region_descendant
                     WHERE ancestor_id = %s) AND el.current_level IN ('major', 'significant')"""), (town,))
        expected = dict(cur.fetchall())
    r = client.get(f"/tiles/enterprises/{z}/{x}/{y}.pbf", params={"within": town, "level": "重大,较大"})
    feats = mapbox_vector_tile.decode(r.content)["enterprises"]["features"] if r.status_code == 200 else []
    got = {f["properties"]["id"]: f["properties"].get("level") for f in feats}
    assert {k: got[k] for k in expected} == expected
    assert set(got.values()) <= {"major", "significant"}
    # and nothing from outside the town
    with conn.cursor() as cur:
        cur.execute("""SELECT count(*) FROM enterprise WHERE id = ANY(%s) AND region_id NOT IN
                       (SELECT region_id FROM region_descendant WHERE ancestor_id = %s)""", (list(got), town))
        assert cur.fetchone()[0] == 0
    r = client.get(f"/tiles/enterprises/{z}/{x}/{y}.pbf", params={"industry": "hazchem"})
    assert {f["properties"]["industry"] for f in mapbox_vector_tile.decode(r.content)["enterprises"]["features"]} == {"hazchem"}


def test_low_zoom_tiles_are_clusters_whose_counts_add_up(client, conn):
    # z=7 covers the whole demo city (常州, lon 119.1–120.2, lat 31.2–32.1) in one or two tiles
    with conn.cursor() as cur:
        cur.execute("SELECT coalesce(current_level::text, 'unassessed'), count(*) FROM enterprise_level GROUP BY 1")
        by_level = dict(cur.fetchall())
    total = {k: 0 for k in tiles.LEVEL_KEYS}
    seen = set()
    for lon in (119.1, 119.6, 120.2):
        for lat in (31.2, 31.6, 32.1):
            x, y = tile_of(lon, lat, 7)
            if (x, y) in seen:
                continue
            seen.add((x, y))
            r = client.get(f"/tiles/enterprises/7/{x}/{y}.pbf")
            if r.status_code == 204:
                continue
            for f in mapbox_vector_tile.decode(r.content)["enterprise_clusters"]["features"]:
                gx, gy = f["geometry"]["coordinates"]
                if 0 <= gx < 4096 and 0 <= gy < 4096:   # the cell belongs to this tile (not its buffer)
                    p = f["properties"]
                    assert p["count"] == sum(p[k] for k in tiles.LEVEL_KEYS)
                    for k in tiles.LEVEL_KEYS:
                        total[k] += p[k]
    assert total == {k: by_level.get(k, 0) for k in tiles.LEVEL_KEYS}


def test_areas_by_zoom_plants_then_everything(client, conn):
    with conn.cursor() as cur:   # enterprise 1 is a drawn plant with workshops, units and posts
        cur.execute("SELECT ST_X(c), ST_Y(c) FROM (SELECT ST_Centroid(geom) c FROM area "
                    "WHERE enterprise_id = 1 AND kind = 'plant') s")
        lon, lat = cur.fetchone()
        cur.execute("SELECT id, current_level::text FROM area JOIN area_level ON area_id = id WHERE enterprise_id = 1")
        levels = dict(cur.fetchall())
    assert client.get("/tiles/areas/{}/{}/{}.pbf".format(11, *tile_of(lon, lat, 11))).status_code == 204
    r = client.get("/tiles/areas/{}/{}/{}.pbf".format(12, *tile_of(lon, lat, 12)))
    kinds = {f["properties"]["kind"] for f in mapbox_vector_tile.decode(r.content)["areas"]["features"]}
    assert kinds == {"plant"}
    r = client.get("/tiles/areas/{}/{}/{}.pbf".format(16, *tile_of(lon, lat, 16)))
    feats = [f for f in mapbox_vector_tile.decode(r.content)["areas"]["features"] if f["properties"]["enterprise_id"] == 1]
    assert {f["properties"]["kind"] for f in feats} >= {"plant", "workshop", "unit"}
    for f in feats:
        assert f["properties"].get("level") == levels[f["properties"]["id"]]   # NULL levels are left out
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_etag_304_cache_control_and_empty_tile(client, busy_tile):
    z, x, y = busy_tile
    r = client.get(f"/tiles/enterprises/{z}/{x}/{y}.pbf")
    tag = r.headers["etag"]
    assert tag.startswith('"') and "max-age" in r.headers["cache-control"]
    r2 = client.get(f"/tiles/enterprises/{z}/{x}/{y}.pbf", headers={"If-None-Match": tag})
    assert r2.status_code == 304 and r2.content == b"" and r2.headers["etag"] == tag
    # another filter is another tile, with another tag
    r3 = client.get(f"/tiles/enterprises/{z}/{x}/{y}.pbf", params={"level": "major"})
    assert r3.headers["etag"] != tag
    # the open sea off 常州: nothing there
    r4 = client.get("/tiles/enterprises/14/{}/{}.pbf".format(*tile_of(125.0, 30.0, 14)))
    assert r4.status_code == 204 and r4.content == b""


@pytest.mark.parametrize(("url", "status", "field"), [
    ("/tiles/enterprises/3/8/0.pbf", 422, "x"),
    ("/tiles/enterprises/3/0/8.pbf", 422, "y"),
    ("/tiles/enterprises/23/0/0.pbf", 422, "z"),
    ("/tiles/enterprises/-1/0/0.pbf", 422, "z"),
    ("/tiles/enterprises/5/0/0.pbf?level=purple", 422, "level"),
    ("/tiles/enterprises/5/0/0.pbf?industry=mining", 422, "industry"),
    ("/tiles/rivers/5/0/0.pbf", 404, None),
    ("/tiles/enterprises/5/0/0.pbf?within=999999", 404, None),
])
def test_bad_requests(client, url, status, field):
    r = client.get(url)
    assert r.status_code == status, r.text
    if field:
        assert field in {e["field"] for e in r.json()["errors"]}


def test_feature_cap_keeps_the_highest_levels(conn, monkeypatch):
    monkeypatch.setattr(tiles, "MAX_FEATURES", 10)
    data = tiles.tile(conn, "enterprises", 11, *tile_of(119.97, 31.78, 11))
    feats = mapbox_vector_tile.decode(data)["enterprises"]["features"]
    assert len(feats) == 10
    with conn.cursor() as cur:
        cur.execute(_in_tile_sql(11, *tile_of(119.97, 31.78, 11), "AND el.current_level = 'major'"))
        majors = len(cur.fetchall())
    assert majors >= 1
    # the cap keeps the most serious first: every major enterprise of the tile survives (up to the cap)
    assert sum(f["properties"]["level"] == "major" for f in feats) >= min(majors, 10)


def tiles_media() -> str:
    from app.routes.tiles import MEDIA_TYPE

    return MEDIA_TYPE
