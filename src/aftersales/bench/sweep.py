"""Benchmark `aftersales bench sweep`: the SLA sweep over a large backlog of open cases on PostgreSQL.

The database is seeded server-side (generate_series) with `--open` open cases, each with a running resolution
clock, of which `--due` are overdue. The sweep (breach recorded once per clock, case escalated, new tier's
human-response clock started, timeline written) is timed beside a baseline measured in the same run on a copy
of the same backlog: the bare `UPDATE ... SET breached_at` a hand-written job would do, with none of the rest.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import typer

TARGET_SECONDS = 10.0

_SEED = """
INSERT INTO parties (id, kind, name, attributes, created_at)
VALUES ('BS-SHOP', 'shop', '基准店铺', '{}', :now), ('BS-BRAND', 'brand', '基准品牌', '{}', :now),
       ('BS-PLATFORM', 'platform', '平台', '{}', :now);
INSERT INTO categories (code, name_zh, name_en) VALUES ('bs_cat', '基准', 'bench') ON CONFLICT DO NOTHING;
INSERT INTO products (id, name, brand_id, shop_id, category_code, tags, price, created_at)
VALUES ('BS-P', '基准商品', 'BS-BRAND', 'BS-SHOP', 'bs_cat', '[]', 10, :now);
INSERT INTO buyers (id, name_enc, phone_enc, address_enc, region, created_at)
VALUES ('BS-U', 'x', 'x', 'x', '', :now);
INSERT INTO orders (id, buyer_id, shop_id, brand_id, amount, discount, shipping_fee, region, placed_at, presale,
                    shipping_insurance, created_at)
SELECT 'BS-O' || g, 'BS-U', 'BS-SHOP', 'BS-BRAND', 10, 0, 0, '', :now, false, false, :now
FROM generate_series(1, :open) AS g;
INSERT INTO cases (id, order_id, buyer_id, case_type, state, tier, priority, version, text, attachments, category,
                   categories, emotion, confidence, risk_flags, symptoms, triage_model, answer_zh, answer_en,
                   senior_required, ai_resolved, decision, handoff_count, created_at, updated_at,
                   emotion_intensity, claimed_amount)
SELECT 'BS-C' || g, 'BS-O' || g, 'BS-U', 'complaint', 'answered', 'L1', 3, 1, '基准', '[]', 'other', '{}',
       'calm', 0.9, '[]', '[]', 'bench', '', '', false, false, '{}', 0, :now, :now, 0, 10
FROM generate_series(1, :open) AS g;
INSERT INTO sla_clocks (case_id, kind, tier, business_hours, budget_seconds, started_at, consumed_seconds,
                        segment_started_at, due_at)
SELECT 'BS-C' || g, 'resolution', 'L1', false, 86400, :now, 0, :now,
       CASE WHEN g <= :due THEN :past ELSE :future END
