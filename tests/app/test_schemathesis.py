"""schemathesis against the app's OpenAPI finds no 5xx.

Every operation of ``/openapi.json`` is called in-process (ASGI, no network) with cases that
schemathesis generates from the schema, both valid ones (positive) and ones that break it on purpose
(negative: wrong types, out-of-range numbers, missing fields...), logged in for real (tests.auth:
an account, ``POST /api/auth/login``, a Bearer token) as an admin and as the enterprise user of
enterprise 1. Each case is checked with schemathesis' ``not_a_server_error``.

Random ids almost never name an existing object, and a route answers 404 before it looks at the
body; so each operation runs twice: once with every value generated, once with its path ids pinned
to real objects of enterprise 1 (an area, risk, hidden hazard, hazard source, scenario...) so the
bodies and query strings reach the code behind the lookup. Renders (PDF, PNG, workbooks: seconds
each) run once, with ids of no object: their parameters are checked, nothing is drawn.

The writes are committed, so the test runs on a database of its own (migrated, demo loaded) that it
drops at the end. ``POST /api/auth/logout`` is left out: it would end the session the test runs on
(tests/app/test_permissions.py calls it). Deterministic (``derandomize``) and bounded (``EXAMPLES`` per
operation, mode and pass; ``RISKATLAS_SCHEMATHESIS_EXAMPLES=25`` for a deeper run, and
``RISKATLAS_SCHEMATHESIS_PROGRESS=1`` with ``pytest -s`` prints each operation's time).
"""

from __future__ import annotations

import os
import time
import traceback
from dataclasses import dataclass, field

import psycopg2
import pytest
import schemathesis  # noqa: E402  (a dev dependency: never skipped)
from fastapi.testclient import TestClient  # noqa: E402
from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from app.main import create_app  # noqa: E402
from tests.auth import ensure_user, login  # noqa: E402
from tests.conftest import drop_database, migrated_database  # noqa: E402

#: Generated cases per operation, generation mode and pass (generated ids / pinned ids).
EXAMPLES = int(os.environ.get("RISKATLAS_SCHEMATHESIS_EXAMPLES", "8"))
#: Operations not called: logging out would end the test's own session.
EXCLUDED = {("POST", "/api/auth/logout")}
#: Renders (PDF, PNG, workbooks, tiles, exports) take seconds each with a real object: they run with
#: ids of no object only, and their real-object answers are covered by their own tests.
MISSING = 2**31 - 1
RENDERS = (".pdf", ".{fmt}", ".xlsx", ".pbf", "/map", "/zones", "/affected", "/routes", "/compute")


@dataclass
class Tally:
    operations: set = field(default_factory=set)
    seconds: dict = field(default_factory=dict)

    def fail(self, report: str) -> None:
        self.failures.append(report)
        print(f"\n--- server error: {report}", flush=True)  # seen as it happens with ``pytest -s``
    cases: int = 0
    failures: list = field(default_factory=list)


@pytest.fixture(scope="module")
def fuzz_url(server_url: str):
    """A demo database of the test's own: schemathesis' writes are committed."""
    name = f"riskatlas_fuzz_{os.getpid()}"
    yield migrated_database(server_url, name, demo=True)
    drop_database(server_url, name)


def _real_ids(url: str) -> dict[str, object]:
    """Ids of real objects (of enterprise 1 where it has them) for the path parameters of the same name."""
    queries = {
        "enterprise_id": "SELECT 1",
        "area_id": "SELECT min(id) FROM area WHERE enterprise_id = 1",
        "risk_id": "SELECT min(r.id) FROM risk r JOIN area a ON a.id = r.area_id WHERE a.enterprise_id = 1",
        "hazard_id": "SELECT min(id) FROM hidden_hazard WHERE enterprise_id = 1",
        # enterprise 1 may hold none: the first of the drawn plants' (a foreign id for the enterprise user)
        "hazard_source_id": "SELECT id FROM hazard_source WHERE enterprise_id <= 3 ORDER BY enterprise_id, id LIMIT 1",
        "region_id": "SELECT region_id FROM enterprise WHERE id = 1",
        "resource_id": "SELECT min(id) FROM emergency_resource",
        "target_id": "SELECT min(id) FROM protection_target",
    }
    conn = psycopg2.connect(url)
    try:
        with conn.cursor() as cur:
            ids: dict[str, object] = {}
            for name, q in queries.items():
                cur.execute(q)
                ids[name] = cur.fetchone()[0]
    finally:
        conn.close()
    assert all(v is not None for v in ids.values()), ids
    ids["name"] = "default"
    return ids


