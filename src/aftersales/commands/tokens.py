"""`aftersales token create`: a new API token, printed once."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from aftersales.cli_errors import cli_errors

token_app = typer.Typer(help="令牌 / API tokens", no_args_is_help=True)
console = Console()


@token_app.command("create")
def create(role: Annotated[str, typer.Option(help="buyer|agent|supervisor|brand|anchor|mcn|platform_admin")],
           party: Annotated[str | None, typer.Option(help="主体ID（买家令牌为买家ID） / party id (buyer id)")] = None,
           name: Annotated[str, typer.Option(help="备注名 / label")] = "") -> None:
    """创建令牌，只显示一次 / create a token; it is shown once and stored only hashed."""
    from aftersales.migrate import upgrade
    from aftersales.runtime import build_runtime
    from aftersales.security.tokens import create_token

    runtime = build_runtime()
    with cli_errors():
        upgrade(runtime.settings.resolved_database_url())
        with runtime.session() as session:
            buyer_id = party if role == "buyer" else None
            party_id = None if role == "buyer" else party
            issued = create_token(session, role=role, party_id=party_id, buyer_id=buyer_id, name=name,
                                  now=runtime.clock.now())
            session.commit()
    console.print(issued.token, soft_wrap=True)
