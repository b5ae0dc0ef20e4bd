"""The benchmark harness: statistics and ratios from interleaved runs, and every registered
benchmark at smoke size (this is `make bench SIZE=smoke`, run by CI through the test suite)."""

from __future__ import annotations

import json
import time

import pytest

from bench import harness
from bench.harness import Context, benchmark, run


@pytest.fixture
def toy():
    calls = {"set_up": 0, "torn_down": 0}

    @benchmark("toy_sleep", "two sleeps", baseline="short")
    def toy_sleep(ctx: Context):
        calls["set_up"] += 1
        yield {"long": lambda: time.sleep(0.02) or {"bytes": 10},
               "short": lambda: time.sleep(0.01),
               "self_timed": lambda: {"time_s": 0.5}}
        calls["torn_down"] += 1

    yield calls
    harness.REGISTRY.pop("toy_sleep")


def test_runs_interleaved_with_medians_and_ratios(toy, server_url):
    r = run("toy_sleep", size="smoke", runs=5, server_url=server_url, write=False, quiet=True)
    assert toy == {"set_up": 1, "torn_down": 1}
    s = r["subjects"]
    assert len(s["long"]["runs"]) == 5 and len(s["short"]["runs"]) == 5
    assert s["short"]["ratio_to_baseline"] == 1.0
    assert 1.4 < s["long"]["ratio_to_baseline"] < 3.0           # 20 ms vs 10 ms sleeps
    assert s["long"]["min"] <= s["long"]["median"] <= s["long"]["max"]
    assert s["long"]["extra"]["bytes"]["median"] == 10
    assert s["self_timed"]["median"] == 0.5                     # a subject's own timing replaces wall time
    assert r["machine"]["cores"] >= 1 and "PostgreSQL" in r["machine"]["database"]


def test_refuses_fewer_than_five_runs_and_unknown_names(toy, server_url):
    with pytest.raises(ValueError, match="至少"):
        run("toy_sleep", runs=3, server_url=server_url, write=False)
    with pytest.raises(KeyError, match="no benchmark named"):
        run("no_such_bench", server_url=server_url, write=False)


def test_summary_table_lists_full_results(tmp_path, monkeypatch):
    monkeypatch.setattr(harness, "RESULTS", tmp_path)
    result = {"name": "x", "description": "desc", "baseline": "b", "measured_at": "2026-11-23T00:00:00+00:00",
              "machine": {"cpu": "cpu", "cores": 2, "memory_gib": 24, "os": "linux", "python": "3.11",
                          "database": "PostgreSQL 15"},
              "subjects": {"a": {"median": 2.0, "min": 1.9, "max": 2.2, "ratio_to_baseline": 2.0,
                                 "extra": {"p99_ms": {"median": 12.5}}},
                           "b": {"median": 1.0, "min": 0.9, "max": 1.1, "ratio_to_baseline": 1.0, "extra": {}}}}
    (tmp_path / "x.json").write_text(json.dumps(result))
    text = harness.write_summary().read_text()
    assert "| x | a | 2.00 | 1.90–2.20 | 2.00 | p99_ms 12.50 |" in text
    assert "| x | b (baseline) |" in text and "2 cores" in text


def test_every_benchmark_at_smoke_size(server_url):
    """`make bench SIZE=smoke`: every registered benchmark runs and compares with its baseline."""
    specs = harness.load_all()
    assert {"levels_full", "levels_incremental", "region_stats", "bulk_load", "api_latency"} <= set(specs)
    for name in sorted(specs):
        if name == "toy_sleep":
            continue
        r = run(name, size="smoke", server_url=server_url, quiet=True)
        base = r["subjects"][r["baseline"]]
        assert base["ratio_to_baseline"] == 1.0, name
        for subject, v in r["subjects"].items():
            assert v["median"] > 0 and len(v["runs"]) >= 5, (name, subject)
            assert v["extra"].get("errors", {"median": 0})["median"] == 0, (name, subject)
