"""``riskatlas users``: accounts (the first admin is created here)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

app = typer.Typer(help="账号管理 (accounts)", no_args_is_help=True)


def _fail(message: str) -> None:
    typer.secho(f"错误 (error): {message}", fg=typer.colors.RED, err=True)
    raise typer.Exit(1)


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
    from db.connection import connect
    from layers.accounts import create_user
    from layers.errors import Conflict, InvalidInput, NotFound

    password = _password(password_stdin)
    conn = connect(actor="cli")
    try:
        region_id = None
        if region is not None:
            with conn.cursor() as cur:
                cur.execute("SELECT id FROM region WHERE adcode = %s OR id::text = %s ORDER BY adcode = %s DESC LIMIT 1",
                            (region, region, region))
                row = cur.fetchone()
            if row is None:
                _fail(f"区域 {region} 不存在 (region not found)")
            region_id = row[0]
        u = create_user(conn, username, password, role, display_name=name, region_id=region_id,
                        enterprise_id=enterprise)
        conn.commit()
    except (InvalidInput, NotFound, Conflict) as exc:
        conn.rollback()
        _fail(str(exc))
    finally:
        conn.close()
    typer.echo(f"已创建 (created): {u.username} [{u.role}] id={u.id}")


@app.command("passwd")
def passwd(username: Annotated[str, typer.Argument()],
           password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False) -> None:
    """重设密码 (并使该账号的全部会话失效)."""
    from db.connection import connect
    from layers.accounts import set_password
    from layers.errors import InvalidInput, NotFound

    password = _password(password_stdin)
    conn = connect(actor="cli")
    try:
        set_password(conn, username, password)
        conn.commit()
    except (InvalidInput, NotFound) as exc:
        conn.rollback()
        _fail(str(exc))
    finally:
        conn.close()
    typer.echo(f"已更新 (updated): {username}")


@app.command("list")
def list_cmd() -> None:
    """列出账号."""
    from db.connection import connect
    from layers.accounts import list_users

    conn = connect()
    try:
        for u in list_users(conn):
            scope = f"region={u.region_id}" if u.region_id else f"enterprise={u.enterprise_id}" if u.enterprise_id else ""
            typer.echo(f"{u.id}\t{u.username}\t{u.role}\t{scope}\t{u.display_name or ''}")
    finally:
        conn.close()
