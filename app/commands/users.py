"""``riskatlas users``: accounts (the first admin is created here)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from app.commands.common import connection

app = typer.Typer(help="账号管理 (accounts)", no_args_is_help=True)


def _password(stdin: bool) -> str:
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    return typer.prompt("密码 (password)", hide_input=True, confirmation_prompt=True)


@app.command("create")
def create(
    username: Annotated[str, typer.Argument(help="登录名")],
    role: Annotated[str, typer.Option(help="admin / regulator / enterprise")] = "admin",
    region: Annotated[str | None, typer.Option(help="监管人员辖区: 区域 id 或行政区划代码 (adcode)")] = None,
    enterprise: Annotated[int | None, typer.Option(help="企业用户所属企业 id")] = None,
    name: Annotated[str | None, typer.Option(help="显示名 (display name)")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="从标准输入读取密码")] = False,
) -> None:
    """创建账号 (首个管理员: riskatlas users create admin)."""
    from layers.access.accounts import create_user
    from layers.errors import Conflict, InvalidInput, NotFound
    from layers.regions import region_id_of

    password = _password(password_stdin)
    with connection("cli", fails_on=(InvalidInput, NotFound, Conflict)) as conn, conn:
        region_id = None if region is None else region_id_of(conn, region)
        u = create_user(conn, username, password, role, display_name=name, region_id=region_id,
                        enterprise_id=enterprise)
    typer.echo(f"已创建 (created): {u.username} [{u.role}] id={u.id}")


@app.command("passwd")
def passwd(username: Annotated[str, typer.Argument()],
           password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False) -> None:
    """重设密码 (并使该账号的全部会话失效)."""
    from layers.access.accounts import set_password
    from layers.errors import InvalidInput, NotFound

    password = _password(password_stdin)
    with connection("cli", fails_on=(InvalidInput, NotFound)) as conn, conn:
        set_password(conn, username, password)
    typer.echo(f"已更新 (updated): {username}")


@app.command("list")
def list_cmd() -> None:
    """列出账号."""
    from layers.access.accounts import list_users

    with connection() as conn:
        for u in list_users(conn):
            scope = f"region={u.region_id}" if u.region_id else f"enterprise={u.enterprise_id}" if u.enterprise_id else ""
            typer.echo(f"{u.id}\t{u.username}\t{u.role}\t{scope}\t{u.display_name or ''}")
