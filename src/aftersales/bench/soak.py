"""Benchmark `aftersales bench soak`: the real server under a steady mix of intake and reads for a long time (30
minutes by default), sampling its memory and its errors, to show that neither grows.

The rate is fixed (open loop), by default half the maximum a short closed-loop probe measured in the same run, on
a server of its own; the soak's server starts fresh once the soak's buyers are seeded. Every `--sample-seconds`
the server's resident memory (RSS of the process and its children) and the window's answers are recorded. Memory
is flat when the last tenth of the samples after the warm-up is within the tolerance of the first tenth and the
second half's slope, projected over an hour, is too; errors do not grow when the last third of the run has no
more of them than the first third (a run without any is best). Not part of CI: run it by hand, keep the JSON.

Heavy imports stay inside functions so `aftersales --help` stays fast.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections import Counter, deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from aftersales.bench.intake import Server
    from aftersales.bench.loadgen import Answer
    from aftersales.bench.world import BenchBuyer

#: one intake per cycle, then four reads of cases already opened: a buyer files once and checks back often
MIX = ("intake", "case", "cases", "timeline", "progress")
#: memory within this share (or MEMORY_TOLERANCE_MB, the larger) of the first window is flat
MEMORY_TOLERANCE_SHARE = 0.10
MEMORY_TOLERANCE_MB = 16.0
#: the probe's closed loop: enough connections to keep two cores busy
PROBE_CONCURRENCY = 16
#: fewer samples than this say nothing about a trend: the verdict is left open
MIN_SAMPLES_FOR_VERDICT = 10
#: the soak's first tenth (at most a minute) fills the server's caches and pools: reported, not judged
WARMUP_SHARE = 0.10
WARMUP_MAX_S = 60.0
#: buyers the probe may file for (one in five of its requests): enough for 500 req/s over 20 s
PROBE_BUYERS = 2_000


def process_tree_rss_mb(root: int) -> float | None:
    """Resident memory of a process and its living children (uvicorn's workers), from /proc, in MB."""
    total, found = 0, False
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        pid, parent = int(status.parent.name), int(fields.get("PPid", "0").strip() or 0)
        if pid == root or parent == root:
            total += int(fields.get("VmRSS", "0 kB").split()[0])
            found = found or pid == root
    return round(total / 1024, 1) if found else None


@dataclass
class Window:
    """What one sampling window saw."""

    statuses: Counter[int] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)

    def add(self, answer: Answer) -> None:
        self.statuses[answer.status] += 1
        self.latencies_ms.append(answer.latency_s * 1000)

    @property
    def errors(self) -> int:
        """Anything but a 2xx: a 5xx, a refused 4xx (the bench asks only valid questions) or no answer at all."""
        return sum(n for status, n in self.statuses.items() if not 200 <= status < 300)