FROM generate_series(1, :open) AS g;
ANALYZE cases; ANALYZE sla_clocks;
"""


def _seed(url: str, open_cases: int, due: int, now: datetime) -> float:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    started = time.perf_counter()
    with engine.begin() as connection:
        for statement in _SEED.split(";\n"):
            if statement.strip():
                connection.execute(text(statement), {"now": now, "open": open_cases, "due": due,
                                                     "past": now - timedelta(hours=1),
                                                     "future": now + timedelta(days=2)})
    engine.dispose()
    return time.perf_counter() - started


def _baseline(url: str, now: datetime) -> float:
    from sqlalchemy import create_engine, text

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    started = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(text("UPDATE sla_clocks SET breached_at = :now WHERE due_at <= :now "
                                "AND stopped_at IS NULL AND paused_at IS NULL AND breached_at IS NULL"),
                           {"now": now})
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed


_WORKER = """
import sys, time
from datetime import datetime
from aftersales.bench.sweep import _sweep
now = datetime.fromisoformat(sys.argv[2])
sys.stdin.readline()  # every worker has loaded the code: the clock starts for all at once
elapsed, breaches = _sweep(sys.argv[1], now, name=sys.argv[3])
print(elapsed, breaches, flush=True)
"""


def _sweep_in_workers(url: str, now: datetime, workers: int) -> tuple[float, int]:
    """`workers` processes sweep the same backlog at once, sharing it through FOR UPDATE SKIP LOCKED."""
    import subprocess
    import sys

    procs = [subprocess.Popen([sys.executable, "-c", _WORKER, url, now.isoformat(), f"w{n}"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for n in range(workers)]
    time.sleep(3.0)  # imports and connections, outside the measured time
    started = time.perf_counter()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outputs = [proc.communicate(timeout=600)[0].split() for proc in procs]
    elapsed = time.perf_counter() - started
    return elapsed, sum(int(out[1]) for out in outputs)


def _sweep(url: str, now: datetime, name: str = "bench") -> tuple[float, int]:
    from aftersales.calendars import load_calendar
    from aftersales.cases.escalation import sweep
    from aftersales.db import make_engine, make_session_factory
    from aftersales.models_registry import load_all_models

    load_all_models()
    engine = make_engine(url)
    factory = make_session_factory(engine)
    started = time.perf_counter()
    report = sweep(factory, now, load_calendar(), worker=name)
    elapsed = time.perf_counter() - started
    engine.dispose()
    return elapsed, report.breaches


def _fresh_database(admin_url: str, name: str) -> str:
    from aftersales.bench.intake import fresh_postgres
    from aftersales.migrate import upgrade

    url = fresh_postgres(admin_url, name)
    upgrade(url)
    return url


def run(admin_url: str, open_cases: int, due: int, workers: int = 1) -> dict[str, Any]:
    from aftersales.bench.intake import drop_postgres

    now = datetime.now(UTC).replace(microsecond=0)
    results: dict[str, Any] = {"open": open_cases, "due": due, "workers": workers}
    sweep_url = _fresh_database(admin_url, "aftersales_bench_sweep")
    results["seed_s"] = round(_seed(sweep_url, open_cases, due, now), 1)
    base_url = _fresh_database(admin_url, "aftersales_bench_sweep_base")
    _seed(base_url, open_cases, due, now)
    results["baseline_s"] = round(_baseline(base_url, now), 3)
    try:
        elapsed, breaches = _sweep(sweep_url, now) if workers == 1 else _sweep_in_workers(sweep_url, now, workers)
    finally:
        drop_postgres(sweep_url)
        drop_postgres(base_url)
    results.update(sweep_s=round(elapsed, 3), breaches=breaches,
                   ratio=round(elapsed / max(results["baseline_s"], 1e-9), 1),
                   per_second=round(breaches / elapsed), target_s=TARGET_SECONDS, met=elapsed < TARGET_SECONDS)
    return results


def command(
    database: Annotated[str, typer.Option(help="PostgreSQL 管理库 URL（基准会新建两个库） / admin URL")] =
        "postgresql://postgres@127.0.0.1:5432/test",
    open_cases: Annotated[int, typer.Option("--open", help="未结工单数 / open cases")] = 1_000_000,
    due: Annotated[int, typer.Option(help="其中已到期 / of which overdue")] = 100_000,
    workers: Annotated[int, typer.Option(help="同时扫描的进程数 / sweeper processes sharing the backlog")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="机器可读输出")] = False,
) -> None:
    """SLA 扫描基准 / the SLA sweep over a large backlog, beside a bare UPDATE of the same clocks."""
    import json

    from rich.console import Console

    if not database.startswith("postgresql"):
        raise typer.BadParameter("基准需要 PostgreSQL / the sweep bench runs on PostgreSQL", param_hint="--database")
    if not 0 < due <= open_cases:
        raise typer.BadParameter("须 0 < due ≤ open / need 0 < due <= open", param_hint="--due")
    results = run(database, open_cases, due, workers)
    if as_json:
        typer.echo(json.dumps(results))
        return
    console = Console()
    console.print(f"{open_cases:,} open cases, {due:,} overdue (seeded in {results['seed_s']} s)")
    console.print(f"  baseline UPDATE of the clocks: {results['baseline_s']} s")
    console.print(f"  sweep by {workers} process(es) (breach + escalation + clock + timeline): {results['sweep_s']} s, "
                  f"{results['per_second']:,} breaches/s, ratio {results['ratio']}×")
    console.print(f"  target < {TARGET_SECONDS} s: {'met' if results['met'] else 'MISSED'}")
