"""`aftersales serve`, `worker` and `db upgrade`."""

from __future__ import annotations

import logging
import os
import signal
import socket
from types import FrameType
from typing import Annotated, Any

import typer
from rich.console import Console

from aftersales.cli_errors import cli_errors
from aftersales.config import get_settings

console = Console()


def serve(host: Annotated[str, typer.Option(help="监听地址 / bind address")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="端口 / port")] = 8000,
          workers: Annotated[int, typer.Option(help="uvicorn 进程数（PostgreSQL时可>1）")] = 1) -> None:
    """启动 API 服务 / serve the API (migrates the database first)."""
    import uvicorn

    from aftersales.migrate import upgrade

    settings = get_settings()
    with cli_errors():
        upgrade(settings.resolved_database_url())
    if workers > 1:
        if settings.is_sqlite:
            raise typer.BadParameter("SQLite 只支持单进程 / SQLite needs --workers 1", param_hint="--workers")
        uvicorn.run("aftersales.serving:app_from_env", host=host, port=port, workers=workers, factory=True,
                    log_level="warning", server_header=False)
        return
    # no `server: uvicorn` banner: it tells a scanner which exploits to try
    uvicorn.run("aftersales.serving:app_from_env", host=host, port=port, factory=True, log_level="warning",
                loop="uvloop", http="httptools", server_header=False)


def worker(interval: Annotated[float, typer.Option(help="两次扫描间隔秒数 / seconds between sweeps")] = 5.0,
           once: Annotated[bool, typer.Option(help="扫描一次后退出 / sweep once and exit")] = False,
           name: Annotated[str | None, typer.Option(help="worker 名称（记录在违约记录上）")] = None,
           snapshots: Annotated[bool | None, typer.Option(
               "--snapshots/--no-snapshots", help="健康指数快照（默认：循环时开启，--once 时关闭）/ health-index "
               "snapshots of closed periods (default: on in the loop, off with --once)")] = None) -> None:
    """后台 worker：SLA超时升级、风险监测、通知发件箱、月度计提、健康指数快照 / background worker: SLA sweeps
    (FOR UPDATE SKIP LOCKED), the risk monitors, the notification outbox, monthly accruals and health-index
    snapshots of closed periods (`--once`: one SLA sweep)."""
    import threading

    from aftersales.cases.escalation import sweep
    from aftersales.commands.background import Background
    from aftersales.evaluation.worker import snapshot_step, start_snapshot_thread
    from aftersales.runtime import build_runtime

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    runtime = build_runtime()
    label = name or f"{socket.gethostname()}:{os.getpid()}"
    stopping = threading.Event()
    index_stop = threading.Event()
    if not once and snapshots is not False:  # in its own thread: SLA sweeps never wait for it
        start_snapshot_thread(runtime, label, index_stop)

    def stop(_signum: int, _frame: FrameType | None) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    work = Background(runtime, worker=label, interval=interval)
    logging.getLogger(__name__).info("worker %s started, a round every %.1f s", label, interval)
    while not stopping.is_set():
        if once:
            with cli_errors():  # a cron run against a database that is away: one line, not a traceback
                done: dict[str, Any] = {"sla": sweep(runtime.session_factory, runtime.clock.now(),
                                                     runtime.calendar, worker=label)}
        else:
            done = work.tick()  # never raises: a database that is away makes the loop wait longer
        report = done.get("sla")
        if report is not None and report.breaches:
            console.print(f"{label}: {report.breaches} 次超时，{report.escalations} 次升级 / breaches, escalations")
        spikes = done.get("spikes")
        if spikes is not None and spikes.warnings:
            console.print(f"{label}: 风险预警 / risk warnings {', '.join(spikes.warnings)}")
        if once:
            if snapshots:
                with cli_errors():
                    snapshot_step(runtime, label)(runtime.clock.now())
            break
        stopping.wait(work.pause())  # a stop signal ends the wait at once, even a long back-off
    index_stop.set()
    runtime.close()


db_app = typer.Typer(help="数据库 / database", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """执行迁移到最新版本 / apply all migrations."""
    from aftersales.migrate import upgrade

    url = get_settings().resolved_database_url()
    with cli_errors():
        upgrade(url)
    console.print(f"[green]数据库已是最新 / database is up to date[/green]: {url.split('@')[-1]}")
