"""Bulk load of polygons (benchmark 1): the riskatlas loader vs ``ogr2ogr`` vs
``GeoDataFrame.to_postgis``.

The polygons are the generated plants, workshops and units of the bench database (repeated with
an offset if there are fewer than asked for): 1,000,000 at full size, 5,000 at smoke size. Every
subject ends in the same state — a new table (id, kind, code, name, geom MultiPolygon 4326) with
a primary key and a GiST index — and the table is dropped before each run.

- ``riskatlas_copy``: :func:`db.bulk.copy_columns` from the in-memory GeoDataFrame (hex EWKB, COPY
  text), primary key and GiST index built after the load.
- ``ogr2ogr``: GDAL's ``ogr2ogr`` (Debian ``gdal-bin``) from a FlatGeobuf file written during set-up,
  ``PG_USE_COPY=YES``, its own primary key and GiST index.
- ``geopandas_to_postgis`` (baseline): ``GeoDataFrame.to_postgis`` through SQLAlchemy/GeoAlchemy2
  (which also uses COPY), then the same primary key and GiST index.
"""

from __future__ import annotations

import shutil
import subprocess

import geopandas as gpd
import numpy as np
import psycopg2.extensions
import shapely

from bench.harness import Context, benchmark
from db import bulk

COLUMNS = ("id", "kind", "code", "name", "geom")


def _polygons(conn, n: int) -> gpd.GeoDataFrame:
    with conn.cursor() as cur:
        cur.execute("SELECT kind::text, code, name, ST_AsBinary(geom) FROM area ORDER BY id LIMIT %s", (n,))
        rows = cur.fetchall()
    conn.rollback()
    if not rows:
        raise RuntimeError("bulk_load: 基准数据库中没有区域 (the bench database has no areas)")
    geoms = shapely.from_wkb([bytes(r[3]) for r in rows])
    kinds, codes, names = [r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]
    parts_g: list[np.ndarray] = []
    parts_k: list[str] = []
    parts_c: list[str] = []
    parts_n: list[str] = []
    copy = 0
    while sum(len(g) for g in parts_g) < n:
        parts_g.append(shapely.transform(geoms, lambda xy, k=copy: xy + np.array([0.01 * k, 0.0])))
        parts_k += kinds
        parts_c += [f"{c}-{copy}" for c in codes]
        parts_n += names
        copy += 1
    g = np.concatenate(parts_g)[:n]
    return gpd.GeoDataFrame({"id": np.arange(1, n + 1), "kind": parts_k[:n], "code": parts_c[:n],
                             "name": parts_n[:n]}, geometry=gpd.GeoSeries(g, crs="EPSG:4326"))


@benchmark("bulk_load", "批量载入多边形 (bulk load of 1,000,000 polygons): riskatlas COPY loader vs ogr2ogr "
           "(PG_USE_COPY) vs GeoDataFrame.to_postgis", baseline="geopandas_to_postgis")
def bulk_load(ctx: Context):
    from sqlalchemy import create_engine

    n = ctx.scale(5_000, 1_000_000)
    url = ctx.bench_url()
    conn = ctx.connect()
    gdf = _polygons(conn, n)
    ctx.log(f"bulk_load: {len(gdf):,} 个多边形")
    src = ctx.tmp / "polygons.fgb"
    gdf.to_file(src, driver="FlatGeobuf", engine="pyogrio")
    ogr2ogr = shutil.which("ogr2ogr")
    if ogr2ogr is None:
        raise RuntimeError("bulk_load 需要 GDAL 的 ogr2ogr (apt install gdal-bin)")
    dsn = psycopg2.extensions.parse_dsn(url)
    pg = "PG:" + " ".join(f"{k}={v}" for k, v in (("host", dsn.get("host")), ("port", dsn.get("port")),
                                                   ("dbname", dsn.get("dbname")), ("user", dsn.get("user")),
                                                   ("password", dsn.get("password"))) if v)
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg2://", 1))
    tables = ("bench_load_ra", "bench_load_ogr", "bench_load_gpd")

    def drop(table: str) -> None:
        with conn, conn.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {table}")

    def count(table: str) -> dict:
        with conn.cursor() as cur:
            cur.execute(f"SELECT count(*) FROM {table}")
            total = cur.fetchone()[0]
        conn.rollback()
        if total != n:
            raise RuntimeError(f"{table}: 载入 {total} 行, 应为 {n} (loaded {total} rows, expected {n})")
        return {"rows": total}

    def ours() -> dict:
        drop("bench_load_ra")
        with conn, conn.cursor() as cur:
            cur.execute("CREATE TABLE bench_load_ra (id int NOT NULL, kind text, code text, name text, "
                        "geom geometry(MultiPolygon, 4326))")
            bulk.copy_columns(conn, "bench_load_ra", {
                "id": gdf["id"], "kind": gdf["kind"], "code": gdf["code"], "name": gdf["name"],
                "geom": bulk.ewkb_hex(gdf.geometry.values)})
            cur.execute("ALTER TABLE bench_load_ra ADD PRIMARY KEY (id)")
            cur.execute("CREATE INDEX ON bench_load_ra USING gist (geom)")
        return count("bench_load_ra")

    def ogr() -> dict:
        drop("bench_load_ogr")
        subprocess.run([ogr2ogr, "-f", "PostgreSQL", pg, str(src), "-nln", "bench_load_ogr", "-nlt", "MULTIPOLYGON",
                        "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=fid", "-lco", "SPATIAL_INDEX=GIST",
                        "-gt", "65536", "--config", "PG_USE_COPY", "YES"], check=True, capture_output=True)
        return count("bench_load_ogr")

    def geopandas() -> dict:
        drop("bench_load_gpd")
        gdf.to_postgis("bench_load_gpd", engine, index=False, chunksize=50_000)
        with conn, conn.cursor() as cur:
            cur.execute("ALTER TABLE bench_load_gpd ADD PRIMARY KEY (id)")
            cur.execute("CREATE INDEX ON bench_load_gpd USING gist (geometry)")
            cur.execute("ALTER TABLE bench_load_gpd RENAME COLUMN geometry TO geom")
        return count("bench_load_gpd")

    yield {"riskatlas_copy": ours, "ogr2ogr": ogr, "geopandas_to_postgis": geopandas}
    for t in tables:
        drop(t)
    engine.dispose()
    conn.close()
