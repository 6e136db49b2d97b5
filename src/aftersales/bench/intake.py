"""Benchmark `aftersales bench intake`: the real `POST /api/v1/cases` beside a bare FastAPI endpoint of the same
shape, both served by uvicorn on loopback in the same run, so the ratio survives a busy machine.

Heavy imports stay inside functions so `aftersales --help` stays fast.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from fastapi import FastAPI

    from aftersales.bench.loadgen import LoadResult
    from aftersales.bench.world import BenchBuyer

#: issue 14: intake at least a quarter of the bare endpoint's throughput, at most 0.6 ms of server CPU a case
TARGET_RATIO = 0.25
TARGET_CPU_MS = 0.6
TARGET_P99_MS = 100.0
CASES_PATH = "/api/v1/cases"
#: the bare app pads its answer to this many bytes (the intake answer's median size, measured in warm-up)
BARE_BYTES_ENV = "AFTERSALES_BENCH_BARE_BYTES"
INTAKE_APP = "aftersales.serving:app_from_env"


def bare_app() -> FastAPI:
    """The baseline: the same request schema and an answer of the intake's size, with no work in between."""
    from fastapi import FastAPI
    from pydantic import BaseModel

    from aftersales.cases.schemas import CaseCreate

    class BareRead(BaseModel):
        id: str
        order_id: str
        case_type: str
        state: str
        text: str
        answer_zh: str

    size = int(os.environ.get(BARE_BYTES_ENV, "1500"))
    app = FastAPI()
    counter = iter(range(1, 1 << 62))

    async def open_case(payload: CaseCreate) -> BareRead:
        pad = max(0, size - 120 - len(payload.text.encode()) * 2)
        return BareRead(id=f"CS-BARE-{next(counter):016d}", order_id=payload.order_id,
                        case_type=payload.case_type.value, state="answered", text=payload.text,
                        answer_zh="好" * (pad // 3))

    # postponed annotations are strings FastAPI resolves in module globals, where these local classes are not
    open_case.__annotations__ = {"payload": CaseCreate, "return": BareRead}
    app.post(CASES_PATH, status_code=201, response_model=BareRead)(open_case)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def process_tree_cpu(root: int) -> float | None:
    """CPU seconds of a process and its living children (uvicorn's workers), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    total, found = 0.0, False
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            _head, tail = stat.read_text().rsplit(")", 1)
        except OSError:
            continue
        fields = tail.split()
        pid, parent = int(stat.parent.name), int(fields[1])
        if pid == root or parent == root:
            total += (int(fields[11]) + int(fields[12])) / ticks
            found = found or pid == root
    return total if found else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A uvicorn subprocess on 127.0.0.1 (uvloop, httptools), as `aftersales serve` runs it."""

    target: str
    env: Mapping[str, str]
    log_path: Path
    port: int = 0
    workers: int = 1
    process: subprocess.Popen[bytes] | None = None
    _log: IO[bytes] | None = None

    def start(self, ready_timeout_s: float = 60.0) -> Server:
        self.port = self.port or free_port()
        self._log = self.log_path.open("ab")
        command = [sys.executable, "-m", "uvicorn", self.target, "--factory", "--host", "127.0.0.1",
                   "--port", str(self.port), "--loop", "uvloop", "--http", "httptools", "--workers", str(self.workers),
                   "--log-level", "warning", "--no-server-header"]
        self.process = subprocess.Popen(command, env={**os.environ, **self.env}, stdout=self._log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self._wait_ready(ready_timeout_s)
        return self

    def _wait_ready(self, timeout_s: float) -> None:
        import urllib.request

        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"server {self.target} exited with {self.process.returncode}: {self.log_tail()}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError(f"server {self.target} not ready after {timeout_s:.0f} s: {self.log_tail()}")

    def cpu_seconds(self) -> float | None:
        """User + system CPU of the server and its worker processes so far (Linux); steadier than wall time on a
        busy machine."""
        if self.process is None:
            return None
        return process_tree_cpu(self.process.pid)

    def log_tail(self, lines: int = 15) -> str:
        text = self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def kill(self) -> None:
        """SIGKILL: the crash a power cut or the OOM killer deals; nothing gets to clean up."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self._close_log()

    def stop(self) -> None:
        """SIGTERM and wait for a graceful shutdown (in-flight batches committed), SIGKILL after 20 s."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_log()

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None


def intake_env(data_dir: Path, database: str | None = None) -> dict[str, str]:
    """What the real server is given: its database (a SQLite file in `data_dir` by default) and the PII key file
    in `data_dir`; with other processes sweeping, the server does not sweep itself."""
    env = {"AFTERSALES_DATABASE_URL": database or f"sqlite:///{(data_dir / 'aftersales.db').as_posix()}",
           "AFTERSALES_DATA_DIR": str(data_dir)}
    if database is not None:
        env["AFTERSALES_RUN_SWEEPER_IN_PROCESS"] = "false"
    return env


def fresh_postgres(admin_url: str, prefix: str = "aftersales_bench_intake") -> str:
    """An empty database of the run's own (a unique name: runs side by side never touch each other's)."""
    import uuid

    from sqlalchemy import create_engine, text

    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return admin_url.rsplit("/", 1)[0] + f"/{name}"


def drop_postgres(url: str) -> None:
    from sqlalchemy import create_engine, text

    base, name = url.rsplit("/", 1)
    admin = create_engine(f"{base}/postgres".replace("postgresql://", "postgresql+psycopg://"),
                          isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def start_sweepers(env: Mapping[str, str], count: int, log_dir: Path) -> list[subprocess.Popen[bytes]]:
    """`aftersales worker` processes sharing the SLA backlog while the load runs (PostgreSQL)."""
    return [subprocess.Popen([sys.executable, "-m", "aftersales.cli", "worker", "--interval", "1", "--name",
                              f"bench-sweeper-{n}"], env={**os.environ, **env},
                             stdout=(log_dir / f"sweeper-{n}.log").open("ab"), stderr=subprocess.STDOUT)
            for n in range(count)]


def intake_requests(buyers: Sequence[BenchBuyer], port: int, *, key_prefix: str = "bench") -> list[bytes]:
    """One pre-rendered POST per buyer, with the buyer's token and an Idempotency-Key."""
    import orjson

    from aftersales.bench.loadgen import render_post
    from aftersales.bench.world import case_payload

    return [render_post("127.0.0.1", port, CASES_PATH, orjson.dumps(case_payload(b, i)),
                        {"Authorization": f"Bearer {b.token}", "Idempotency-Key": f"{key_prefix}-{b.order_id}"})
            for i, b in enumerate(buyers)]


def retarget(requests: Sequence[bytes], old_port: int, new_port: int) -> list[bytes]:
    old, new = f"Host: 127.0.0.1:{old_port}\r\n".encode(), f"Host: 127.0.0.1:{new_port}\r\n".encode()
    return [r.replace(old, new, 1) for r in requests]


def summarise(result: LoadResult, ok_status: int = 201, cpu_s: float | None = None) -> dict[str, Any]:
    """Throughput of `ok_status` answers, latency percentiles over every answer, server CPU per answer."""
    import statistics

    from aftersales.bench.loadgen import percentile

    latencies = result.latencies_ms()
    ok = sum(1 for a in result.answers if a.status == ok_status)
    sizes = [len(a.body) for a in result.answers if a.status == ok_status]
    return {"server_cpu_s": None if cpu_s is None else round(cpu_s, 2),
            "server_cpu_ms_per_request": None if cpu_s is None or not result.answers
            else round(1000 * cpu_s / len(result.answers), 3),
            "client_cpu_ms_per_request": round(1000 * result.client_cpu_s / len(result.answers), 3)
            if result.answers else None,
            "median_body_bytes": int(statistics.median(sizes)) if sizes else 0, "sent": len(result.answers), "ok": ok, "status_counts": {str(k): v for k, v in result.by_status().items()},
            "elapsed_s": round(result.elapsed_s, 3), "capped": result.capped,
            "cases_per_s": round(ok / result.elapsed_s, 1) if result.elapsed_s else 0.0,
            "p50_ms": round(percentile(latencies, 0.50), 2), "p95_ms": round(percentile(latencies, 0.95), 2),
            "p99_ms": round(percentile(latencies, 0.99), 2), "max_ms": round(latencies[-1], 2) if latencies else None}


def acknowledged_ids(results: Sequence[LoadResult]) -> list[str]:
    import orjson

    return [orjson.loads(a.body)["id"] for r in results for a in r.answers if a.status == 201]


def audit_database(database_url: str, acknowledged: Sequence[str]) -> dict[str, Any]:
    """Zero lost, zero duplicated: the cases in the database are exactly the ones answered 201."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            # group cases (群体工单) the risk monitor opened are no buyer's request: they name no order
            rows = connection.execute(text("SELECT id, buyer_id, idempotency_key FROM cases "
                                           "WHERE order_id IS NOT NULL")).all()
    finally:
        engine.dispose()
    in_db = {r.id for r in rows}
    acked = set(acknowledged)
    keys = {(r.buyer_id, r.idempotency_key) for r in rows}
    report = {"cases_in_db": len(rows), "created_201": len(acknowledged), "lost": len(acked - in_db),
              "unacknowledged_in_db": len(in_db - acked), "duplicate_ids_answered": len(acknowledged) - len(acked),
              "duplicate_keys_in_db": len(rows) - len(keys)}
    report["zero_lost_or_duplicated"] = (report["cases_in_db"] == report["created_201"] and report["lost"] == 0
                                         and report["unacknowledged_in_db"] == 0
                                         and report["duplicate_ids_answered"] == 0
                                         and report["duplicate_keys_in_db"] == 0)
    return report


def seed_world(data_dir: Path, buyers: int, console: Any, database: str | None = None) -> list[BenchBuyer]:
    """Migrate a fresh database (SQLite in `data_dir` by default) and seed `buyers` buyers, each with an order
    and a token."""
    from datetime import UTC, datetime

    from rich.progress import Progress

    from aftersales.bench.world import seed
    from aftersales.config import Settings
    from aftersales.migrate import upgrade
    from aftersales.runtime import build_runtime

    env = intake_env(data_dir, database)
    upgrade(env["AFTERSALES_DATABASE_URL"])
    runtime = build_runtime(Settings.model_validate({"data_dir": data_dir,
                                                     "database_url": env["AFTERSALES_DATABASE_URL"]}))
    try:
        with Progress(console=console, transient=True) as progress, runtime.session() as session:
            task = progress.add_task("准备买家与订单 / seeding buyers and orders", total=buyers)
            return seed(session, buyers=buyers, pii_key=runtime.pii_key, now=datetime.now(UTC),
                        progress=lambda n: progress.advance(task, n))
    finally:
        runtime.close()


def run_bench(requests: int, concurrency: int, duration_cap: float, warmup: int, work_dir: Path,
              console: Any, target: str = INTAKE_APP, *, database: str | None = None, workers: int = 1,
              sweepers: int = 0) -> dict[str, Any]:
    """Seed, serve both apps, warm both up, load the bare one then the real one, audit the database."""
    import statistics

    from aftersales.bench.loadgen import run_blocking

    database = fresh_postgres(database) if database else None
    env = intake_env(work_dir, database)
    buyers = seed_world(work_dir, warmup + requests, console, database)
    intake = Server(target, env, work_dir / "intake-server.log", workers=workers)
    bare: Server | None = None
    swept: list[subprocess.Popen[bytes]] = []
    try:
        intake.start()
        swept = start_sweepers(env, sweepers, work_dir)
        warm = intake_requests(buyers[:warmup], intake.port, key_prefix="warm")
        measured = intake_requests(buyers[warmup:], intake.port)
        console.print(f"预热 / warming up: {warmup} requests each")
        warm_intake = run_blocking("127.0.0.1", intake.port, warm, concurrency=concurrency, duration_cap_s=60)
        sizes = [len(a.body) for a in warm_intake.answers if a.status == 201]
        bare = Server("aftersales.bench.intake:bare_app",
                      {BARE_BYTES_ENV: str(int(statistics.median(sizes)) if sizes else 1500)},
                      work_dir / "bare-server.log", workers=workers).start()
        run_blocking("127.0.0.1", bare.port, retarget(warm, intake.port, bare.port), concurrency=concurrency,
                     duration_cap_s=60)
        console.print(f"基线 / bare endpoint: {requests} requests at concurrency {concurrency}")
        bare_result, bare_cpu = _measured(bare, retarget(measured, intake.port, bare.port), concurrency,
                                          duration_cap)
        bare.stop()
        console.print(f"受理 / intake: {requests} requests at concurrency {concurrency}")
        intake_result, intake_cpu = _measured(intake, measured, concurrency, duration_cap)
    finally:
        if bare is not None:
            bare.stop()
        intake.stop()
        for sweeper in swept:
            sweeper.terminate()
            sweeper.wait(20)
    bare_summary, intake_summary = summarise(bare_result, cpu_s=bare_cpu), summarise(intake_result, cpu_s=intake_cpu)
    ratio = intake_summary["cases_per_s"] / bare_summary["cases_per_s"] if bare_summary["cases_per_s"] else 0.0
    try:
        audit = audit_database(env["AFTERSALES_DATABASE_URL"].replace("postgresql://", "postgresql+psycopg://"),
                               acknowledged_ids([warm_intake, intake_result]))
    finally:
        if database is not None:
            drop_postgres(database)
    return {"app": target, "database": "postgresql" if database else "sqlite", "workers": workers,
            "sweepers": sweepers, "requests": requests, "concurrency": concurrency, "duration_cap_s": duration_cap, "warmup": warmup,
            "cpus": os.cpu_count(), "load_average": list(os.getloadavg()),
            "bare": bare_summary, "intake": intake_summary, "ratio": round(ratio, 3),
            "warmup_intake": summarise(warm_intake), "audit": audit,
            "targets": {"ratio_min": TARGET_RATIO, "p99_max_ms": TARGET_P99_MS, "ratio_met": ratio >= TARGET_RATIO,
                        "cpu_ms_max": TARGET_CPU_MS,
                        "cpu_met": (intake_summary["server_cpu_ms_per_request"] or float("inf")) <= TARGET_CPU_MS,
                        "p99_met": intake_summary["p99_ms"] < TARGET_P99_MS,
                        "zero_lost_or_duplicated": audit["zero_lost_or_duplicated"]}}


def _measured(server: Server, requests: Sequence[bytes], concurrency: int,
              duration_cap: float) -> tuple[LoadResult, float | None]:
    from aftersales.bench.loadgen import run_blocking

    before, client_before = server.cpu_seconds(), time.process_time()
    result = run_blocking("127.0.0.1", server.port, requests, concurrency=concurrency, duration_cap_s=duration_cap)
    after = server.cpu_seconds()
    result.client_cpu_s = time.process_time() - client_before
    return result, None if before is None or after is None else after - before


def print_report(report: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    table = Table(title=f"售后受理基准 / intake benchmark ({report['database']}, loopback, {report['workers']} uvicorn "
                        f"worker(s), {report['sweepers']} sweeper process(es))")
    table.add_column("")
    table.add_column("基线 / bare FastAPI", justify="right")
    table.add_column("受理 / POST /cases", justify="right")
    bare, intake = report["bare"], report["intake"]
    for label, key in (("请求 / sent", "sent"), ("成功 / 201s", "ok"), ("用时 / elapsed s", "elapsed_s"),
                       ("吞吐 / cases/s", "cases_per_s"), ("p50 ms", "p50_ms"), ("p95 ms", "p95_ms"),
                       ("p99 ms", "p99_ms"), ("max ms", "max_ms"),
                       ("服务端CPU / server CPU ms per request", "server_cpu_ms_per_request"),
                       ("压测端CPU / load generator CPU ms per request", "client_cpu_ms_per_request"),
                       ("应答大小 / median answer bytes", "median_body_bytes")):
        table.add_row(label, str(bare[key]), str(intake[key]))
    table.add_row("状态码 / statuses", str(bare["status_counts"]), str(intake["status_counts"]))
    console.print(table)
    targets, db = report["targets"], report["audit"]

    def mark(ok: bool) -> str:
        return "[green]达标 / met[/green]" if ok else "[red]未达标 / missed[/red]"

    console.print(f"吞吐比 / ratio intake÷bare = {report['ratio']:.1%} (目标 / target ≥ {TARGET_RATIO:.0%}) "
                  f"{mark(targets['ratio_met'])}")
    console.print(f"服务端CPU / server CPU = {intake['server_cpu_ms_per_request']} ms per case (目标 / target ≤ "
                  f"{TARGET_CPU_MS} ms) {mark(targets['cpu_met'])}; 负载 / load average "
                  f"{' '.join(f'{x:.1f}' for x in report['load_average'])}")
    console.print(f"p99 = {intake['p99_ms']} ms (目标 / target < {TARGET_P99_MS:.0f} ms) {mark(targets['p99_met'])}")
    console.print(f"库中工单 / cases in database = {db['cases_in_db']}, 收到201 / 201s received (incl. warm-up) = "
                  f"{db['created_201']}, 丢失 / lost = {db['lost']}, 多出 / unacknowledged = "
                  f"{db['unacknowledged_in_db']} {mark(targets['zero_lost_or_duplicated'])}")


def command(
    requests: Annotated[int, typer.Option(help="测量请求数 / requests measured per endpoint")] = 20_000,
    concurrency: Annotated[int, typer.Option(help="并发连接数 / concurrent keep-alive connections")] = 32,
    duration_cap: Annotated[float, typer.Option(help="每端最长秒数 / seconds per endpoint at most")] = 60.0,
    warmup: Annotated[int, typer.Option(help="预热请求数 / warm-up requests per endpoint")] = 1_000,
    out: Annotated[Path | None, typer.Option(help="JSON 报告文件 / write the JSON report here")] = None,
    keep: Annotated[Path | None, typer.Option(help="保留数据库与日志的目录 / keep database and logs here")] = None,
    app: Annotated[str, typer.Option(help="被测应用工厂 / uvicorn factory under test (to measure a candidate "
                                          "fix from PYTHONPATH)")] = INTAKE_APP,
    database: Annotated[str | None, typer.Option(help="PostgreSQL 管理库 URL（基准新建一个库）；默认 SQLite / "
                                                      "a PostgreSQL admin URL (the bench creates its own database)")]
    = None,
    workers: Annotated[int, typer.Option(help="uvicorn 进程数（PostgreSQL） / API worker processes")] = 1,
    sweepers: Annotated[int, typer.Option(help="同时运行的 aftersales worker 进程 / SLA worker processes")] = 0,
) -> None:
    """受理性能基准 / POST /cases throughput and latency beside a bare FastAPI endpoint, zero-loss audit."""
    import json

    from rich.console import Console

    from aftersales.bench.workdir import run_or_exit, work_folder

    console = Console()
    if (workers > 1 or sweepers) and not (database or "").startswith("postgresql"):
        console.print("[red]多进程需 PostgreSQL（--database） / several processes need PostgreSQL (--database)[/red]")
        raise typer.Exit(2)
    if requests < 1 or concurrency < 1 or duration_cap <= 0 or warmup < 1 or workers < 1 or sweepers < 0:
        console.print("[red]--requests、--concurrency、--warmup 须为正整数，--duration-cap 须大于0 / "
                      "--requests, --concurrency, --warmup must be positive, --duration-cap above 0[/red]")
        raise typer.Exit(2)
    with work_folder(keep, "aftersales-bench-", console) as work_dir:
        report = run_or_exit(console, lambda: run_bench(requests, concurrency, duration_cap, warmup, work_dir,
                                                        console, app, database=database, workers=workers,
                                                        sweepers=sweepers))
    print_report(report, console)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        console.print(f"JSON → {out}")
    if not report["targets"]["zero_lost_or_duplicated"]:
        console.print("[red]工单丢失或重复 / cases lost or duplicated[/red]")
        raise typer.Exit(1)
