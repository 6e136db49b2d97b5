"""`aftersales user create`: a console account (password read from stdin or a hidden prompt, stored argon2-hashed)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from aftersales.cli_errors import cli_errors, fail

user_app = typer.Typer(help="控制台账号 / console accounts", no_args_is_help=True)
console = Console()


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        line = sys.stdin.readline()
        if not line:
            raise fail("标准输入中没有密码 / no password on stdin")
        return line.rstrip("\r\n")
    return str(typer.prompt("密码 / password", hide_input=True, confirmation_prompt=True))


@user_app.command("create")
def create(role: Annotated[str, typer.Option(help="buyer|agent|supervisor|brand|anchor|mcn|platform_admin")],
           username: Annotated[str, typer.Option(help="登录名 / sign-in name")],
           party: Annotated[str | None, typer.Option(
               help="买家账号填买家ID，客服填其主体ID，品牌/主播/MCN填主体ID / buyer id, or the party id")] = None,
           password_stdin: Annotated[bool, typer.Option(
               "--password-stdin", help="从标准输入读取密码 / read the password from stdin")] = False,
           display_name: Annotated[str, typer.Option(help="显示名 / display name")] = "") -> None:
    """创建控制台账号 / create a console account."""
    from aftersales.migrate import upgrade
    from aftersales.runtime import build_runtime
    from aftersales.security.accounts import create_account

    password = _read_password(password_stdin)
    runtime = build_runtime()
    with cli_errors():
        upgrade(runtime.settings.resolved_database_url())
        with runtime.session() as session:
            account = create_account(session, role=role, username=username, password=password, party=party,
                                     display_name=display_name, now=runtime.clock.now())
            session.commit()
    console.print(f"已创建账号 / created: {account.username} ({account.role})", markup=False)
    runtime.close()
