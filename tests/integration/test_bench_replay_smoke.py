"""`aftersales bench replay` end to end on a small month: the report's figures, not the speed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftersales.cli import app

pytestmark = pytest.mark.slow


def test_a_small_replay_bench_reports_both_sides_and_what_changes(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "replay", "--cases", "400", "--sample", "20", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))
    assert report["cases"] == 400 and report["lines"] >= 400
    # the draft lengthens the 3C exchange and adds a base price protection: some cases change, none stricter
    assert report["changed"] > 0 and report["directions"]["stricter"] == 0
    assert report["replay_seconds"] > 0 and report["one_by_one_ms_per_case"] > 0
    assert report["ratio"] == pytest.approx(report["one_by_one_extrapolated_seconds"] / report["replay_seconds"])
    assert "ratio" in result.output and "cases/s" in result.output


def test_bad_options_are_refused_with_a_message() -> None:
    result = CliRunner().invoke(app, ["bench", "replay", "--cases", "10", "--sample", "11"])
    assert result.exit_code == 2 and "Traceback" not in result.output
