"""Optimistic locking on edits: a stale edit is refused with a clear message, never lost."""

from __future__ import annotations

import psycopg2
import pytest

from tests.auth import api_client


@pytest.fixture
def risk(demo_url):
    """A LEC-assessed risk of demo enterprise 1, put back as it was after the test."""
    conn = psycopg2.connect(demo_url)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("""SELECT r.id, r.area_id FROM risk r JOIN area a ON a.id = r.area_id
                       WHERE a.enterprise_id = 1 AND r.method = 'LEC' ORDER BY r.id LIMIT 1""")
        rid, area = cur.fetchone()
        cur.execute("CREATE TEMP TABLE saved AS SELECT * FROM risk WHERE id = %s", (rid,))
    yield rid, area
    with conn.cursor() as cur:
        cur.execute("""UPDATE risk r SET method = s.method, inputs = s.inputs, score = s.score,
                          inherent_level = s.inherent_level, residual_inputs = s.residual_inputs,
                          residual_score = s.residual_score, residual_level = s.residual_level,
                          assessed_at = s.assessed_at, assessed_by = s.assessed_by, basis = s.basis
                       FROM saved s WHERE r.id = s.id""")
    conn.close()


def _area_level(url: str, area: int) -> str:
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT own_residual::text FROM area_state WHERE area_id = %s", (area,))
            return cur.fetchone()[0]
    finally:
        conn.close()


def test_a_stale_edit_is_refused_and_the_newer_one_kept(demo_url, risk):
    rid, area = risk
    with api_client(demo_url, "enterprise", enterprise_id=1) as alice, api_client(demo_url, "admin") as bob:
        r = alice.get(f"/api/risks/{rid}")
        assert r.status_code == 200
        etag = r.headers["etag"]
        assert etag == f'"risk-{rid}-{r.json()["version"]}"'
        # Bob loaded the same version and saves first: major (L=10, E=6, C=40 → 2400) with residual 一般
        bob_edit = {"method": "LEC", "inputs": {"L": 10, "E": 6, "C": 40}, "residual_level": "general"}
        r = bob.post(f"/api/risks/{rid}/assessment", json=bob_edit, headers={"If-Match": etag})
        assert r.status_code == 200, r.text
        assert r.headers["etag"] != etag
        # Alice saves on the version she loaded: refused, naming why, and Bob's edit stays
        alice_edit = {"method": "LEC", "inputs": {"L": 1, "E": 1, "C": 1}, "residual_level": "low"}
        r = alice.post(f"/api/risks/{rid}/assessment", json=alice_edit, headers={"If-Match": etag})
        assert r.status_code == 412 and "已被他人修改" in r.json()["detail"]
        got = alice.get(f"/api/risks/{rid}").json()
        assert (got["inherent_level"], got["residual_level"], got["inputs"]) == ("major", "general", bob_edit["inputs"])
        # without saying which version: 428
        r = alice.post(f"/api/risks/{rid}/assessment", json=alice_edit)
        assert r.status_code == 428 and "版本" in r.json()["detail"]
        # on the current version (in the body this time): accepted, and the area follows
        r = alice.post(f"/api/risks/{rid}/assessment", json={**alice_edit, "version": got["version"]})
        assert r.status_code == 200, r.text
    assert _area_level(demo_url, area) is not None


def test_the_audit_of_an_enterprise_names_who_changed_what(demo_url, risk):
    rid, _ = risk
    with api_client(demo_url, "enterprise", enterprise_id=1) as alice:
        etag = alice.get(f"/api/risks/{rid}").headers["etag"]
        edit = {"method": "LEC", "inputs": {"L": 6, "E": 6, "C": 7}, "residual_level": "general"}
        assert alice.post(f"/api/risks/{rid}/assessment", json=edit, headers={"If-Match": etag}).status_code == 200
        me = alice.get("/api/auth/me").json()
        r = alice.get("/api/enterprises/1/audit", params={"table": "risk", "limit": 5})
        assert r.status_code == 200
        top = r.json()["items"][0]
        assert top["actor"] == f"{me['display_name']} ({me['username']})" and top["row_id"] == str(rid)
        assert top["action"] == "UPDATE" and top["table_zh"] == "风险"
        changed = {c["field"]: (c["before"], c["after"]) for c in top["changes"]}
        assert changed["inputs"][1] == {"L": 6, "E": 6, "C": 7} and changed["residual_level"][1] == "general"
        assert alice.get("/api/enterprises/1/audit", params={"table": "spaceships"}).status_code == 422
        assert alice.get("/api/enterprises/2/audit").status_code == 404          # someone else's
