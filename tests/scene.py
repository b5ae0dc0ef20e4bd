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
