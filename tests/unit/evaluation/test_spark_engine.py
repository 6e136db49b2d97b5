"""Where the health index's Spark session points and how it is set up, and the cluster command's refusals;
no JVM is started here (the real cluster is tests/integration/test_spark_cluster.py)."""

from __future__ import annotations

import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftersales.cli import app
from aftersales.config import get_settings
from aftersales.evaluation.spark_engine import resolve_master, session_conf

runner = CliRunner()


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_spark_means_the_configured_master_and_a_url_means_itself(settings_env: pytest.MonkeyPatch) -> None:
    settings_env.delenv("AFTERSALES_SPARK_MASTER", raising=False)
    assert resolve_master("spark") == "local[2]"
    settings_env.setenv("AFTERSALES_SPARK_MASTER", "spark://127.0.0.1:7077")
    get_settings.cache_clear()
    assert resolve_master("spark") == "spark://127.0.0.1:7077"
    assert resolve_master("spark://10.0.0.5:7077") == "spark://10.0.0.5:7077"


def test_a_local_cluster_keeps_the_driver_on_loopback_and_the_executors_on_our_python(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYSPARK_PYTHON", raising=False)
    conf = session_conf("spark://127.0.0.1:7077", executor_memory="384m")
    assert conf["spark.driver.host"] == conf["spark.driver.bindAddress"] == "127.0.0.1"
    assert conf["spark.pyspark.python"] == sys.executable
    assert conf["spark.executor.memory"] == "384m"
    assert conf["spark.sql.session.timeZone"] == "UTC"


def test_a_remote_cluster_is_not_told_to_call_back_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PYSPARK_PYTHON", "/opt/venv/bin/python")
    conf = session_conf("spark://10.0.0.5:7077")
    assert "spark.driver.host" not in conf and "spark.driver.bindAddress" not in conf
    assert conf["spark.pyspark.python"] == "/opt/venv/bin/python"  # the operator's choice wins


def test_status_of_no_cluster_says_so_and_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["spark-cluster", "status", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "未运行 / not running" in result.output
    assert runner.invoke(app, ["spark-cluster", "stop", "--dir", str(tmp_path)]).exit_code == 0


def test_start_on_a_port_in_use_names_the_port_and_starts_nothing(tmp_path: Path) -> None:
    pytest.importorskip("pyspark")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = runner.invoke(app, ["spark-cluster", "start", "--dir", str(tmp_path / "c"), "--port", str(port)])
    assert result.exit_code == 2
    assert "端口已被占用 / ports in use" in result.output and str(port) in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "c" / "pids").exists()


def test_the_bench_calls_two_engines_equal_only_when_every_value_and_every_gap_match() -> None:
    from aftersales.bench.evaluate_spark import max_relative_difference

    duck = {"A|R1": 0.5, "A|S2": 4.2, "B|R1": float("nan")}
    assert max_relative_difference(duck, {"A|R1": 0.5, "A|S2": 4.2 * (1 + 1e-15), "B|R1": None}) < 1e-14
    assert max_relative_difference(duck, {"A|R1": 0.5, "A|S2": 4.3, "B|R1": None}) > 0.02
    assert max_relative_difference(duck, {"A|R1": 0.5, "A|S2": 4.2, "B|R1": 0.1}) == float("inf")


def test_the_jvm_options_reach_the_driver_and_the_executors_and_can_be_turned_off() -> None:
    conf = session_conf("spark://127.0.0.1:7077", java_options="-XX:TieredStopAtLevel=1")
    assert conf["spark.driver.extraJavaOptions"] == conf["spark.executor.extraJavaOptions"] == "-XX:TieredStopAtLevel=1"
    assert "spark.driver.extraJavaOptions" not in session_conf("spark://127.0.0.1:7077", java_options="")
