"""A small constructed scene for tests that need exact control: one enterprise, far from the demo.

Built inside the caller's transaction (rolled back by the ``conn`` fixture)."""

from __future__ import annotations

from dataclasses import dataclass

from layers.uscc import check_char

X0, Y0 = 100.0, 30.0  # far away from 常州, so no demo object interferes


def _sq(x: float, y: float, w: float, h: float) -> str:
    return f"MULTIPOLYGON((({x} {y},{x + w} {y},{x + w} {y + h},{x} {y + h},{x} {y})))"


@dataclass
class Scene:
    city: int
    district: int
    town: int
    grid: int
    enterprise: int
    plant: int
    workshops: list[int]
    units: list[int]


def build(conn, code_suffix: str = "A") -> Scene:
    d = 1e-3  # ~100 m
    with conn.cursor() as cur:
        def region(adcode, name, level, parent, geom, officer=False):
            cur.execute(
                "INSERT INTO region (adcode, name, level, parent_id, officer_name, officer_phone, geom) "
                "VALUES (%s, %s, %s, %s, %s, %s, ST_GeomFromText(%s, 4326)) RETURNING id",
                (adcode, name, level, parent, "测试员" if officer else None, "13900000000" if officer else None, geom))
            return cur.fetchone()[0]

        city = region("990100", "测试市", "city", None, _sq(X0, Y0, 1, 1))
        district = region("990101", "测试区", "district", city, _sq(X0, Y0, 1, 1))
        town = region("990101001", "测试镇", "town", district, _sq(X0, Y0, 1, 1))
        grid = region("990101001001", "测试网格", "grid", town, _sq(X0, Y0, 1, 1), officer=True)
        body = "91990101MA1TNT" + code_suffix.rjust(3, "0")
        cur.execute(
            "INSERT INTO enterprise (uscc, name, industry, scale, employees, region_id, location, boundary) "
            "VALUES (%s, '测试机械有限公司', 'machinery', 'small', 80, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), "
            "ST_GeomFromText(%s, 4326)) RETURNING id",
            (body + check_char(body), grid, X0 + 0.5 + 5 * d, Y0 + 0.5 + 5 * d, _sq(X0 + 0.5, Y0 + 0.5, 10 * d, 10 * d)))
        ent = cur.fetchone()[0]

        def area(kind, code, name, parent, geom):
            cur.execute("INSERT INTO area (enterprise_id, parent_id, kind, code, name, geom) "
                        "VALUES (%s, %s, %s, %s, %s, ST_GeomFromText(%s, 4326)) RETURNING id",
                        (ent, parent, kind, code, name, geom))
            return cur.fetchone()[0]

        x, y = X0 + 0.5, Y0 + 0.5
        plant = area("plant", "P", "测试厂区", None, _sq(x, y, 10 * d, 10 * d))
        w1 = area("workshop", "W1", "冲压车间", plant, _sq(x + d, y + d, 4 * d, 4 * d))
        w2 = area("workshop", "W2", "装配车间", plant, _sq(x + 5.5 * d, y + d, 4 * d, 4 * d))
        u1 = area("unit", "W1-U1", "冲床工位", w1, _sq(x + 1.5 * d, y + 1.5 * d, d, d))
        u2 = area("unit", "W1-U2", "行车", w1, _sq(x + 3 * d, y + 1.5 * d, d, d))
        u3 = area("post", "W2-U1", "装配岗位", w2, _sq(x + 6 * d, y + 1.5 * d, d, d))
    return Scene(city, district, town, grid, ent, plant, [w1, w2], [u1, u2, u3])


def add_risk(conn, area_id: int, inherent: str, residual: str, name: str = "测试风险") -> int:
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO risk (area_id, name, hazard_factors, accident_type, method, inherent_level, residual_level, "
            "control_tier) VALUES (%s, %s, '测试因素', 3, 'LEC', %s, %s, 'team') RETURNING id",
            (area_id, name, inherent, residual))
        return cur.fetchone()[0]


def levels(conn, area_id: int) -> tuple:
    with conn.cursor() as cur:
        cur.execute("SELECT inherent_level::text, residual_level::text, current_level::text FROM area_level "
                    "WHERE area_id = %s",
                    (area_id,))
        return cur.fetchone()


