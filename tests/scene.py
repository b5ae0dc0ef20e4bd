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
