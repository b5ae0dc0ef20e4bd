"""riskatlas benchmarks: the harness (:mod:`bench.harness`), the province-scale data generator
(:mod:`bench.generate`) and one module per benchmark, registered in ``BENCH_MODULES``."""

BENCH_MODULES: list[str] = [
    "bench.levels",
    "bench.bulk_load",
    "bench.regions",
    "bench.api",
    "bench.plant_map",
    "bench.cards",
    "bench.emergency",
    "bench.tiles",
    "bench.city_page",
]
