"""`aftersales bench evaluate --engine spark`: the full evaluation on Spark (local mode, a standalone cluster)
beside the same evaluation on DuckDB in the same run, over the same Parquet files.

Each Spark run is its own fresh process (a process holds one SparkContext). Its start-up (JVM, and on a cluster
the executors' registration) is timed apart from the evaluation, so the ratio compares the work, and both are
reported.
"""

from __future__ import annotations

import math
import time
from typing import Any

from rich.console import Console
from rich.table import Table

# relative agreement asked of two engines on the same data (the tests ask 1e-9 on every indicator)
AGREEMENT = 1e-9


def run_spark(data: str, period: str, master: str) -> dict[str, Any]:
    """The full evaluation (cleaning + 28 indicators + subjects) of every anchor in the period on `master`."""
    import importlib

    from aftersales.bench.evaluate import _peak_rss_mb
    from aftersales.evaluation.indicators import compute_indicators
    from aftersales.evaluation.sources import open_source
    from aftersales.evaluation.spark_engine import resolve_master, spark_session

    for library in ("pandas", "pyarrow", "ibis"):  # as on the DuckDB side: libraries load before the clock
        importlib.import_module(library)
    url = resolve_master(master)
    started = time.perf_counter()
    session = spark_session(url)
    session.sparkContext.setLogLevel("ERROR")
    # a first job waits until executors have registered: start-up, not evaluation work
    session.range(0, 4, numPartitions=4).count()
    startup = time.perf_counter() - started
    try:
        started = time.perf_counter()
        result = compute_indicators(open_source("spark", data=data, session=session), "anchor", period)
        seconds = time.perf_counter() - started
        # block managers besides the driver's; local mode has none (the driver runs the tasks)
        executors = int(session.sparkContext._jsc.sc().getExecutorMemoryStatus().size()) - 1
    finally:
        session.stop()
    return {"master": url, "startup_seconds": startup, "seconds": seconds, "peak_rss_mb": _peak_rss_mb(),
            "executors": executors, "subjects": len(result.subjects), "values": len(result.values),
            "check": {f"{r.subject_id}|{r.indicator}": r.value for r in result.values.itertuples()}}


def max_relative_difference(left: dict[str, float | None], right: dict[str, float | None]) -> float:
    """Largest |a − b| / max(|a|, |b|, 1e-12) over the indicator values both hold; NaN/None must match."""
    worst = 0.0
    for key in left.keys() | right.keys():
        a, b = left.get(key), right.get(key)
        missing_a = a is None or (isinstance(a, float) and math.isnan(a))
        missing_b = b is None or (isinstance(b, float) and math.isnan(b))
        if missing_a or missing_b:
            if missing_a != missing_b:
                return math.inf
            continue
        assert a is not None and b is not None
        worst = max(worst, abs(a - b) / max(abs(a), abs(b), 1e-12))
    return worst


def compare(data: str, period: str, masters: list[str], duckdb_full: dict[str, Any],
            baseline: dict[str, Any]) -> list[dict[str, Any]]:
    """Each master's run, with its ratios to the DuckDB evaluation and the baseline query of the same run."""
    from aftersales.bench.evaluate import _in_fresh_process

    runs = []
    for master in masters:
        run = _in_fresh_process(run_spark, data, period, master)
        check = run.pop("check")
        run["ratio_to_duckdb"] = round(run["seconds"] / duckdb_full["seconds"], 2)
        run["ratio_to_duckdb_with_startup"] = round((run["seconds"] + run["startup_seconds"])
                                                    / duckdb_full["seconds"], 2)
        run["ratio_to_baseline"] = round(run["seconds"] / baseline["seconds"], 2)
        run["max_relative_difference_to_duckdb"] = max_relative_difference(check, duckdb_full["check"])
        run["same_values_as_duckdb"] = run["max_relative_difference_to_duckdb"] <= AGREEMENT
        runs.append(run)
    return runs


def print_runs(console: Console, duckdb_full: dict[str, Any], runs: list[dict[str, Any]]) -> None:
    table = Table(title="full evaluation: Spark beside DuckDB (same data, same run)")
    for col in ("engine", "start s", "eval s", "÷ DuckDB", "÷ with start", "executors", "max rel Δ"):
        table.add_column(col)
    table.add_row("DuckDB", "—", f"{duckdb_full['seconds']:.2f}", "1.00", "1.00", "—", "—")
    for run in runs:
        table.add_row(run["master"], f"{run['startup_seconds']:.1f}", f"{run['seconds']:.2f}",
                      f"{run['ratio_to_duckdb']:.1f}×", f"{run['ratio_to_duckdb_with_startup']:.1f}×",
                      str(run["executors"] or "—"), f"{run['max_relative_difference_to_duckdb']:.1e}")
    console.print(table)
    for run in runs:
        if not run["same_values_as_duckdb"]:
            console.print(f"[red]Spark {run['master']} 与 DuckDB 结果不一致 / does not agree with DuckDB: max relative "
                          f"difference {run['max_relative_difference_to_duckdb']:.2e}[/red]")
