"""TEMPORARY, for app/routes/pages.py only until the merge repoints its imports to app.deps:
delete this file then (the pool is app/pool.py, the request's connection app/deps.py)."""

from app.deps import get_conn

__all__ = ["get_conn"]
