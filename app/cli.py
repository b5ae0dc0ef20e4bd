"""The ``riskatlas`` command line."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from app.commands.common import connection, fail

app = typer.Typer(help="riskatlas: 安全风险四色分布图 (dual prevention mechanism GIS)", no_args_is_help=True)
db_app = typer.Typer(help="内置 PostGIS 与数据库迁移 (embedded PostGIS and migrations)", no_args_is_help=True)
demo_app = typer.Typer(help="演示城市 常州市 (the demo city)", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(demo_app, name="demo")


def _register_commands() -> None:
    import importlib

    from app.commands import COMMANDS

    for name, module in COMMANDS.items():
        mod = importlib.import_module(module)
        if hasattr(mod, "app"):
            app.add_typer(mod.app, name=name)
        else:
            app.command(name)(mod.command)


_register_commands()


# -- db ------------------------------------------------------------------------------------------
@db_app.command("start")
def db_start() -> None:
    """启动内置 PostGIS (首次使用时 initdb); 已运行则报告状态."""
    from db.cluster import Cluster, ClusterError

    cluster = Cluster()
    try:
        before = cluster.status()
        st = cluster.start()
    except ClusterError as exc:
        fail(str(exc))
    if before.running:
        typer.echo("已在运行 (already running): " + st.describe())
    else:
        typer.echo(st.describe())


@db_app.command("stop")
def db_stop() -> None:
    """停止内置 PostGIS."""
    from db.cluster import Cluster, ClusterError

    try:
        typer.echo(Cluster().stop().describe())
    except ClusterError as exc:
        fail(str(exc))


@db_app.command("status")
def db_status() -> None:
    """内置 PostGIS 的状态 (退出码 0 = 运行中, 3 = 未运行)."""
    from db.cluster import Cluster

    st = Cluster().status()
    typer.echo(st.describe())
    if not (st.running or st.external):
        raise typer.Exit(3)


@db_app.command("url")
def db_url() -> None:
    """打印数据库连接 URL (DATABASE_URL 优先)."""
    from db.connection import database_url

    typer.echo(database_url())


@db_app.command("migrate")
def db_migrate() -> None:
    """应用全部待执行的数据库迁移."""
    from db.cluster import ClusterError, ensure_running
    from db.migrate import MigrationError, migrate

    try:
        ensure_running()
    except ClusterError as exc:
        fail(str(exc))
    with connection(fails_on=(MigrationError,)) as conn:
        done = migrate(conn, log=lambda m: typer.echo(m, err=True))
    typer.echo(f"数据库已是最新 (schema up to date); 本次应用 {len(done)} 个迁移")


# -- demo ----------------------------------------------------------------------------------------
@demo_app.command("load")
def demo_load(
    reset: Annotated[bool, typer.Option("--reset", help="先删除并重建数据库 (drop and recreate the database)")] = False,
) -> None:
    """载入演示城市 (常州市): 区划、网格、约2000家企业、三个完整绘制的厂区、资源、道路."""
    _prepare_database(reset=reset)
    _load_demo_if_empty()


def _prepare_database(*, reset: bool) -> None:
    from db.cluster import Cluster, ClusterError, ensure_running
    from db.migrate import MigrationError, migrate
    from db.settings import database_settings

    try:
        ensure_running()
        if reset:
            if database_settings().database_url:
                fail("--reset 不能用于 DATABASE_URL 指定的外部数据库 (refusing to drop an external database)")
            cluster = Cluster()
            cluster.drop_database(database_settings().database)
            cluster.ensure_database(database_settings().database)
    except ClusterError as exc:
        fail(str(exc))
    with connection(fails_on=(MigrationError,)) as conn:
        migrate(conn, log=lambda m: typer.echo(m, err=True))


def _load_demo_if_empty() -> None:
    from demo import load_demo
    from layers.regions import region_count

    with connection("demo-loader") as conn:
        if region_count(conn):
            typer.echo("演示数据已存在, 跳过载入 (demo city already loaded; use --reset to reload)")
            return
        t0 = time.perf_counter()
        with conn:
            summary = load_demo(conn, progress=True)
        typer.echo(f"演示城市已载入 (demo city loaded) in {time.perf_counter() - t0:.1f}s: "
                   + ", ".join(f"{k} {v}" for k, v in summary.items()))


@demo_app.command("run")
def demo_run(
    serve: Annotated[bool, typer.Option("--serve/--no-serve", help="绘制后启动网页服务 (serve the web app)")] = True,
    reset: Annotated[bool, typer.Option("--reset", help="重建数据库后再载入")] = False,
) -> None:
    """主流程: 启动 PostGIS → 迁移 → 载入演示城市 → 绘制地图到 out/ → 启动网页服务."""
    t0 = time.perf_counter()
    _prepare_database(reset=reset)
    _load_demo_if_empty()
    _demo_accounts()
    rendered = _render_demo_plants()
    rendered += _render_demo_city()
    typer.echo(f"已绘制 {len(rendered)} 张地图 (rendered) in {time.perf_counter() - t0:.1f}s total:")
    for p in rendered:
        typer.echo(f"  {p}")
    if serve:
        from app.settings import web_settings

        s = web_settings()
        typer.echo(f"控制台 (console): http://{s.host}:{s.port}/  ·  城市四色图 (city map): "
                   f"http://{s.host}:{s.port}/maps/city  ·  监管看板: http://{s.host}:{s.port}/dashboard")
        _serve()


def _render_demo_city() -> list[Path]:
    """The city four-colour map and heat map of the demo city (PNG, for reports)."""
    from app.commands.city import render_static
    from maps.settings import map_settings

    out_dir = map_settings().out_dir
    typer.echo("绘制城市安全风险四色分布图与热力图 (rendering the city maps)", err=True)
    return [render_static(None, None, None, out_dir / "city-four-colour.png", "four_colour", "A3", 150),
            render_static(None, None, None, out_dir / "city-heat.png", "heat", "A3", 150)]


def _demo_accounts() -> None:
    """The demo's three accounts (admin, a district regulator, enterprise 1's user), created once with
    random passwords written to var/demo-accounts.txt (readable by its owner only) and printed."""
    from db.settings import project_root
    from layers.access.accounts import create_demo_accounts

    path = project_root() / "var" / "demo-accounts.txt"
    with connection("demo") as conn, conn:
        lines = ["\t".join(account) for account in create_demo_accounts(conn)]
    if lines:
        # a rebuilt database has new accounts: their lines replace the old ones
        kept = {ln.split("\t")[0]: ln for ln in (path.read_text(encoding="utf-8").splitlines() if path.exists() else [])}
        kept.update({ln.split("\t")[0]: ln for ln in lines})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.chmod(0o600)
        path.write_text("".join(ln + "\n" for ln in kept.values()), encoding="utf-8")
    typer.echo(f"演示账号 (demo accounts), 密码见 (passwords in) {path}:")
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            typer.echo("  " + "  ".join(line.split("\t")))


def _render_demo_plants() -> list[Path]:
    from layers.plant import drawn_enterprises
    from maps.plant_map import render_enterprise_map
    from maps.settings import map_settings

    out_dir = map_settings().out_dir
    with connection() as conn:
        ids = drawn_enterprises(conn)   # the fully drawn plants
        paths = []
        for i, eid in enumerate(ids, 1):
            typer.echo(f"[{i}/{len(ids)}] 绘制厂区四色图 (rendering plant map) enterprise {eid}", err=True)
            # the printable sheet: map, legend, numbered 较大+ risks and the list (further pages beside it)
            r = render_enterprise_map(conn, out_dir / f"plant-{eid}.png", enterprise_id=eid, basis="residual", dpi=300)
            paths.extend(r.pages)
        return paths


# -- serve ---------------------------------------------------------------------------------------
def _serve() -> None:
    import uvicorn

    from app.main import create_app
    from app.settings import web_settings

    s = web_settings()
    typer.echo(f"网页服务 (web app): http://{s.host}:{s.port}/  (Ctrl-C 结束)")
    uvicorn.run(create_app(), host=s.host, port=s.port, log_level="info")


@app.command("serve")
def serve() -> None:
    """启动网页服务 (需要数据库已运行; 会自动启动内置 PostGIS)."""
    from db.cluster import ClusterError, ensure_running

    try:
        ensure_running()
    except ClusterError as exc:
        fail(str(exc))
    _serve()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