# -- 重大危险源 (GB 18218) helpers ----------------------------------------------------------------
def add_hazard_source(conn, scene: Scene, inventory: dict[str, float] | None = None, code: str = "HS-1",
                      location: tuple[float, float] | None = None) -> int:
    """A hazard source of the scene's enterprise (at the plant centre unless ``location`` is given),
    with ``inventory`` {chemical name_zh: t}."""
    x, y = location or (X0 + 0.5 + 5e-3, Y0 + 0.5 + 5e-3)
    with conn.cursor() as cur:
        cur.execute("INSERT INTO hazard_source (enterprise_id, area_id, code, name, location) "
                    "VALUES (%s, %s, %s, '测试储罐区', ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id",
                    (scene.enterprise, scene.plant, code, x, y))
        hs = cur.fetchone()[0]
        for name, q in (inventory or {}).items():
            cur.execute("INSERT INTO hazard_source_inventory (hazard_source_id, chemical_id, quantity_t) "
                        "SELECT %s, id, %s FROM chemical WHERE name_zh = %s", (hs, q, name))
            assert cur.rowcount == 1, name
    return hs


def beside_plant(conn, metres: float, azimuth_deg: float = 90.0) -> tuple[float, float]:
    """The point ``metres`` from the middle of the scene plant's east edge (lon, lat), along the
    geodesic with ``azimuth_deg`` (90 = due east, away from the plant)."""
    with conn.cursor() as cur:
        cur.execute("SELECT ST_X(p), ST_Y(p) FROM (SELECT ST_Project(ST_MakePoint(%s, %s)::geography, %s, "
                    "radians(%s))::geometry AS p) s", (X0 + 0.51, Y0 + 0.505, metres, azimuth_deg))
        return cur.fetchone()


def add_target(conn, x: float, y: float, population: int, name: str = "测试居民区", kind: str = "residential",
               footprint_wkt: str | None = None) -> int:
    """A protection target (防护目标) at (x, y) with ``population`` people."""
    with conn.cursor() as cur:
        cur.execute("INSERT INTO protection_target (kind, name, population, geom, footprint) "
                    "VALUES (%s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), ST_GeomFromText(%s, 4326)) "
                    "RETURNING id", (kind, name, population, x, y, footprint_wkt))
        return cur.fetchone()[0]


# -- emergency planning helpers ------------------------------------------------------------
@dataclass(frozen=True)
class Zone:
    """A stand-in with the attributes of ``layers.consequences.ThreatZone``: tests of storage, affected
    lists and routes must not depend on the physics. ``geometry`` is in local metres, source at (0, 0)."""

    level: str
    threshold: float
    threshold_unit: str
    threshold_zh: str
    distance_m: float
    geometry: object


def circle_zones(red_m: float = 100.0, orange_m: float = 250.0, yellow_m: float = 500.0) -> list[Zone]:
    """Three concentric circles (overpressure thresholds of docs/domain.md §6: 55 / 24 / 6.9 kPa)."""
    from shapely.geometry import Point

    return [Zone(lv, p, "kPa", f"超压 {p} kPa", r, Point(0, 0).buffer(r, 64))
            for lv, p, r in (("red", 55.0, red_m), ("orange", 24.0, orange_m), ("yellow", 6.9, yellow_m))]


def local_point(origin: tuple[float, float], dx: float, dy: float) -> tuple[float, float]:
    """(lon, lat) of the point dx metres east and dy metres north of ``origin`` (lon, lat), in the
    same azimuthal equidistant projection that places the threat zones."""
    from shapely.geometry import Point

    from layers.emergency.scenarios import local_to_wgs84

    p = local_to_wgs84(Point(dx, dy), *origin)
    return p.x, p.y


def source_lonlat(conn, hazard_source_id: int) -> tuple[float, float]:
    with conn.cursor() as cur:
        cur.execute("SELECT ST_X(location), ST_Y(location) FROM hazard_source WHERE id = %s", (hazard_source_id,))
        return cur.fetchone()


def add_scenario(conn, hazard_source_id: int, zones: list | None = None, *, model: str = "vce_tnt",
                 params: dict | None = None, name: str = "测试情景") -> int:
    """A scenario row with ``zones`` (default :func:`circle_zones`) stored through ``store_zones``."""
    import json

    from layers.emergency.scenarios import store_zones

    with conn.cursor() as cur:
        cur.execute("INSERT INTO scenario (hazard_source_id, name, model, params) VALUES (%s, %s, %s, %s) RETURNING id",
                    (hazard_source_id, name, model, json.dumps(params or {"mass_kg": 1000})))
        sid = cur.fetchone()[0]
    store_zones(conn, sid, circle_zones() if zones is None else zones)
    return sid


def add_resource(conn, kind: str, lonlat: tuple[float, float], capacity: int | None = None,
                 name: str = "测试资源") -> int:
    with conn.cursor() as cur:
        cur.execute("INSERT INTO emergency_resource (kind, name, capacity, geom) "
                    "VALUES (%s, %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326)) RETURNING id",
                    (kind, name, capacity, *lonlat))
        return cur.fetchone()[0]


