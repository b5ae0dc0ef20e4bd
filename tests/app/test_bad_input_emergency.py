"""Bad inputs of emergency scenarios, over HTTP as an enterprise user (its own hazard source) and an
admin: a scenario beyond one hazard source's scale, thresholds below the levels the domain uses, or
zones reaching beyond the scenario limit get a clear 422 in Chinese naming the parameter and the
limit, and nothing is written (scenarios, zones and the audit log are unchanged)."""

from __future__ import annotations

import json
import re

import psycopg2
import pytest

from tests.auth import api_client
from tests.corpus import CJK, row_counts

TABLES = ("scenario", "threat_zone", "audit_log")
#: The examiner's city-wide scenario: the old schema's maximum fuel mass, thresholds 0.5–0.7 kPa.
CITY_WIDE = {"fuel_mass_kg": 1e8, "red_threshold": 0.7, "orange_threshold": 0.6, "yellow_threshold": 0.5}


def _counts(url: str) -> dict[str, int]:
    return row_counts(url, TABLES)


@pytest.fixture(scope="module")
def source(demo_url):
    """Enterprise 1's hazard source and a plausible scenario on it (removed afterwards)."""
    conn = psycopg2.connect(demo_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT id FROM hazard_source WHERE enterprise_id = 1 ORDER BY id LIMIT 1")
        row = cur.fetchone()
        if row is None:
            cur.execute("INSERT INTO hazard_source (enterprise_id, code, name, kind, location) "
                        "SELECT 1, 'BI-1', '坏数据测试储罐区', 'storage', location FROM enterprise WHERE id = 1 RETURNING id")
            row = cur.fetchone()
        cur.execute("INSERT INTO scenario (hazard_source_id, name, model, params) "
                    "VALUES (%s, '坏数据测试情景', 'vce_tnt', '{\"fuel_mass_kg\": 5000}') RETURNING id", (row[0],))
        sid = cur.fetchone()[0]
    yield {"hs": row[0], "scenario": sid}
    with conn.cursor() as cur:
        cur.execute("DELETE FROM scenario WHERE id = %s", (sid,))
        cur.execute("DELETE FROM hazard_source WHERE code = 'BI-1' AND name = '坏数据测试储罐区'")
    conn.close()


def _cases(s: dict) -> list[tuple[str, str, str, str, dict, str]]:
    """(name, role, method, path, body, what the answer must say: a regex over detail and errors)."""
    new = f"/api/hazard-sources/{s['hs']}/scenarios"
    old = f"/api/emergency/scenarios/{s['scenario']}"
    return [
        ("city-wide vapour cloud", "enterprise", "POST", new, {"model": "vce_tnt", "params": CITY_WIDE},
         r"fuel_mass_kg = 1e\+08 kg 超出范围 \(0.0, 1000000.0\]"),
        ("city-wide, thresholds named too", "enterprise", "POST", new, {"model": "vce_tnt", "params": CITY_WIDE},
         r"yellow_threshold = 0.5 kPa 超出范围 \[1.0, "),
        ("overpressure below windows breaking", "enterprise", "POST", new,
         {"model": "vce_tnt", "params": {"fuel_mass_kg": 10_000, "yellow_threshold": 0.9}}, r"yellow_threshold"),
        ("plausible inputs reaching 15.2 km", "enterprise", "POST", new,
         {"model": "vce_tnt", "params": {"fuel_mass_kg": 1e6, "yellow_threshold": 1.0}},
         r"params\.yellow_threshold.*黄区外缘半径 15\.2 km 超过情景范围上限 15 km"),
        ("fireball of 10 000 t", "enterprise", "POST", new, {"model": "bleve_fireball", "params": {"mass_kg": 1e7}},
         r"mass_kg = 1e\+07 kg 超出范围"),
        ("heat flux below 1.6 kW/m2", "enterprise", "POST", new,
         {"model": "pool_fire", "params": {"pool_diameter_m": 20, "yellow_threshold": 1.0}}, r"yellow_threshold.*超出范围"),
        ("plume computed to 100 km", "enterprise", "POST", new,
         {"model": "gaussian_plume", "params": {"release_rate_kg_s": 1, "max_distance_m": 100_000}},
         r"max_distance_m = 100000 m 超出范围 \[100.0, 10000.0\]"),
        ("a stored scenario changed to city-wide", "enterprise", "PATCH", old, {"params": CITY_WIDE}, r"fuel_mass_kg"),
        ("an admin's city-wide scenario", "admin", "POST", new, {"model": "vce_tnt", "params": CITY_WIDE},
         r"fuel_mass_kg"),
    ]


def test_bad_scenarios_are_refused_naming_the_parameter_and_write_nothing(demo_url, source):
    before = _counts(demo_url)
    failures = []
    with api_client(demo_url, "enterprise", enterprise_id=1) as ent, api_client(demo_url, "admin") as admin:
        for name, role, method, path, body, says in _cases(source):
            r = (ent if role == "enterprise" else admin).request(method, path, json=body)
            try:
                answer = r.json()
            except ValueError:
                answer = {}
            detail = str(answer.get("detail", ""))
            said = detail + " " + json.dumps(answer.get("errors", []), ensure_ascii=False)
            if r.status_code != 422 or not CJK.search(detail) or not re.search(says, said):
                failures.append(f"{name}: {r.status_code} {r.text[:300]}")
    assert failures == [], "\n".join(failures)
    assert _counts(demo_url) == before
