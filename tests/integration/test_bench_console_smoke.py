"""`aftersales bench console` end to end with a tiny load: every figure reported, every stream reached."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftersales.cli import app

pytestmark = pytest.mark.slow


def test_tiny_console_bench_reports_both_sides_and_delivers_to_every_stream(tmp_path: Path) -> None:
    out = tmp_path / "console.json"
    result = CliRunner().invoke(app, ["bench", "console", "--open-cases", "200", "--baseline-cases", "20",
                                      "--requests", "10", "--subscribers", "4", "--rounds", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    for size in ("20", "200"):
        for figures in report["pages"][size].values():
            assert 0 < figures["p50_ms"] <= figures["p95_ms"] <= figures["max_ms"]
    assert report["ratio_p95"] == pytest.approx(report["pages"]["200"]["/agent/queue"]["p95_ms"]
                                                / report["pages"]["20"]["/agent/queue"]["p95_ms"], abs=0.01)
    live = report["live_many"]
    assert live["deliveries"] == 4 and live["missed"] == 0
    assert "ratio" in result.output


def test_the_baseline_must_be_smaller_than_the_backlog() -> None:
    result = CliRunner().invoke(app, ["bench", "console", "--open-cases", "100", "--baseline-cases", "100"])
    assert result.exit_code == 2 and "Traceback" not in result.output
