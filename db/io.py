"""Small private-style helpers to move GeoDataFrames in and out of PostGIS."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import pandas as pd
import psycopg2.extensions
import shapely


def read_postgis(
    conn: psycopg2.extensions.connection,
    sql: str,
    params: Sequence[object] | dict[str, object] | None = None,
    *,
    geom_col: str = "geom",
    crs: str = "EPSG:4326",
) -> gpd.GeoDataFrame:
    """Run ``sql`` and return a GeoDataFrame. ``geom_col`` must be selected as WKB
    (``ST_AsBinary(geom) AS geom``); it becomes the active geometry column ``geometry``."""
    with conn.cursor() as cur:
        cur.execute(sql, params)
        columns = [d.name for d in cur.description]
        rows = cur.fetchall()
    df = pd.DataFrame.from_records(rows, columns=columns)
    if geom_col not in df.columns:
        raise KeyError(f"query has no geometry column {geom_col!r}")
    wkb = [bytes(v) if v is not None else None for v in df.pop(geom_col)]
    geoms = shapely.from_wkb(wkb) if wkb else []
    return gpd.GeoDataFrame(df, geometry=gpd.GeoSeries(geoms, crs=crs), crs=crs)