class Mix:
    """Builds request n of the mix and files its answer: intakes use fresh buyers, reads the cases opened last."""

    def __init__(self, buyers: Sequence[BenchBuyer], port: int) -> None:
        self.buyers = list(buyers)
        self.port = port
        self.next_buyer = 0
        self.opened: deque[tuple[str, str]] = deque(maxlen=512)  # (case id, its buyer's token)
        self.in_flight: dict[int, tuple[str, str | None]] = {}  # slot -> (kind, the filing buyer's token)
        self.window = Window()
        self.kinds: Counter[str] = Counter()
        self.first_error: dict[str, str] = {}

    def request_for(self, slot: int) -> bytes | None:
        import orjson

        from aftersales.bench.intake import CASES_PATH
        from aftersales.bench.loadgen import render_get, render_post
        from aftersales.bench.world import case_payload

        kind = MIX[slot % len(MIX)]
        if kind == "intake" or not self.opened:
            if self.next_buyer >= len(self.buyers):
                return None  # every seeded buyer has filed: the run ends rather than send duplicates
            buyer = self.buyers[self.next_buyer]
            self.next_buyer += 1
            self.in_flight[slot] = ("intake", buyer.token)
            return render_post("127.0.0.1", self.port, CASES_PATH, orjson.dumps(case_payload(buyer, slot)),
                               {"Authorization": f"Bearer {buyer.token}",
                                "Idempotency-Key": f"soak-{buyer.order_id}"})
        case_id, token = self.opened[-1 - (slot // len(MIX)) % len(self.opened)]
        path = {"case": f"{CASES_PATH}/{case_id}", "cases": f"{CASES_PATH}?limit=20",
                "timeline": f"{CASES_PATH}/{case_id}/timeline", "progress": f"{CASES_PATH}/{case_id}/progress"}[kind]
        self.in_flight[slot] = (kind, None)
        return render_get("127.0.0.1", self.port, path, {"Authorization": f"Bearer {token}"})

    def on_answer(self, answer: Answer) -> None:
        import orjson

        self.window.add(answer)
        kind, token = self.in_flight.pop(answer.index)
        self.kinds[kind] += 1
        if kind == "intake" and answer.status == 201 and token is not None:
            self.opened.append((orjson.loads(answer.body)["id"], token))
        elif not 200 <= answer.status < 300:
            self.first_error.setdefault(f"{kind} {answer.status}", answer.body[:300].decode(errors="replace"))

    def take_window(self) -> Window:
        window, self.window = self.window, Window()
        return window


def linear_slope(points: Sequence[tuple[float, float]]) -> float:
    """Least-squares slope of (x, y) points; 0 for fewer than two distinct x."""
    if len(points) < 2:
        return 0.0
    mean_x = sum(x for x, _ in points) / len(points)
    mean_y = sum(y for _, y in points) / len(points)
    spread = sum((x - mean_x) ** 2 for x, _ in points)
    if spread == 0:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in points) / spread


def memory_verdict(samples: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Flat, or growing: the first and last tenth of the run, and the slopes (MB per minute)."""
    points = [(s["t_s"] / 60, s["rss_mb"]) for s in samples if s.get("rss_mb") is not None]
    if len(points) < MIN_SAMPLES_FOR_VERDICT:
        return {"flat": None, "samples": len(points),
                "reason": f"采样太少，无法判断 / {len(points)} samples, too few to judge (< {MIN_SAMPLES_FOR_VERDICT})"}
    tenth = max(1, math.ceil(len(points) / 10))
    first = sum(y for _, y in points[:tenth]) / tenth
    last = sum(y for _, y in points[-tenth:]) / tenth
    tolerance = max(MEMORY_TOLERANCE_MB, MEMORY_TOLERANCE_SHARE * first)
    second_half = points[len(points) // 2:]
    slope_all, slope_late = linear_slope(points), linear_slope(second_half)
    flat = last - first <= tolerance and slope_late * 60 <= tolerance
    return {"flat": flat, "first_window_mb": round(first, 1), "last_window_mb": round(last, 1),
            "growth_mb": round(last - first, 1), "tolerance_mb": round(tolerance, 1),
            "slope_mb_per_min": round(slope_all, 3), "second_half_slope_mb_per_min": round(slope_late, 3),
            "min_mb": min(y for _, y in points), "max_mb": max(y for _, y in points), "samples": len(points)}


def errors_verdict(samples: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Errors do not grow: the last third of the windows has no more than the first third."""
    counts = [s["errors"] for s in samples]
    third = max(1, len(counts) // 3)
    first, last = sum(counts[:third]), sum(counts[-third:])
    return {"flat": last <= first, "total": sum(counts), "first_third": first, "last_third": last,
            "windows_with_errors": sum(1 for c in counts if c)}


def _server_tracebacks(server: Server) -> int:
    if not server.log_path.exists():
        return 0
    return server.log_path.read_text(encoding="utf-8", errors="replace").count("Traceback")


async def _drive(server: Server, mix: Mix, *, rate: float | None, duration_s: float, concurrency: int,
                 sample_s: float | None, console: Any) -> tuple[Any, list[dict[str, Any]]]:
    from aftersales.bench.loadgen import percentile, run_paced

    samples: list[dict[str, Any]] = []
    began = time.perf_counter()
    running = asyncio.get_running_loop().create_task(run_paced(
        "127.0.0.1", server.port, mix.request_for, rate=rate, duration_s=duration_s, concurrency=concurrency,
        on_answer=mix.on_answer))

    last_cpu = server.cpu_seconds()

    async def sample() -> None:
        nonlocal last_cpu
        window = mix.take_window()
        latencies = sorted(window.latencies_ms)
        cpu = server.cpu_seconds()
        answered = sum(window.statuses.values())
        record = {"t_s": round(time.perf_counter() - began, 1),
                  "rss_mb": process_tree_rss_mb(server.process.pid) if server.process else None,
                  "answered": answered, "errors": window.errors,
                  "statuses": {str(k): v for k, v in sorted(window.statuses.items())},
                  "p50_ms": round(percentile(latencies, 0.5), 2) if latencies else None,
                  "p99_ms": round(percentile(latencies, 0.99), 2) if latencies else None,
                  "server_cpu_s": None if cpu is None or last_cpu is None else round(cpu - last_cpu, 2),
                  "server_tracebacks": _server_tracebacks(server)}
        last_cpu = cpu
        samples.append(record)
        console.print(f"  t={record['t_s']:>7.1f}s  RSS {record['rss_mb']} MB  answered {answered}  "
                      f"errors {window.errors}  p99 {record['p99_ms']} ms  server CPU {record['server_cpu_s']} s")

    if sample_s is not None:
        while not running.done():
            await asyncio.wait([running], timeout=sample_s)
            await sample()
    paced = await running
    return paced, samples


def _run(server: Server, mix: Mix, **kwargs: Any) -> tuple[Any, list[dict[str, Any]]]:
    try:
        import uvloop
        loop_factory: Any = uvloop.new_event_loop
    except ImportError:
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(_drive(server, mix, **kwargs))


def _seed_more(env: dict[str, str], data_dir: Path, first: int, count: int, console: Any) -> list[BenchBuyer]:
    """Buyers for the soak itself, added once the probe has said how many the rate needs."""
    from datetime import UTC, datetime

    from aftersales.bench.world import seed
    from aftersales.config import Settings
    from aftersales.runtime import build_runtime

    runtime = build_runtime(Settings.model_validate({"data_dir": data_dir,
                                                     "database_url": env["AFTERSALES_DATABASE_URL"]}))
    try:
        with runtime.session() as session:
            console.print(f"准备买家 / seeding {count} more buyers for the soak")
            return seed(session, buyers=count, pii_key=runtime.pii_key, now=datetime.now(UTC), first=first)
    finally:
        runtime.close()


def run_soak(minutes: float, rate: float | None, sample_s: float, probe_s: float, concurrency: int,
             work_dir: Path, console: Any, *, database: str | None = None, target: str | None = None
             ) -> dict[str, Any]:
    from aftersales.bench.intake import (
        INTAKE_APP,
        Server,
        drop_postgres,
        fresh_postgres,
        intake_env,
        seed_world,
    )

    database = fresh_postgres(database, "aftersales_bench_soak") if database else None
    env = intake_env(work_dir, database)
    env["AFTERSALES_RUN_SWEEPER_IN_PROCESS"] = "true"  # the server's own background work is part of what it holds
    duration_s = minutes * 60
    warmup_s = min(WARMUP_MAX_S, WARMUP_SHARE * duration_s)
    try:
        buyers = seed_world(work_dir, PROBE_BUYERS, console, database)
        # its own server: the soak's process must hold only what the soak gave it, and seeding the soak's
        # buyers next to a live server's writer would fight it for SQLite's one write lock
        prober = Server(target or INTAKE_APP, env, work_dir / "probe-server.log").start()
        try:
            console.print(f"探测最大速率 / probing the maximum rate: closed loop, {PROBE_CONCURRENCY} connections, "
                          f"≤ {probe_s:g} s")
            probe_mix = Mix(buyers, prober.port)
            probe, _ = _run(prober, probe_mix, rate=None, duration_s=probe_s, concurrency=PROBE_CONCURRENCY,
                            sample_s=None, console=console)
        finally:
            prober.stop()
        probe_window = probe_mix.take_window()
        max_rate = sum(probe_window.statuses.values()) / probe.elapsed_s if probe.elapsed_s else 0.0
        steady = rate if rate is not None else max_rate / 2
        needed = math.ceil(steady * duration_s / len(MIX) * 1.05) + 10
        more = _seed_more(env, work_dir, len(buyers), needed, console)
        server = Server(target or INTAKE_APP, env, work_dir / "soak-server.log").start()
        try:
            console.print(f"浸泡 / soak: {steady:.1f} req/s for {minutes:g} min, a sample every {sample_s:g} s; "
                          f"the first {warmup_s:.0f} s warm up and stay out of the memory verdict")
            soak_mix = Mix(more, server.port)
            paced, samples = _run(server, soak_mix, rate=steady, duration_s=duration_s, concurrency=concurrency,
                                  sample_s=sample_s, console=console)
        finally:
            server.stop()
    finally:
        if database is not None:
            drop_postgres(database)
    for sample in samples:
        sample["warmup"] = sample["t_s"] <= warmup_s
    answered = sum(s["answered"] for s in samples)
    return {"database": "postgresql" if database else "sqlite", "minutes": minutes, "cpus": os.cpu_count(),
            "load_average": list(os.getloadavg()), "mix": list(MIX), "warmup_s": round(warmup_s, 1),
            "probe": {"seconds": round(probe.elapsed_s, 1), "answered": sum(probe_window.statuses.values()),
                      "errors": probe_window.errors, "max_rate": round(max_rate, 1)},
            "app": target or INTAKE_APP, "rate": {"target": round(steady, 1), "achieved": round(answered / paced.elapsed_s, 1)
                     if paced.elapsed_s else 0.0, "late_starts": paced.late, "sent": paced.started,
                     "default_half_of_probe": rate is None},
            "kinds": dict(soak_mix.kinds), "first_errors": soak_mix.first_error,
            "memory": memory_verdict([s for s in samples if not s["warmup"]]), "errors": errors_verdict(samples),
            "server_tracebacks": _server_tracebacks(prober) + _server_tracebacks(server), "samples": samples}


def print_report(report: dict[str, Any], console: Any) -> None:
    memory, errors, rates = report["memory"], report["errors"], report["rate"]

    def mark(ok: bool | None) -> str:
        return "[green]达标 / met[/green]" if ok else "[red]未达标 / missed[/red]"

    console.print(f"探测 / probe: max {report['probe']['max_rate']} req/s; 目标 / target {rates['target']} req/s, "
                  f"实际 / achieved {rates['achieved']} req/s, 迟发 / late starts {rates['late_starts']}")
    if memory.get("flat") is None:
        console.print(f"内存 / memory: {memory['reason']}")
    else:
        console.print(f"内存 / memory RSS: first {memory['first_window_mb']} MB → last {memory['last_window_mb']} MB "
                      f"(growth {memory['growth_mb']} MB, tolerance {memory['tolerance_mb']} MB), slope "
                      f"{memory['slope_mb_per_min']} MB/min, second half {memory['second_half_slope_mb_per_min']} "
                      f"MB/min {mark(memory['flat'])}")
    console.print(f"错误 / errors: total {errors['total']}, first third {errors['first_third']}, last third "
                  f"{errors['last_third']}, server tracebacks {report['server_tracebacks']} {mark(errors['flat'])}")


def command(
    minutes: Annotated[float, typer.Option(help="时长（分钟） / how long the soak runs, in minutes")] = 30.0,
    rate: Annotated[float | None, typer.Option(help="固定速率 req/s；默认探测最大值的一半 / fixed request rate; "
                                                    "default half the probed maximum")] = None,
    sample_seconds: Annotated[float, typer.Option(help="采样间隔秒 / seconds between samples")] = 10.0,
    probe_seconds: Annotated[float, typer.Option(help="探测最长秒数 / longest the probe runs")] = 20.0,
    concurrency: Annotated[int, typer.Option(help="最多并发连接 / connections at most")] = 32,
    database: Annotated[str | None, typer.Option(help="PostgreSQL 管理库 URL（基准新建一个库）；默认 SQLite / "
                                                      "a PostgreSQL admin URL (the bench creates its own database)")]
    = None,
    out: Annotated[Path | None, typer.Option(help="JSON 报告文件 / write the JSON report here")] = None,
    keep: Annotated[Path | None, typer.Option(help="保留数据库与日志的目录 / keep database and logs here")] = None,
    app: Annotated[str | None, typer.Option(help="被测应用工厂 / uvicorn factory under test (to soak a candidate "
                                                 "fix, or an instrumented server, from PYTHONPATH)")] = None,
) -> None:
    """浸泡测试 / soak: a fixed rate of intake and reads for a long time; memory flat, errors not growing."""
    import json

    from rich.console import Console

    from aftersales.bench.workdir import run_or_exit, work_folder

    console = Console()
    if minutes <= 0 or sample_seconds <= 0 or probe_seconds <= 0 or concurrency < 1 or (rate is not None
                                                                                       and rate <= 0):
        console.print("[red]--minutes、--sample-seconds、--probe-seconds、--rate 须大于0，--concurrency 须为正整数 / "
                      "--minutes, --sample-seconds, --probe-seconds, --rate must be above 0, --concurrency "
                      "positive[/red]")
        raise typer.Exit(2)
    with work_folder(keep, "aftersales-soak-", console) as work_dir:
        report = run_or_exit(console, lambda: run_soak(minutes, rate, sample_seconds, probe_seconds, concurrency,
                                                       work_dir, console, database=database, target=app))
    print_report(report, console)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
        console.print(f"JSON → {out}")
    if report["memory"].get("flat") is False or not report["errors"]["flat"]:
        raise typer.Exit(1)