def _add_scenario(client, headers, ids) -> None:
    r = client.post(f"/api/hazard-sources/{ids['hazard_source_id']}/scenarios", headers=headers,
                    json={"model": "vce_tnt", "params": {"fuel_mass_kg": 1000}})
    assert r.status_code in (200, 201), r.text
    ids["scenario_id"] = r.json()["id"]


def _fuzz(operation, mode: GenerationMode, headers: dict, pinned: dict | None, role: str, tally: Tally):
    path_params = None
    if operation.path.endswith(RENDERS):
        if pinned is not None:
            return
        # ids of no object: the parameters are checked, nothing is drawn (a real plant's report takes
        # seconds, more than the client's timeout on a busy machine); the format and the rest generated
        path_params = {p.name: MISSING for p in operation.path_parameters if p.name.endswith("_id")} or None
    elif pinned is not None:
        path_params = {p.name: pinned[p.name] for p in operation.path_parameters if p.name in pinned}
        if not path_params:
            return
    label = f"{role} {mode.value} {'pinned' if pinned else 'generated'} {operation.label}"
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_params)

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        tally.cases += 1
        tally.operations.add(operation.label)
        try:
            response = case.call(headers=headers)
        except Exception:  # noqa: BLE001 - an exception out of the app is a 5xx; record it with its cause
            tally.fail(f"{label}: exception\n{case.as_curl_command()}\n{traceback.format_exc(limit=-6)}")
            return
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except Exception as e:  # noqa: BLE001 - collected: every 5xx is reported, not only the first
            tally.fail(f"{label}: {response.status_code} {e}\n{case.as_curl_command()}\n"
                                  f"{response.text[:500]}")

    started = time.perf_counter()
    try:
        run()
    except Unsatisfiable:
        pass  # nothing breaks this operation's schema (negative mode): no case to send
    tally.seconds[label] = time.perf_counter() - started
    if os.environ.get("RISKATLAS_SCHEMATHESIS_PROGRESS"):
        print(f"{label}: {tally.seconds[label]:.1f}s", flush=True)


def test_no_server_errors(fuzz_url):
    ids = _real_ids(fuzz_url)
    admin, own = ensure_user(fuzz_url, "admin"), ensure_user(fuzz_url, "enterprise", enterprise_id=1)
    # set-up on an app of its own: schemathesis runs the lifespan of the app it tests itself
    with TestClient(create_app(fuzz_url)) as client:
        tokens = {"admin": login(client, admin), "enterprise": login(client, own)}
        _add_scenario(client, {"Authorization": f"Bearer {tokens['admin']}"}, ids)
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_app(fuzz_url))

    tally = Tally()
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) > 50
    for role, token in tokens.items():
        headers = {"Authorization": f"Bearer {token}"}
        for operation in operations:
            if (operation.method.upper(), operation.path) in EXCLUDED:
                continue
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                for pinned in (None, ids):
                    _fuzz(operation, mode, headers, pinned, role, tally)
    print(f"schemathesis: {len(tally.operations)} operations, {tally.cases} cases, "
          f"{len(tally.failures)} server errors; slowest:",
          ", ".join(f"{k} {v:.1f}s" for k, v in sorted(tally.seconds.items(), key=lambda kv: -kv[1])[:8]))
    assert not tally.failures, "\n\n".join(tally.failures[:30])
