"""System endpoints: health (for load balancers, monitoring and the API benchmark's floor)."""

from __future__ import annotations

from typing import Annotated

import psycopg2.extensions
from fastapi import APIRouter, Depends

from app.db import get_public_conn

router = APIRouter(prefix="/api", tags=["system"])


@router.get("/health", summary="健康检查: 服务与数据库可用 (health: the app answers and the database replies)")
def health(conn: Annotated[psycopg2.extensions.connection, Depends(get_public_conn)]) -> dict:
    with conn.cursor() as cur:
        cur.execute("SELECT current_setting('server_version')")
        version = cur.fetchone()[0]
    return {"status": "ok", "database": f"PostgreSQL {version}"}
