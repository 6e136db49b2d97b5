"""`aftersales bench intake` end to end with a tiny load: the zero-loss audit and the report, not the speed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftersales.cli import app

pytestmark = pytest.mark.slow


def test_tiny_bench_loses_and_duplicates_nothing_and_reports_every_figure(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = CliRunner().invoke(app, ["bench", "intake", "--requests", "300", "--warmup", "30", "--concurrency", "8",
                                      "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    for side in ("bare", "intake"):
        assert report[side]["sent"] == 300
        assert report[side]["ok"] == 300, report[side]["status_counts"]
        for figure in ("cases_per_s", "p50_ms", "p95_ms", "p99_ms"):
            assert report[side][figure] > 0
        assert report[side]["p50_ms"] <= report[side]["p95_ms"] <= report[side]["p99_ms"]
    database = report["audit"]
    assert database["created_201"] == 300 + 30  # the warm-up's cases are real cases too
    assert database["cases_in_db"] == database["created_201"]
    assert database["lost"] == database["unacknowledged_in_db"] == database["duplicate_keys_in_db"] == 0
    assert report["targets"]["zero_lost_or_duplicated"] is True
    assert report["ratio"] == pytest.approx(report["intake"]["cases_per_s"] / report["bare"]["cases_per_s"],
                                            abs=0.01)
    assert "p99" in result.output and "cases/s" in result.output


def test_bad_options_are_refused_with_a_message_not_a_traceback() -> None:
    result = CliRunner().invoke(app, ["bench", "intake", "--requests", "0"])
    assert result.exit_code == 2
    assert "--requests" in result.output
    assert "Traceback" not in result.output


@pytest.mark.postgres
def test_two_api_workers_and_a_sweeper_on_postgresql_lose_nothing(tmp_path: Path) -> None:
    from tests.conftest import PG_ADMIN_URL, PG_AVAILABLE

    if not PG_AVAILABLE:
        pytest.skip("PostgreSQL not available")
    out = tmp_path / "report.json"
    admin = PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://")
    result = CliRunner().invoke(app, ["bench", "intake", "--requests", "200", "--warmup", "20", "--concurrency", "8",
                                      "--database", admin, "--workers", "2", "--sweepers", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert (report["database"], report["workers"], report["sweepers"]) == ("postgresql", 2, 1)
    assert report["intake"]["ok"] == 200 and report["audit"]["zero_lost_or_duplicated"] is True
    assert report["intake"]["server_cpu_ms_per_request"] > 0, "the workers' CPU is counted, not only the master's"
