"""Benchmark `aftersales bench evaluate`: the full 28-indicator evaluation against a hand-written DuckDB
query of R1, E1 and S2 over the same Parquet files, in the same run; heavy imports stay inside functions.

Each side runs in its own fresh process, so the peak memory reported is that side's alone.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, Any

import typer

DEFAULT_OUT = Path("var/bench/evaluate")
TARGET_RATIO = 3.0

# The baseline a data engineer would write by hand: no cleaning, three indicators, one scan of each table.
BASELINE_SQL = """
WITH c AS (
  SELECT case_id, anchor_id, case_type, created_at, first_response_at, resolved_at
  FROM read_parquet('{data}/cases/*.parquet')
  WHERE created_at >= TIMESTAMP '{start}' AND created_at < TIMESTAMP '{end}' AND anchor_id IS NOT NULL
), r AS (
  SELECT anchor_id,
    avg(CASE WHEN first_response_at IS NOT NULL
              AND first_response_at - created_at <= INTERVAL 24 HOUR THEN 1.0 ELSE 0.0 END) AS r1,
    avg(CASE WHEN case_type IN ('return_refund', 'exchange') AND resolved_at >= created_at
             THEN date_diff('microsecond', created_at, resolved_at) / 3.6e9 END) AS e1
  FROM c GROUP BY anchor_id
), s AS (
  SELECT c.anchor_id, avg(s.csat) AS s2
  FROM read_parquet('{data}/surveys/*.parquet') AS s JOIN c USING (case_id)
  WHERE s.csat BETWEEN 1 AND 5 GROUP BY c.anchor_id
)
SELECT r.anchor_id, r.r1, r.e1, s.s2 FROM r LEFT JOIN s USING (anchor_id)
"""


def _peak_rss_mb() -> float:
    """This process's peak resident memory. On Linux VmHWM, which starts afresh at exec: ru_maxrss of a
    spawned child keeps the parent's high-water mark (the parent generated the data), so both sides would
    report the same number."""
    import resource
    import sys
    from pathlib import Path

    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / 1024 if sys.platform == "darwin" else peak / 1024  # macOS reports bytes


def run_full(data: str, period: str, threads: int) -> dict[str, Any]:
    """The full evaluation (cleaning + 28 indicators + subjects) of every anchor in the period, on DuckDB."""
    import importlib

    import ibis

    from aftersales.evaluation.indicators import compute_indicators
    from aftersales.evaluation.sources import open_source

    # library loading is not evaluation work: the baseline's clock also starts after `import duckdb`,
    # so the libraries the evaluation returns its results through (pandas, pyarrow) load first too
    for library in ("pandas", "pyarrow"):
        importlib.import_module(library)
    ibis.duckdb.connect().disconnect()
    started, cpu = time.perf_counter(), time.process_time()
    source = open_source(data)
    source.con.raw_sql(f"SET threads = {threads}")
    source.con.raw_sql("SET enable_progress_bar = false")
    result = compute_indicators(source, "anchor", period)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    picked = result.values  # every value: the Spark runs are compared on all of them
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": _peak_rss_mb(), "subjects": len(result.subjects),
            "values": len(result.values), "cleaned_rows": result.cleaning.as_dict()["rows_affected"],
            "check": {f"{r.subject_id}|{r.indicator}": r.value for r in picked.itertuples()}}


def run_baseline(data: str, period: str, threads: int) -> dict[str, Any]:
    import duckdb

    from aftersales.evaluation.periods import parse_period

    window = parse_period(period)
    started, cpu = time.perf_counter(), time.process_time()
    con = duckdb.connect()
    con.execute(f"SET threads = {threads}")
    con.execute("SET TimeZone = 'UTC'")
    # the files hold naive UTC timestamps (schema.TS), so the bounds are naive UTC
    start, end = (m.replace(tzinfo=None).isoformat(sep=" ") for m in (window.start, window.end))
    sql = BASELINE_SQL.format(data=data, start=start, end=end)
    rows = con.execute(sql).fetchall()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    check = {}
    for anchor, r1, _e1, s2 in rows:
        check[f"{anchor}|R1"] = r1
        check[f"{anchor}|S2"] = s2
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mb": _peak_rss_mb(), "subjects": len(rows),
            "check": check}


def _snapshot_db(data: str, period: str, folder: Path) -> tuple[str, str, list[str]]:
    """A SQLite database holding the period's snapshot of every anchor, and a supervisor's token."""
    from datetime import UTC, datetime

    from aftersales.db import make_engine, make_session_factory
    from aftersales.evaluation import service, snapshots
    from aftersales.migrate import upgrade
    from aftersales.models_registry import load_all_models
    from aftersales.security.tokens import create_token

    url = f"sqlite:///{folder / 'api.db'}"
    upgrade(url)
    load_all_models()
    factory = make_session_factory(make_engine(url))
    now = datetime.now(UTC)
    report = service.evaluate(data, service.Options(subject_type="anchor", period=period, validate=False,
                                                    history_months=3), generated_at=now)
    snapshots.compute(factory, "anchor", period, build=lambda _t, _p: report, worker="bench", now=now)
    with factory() as session:
        token = create_token(session, role="supervisor", now=now).token
        session.commit()
    return url, token, [str(s["subject_id"]) for s in report["subjects"]]


async def _latencies(base: str, token: str, paths: list[str], concurrency: int) -> dict[str, list[float]]:
    """Latency of each request, by kind (ranking, subject, dimensions, healthz)."""
    import asyncio

    import httpx

    latencies: dict[str, list[float]] = {}
    queue = list(paths)

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            path = queue.pop()
            started = time.perf_counter()
            response = await client.get(path, headers={"Authorization": f"Bearer {token}"})
            kind = "ranking" if "/ranking/" in path else "dimensions" if "/dimensions" in path else \
                "healthz" if path == "/healthz" else "subject"
            latencies.setdefault(kind, []).append(time.perf_counter() - started)
            response.raise_for_status()

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return latencies


def run_api(data: str, period: str, requests: int, concurrency: int) -> dict[str, Any]:
    """p50/p95 of snapshot reads through the real app (uvicorn on 127.0.0.1) against /healthz in the same run."""
    import asyncio
    import os
    import random
    import socket
    import subprocess
    import sys
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        url, token, subjects = _snapshot_db(data, period, Path(tmp))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        env = {**os.environ, "AFTERSALES_DATABASE_URL": url, "AFTERSALES_RUN_SWEEPER_IN_PROCESS": "false"}
        server = subprocess.Popen([sys.executable, "-m", "uvicorn", "aftersales.serving:app_from_env", "--factory",
                                   "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                                   "--no-server-header"], env=env)
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_up(base)
            rng = random.Random(7)
            q = f"?period={period}"
            paths = [rng.choice([f"/api/v1/evaluation/ranking/anchor{q}",
                                 f"/api/v1/evaluation/anchor/{rng.choice(subjects)}{q}",
                                 f"/api/v1/evaluation/anchor/{rng.choice(subjects)}/dimensions{q}"])
                     for _ in range(requests)]
            asyncio.run(_latencies(base, token, paths[:20], concurrency))  # warm the snapshot cache
            reads = asyncio.run(_latencies(base, token, paths, concurrency))
            health = asyncio.run(_latencies(base, token, ["/healthz"] * requests, concurrency))
        finally:
            server.terminate()
            server.wait(timeout=30)
    every = [v for kind in reads.values() for v in kind]
    return {"requests": requests, "concurrency": concurrency, "snapshot_reads": _percentiles(every),
            "by_kind": {kind: _percentiles(v) for kind, v in reads.items()},
            "healthz": _percentiles(health["healthz"])}


def _wait_until_up(base: str) -> None:
    import httpx

    for _ in range(300):
        try:
            if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError("the API did not start within 30 s")


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def at(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000, 1)

    return {"p50_ms": at(0.50), "p95_ms": at(0.95), "p99_ms": at(0.99), "max_ms": round(ordered[-1] * 1000, 1)}


def _in_fresh_process(func: Any, *args: Any) -> dict[str, Any]:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(func, *args).result()


def _rounds(data: str, period: str, threads: int, runs: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """Baseline and full evaluation alternated `runs` times, each in a fresh process: on a shared machine one
    pair can land in a busy moment, so each side reports its median and every run."""
    import statistics

    sides: dict[str, list[dict[str, Any]]] = {"baseline": [], "full": []}
    for _ in range(runs):
        sides["baseline"].append(_in_fresh_process(run_baseline, data, period, threads))
        sides["full"].append(_in_fresh_process(run_full, data, period, threads))
    merged = []
    for results in sides.values():
        middle = sorted(results, key=lambda r: r["seconds"])[(len(results) - 1) // 2]
        merged.append({**middle, "seconds": statistics.median(r["seconds"] for r in results),
                       "cpu_seconds": statistics.median(r["cpu_seconds"] for r in results),
                       "peak_rss_mb": max(r["peak_rss_mb"] for r in results),
                       "runs_seconds": [round(r["seconds"], 3) for r in results],
                       "runs_cpu_seconds": [round(r["cpu_seconds"], 3) for r in results]})
    return merged[0], merged[1]


def _agreement(full: dict[str, float], base: dict[str, float]) -> float:
    """Largest difference between the two on R1 and S2 (the baseline does no cleaning; here none is needed)."""
    import math

    diffs = [abs(full[k] - v) for k, v in base.items()
             if k in full and v is not None and not math.isnan(full[k])]
    return max(diffs, default=math.nan)


def command(
    cases: Annotated[int, typer.Option(help="售后工单数 / cases to generate")] = 10_000_000,
    anchors: Annotated[int, typer.Option(help="主播数 / anchors")] = 2_000,
    out: Annotated[Path, typer.Option(help="输出与缓存目录 / output and cache folder")] = DEFAULT_OUT,
    period: Annotated[str, typer.Option(help="评估期间 / period evaluated (YYYY-MM or YYYY-Qn)")] = "2026-11",
    threads: Annotated[int, typer.Option(help="DuckDB 线程数 / DuckDB threads")] = 2,
    engine: Annotated[str, typer.Option(help="duckdb | spark（spark: 另在 Spark 上运行并与 DuckDB 对比）/ spark: "
                                             "also run on Spark, beside DuckDB")] = "duckdb",
    master: Annotated[list[str] | None, typer.Option(help="Spark master（可重复）/ Spark master, repeatable: "
                                                          "local[2], spark://127.0.0.1:7077; default: "
                                                          "AFTERSALES_SPARK_MASTER")] = None,
    api_requests: Annotated[int, typer.Option(help="API 快照读取请求数（0 跳过）/ snapshot reads through the API "
                                                   "(0 skips)")] = 0,
    api_concurrency: Annotated[int, typer.Option(help="并发数 / concurrent clients")] = 16,
    runs: Annotated[int, typer.Option(help="轮数：基线与完整评估交替运行，取中位数 / rounds, baseline and full "
                                           "alternated; medians reported")] = 1,
) -> None:
    """Run the evaluate benchmark: full evaluation vs a hand-written DuckDB query of R1, E1, S2."""
    import json

    from rich.console import Console
    from rich.table import Table

    from aftersales.evaluation.periods import parse_period
    from aftersales.evaluation.synthetic import SyntheticSpec, generate
    from aftersales.problems import DomainError

    console = Console()
    try:
        parse_period(period)
    except DomainError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(2) from None
    if cases < 1 or anchors < 1 or runs < 1 or engine not in {"duckdb", "spark"}:
        console.print("[red]--cases、--anchors 与 --runs 须为正数，--engine 为 duckdb 或 spark / --cases, --anchors "
                      "and --runs must be positive, --engine duckdb or spark[/red]")
        raise typer.Exit(2)
    spec = SyntheticSpec(cases=cases, anchors=anchors, first_month="2026-01", last_month="2026-12", seed=2026)
    data = out / f"data-{cases}-{anchors}"
    started = time.perf_counter()
    console.print(f"生成/复用合成数据 / generating or reusing synthetic data in {data} ...")
    generate(data, spec)
    generation = time.perf_counter() - started
    data_mb = sum(p.stat().st_size for p in data.rglob("*.parquet")) / 1e6
    baseline, full = _rounds(str(data.resolve()), period, threads, runs)
    spark_runs = []
    if engine == "spark":
        from aftersales.bench import evaluate_spark

        spark_runs = evaluate_spark.compare(str(data.resolve()), period, master or ["spark"], full, baseline)
    ratio = full["seconds"] / baseline["seconds"]
    report = {
        "cases": cases, "anchors": anchors, "period": period, "threads": threads, "engine": engine, "runs": runs,
        "data_mb": round(data_mb, 1), "generation_seconds": round(generation, 2),
        "baseline": {k: v for k, v in baseline.items() if k != "check"},
        "full": {k: v for k, v in full.items() if k != "check"},
        "ratio": round(ratio, 2), "memory_ratio": round(full["peak_rss_mb"] / baseline["peak_rss_mb"], 2),
        # this process's CPU (DuckDB's threads included, a Spark cluster's executors not): steadier than wall
        # time when other work shares the cores
        "cpu_ratio": round(full["cpu_seconds"] / baseline["cpu_seconds"], 2),
        "target_ratio": TARGET_RATIO, "within_target": ratio <= TARGET_RATIO,
        "max_difference_r1_s2": _agreement(full["check"], baseline["check"]),
    }
    if spark_runs:
        report["spark"] = spark_runs
    table = Table(title=f"bench evaluate: {cases:,} cases, {anchors:,} anchors, period {period}")
    for col in ("run", "wall s", "CPU s", "peak RSS MB", "subjects"):
        table.add_column(col)
    for label, side in (("baseline SQL (R1, E1, S2)", baseline), ("full 28 indicators (duckdb)", full)):
        table.add_row(label, f"{side['seconds']:.2f}", f"{side['cpu_seconds']:.2f}", f"{side['peak_rss_mb']:.0f}",
                      str(side["subjects"]))
    console.print(table)
    if runs > 1:
        console.print("每轮比值 / ratio per round: " + ", ".join(
            f"{f / b:.2f}×" for f, b in zip(full["runs_seconds"], baseline["runs_seconds"], strict=True)))
    console.print(f"ratio 耗时比 = {ratio:.2f}× (target ≤ {TARGET_RATIO:.0f}×: "
                  f"{'met 达标' if ratio <= TARGET_RATIO else 'NOT met 未达标'}); CPU {report['cpu_ratio']:.2f}×; "
                  f"R1/S2 max |Δ| vs baseline = {report['max_difference_r1_s2']:.2e}")
    if spark_runs:
        evaluate_spark.print_runs(console, full, spark_runs)
    if api_requests > 0:
        report["api"] = _in_fresh_process(run_api, str(data.resolve()), period, api_requests, api_concurrency)
        reads, health = report["api"]["snapshot_reads"], report["api"]["healthz"]
        console.print(f"API snapshot reads p50 {reads['p50_ms']} ms, p95 {reads['p95_ms']} ms (target < 200 ms); "
                      f"/healthz p95 {health['p95_ms']} ms; {api_requests} requests, {api_concurrency} concurrent; "
                      + ", ".join(f"{k} p95 {v['p95_ms']} ms" for k, v in report["api"]["by_kind"].items()))
    out.mkdir(parents=True, exist_ok=True)
    target = out / "bench-evaluate.json"
    target.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    console.print(f"JSON: {target}")
