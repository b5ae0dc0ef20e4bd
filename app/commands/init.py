"""``riskatlas init``: an empty deployment of one's own, without the demo city: the database started
and migrated, the first admin, optionally the top region by adcode, then what to do next."""

from __future__ import annotations

from typing import Annotated

import typer

from app.commands.common import connection, fail, run
from app.commands.users import _password


def command(
    admin: Annotated[str, typer.Option(help="首个管理员的登录名")] = "admin",
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取管理员密码 (脚本用)")] = False,
    region: Annotated[str | None, typer.Option(help="顶级区域的行政区划代码, 如 320200 (无锡市)")] = None,
) -> None:
    """新部署 (不含演示数据): 启动并迁移数据库, 创建首个管理员, 可选导入顶级区域, 并提示下一步."""
    from db.cluster import ClusterError, ensure_running
    from db.migrate import MigrationError, migrate
    from layers.access.accounts import create_user, list_users

    try:
        ensure_running()
    except ClusterError as exc:
        fail(str(exc))
    with connection("cli", fails_on=(MigrationError,)) as conn:
        done = migrate(conn, log=lambda m: typer.echo(m, err=True))
    typer.echo(f"数据库已是最新 (schema up to date); 本次应用 {len(done)} 个迁移")

    with connection("cli") as conn:
        admins = [u.username for u in list_users(conn) if u.role == "admin"]
    if admins:
        typer.echo(f"已有管理员 (an admin exists): {', '.join(admins)}; 未新建")
    else:
        password = _password(password_stdin)
        u = run(lambda conn: create_user(conn, admin, password, "admin"), actor="cli")
        typer.echo(f"已创建管理员 (admin created): {u.username} id={u.id}")

    if region is not None:
        from layers.regions_import import import_region

        r = run(lambda conn: import_region(conn, region), actor="cli")
        typer.echo(f"已导入顶级区域 (top region) {r.name} ({r.adcode}) 及下级 {len(r.created) - 1} 个")
        for w in r.warnings:
            typer.secho(f"警告 (warning): {w}", fg=typer.colors.YELLOW, err=True)
    typer.echo("\n下一步 (next steps):")
    steps = [
        *([] if region else ["riskatlas regions import ADCODE            # 顶级区域, 如 320200 无锡市"]),
        "riskatlas regions import-file towns.geojson --parent DISTRICT_ADCODE --level town   # 镇/街道",
        "riskatlas regions import-file grids.gpkg --parent TOWN_CODE --level grid   # 网格 (含 网格员、网格员电话)",
        "riskatlas import enterprises enterprises.csv       # 企业 (统一社会信用代码、经纬度 …)",
        "riskatlas import risks risks.xlsx --enterprise ID  # 风险清单 (附件1/附件2)",
        "riskatlas city map -o city.png; riskatlas city heat -o heat.png",
        "riskatlas serve",
    ]
    for s in steps:
        typer.echo(f"  {s}")
