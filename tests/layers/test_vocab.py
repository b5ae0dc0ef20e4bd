"""The Python mirrors of the database's vocabularies (0001, 0007) say what the database says: the
lists the API, the CLI and the pages derive from them cannot drift from the stored codes."""

from __future__ import annotations

from layers.assessment import METHODS
from layers.consequences import LEVELS, MODEL_NAMES
from layers.regions import CHILD_LEVEL, REGION_LEVEL_ZH, REGION_LEVELS


def _enum(conn, name: str) -> list[str]:
    with conn.cursor() as cur:
        cur.execute(f"SELECT unnest(enum_range(NULL::{name}))::text")
        return [r[0] for r in cur.fetchall()]


def _vocabulary(conn, domain: str) -> dict[str, str]:
    with conn.cursor() as cur:
        cur.execute("SELECT code, name_zh FROM vocabulary WHERE domain = %s ORDER BY ord", (domain,))
        return dict(cur.fetchall())


def test_assessment_methods_are_the_enum(conn):
    assert list(METHODS) == _enum(conn, "assessment_method") == list(_vocabulary(conn, "assessment_method"))


def test_region_levels_and_names_are_the_vocabulary(conn):
    assert list(REGION_LEVELS) == _enum(conn, "region_level")
    assert REGION_LEVEL_ZH == _vocabulary(conn, "region_level")
    assert CHILD_LEVEL == {"province": "city", "city": "district", "district": "town", "town": "grid"}


def test_consequence_models_and_zone_levels_are_the_vocabulary(conn):
    assert list(MODEL_NAMES) == list(_vocabulary(conn, "consequence_model"))
    assert list(LEVELS) == list(_vocabulary(conn, "threat_level"))
