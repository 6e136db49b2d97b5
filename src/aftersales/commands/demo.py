"""`aftersales demo`: a SQLite database full of realistic data, three ready tokens, and the API on loopback."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from aftersales.cli_errors import cli_errors, fail

if TYPE_CHECKING:
    from aftersales.commands.demo_accounts import DemoAccount

console = Console()


def demo(orders: Annotated[int, typer.Option(help="订单数量 / number of orders")] = 20000,
         seed: Annotated[int, typer.Option(help="随机种子 / random seed")] = 7,
         serve: Annotated[bool, typer.Option(help="生成后启动服务 / serve the API afterwards")] = True,
         port: Annotated[int, typer.Option(help="端口 / port")] = 8000,
         reset: Annotated[bool, typer.Option(help="删除已有演示库重新生成 / start from an empty database")] = True,
         ) -> None:
    """一键演示：建库、生成演示数据、打印令牌并启动 API / the embedded demo."""
    from aftersales.config import get_settings
    from aftersales.migrate import upgrade
    from aftersales.runtime import build_runtime

    settings = get_settings()
    if not settings.is_sqlite:
        raise fail("demo 只在内嵌 SQLite 上运行 / the demo runs on the embedded SQLite default")
    if orders < 100:
        raise typer.BadParameter("至少100单 / at least 100 orders", param_hint="--orders")
    db_path = settings.resolved_database_url().split("sqlite:///", 1)[1]
    if reset:
        from pathlib import Path

        for suffix in ("", "-wal", "-shm"):
            Path(db_path + suffix).unlink(missing_ok=True)
    with cli_errors():
        upgrade(settings.resolved_database_url())
    runtime = build_runtime(settings)
    summary, tokens, accounts = _generate(runtime, orders, seed)
    _print_summary(summary, tokens, db_path, port if serve else None)
    _print_accounts(accounts, port)
    runtime.close()
    if serve:
        import uvicorn

        uvicorn.run("aftersales.serving:app_from_env", host="127.0.0.1", port=port, factory=True,
                    log_level="warning", server_header=False)


def _generate(runtime: object, orders: int, seed: int) -> tuple[object, dict[str, str], list[DemoAccount]]:
    from aftersales.commands.demo_accounts import create_demo_accounts
    from aftersales.demo.generator import generate
    from aftersales.runtime import Runtime
    from aftersales.security import pii

    assert isinstance(runtime, Runtime)
    key = runtime.pii_key
    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed}/{task.total}"),
                  TimeElapsedColumn(), console=console) as bar:
        tasks: dict[str, object] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)  # type: ignore[arg-type]

        with runtime.session() as session:
            summary = generate(session, orders=orders, seed=seed, now=runtime.clock.now(), progress=progress,
                               encrypt=lambda text: pii.encrypt(text, key))
            tokens = demo_tokens(session, runtime.clock.now())
            accounts = create_demo_accounts(session, runtime.clock.now())
            session.commit()
        watch = bar.add_task("风险监测回放 / the risk monitors over the year", total=1)
        _replay_risk(runtime, summary)
        bar.update(watch, completed=1)
    return summary, tokens, accounts


def _replay_risk(runtime: object, summary: Any) -> None:
    """The monitors run over the demo year as if they had been on all along: spikes (the lipstick batch's
    allergies among them) are warned and gathered, pre-sale orders at risk warned, buyers flagged."""
    from aftersales.db import unit_of_work
    from aftersales.risk import buyers, replay
    from aftersales.runtime import Runtime

    assert isinstance(runtime, Runtime)
    start, now = summary.start, runtime.clock.now()
    report = replay.replay(runtime.session_factory, start, now, runtime.calendar)
    replay.close_old(runtime.session_factory, now, runtime.calendar)
    with unit_of_work(runtime.session_factory) as session:
        buyers.refresh(session, now)
    console.print(f"风险预警 / risk warnings: {len(report.warnings)}，预售延期提醒 / pre-sale warnings: "
                  f"{report.presale_warned}")


def _print_summary(summary: object, tokens: dict[str, str], db_path: str, port: int | None) -> None:
    """The rows written and a token per role; the API's address only when it is about to be served."""
    table = Table(title="演示数据 / demo data")
    table.add_column("表 / table")
    table.add_column("行数 / rows", justify="right")
    for name, count in getattr(summary, "counts", {}).items():
        table.add_row(name, f"{count:,}")
    console.print(table)
    console.print(f"数据库 / database: [bold]{db_path}[/bold]")
    if port is not None:
        console.print(f"API: [bold]http://127.0.0.1:{port}/api/v1[/bold]   文档 / docs: http://127.0.0.1:{port}/docs")
    console.print("令牌（每个角色一个） / tokens, one per role:")
    for role, token in tokens.items():
        console.print(f"  {role:<15} [cyan]{token}[/cyan]")
    base = f"http://127.0.0.1:{port}" if port is not None else "http://127.0.0.1:8000"
    console.print(f'  例 / e.g.: curl -H "Authorization: Bearer {tokens.get("buyer", "")}" {base}/api/v1/cases')


def _print_accounts(accounts: list[DemoAccount], port: int) -> None:
    table = Table(title=f"控制台账号 / console accounts — http://127.0.0.1:{port}/login")
    for column in ("角色 / role", "用户名 / username", "密码 / password"):
        table.add_column(column)
    for account in accounts:
        table.add_row(account.role, account.username, account.password)
    console.print(table)


def demo_tokens(session: object, now: object) -> dict[str, str]:
    """A token for every role: the buyer with most cases, a junior and a senior agent's desks, governance, and
    the brand, anchor and MCN with the most routed cases."""
    from datetime import datetime

    from sqlalchemy import func, select
    from sqlalchemy.orm import Session

    from aftersales.cases.models import Case
    from aftersales.parties.models import Party
    from aftersales.security.tokens import create_token

    assert isinstance(session, Session) and isinstance(now, datetime)
    buyer = session.scalar(select(Case.buyer_id).group_by(Case.buyer_id).order_by(func.count().desc()).limit(1))
    agents = list(session.scalars(select(Party).where(Party.kind == "agent").order_by(Party.id)))
    senior = next((a.id for a in agents if (a.attributes or {}).get("seniority") == "senior"), None)
    junior = next((a.id for a in agents if a.id != senior), senior)
    wanted: dict[str, dict[str, str | None]] = {"buyer": {"buyer_id": buyer}, "agent": {"party_id": junior},
                                                "supervisor": {"party_id": senior}, "platform_admin": {}}
    for kind in ("brand", "anchor"):
        busiest = session.scalar(select(Case.responsible_party_id).where(Case.responsible_kind == kind)
                                 .group_by(Case.responsible_party_id).order_by(func.count().desc()).limit(1))
        if busiest:
            wanted[kind] = {"party_id": busiest}
    if "anchor" in wanted:
        mcn = session.scalar(select(Party.parent_id).where(Party.id == wanted["anchor"]["party_id"]))
        if mcn:
            wanted["mcn"] = {"party_id": mcn}
    return {role: create_token(session, role=role, now=now, name=f"demo-{role}", party_id=kwargs.get("party_id"),
                               buyer_id=kwargs.get("buyer_id")).token
            for role, kwargs in wanted.items()}