def add_road(conn, a: tuple[float, float], b: tuple[float, float], *, speed_kmh: float = 36.0,
             cls: str = "secondary", name: str = "测试路", oneway: bool = False) -> int:
    with conn.cursor() as cur:
        cur.execute("INSERT INTO road (name, class, oneway, speed_kmh, geom) "
                    "VALUES (%s, %s, %s, %s, ST_SetSRID(ST_MakeLine(ST_MakePoint(%s, %s), ST_MakePoint(%s, %s)), 4326)) "
                    "RETURNING id", (name, cls, oneway, speed_kmh, *a, *b))
        return cur.fetchone()[0]


def add_road_grid(conn, origin: tuple[float, float], half: int = 3, spacing_m: float = 200.0,
                  skip: set | None = None, speed_kmh: float = 36.0) -> dict[tuple[int, int], tuple[float, float]]:
    """A noded grid of roads around ``origin``: nodes at (i·spacing, j·spacing) m for i, j in
    -half..half, one road row per grid edge (36 km/h = 10 m/s by default). ``skip`` holds edges
    ((i, j), (i2, j2)) to leave out. Returns the node positions (lon, lat) by (i, j)."""
    skip = skip or set()
    nodes = {(i, j): local_point(origin, i * spacing_m, j * spacing_m)
             for i in range(-half, half + 1) for j in range(-half, half + 1)}
    for (i, j), p in nodes.items():
        for q in ((i + 1, j), (i, j + 1)):
            if q in nodes and ((i, j), q) not in skip and (q, (i, j)) not in skip:
                add_road(conn, p, nodes[q], speed_kmh=speed_kmh, name=f"测试路{i},{j}-{q[0]},{q[1]}")
    return nodes


def add_neighbour(conn, scene: Scene, lonlat_box: tuple[float, float, float, float], name: str = "邻近企业",
                  suffix: str = "B", employees: int = 30) -> int:
    """Another enterprise of the scene's grid with a rectangular boundary (x0, y0, x1, y1) in lon/lat."""
    x0, y0, x1, y1 = lonlat_box
    body = "91990101MA1TNT" + suffix.rjust(3, "0")
    with conn.cursor() as cur:
        cur.execute(
            "INSERT INTO enterprise (uscc, name, industry, scale, employees, region_id, location, boundary, emergency_phone) "
            "VALUES (%s, %s, 'machinery', 'small', %s, %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), "
            "ST_GeomFromText(%s, 4326), '0519-00000000') RETURNING id",
            (body + check_char(body), name, employees, scene.grid, (x0 + x1) / 2, (y0 + y1) / 2,
             _sq(x0, y0, x1 - x0, y1 - y0)))
        return cur.fetchone()[0]


def fake_consequences():
    """A stand-in module for ``layers.consequences`` (same names, no physics): every model draws
    circles of ``radius_m``, 2× and 4× that (red, orange, yellow); ``radius_m`` missing or not > 0 is
    refused with InvalidInput naming the field. Install with
    ``monkeypatch.setitem(sys.modules, "layers.consequences", fake_consequences())``."""
    import types
    from dataclasses import dataclass as _dc

    import layers.consequences as real  # the vocabulary (model names, zone levels) stays the real one
    from layers.errors import InvalidInput

    @_dc(frozen=True)
    class Weather:
        wind_speed_m_s: float = 2.0
        wind_from_deg: float = 0.0
        stability: str = "D"
        ambient_temp_c: float = 20.0
        relative_humidity: float = 0.7
        terrain: str = "rural"

    def threat_zones(model, params, weather=None):
        if model not in mod.MODELS:
            raise InvalidInput(f"model: 未知模型 {model}", [{"field": "model", "message": "unknown"}])
        r = params.get("radius_m")
        if isinstance(r, bool) or not isinstance(r, int | float) or not r > 0:
            raise InvalidInput("params.radius_m: 应大于 0 (must be positive)",
                               [{"field": "params.radius_m", "message": "> 0"}])
        return circle_zones(r, 2 * r, 4 * r)

    mod = types.ModuleType("layers.consequences")
    mod.Weather, mod.ThreatZone, mod.threat_zones = Weather, Zone, threat_zones
    mod.MODELS = {k: None for k in real.MODEL_NAMES}
    mod.MODEL_NAMES = real.MODEL_NAMES
    mod.LEVELS, mod.LEVEL_ZH, mod.level_colour = real.LEVELS, real.LEVEL_ZH, real.level_colour
    mod.level_text_colour = real.level_text_colour
    mod.params_schema = lambda model: [{"name": "radius_m", "default": 100.0}]
    return mod
