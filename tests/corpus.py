"""What every bad-input test shares: the Chinese a message must contain, and the row counts that
prove a refused request wrote nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable

import psycopg2

#: A message for the user says something in Chinese.
CJK = re.compile(r"[\u4e00-\u9fff]")


def row_counts(url: str, tables: Iterable[str]) -> dict[str, int]:
    """``count(*)`` of each table: equal before and after a refused request, or something was written."""
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            out = {}
            for t in tables:
                cur.execute(f"SELECT count(*) FROM {t}")
                out[t] = cur.fetchone()[0]
            return out
    finally:
        conn.close()
