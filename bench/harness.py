"""The benchmark harness: ``python -m bench run NAME`` and ``make bench``.

A benchmark is a generator function decorated with :func:`benchmark`. Its code before ``yield`` is
the set-up (runs once, not timed); it yields a dict of subjects (no-argument callables, one of them
the baseline); the code after ``yield`` is the tear-down. The harness warms every subject up once,
then runs them ``runs`` times (at least 5) interleaved in rotating order, so that the machine's
noise falls on all of them alike, and reports for each the median, the spread (min, max,
interquartile range) and the ratio of its median to the baseline's median measured in the same
run. A subject may return a dict of numbers (bytes, p99 latency, …): their medians are reported too;
a value may be None (not measured in that run: a page that never finished loading has no load
time), and its median is then taken over the runs that measured it (None when none did).
The key ``time_s`` is special: a subject that must prepare state before each run (reset a table,
open a transaction) reports the time of its measured section itself under that key, and that time
replaces the wall time of the whole call.

Two options of :func:`benchmark` are for benchmarks whose single run takes minutes at full size:
``full_runs`` (fewer runs by default at full size, at least :data:`MIN_FULL_RUNS`; smoke size always
runs at least 5) and ``cold`` (subjects that are not warmed up, because every run of theirs starts
from nothing anyway — a fresh browser, a page built again).

Results go to ``bench/results/NAME.json`` (full size) or ``bench/results/smoke/NAME.json`` (smoke size),
and ``bench/results/README.md`` is rewritten as a table of every full-size result with the machine
description.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg2

RESULTS = Path(__file__).resolve().parent / "results"
SIZES = ("smoke", "full")
#: Enterprises of the generated province database per size (≈10 areas and ≈17 risks each).
ENTERPRISES = {"smoke": 300, "full": 100_000}
MIN_RUNS = 5
#: The fewest runs a benchmark may ask for at full size (``full_runs``).
MIN_FULL_RUNS = 3

Subjects = dict[str, Callable[[], dict | None]]
#: A benchmark: set-up, ``yield`` of its subjects, tear-down (a generator, so the harness can close it).
BenchmarkFunc = Callable[["Context"], Generator[Subjects, None, None]]


@dataclass
class Spec:
    name: str
    description: str
    baseline: str
    func: BenchmarkFunc
    unit: str = "s"
    full_runs: int = MIN_RUNS
    cold: tuple[str, ...] = ()


REGISTRY: dict[str, Spec] = {}


def benchmark(name: str, description: str, *, baseline: str, full_runs: int = MIN_RUNS,
              cold: tuple[str, ...] = ()) -> Callable[[BenchmarkFunc], BenchmarkFunc]:
    """Register a benchmark (see the module docstring)."""
    if full_runs < MIN_FULL_RUNS:
        raise ValueError(f"{name}: full_runs 至少 {MIN_FULL_RUNS} (at least {MIN_FULL_RUNS} runs)")

    def deco(func: BenchmarkFunc) -> BenchmarkFunc:
        REGISTRY[name] = Spec(name, description, baseline, func, full_runs=full_runs, cold=tuple(cold))
        return func

    return deco


def load_all() -> dict[str, Spec]:
    from bench import BENCH_MODULES

    for m in BENCH_MODULES:
        importlib.import_module(m)
    return REGISTRY


@dataclass
class Context:
    """What a benchmark's set-up may use."""

    size: str
    server_url: str
    tmp: Path
    quiet: bool = False
    _bench_url: str | None = field(default=None, repr=False)

    def scale(self, smoke, full):
        """Pick the smoke or the full value."""
        return smoke if self.size == "smoke" else full

    @property
    def enterprises(self) -> int:
        return ENTERPRISES[self.size]

    def bench_url(self) -> str:
        """URL of the province-scale bench database at this size, generated (or finished) if needed."""
        if self._bench_url is None:
            from dataclasses import asdict

            from bench.generate import Params, default_cities, default_database, generate, status

            n = self.enterprises
            params = Params(n, default_cities(n), DEFAULT_SEED)
            st = status(self.server_url, default_database(n))
            # bench databases are disposable: one made by an older generator is rebuilt
            stale = st is not None and st["params"] != asdict(params)
            self._bench_url = generate(self.server_url, params, force=stale, progress=not self.quiet)
        return self._bench_url

    def connect(self) -> psycopg2.extensions.connection:
        return psycopg2.connect(self.bench_url())

    def log(self, msg: str) -> None:
        if not self.quiet:
            print(f"[bench] {msg}", file=sys.stderr, flush=True)


DEFAULT_SEED = 20261123


def scalar(conn: psycopg2.extensions.connection, sql: str):
    """One value from ``sql``, read-only: the transaction is rolled back (for set-up counts)."""
    try:
        with conn.cursor() as cur:
            cur.execute(sql)
            return cur.fetchone()[0]
    finally:
        conn.rollback()


def _stats(xs: list[float]) -> dict:
    q = statistics.quantiles(xs, n=4, method="inclusive") if len(xs) > 1 else [xs[0]] * 3
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "iqr": q[2] - q[0], "runs": xs}


def _extra_stats(vs: list[float | None]) -> dict:
    got = [v for v in vs if v is not None]
    if not got:
        return {"median": None, "min": None, "max": None}
    return {"median": statistics.median(got), "min": min(got), "max": max(got)}


