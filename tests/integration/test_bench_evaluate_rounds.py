"""`aftersales bench evaluate` end to end on a small data set: both sides, every round, CPU beside wall."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftersales.cli import app

pytestmark = pytest.mark.slow


def test_a_small_evaluate_bench_alternates_rounds_and_agrees_with_the_baseline(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "evaluate", "--cases", "3000", "--anchors", "20", "--runs", "2",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "bench-evaluate.json").read_text(encoding="utf-8"))
    assert report["runs"] == 2
    for side in ("baseline", "full"):
        assert len(report[side]["runs_seconds"]) == 2 and len(report[side]["runs_cpu_seconds"]) == 2
        assert report[side]["seconds"] > 0 and report[side]["cpu_seconds"] > 0
        assert report[side]["subjects"] == 20
    assert report["ratio"] == pytest.approx(report["full"]["seconds"] / report["baseline"]["seconds"], rel=0.01)
    assert report["cpu_ratio"] > 0
    # the hand-written R1 and S2 equal the full evaluation's on data that needs no cleaning for them
    assert report["max_difference_r1_s2"] == 0
    assert "ratio per round" in result.output


def test_zero_rounds_are_refused_with_a_message(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["bench", "evaluate", "--cases", "100", "--runs", "0", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--runs" in result.output and "Traceback" not in result.output
