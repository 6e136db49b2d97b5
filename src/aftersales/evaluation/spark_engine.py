"""The SparkSession the health index runs on: local mode, or the master of a standalone cluster.

A process holds one SparkContext, and `getOrCreate` silently hands back the one already running whatever
master is asked for; so the session is built here only, and a clash with a running one is an error.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from aftersales.problems import InvalidInput

LOCAL = "local[2]"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


def resolve_master(spec: str) -> str:
    """`spark` → the configured master (AFTERSALES_SPARK_MASTER, local[2] by default); a master URL → itself."""
    if spec == "spark":
        from aftersales.config import get_settings

        return get_settings().spark_master
    return spec


def is_loopback(master: str) -> bool:
    """Local mode, or a cluster whose master listens on this machine's loopback interface."""
    return master.startswith("local") or urlsplit(master).hostname in LOOPBACK


def session_conf(master: str, *, python: str | None = None, driver_memory: str = "1g",
                 executor_memory: str = "512m", java_options: str = "") -> dict[str, str]:
    """The settings of the evaluation's session: small, UTC, and reachable from the executors."""
    conf = {
        "spark.app.name": "aftersales-evaluation",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",  # a progress bar per job floods a CLI run's terminal
        "spark.sql.shuffle.partitions": "2",
        "spark.driver.memory": driver_memory,
        "spark.sql.session.timeZone": "UTC",
        # Python on the executors (RDD steps, UDFs) must be the one that has our packages, not the PATH's python3
        "spark.pyspark.python": python or os.environ.get("PYSPARK_PYTHON") or sys.executable,
    }
    if not master.startswith("local"):
        conf["spark.executor.memory"] = executor_memory
    if java_options:
        # a cold evaluation is ~70 short jobs: with the full JIT, C2 compiling takes most of the CPU of a small
        # machine; its quick tier alone made a cold run 2-4x faster here (docs/benchmarks.md)
        conf["spark.driver.extraJavaOptions"] = java_options
        conf["spark.executor.extraJavaOptions"] = java_options
    if is_loopback(master):
        # the executors call the driver back: on one machine that must stay on loopback, not the host's name
        conf["spark.driver.host"] = "127.0.0.1"
        conf["spark.driver.bindAddress"] = "127.0.0.1"
    return conf


def spark_session(master: str = LOCAL, extra: Mapping[str, str] | None = None) -> Any:
    """The process's SparkSession on `master`, configured by `session_conf` (plus `extra`) and the settings."""
    from pyspark import SparkContext
    from pyspark.sql import SparkSession

    from aftersales.config import get_settings

    settings = get_settings()
    running = SparkContext._active_spark_context  # any thread's; getActiveSession() only sees this thread's
    if running is not None and running.master != master:
        raise InvalidInput(f"本进程已有 Spark 会话（{running.master}），无法再连接 {master} / this process already "
                           f"runs a Spark session on {running.master}, not {master}", field="source")
    conf = session_conf(master, driver_memory=settings.spark_driver_memory,
                        executor_memory=settings.spark_executor_memory, java_options=settings.spark_java_options)
    conf.update(extra or {})
    # a driver started from Python hands its executors $PYSPARK_PYTHON (else "python3" off their PATH) for every
    # Python step; spark.pyspark.python only reaches drivers that spark-submit starts
    os.environ["PYSPARK_PYTHON"] = conf["spark.pyspark.python"]
    if is_loopback(master):
        # the driver's web UI (when enabled) binds to SPARK_LOCAL_IP, else to every interface
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = SparkSession.builder.master(master)
    for key, value in conf.items():
        builder = builder.config(key, value)
    return builder.getOrCreate()
