"""`aftersales token create | list | revoke`: API tokens, their lifetimes and scopes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import typer
from rich.console import Console

from aftersales.cli_errors import cli_errors

token_app = typer.Typer(help="令牌 / API tokens", no_args_is_help=True)
console = Console()


@token_app.command("create")
def create(role: Annotated[str, typer.Option(help="buyer|agent|supervisor|brand|anchor|mcn|platform_admin|"
                                                  "emergency|carrier")],
           party: Annotated[str | None, typer.Option(help="主体ID（买家令牌为买家ID） / party id (buyer id)")] = None,
           name: Annotated[str, typer.Option(help="备注名 / label")] = "",
           ttl: Annotated[str | None, typer.Option(
               help="有效期：3600s、12h、30d、2w 或 never（默认取 AFTERSALES_TOKEN_DEFAULT_TTL，90d） / lifetime: "
                    "3600s, 12h, 30d, 2w or never (default AFTERSALES_TOKEN_DEFAULT_TTL, 90d)")] = None,
           scope: Annotated[str | None, typer.Option(
               help="权限范围 read,write,admin（默认：角色允许的全部；admin 仅 platform_admin） / scopes "
                    "read,write,admin (default: all the role allows; admin only for platform_admin)")] = None,
           ) -> None:
    """创建令牌，只显示一次 / create a token; it is shown once and stored only hashed."""
    from aftersales.migrate import upgrade
    from aftersales.runtime import build_runtime
    from aftersales.security.scopes import SCOPES
    from aftersales.security.tokens import create_token
    from aftersales.security.ttl import parse_ttl

    runtime = build_runtime()
    with cli_errors():
        lifetime = parse_ttl(ttl if ttl is not None else runtime.settings.token_default_ttl)
        upgrade(runtime.settings.resolved_database_url())
        with runtime.session() as session:
            buyer_id = party if role == "buyer" else None
            party_id = None if role == "buyer" else party
            issued = create_token(session, role=role, party_id=party_id, buyer_id=buyer_id, name=name,
                                  now=runtime.clock.now(), ttl=lifetime, scopes=scope)
            session.commit()
    console.print(issued.token, soft_wrap=True)
    until = _when(issued.expires_at) if issued.expires_at else "永不过期 / never expires"
    scopes = " ".join(s for s in SCOPES if s in issued.scopes)
    Console(stderr=True).print(f"#{issued.token_id} {issued.role.value} ({scopes}) 有效至 / valid until {until}",
                               markup=False)


@token_app.command("list")
def list_command(state: Annotated[str | None, typer.Option(help="active|expired|revoked")] = None,
                 role: Annotated[str | None, typer.Option(help="只列此角色 / only this role")] = None,
                 limit: Annotated[int, typer.Option(min=1, max=10_000)] = 200) -> None:
    """列出令牌（不含密钥） / list tokens (never their secrets)."""
    from aftersales.runtime import build_runtime
    from aftersales.security.tokens import list_tokens

    runtime = build_runtime()
    with cli_errors(), runtime.session() as session:
        found = list_tokens(session, runtime.clock.now(), limit=limit, state=state, role=role)
    # one line per token (tab-separated): readable in a narrow terminal and easy to grep or cut
    console.print("\t".join(("id", "state", "role", "name", "party", "scopes", "expires", "last_used")),
                  markup=False, soft_wrap=True)
    for token in found:
        console.print("\t".join((str(token.id), token.state, token.role, token.name or "—",
                                 token.buyer_id or token.party_id or "—", ",".join(token.scopes),
                                 _when(token.expires_at), _when(token.last_used_at))),
                      markup=False, soft_wrap=True)


@token_app.command("revoke")
def revoke(token: Annotated[str, typer.Argument(help="令牌本身（as_…）或其编号 / the token (as_…) or its id")]) -> None:
    """吊销令牌，所有进程1秒内拒绝它 / revoke a token: every process refuses it within a second."""
    from aftersales.runtime import build_runtime
    from aftersales.security.tokens import revoke_token

    runtime = build_runtime()
    with cli_errors(), runtime.session() as session:
        revoked = revoke_token(session, token, runtime.clock.now())
        session.commit()
    console.print(f"[green]已吊销 / revoked[/green] #{revoked.id} {revoked.role} {revoked.name} "
                  f"({_when(revoked.revoked_at)})")


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else "—"
