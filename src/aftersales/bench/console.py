"""`aftersales bench console`: the work queue's server time with a large backlog against a small one (ratio),
and how fast a new case reaches many live queues (SSE), against one live queue, in the same run.

Both servers are real uvicorn processes on loopback over SQLite files built for the run; the server time is the
app's own `Server-Timing` (request in → first byte out), so loopback and the client's parsing do not count.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import typer

TARGET_RATIO = 2.0
TARGET_P95_MS = 150.0
TARGET_LIVE_S = 1.0
QUEUE_VIEWS = ("/agent/queue", "/agent/queue?view=overdue", "/agent/queue?view=mine", "/agent/queue?view=angry")
_TIMING = re.compile(r"app;dur=([0-9.]+)")
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _build(folder: Path, open_cases: int) -> list[Any]:
    from aftersales.bench.console_world import build
    from aftersales.config import Settings
    from aftersales.migrate import upgrade
    from aftersales.runtime import build_runtime

    settings = Settings(environment="test", data_dir=folder, database_url=f"sqlite:///{folder / 'aftersales.db'}")
    upgrade(settings.resolved_database_url())
    runtime = build_runtime(settings)
    with runtime.session() as session:
        buyers = build(session, open_cases=open_cases, pii_key=runtime.pii_key, now=runtime.clock.now())
    runtime.close()
    return buyers


def _sign_in(base: str) -> Any:
    import httpx

    from aftersales.bench.console_world import AGENT_PASSWORD, AGENT_USER

    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/login")
    token = _CSRF.search(form.text)
    assert token, "no sign-in form"
    answer = client.post("/login", data={"username": AGENT_USER, "password": AGENT_PASSWORD,
                                         "csrf_token": token.group(1), "next": ""})
    if answer.status_code >= 400:
        raise RuntimeError(f"bench sign-in failed: {answer.status_code}")
    return client


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _page_times(client: Any, path: str, requests: int, warmup: int) -> dict[str, float]:
    server: list[float] = []
    for n in range(warmup + requests):
        answer = client.get(path)
        if answer.status_code != 200:
            raise RuntimeError(f"{path} answered {answer.status_code}")
        if n >= warmup:
            found = _TIMING.search(answer.headers.get("server-timing", ""))
            server.append(float(found.group(1)) if found else float("nan"))
    return {"p50_ms": round(statistics.median(server), 2), "p95_ms": round(_percentile(server, 0.95), 2),
            "max_ms": round(max(server), 2), "requests": requests}


async def _live_round(base: str, cookies: Any, token: str, body: dict[str, Any], subscribers: int) -> list[float]:
    """Open `subscribers` queue streams, open one case, and time how long each stream takes to name it."""
    import httpx

    limits = httpx.Limits(max_connections=subscribers + 10, max_keepalive_connections=subscribers + 10)
    async with httpx.AsyncClient(base_url=base, cookies=cookies, timeout=30, limits=limits) as client:
        ready = [asyncio.Event() for _ in range(subscribers)]
        heard: dict[int, float] = {}
        case_id: list[str] = []
        done = asyncio.Event()

        async def listen(n: int) -> None:
            async with client.stream("GET", "/live/queue") as stream:
                async for line in stream.aiter_lines():
                    if not line.startswith("data:"):
                        continue
                    ready[n].set()
                    data = json.loads(line[5:])
                    if case_id and case_id[0] in data.get("cases", []):
                        heard[n] = time.perf_counter()
                        if len(heard) == subscribers:
                            done.set()
                        return

        tasks = [asyncio.create_task(listen(n)) for n in range(subscribers)]
        await asyncio.wait_for(asyncio.gather(*(event.wait() for event in ready)), 60)
        await asyncio.sleep(2.5)  # past the queue stream's throttle, so the next event is sent at once
        answer = await client.post("/api/v1/cases", json=body, headers={"Authorization": f"Bearer {token}"})
        acknowledged = time.perf_counter()
        if answer.status_code != 201:
            raise RuntimeError(f"opening the bench case answered {answer.status_code}: {answer.text[:200]}")
        case_id.append(answer.json()["id"])
        with contextlib.suppress(TimeoutError):  # a stream that never hears of it counts as missed
            await asyncio.wait_for(done.wait(), 10)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return [heard[n] - acknowledged if n in heard else float("inf") for n in range(subscribers)]


def _live(base: str, client: Any, buyers: list[Any], subscribers: int, rounds: int,
          first: int = 0) -> dict[str, Any]:
    """`first`: the first buyer to use; each round opens a case for a buyer with none open (one open case of a
    type per order line)."""
    from aftersales.bench.world import case_payload

    latencies: list[float] = []
    for n in range(rounds):
        buyer = buyers[(first + n) % len(buyers)]
        latencies += asyncio.run(_live_round(base, client.cookies, buyer.token, case_payload(buyer, n), subscribers))
    finite = [x for x in latencies if x != float("inf")]
    return {"subscribers": subscribers, "rounds": rounds, "deliveries": len(latencies),
            "missed": len(latencies) - len(finite),
            "within_1s": sum(1 for x in finite if x <= TARGET_LIVE_S),
            "p50_s": round(statistics.median(finite), 3) if finite else None,
            "p95_s": round(_percentile(finite, 0.95), 3) if finite else None,
            "max_s": round(max(finite), 3) if finite else None}


def _serve(folder: Path, open_cases: int, work: Path) -> tuple[Any, list[Any]]:
    from aftersales.bench.intake import INTAKE_APP, Server, intake_env

    folder.mkdir(parents=True, exist_ok=True)
    buyers = _build(folder, open_cases)
    env = {**intake_env(folder), "AFTERSALES_RUN_SWEEPER_IN_PROCESS": "false"}
    return Server(INTAKE_APP, env, work / f"server-{open_cases}.log").start(), buyers


def run(open_cases: int, baseline_cases: int, requests: int, subscribers: int, rounds: int,
        work: Path, progress: Any) -> dict[str, Any]:
    report: dict[str, Any] = {"open_cases": open_cases, "baseline_cases": baseline_cases, "pages": {}}
    for size in (baseline_cases, open_cases):
        progress(f"建库 / building {size:,} open + {size:,} closed cases")
        server, buyers = _serve(work / f"db-{size}", size, work)
        try:
            base = f"http://127.0.0.1:{server.port}"
            client = _sign_in(base)
            progress(f"队列页 / queue page × {requests} at {size:,}")
            report["pages"][str(size)] = {path: _page_times(client, path, requests, warmup=10) for path in QUEUE_VIEWS}
            if size == open_cases:
                progress(f"实时 / live: 1 and {subscribers} subscribers × {rounds} new cases")
                report["live_one"] = _live(base, client, buyers, 1, rounds)
                report["live_many"] = _live(base, client, buyers, subscribers, rounds, first=rounds)
            client.close()
        finally:
            server.stop()
    return _judge(report)


def _judge(report: dict[str, Any]) -> dict[str, Any]:
    small, large = report["pages"][str(report["baseline_cases"])], report["pages"][str(report["open_cases"])]
    main = QUEUE_VIEWS[0]
    report["ratio_p50"] = round(large[main]["p50_ms"] / small[main]["p50_ms"], 2)
    report["ratio_p95"] = round(large[main]["p95_ms"] / small[main]["p95_ms"], 2)
    many, one = report["live_many"], report["live_one"]
    report["live_ratio_p95"] = round(many["p95_s"] / one["p95_s"], 2) if many["p95_s"] and one["p95_s"] else None
    report["targets"] = {
        "queue_ratio_le_2": report["ratio_p95"] <= TARGET_RATIO,
        "queue_p95_lt_150ms": large[main]["p95_ms"] < TARGET_P95_MS,
        "live_all_within_1s": many["missed"] == 0 and many["within_1s"] == many["deliveries"],
    }
    return report


def print_report(report: dict[str, Any], console: Any) -> None:
    from rich.table import Table

    table = Table(title="队列页服务器耗时 / queue page server time (Server-Timing, ms)")
    for column in ("page", "open cases", "p50", "p95", "max"):
        table.add_column(column)
    for size, pages in report["pages"].items():
        for path, figures in pages.items():
            table.add_row(path, f"{int(size):,}", str(figures["p50_ms"]), str(figures["p95_ms"]), str(figures["max_ms"]))
    console.print(table)
    console.print(f"ratio {report['open_cases']:,} / {report['baseline_cases']:,}: p50 ×{report['ratio_p50']}, "
                  f"p95 ×{report['ratio_p95']} (target ≤ ×{TARGET_RATIO}, p95 < {TARGET_P95_MS:.0f} ms)")
    for key in ("live_one", "live_many"):
        live = report[key]
        console.print(f"live, {live['subscribers']} subscriber(s): {live['within_1s']}/{live['deliveries']} within "
                      f"1 s, p50 {live['p50_s']} s, p95 {live['p95_s']} s, max {live['max_s']} s, "
                      f"missed {live['missed']}")
    console.print(f"targets: {report['targets']}")


def command(
    open_cases: Annotated[int, typer.Option(help="大积压的待办工单数 / open cases in the large backlog")] = 100_000,
    baseline_cases: Annotated[int, typer.Option(help="基线的待办工单数 / open cases in the baseline")] = 100,
    requests: Annotated[int, typer.Option(help="每个页面的请求数 / requests per page")] = 200,
    subscribers: Annotated[int, typer.Option(help="实时订阅数 / SSE subscribers")] = 200,
    rounds: Annotated[int, typer.Option(help="新建工单轮数 / new cases to time")] = 5,
    out: Annotated[Path | None, typer.Option(help="JSON 报告 / JSON report file")] = None,
) -> None:
    """工作台队列页与实时推送基准 / the console's queue page and live queues, as ratios."""
    from rich.console import Console

    if min(open_cases, baseline_cases, requests, subscribers, rounds) < 1 or baseline_cases >= open_cases:
        raise typer.BadParameter("须为正数且基线小于大积压 / positive numbers, baseline below the backlog")
    console = Console()
    with tempfile.TemporaryDirectory(prefix="bench-console-") as folder:
        report = run(open_cases, baseline_cases, requests, subscribers, rounds, Path(folder),
                     lambda text: console.print(f"[dim]{text}[/dim]"))
    print_report(report, console)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
