"""System endpoints: health (for load balancers, monitoring and the API benchmark's floor)."""

from __future__ import annotations

from fastapi import APIRouter

from app.deps import PublicConn
from db.connection import server_version

router = APIRouter(prefix="/api", tags=["system"])


@router.get("/health", summary="健康检查: 服务与数据库可用 (health: the app answers and the database replies)")
def health(conn: PublicConn) -> dict:
    return {"status": "ok", "database": f"PostgreSQL {server_version(conn)}"}