def run(name: str, *, size: str = "smoke", runs: int | None = None, server_url: str | None = None,
        write: bool = True, quiet: bool = False) -> dict:
    """Run one benchmark; returns (and writes) its result. ``runs``: default 5, or the benchmark's
    ``full_runs`` at full size."""
    if size not in SIZES:
        raise ValueError(f"规模 {size!r} 未知, 应为 smoke 或 full (unknown size)")
    specs = load_all()
    if name not in specs:
        raise KeyError(f"没有名为 {name!r} 的基准 (no benchmark named {name!r}); 可选 (known): {', '.join(sorted(specs))}")
    spec = specs[name]
    least = min(MIN_RUNS, spec.full_runs) if size == "full" else MIN_RUNS
    if runs is None:
        runs = spec.full_runs if size == "full" else MIN_RUNS
    if runs < least:
        raise ValueError(f"每个基准至少运行 {least} 次 (at least {least} runs)")
    if server_url is None:
        from db.cluster import Cluster
        from db.connection import database_url
        from db.settings import DatabaseSettings

        settings = DatabaseSettings()
        if not os.environ.get("DATABASE_URL"):
            Cluster(settings).start()
        server_url = database_url(settings)
    with tempfile.TemporaryDirectory(prefix=f"riskatlas-bench-{name}-") as tmp:
        ctx = Context(size, server_url, Path(tmp), quiet)
        t_setup = time.perf_counter()
        gen = spec.func(ctx)
        subjects = next(gen)
        setup_s = time.perf_counter() - t_setup
        if spec.baseline not in subjects:
            raise KeyError(f"{name}: 基线 {spec.baseline!r} 不在被测对象中 (baseline not among subjects)")
        names = list(subjects)
        times: dict[str, list[float]] = {s: [] for s in names}
        extras: dict[str, dict[str, list[float | None]]] = {s: {} for s in names}
        try:
            for s in names:
                if s in spec.cold:
                    continue
                ctx.log(f"{name}: 预热 (warm-up) {s}")
                subjects[s]()
            for i in range(runs):
                order = names[i % len(names):] + names[: i % len(names)]
                for s in order:
                    t0 = time.perf_counter()
                    extra = dict(subjects[s]() or {})
                    elapsed = time.perf_counter() - t0
                    times[s].append(float(extra.pop("time_s", elapsed)))
                    for k, v in extra.items():
                        extras[s].setdefault(k, []).append(None if v is None else float(v))
                ctx.log(f"{name}: 第 {i + 1}/{runs} 轮 (run) " + ", ".join(
                    f"{s} {times[s][-1]:.3f}s" for s in names))
        except BaseException:
            gen.close()                 # runs the tear-down's finally blocks
            raise
        try:
            next(gen)                   # the tear-down after the yield
        except StopIteration:
            pass
        else:
            gen.close()
            raise RuntimeError(f"{name}: 基准只能 yield 一次 (a benchmark yields once)")
    base = statistics.median(times[spec.baseline])
    result = {
        "name": name, "description": spec.description, "size": size, "baseline": spec.baseline,
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "setup_s": round(setup_s, 3),
        "runs": runs, "cold": [s for s in names if s in spec.cold],
        "machine": machine(server_url),
        "subjects": {
            s: {**_stats(times[s]), "ratio_to_baseline": statistics.median(times[s]) / base if base else None,
                "extra": {k: _extra_stats(v) for k, v in extras[s].items()}}
            for s in names
        },
    }
    if write:
        out = RESULTS if size == "full" else RESULTS / "smoke"
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        if size == "full":
            write_summary()
    return result


def machine(server_url: str | None = None) -> dict:
    """What the numbers were measured on."""
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    pg = None
    if server_url:
        try:
            c = psycopg2.connect(server_url)
            with c.cursor() as cur:
                # the server's own database need not have PostGIS installed: ask what is available
                cur.execute("SELECT current_setting('server_version'), (SELECT default_version"
                            " FROM pg_available_extensions WHERE name = 'postgis')")
                pg = "PostgreSQL {} / PostGIS {}".format(*cur.fetchone())
            c.close()
        except psycopg2.Error:
            pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem, "os": platform.platform(),
            "python": platform.python_version(), "database": pg}


def _fmt(v: float | None) -> str:
    if v is None:
        return "–"
    if v >= 100:
        return f"{v:,.0f}"
    if v >= 1:
        return f"{v:.2f}"
    return f"{v:.3g}"


def write_summary() -> Path:
    """Rewrite bench/results/README.md from every full-size result."""
    results = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(RESULTS.glob("*.json"))]
    lines = ["# Benchmark results (full size)", "",
             "Written by `python -m bench run NAME --size full` (`make bench`); each subject ran "
             f"{MIN_RUNS} times (or the benchmark's own number, at least {MIN_FULL_RUNS}, when one run takes "
             "minutes: see `runs` in its JSON) after a warm-up, interleaved with the others. Time is the median in seconds; "
             "spread is min–max; ratio is median / baseline median from the same run. Re-run a line with "
             "`.venv/bin/python -m bench run NAME --size full`.", ""]
    if results:
        m = results[-1]["machine"]
        lines += [f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, Python {m['python']}, "
                  f"{m['database']}. Shared and noisy: compare ratios, not absolute times across runs.", ""]
    lines += ["| benchmark | subject | median s | spread s | ratio to baseline | other medians | measured |",
              "|---|---|---|---|---|---|---|"]
    for r in results:
        for s, v in r["subjects"].items():
            extra = ", ".join(f"{k} {_fmt(e['median'])}" for k, e in v["extra"].items())
            tag = " (baseline)" if s == r["baseline"] else ""
            lines.append(f"| {r['name']} | {s}{tag} | {_fmt(v['median'])} | {_fmt(v['min'])}–{_fmt(v['max'])} | "
                         f"{_fmt(v['ratio_to_baseline'])} | {extra} | {r['measured_at'][:10]} |")
    lines += ["", "What each benchmark measures:", ""]
    lines += [f"- **{r['name']}**: {r['description']}" for r in results]
    path = RESULTS / "README.md"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
