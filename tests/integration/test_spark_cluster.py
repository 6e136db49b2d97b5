"""A real Spark standalone cluster on this machine (a master and two workers started by `aftersales spark-cluster`
through pyspark's own spark-daemon.sh) runs the health index over Parquet and gives DuckDB's numbers; both
workers do part of the work, on the project's Python; nothing of the cluster is left running afterwards."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from aftersales.evaluation import spark_cluster
from aftersales.evaluation.indicators import compute_indicators
from aftersales.evaluation.sources import open_source
from tests.integration.conftest_evaluation import assert_same_indicators, synthetic_folder

__all__ = ["synthetic_folder"]  # the fixture used below, imported so pytest sees it

pytestmark = [pytest.mark.spark, pytest.mark.slow]


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "aftersales.cli", "spark-cluster", *args],
                          capture_output=True, text=True, timeout=300, env=os.environ.copy())


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """Master and two workers on 127.0.0.1 (free ports), stopped and checked gone whatever the test did."""
    pytest.importorskip("pyspark")
    folder = tmp_path / "cluster"
    port, ui = spark_cluster.free_port(), spark_cluster.free_port()
    started = _cli("start", "--dir", str(folder), "--port", str(port), "--webui-port", str(ui),
                   "--worker-webui-port", "0", "--workers", "2")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        status = _cli("status", "--dir", str(folder), "--json")
        assert status.returncode == 0, status.stderr
        yield json.loads(status.stdout)
    finally:
        stopped = _cli("stop", "--dir", str(folder))
        spark_cluster.stop(folder)  # a no-op when the command did its job; cleans up when it did not
    assert stopped.returncode == 0, stopped.stderr
    assert spark_cluster.processes(folder) == [], "no daemon or executor of the cluster outlives stop"
    assert _cli("status", "--dir", str(folder)).returncode == 1


def _evaluate_on_cluster(master: str, data: str, subject_type: str, period: str) -> dict[str, Any]:
    """Runs in a fresh process: one SparkContext per process, and the suite's local session may be alive."""
    from aftersales.evaluation.spark_engine import spark_session

    # the driver's UI on any free port, only to read its executor list through the monitoring REST API
    session = spark_session(master, extra={"spark.ui.enabled": "true", "spark.ui.port": "0"})
    try:
        context = session.sparkContext
        result = compute_indicators(open_source(master, data=data, session=session), subject_type, period)
        pythons = set(context.parallelize(range(8), 8).map(lambda _: sys.executable).collect())
        url = f"{context.uiWebUrl}/api/v1/applications/{context.applicationId}/executors"
        with urllib.request.urlopen(url, timeout=10) as answer:
            executors = json.load(answer)
        return {"result": result, "app_id": context.applicationId, "master": context.master,
                "pythons": sorted(pythons), "executors": executors}
    finally:
        session.stop()


def test_a_two_worker_cluster_gives_duckdbs_numbers_on_both_workers(cluster: dict[str, Any],
                                                                   synthetic_folder: Path) -> None:
    assert cluster["alive_workers"] == 2 and cluster["cores"] == 2
    master = cluster["master_url"]
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
        run = pool.submit(_evaluate_on_cluster, master, str(synthetic_folder), "anchor", "2026-10").result()

    assert run["master"] == master
    duck = compute_indicators(open_source(str(synthetic_folder)), "anchor", "2026-10")
    assert_same_indicators(duck, run["result"])
    assert run["pythons"] == [sys.executable], "executors run the project's virtualenv Python"

    # the driver's count of finished tasks per executor, each executor mapped to its worker by its log page
    tasks: dict[str, int] = {}
    for executor in run["executors"]:
        if executor["id"] != "driver":
            worker_ui = executor["executorLogs"]["stdout"].split("/logPage/")[0]
            tasks[worker_ui] = tasks.get(worker_ui, 0) + executor["completedTasks"]
    assert sorted(tasks) == sorted(cluster["worker_uis"])
    assert all(count > 0 for count in tasks.values()), tasks
    # and the workers' own pages list an executor of this application each
    ran = spark_cluster.executors_by_worker(cluster["master_ui"], run["app_id"])
    assert sorted(ran) == sorted(cluster["worker_uis"]) and all(ran.values()), ran
