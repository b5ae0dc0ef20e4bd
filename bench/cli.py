"""``python -m bench``: generate province-scale data and run the benchmarks.

The benchmarks are a program of their own beside the project, not a sub-command of the installed
``riskatlas``: they measure the application from outside.
"""

from __future__ import annotations

from typing import Annotated, NoReturn

import typer

app = typer.Typer(help="基准测试 (benchmarks: province-scale data and the harness)", no_args_is_help=True,
                  add_completion=False)


def fail(message: str) -> NoReturn:
    """Print ``message`` in red on stderr and end the command with exit code 1."""
    typer.secho(f"错误 (error): {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


def _server_url() -> str:
    import os

    from db.cluster import Cluster, ClusterError
    from db.connection import database_url
    from db.settings import DatabaseSettings

    settings = DatabaseSettings()
    if not os.environ.get("DATABASE_URL"):
        try:
            Cluster(settings).start()
        except ClusterError as exc:
            fail(str(exc))
    return database_url(settings)


@app.command("generate")
def generate_cmd(
    enterprises: Annotated[int, typer.Option(min=1, help="企业数 (enterprises); 约10个区域、17条风险/企业")] = 100_000,
    cities: Annotated[int | None, typer.Option(min=1, max=8, help="江苏省城市数 (cities), 默认: ≤2000家时1个, 否则8个")] = None,
    seed: Annotated[int, typer.Option(help="随机种子 (seed)")] = 20261123,
    database: Annotated[str | None, typer.Option(help="目标数据库 (default riskatlas_bench_N)")] = None,
    force: Annotated[bool, typer.Option("--force", help="删除并重建 (drop and rebuild)")] = False,
) -> None:
    """生成省级规模的基准数据 (可中断后继续; 完成前不会被基准使用)."""
    from bench.generate import GenerateError, Params, default_cities, generate

    try:
        url = generate(_server_url(), Params(enterprises, cities or default_cities(enterprises), seed),
                       database=database, force=force)
    except GenerateError as exc:
        fail(str(exc))
    typer.echo(url.rsplit("/", 1)[-1])


@app.command("list")
def list_cmd() -> None:
    """列出全部基准 (list the benchmarks)."""
    from bench.harness import load_all

    for name, spec in sorted(load_all().items()):
        typer.echo(f"{name}\t{spec.description} (基线 baseline: {spec.baseline})")


@app.command("run")
def run_cmd(
    names: Annotated[list[str], typer.Argument(help="基准名, 或 all (benchmark names or all)")],
    size: Annotated[str, typer.Option(help="smoke (CI, 秒级) 或 full (手动, 省级规模)")] = "smoke",
    runs: Annotated[int | None, typer.Option(
        min=3, help="每个被测对象的运行次数 (runs per subject; default 5, or the benchmark's own full-size number)")] = None,
) -> None:
    """运行基准, 结果写入 bench/results/ (run benchmarks; results in bench/results/)."""
    from bench.generate import GenerateError
    from bench.harness import load_all, run

    specs = load_all()
    todo = sorted(specs) if names == ["all"] else names
    unknown = [n for n in todo if n not in specs]
    if unknown:
        fail(f"没有这些基准 (unknown benchmarks): {', '.join(unknown)}; 可选 (known): {', '.join(sorted(specs))}")
    server = _server_url()
    for name in todo:
        try:
            r = run(name, size=size, runs=runs, server_url=server)
        except (GenerateError, ValueError) as exc:
            fail(f"{name}: {exc}")
        typer.echo(f"{name} ({size}):")
        for s, v in r["subjects"].items():
            extra = ", ".join(f"{k}={'–' if e['median'] is None else format(e['median'], '.4g')}"
                              for k, e in v["extra"].items())
            mark = " (baseline)" if s == r["baseline"] else ""
            typer.echo(f"  {s}{mark}: median {v['median']:.4f}s [{v['min']:.4f}–{v['max']:.4f}] "
                       f"ratio {v['ratio_to_baseline']:.2f} {extra}")
