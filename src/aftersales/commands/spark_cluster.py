"""`aftersales spark-cluster start|stop|status`: a Spark standalone cluster on this machine for the health index."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from aftersales.cli_errors import cli_errors, fail

spark_cluster_app = typer.Typer(help="本机 Spark 独立集群 / a Spark standalone cluster on this machine",
                                no_args_is_help=True)


def _default_folder() -> Path:
    return Path(tempfile.gettempdir()) / f"aftersales-spark-{os.getuid()}"


DirOpt = Annotated[Path, typer.Option("--dir", envvar="AFTERSALES_SPARK_CLUSTER_DIR",
                                      help="日志、pid 与工作目录 / folder of the logs, pid files and work dirs",
                                      default_factory=_default_folder, show_default="$TMPDIR/aftersales-spark-UID")]


@contextmanager
def _cluster_errors() -> Iterator[None]:
    from aftersales.evaluation.spark_cluster import ClusterError

    with cli_errors():
        try:
            yield
        except ClusterError as error:
            raise fail(str(error), code=1) from None


@spark_cluster_app.command("start")
def start(
    folder: DirOpt,
    host: Annotated[str, typer.Option(help="绑定地址 / address every daemon binds")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="master 端口 / master port")] = 7077,
    webui_port: Annotated[int, typer.Option(help="master 网页端口 / master web UI port")] = 8080,
    workers: Annotated[int, typer.Option(min=1, max=8, help="worker 数 / workers")] = 2,
    worker_webui_port: Annotated[int, typer.Option(help="首个 worker 的网页端口（0 任意）/ first worker's web UI "
                                                        "port, the next ones follow (0: any)")] = 8081,
    worker_cores: Annotated[int, typer.Option(min=1, help="每个 worker 的核数 / cores per worker")] = 1,
    worker_memory: Annotated[str, typer.Option(help="每个 worker 可分配内存 / memory per worker")] = "1g",
    timeout: Annotated[float, typer.Option(help="等待 worker 注册的秒数 / seconds to wait for the workers")] = 120.0,
) -> None:
    """启动 master 与 worker 并等待注册 / start the master and the workers, wait until all have registered."""
    from aftersales.evaluation.spark_cluster import ClusterSpec
    from aftersales.evaluation.spark_cluster import start as start_cluster

    spec = ClusterSpec(folder=folder, host=host, port=port, webui_port=webui_port, workers=workers,
                       worker_webui_port=worker_webui_port, worker_cores=worker_cores, worker_memory=worker_memory)
    with _cluster_errors():
        state = start_cluster(spec, timeout=timeout)
    typer.echo(f"集群已启动 / cluster up: {state.master_url} ({workers} workers × {worker_cores} core, "
               f"{worker_memory}); web UI {state.master_ui}; logs in {folder / 'logs'}")
    typer.echo(f"  aftersales evaluate --source {state.master_url} --data FOLDER")


@spark_cluster_app.command("stop")
def stop(folder: DirOpt) -> None:
    """停止 worker 与 master / stop the workers and the master (and their executors)."""
    from aftersales.evaluation.spark_cluster import stop as stop_cluster

    with _cluster_errors():
        stopped = stop_cluster(folder)
    typer.echo(f"已停止 / stopped: {', '.join(stopped)}" if stopped else f"没有运行的集群 / no cluster running in {folder}")


@spark_cluster_app.command("status")
def status(
    folder: DirOpt,
    as_json: Annotated[bool, typer.Option("--json", help="输出 JSON / print JSON")] = False,
) -> None:
    """集群状态；未运行时退出码为 1 / the cluster's state; exit code 1 when it is not running."""
    from aftersales.evaluation.spark_cluster import status as cluster_status

    with _cluster_errors():
        report = cluster_status(folder)
    if as_json:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    elif not report["running"]:
        typer.echo(f"未运行 / not running ({folder})")
    else:
        typer.echo(f"运行中 / running: {report['master_url']}, {report['daemons']} daemons, "
                   f"{report.get('alive_workers', '?')}/{report['workers']} workers alive, "
                   f"{report.get('cores', '?')} cores, {report.get('memory_mb', '?')} MB; "
                   f"apps running {report.get('active_apps', [])}, finished {report.get('completed_apps', 0)}; "
                   f"web UI {report['master_ui']}")
        if "master_error" in report:
            typer.echo(f"  master 无应答 / master not answering: {report['master_error']}")
    if not report["running"]:
        raise typer.Exit(1)
