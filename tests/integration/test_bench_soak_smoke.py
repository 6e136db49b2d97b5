"""`aftersales bench soak` end to end for a few seconds: the probe, the fixed-rate mix, the samples and the
verdicts are all in the report; a run this short leaves the memory verdict open instead of guessing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftersales.bench.soak import MIX
from aftersales.cli import app

pytestmark = pytest.mark.slow


def test_tiny_soak_reports_memory_errors_and_rates(tmp_path: Path) -> None:
    out = tmp_path / "soak.json"
    result = CliRunner().invoke(app, ["bench", "soak", "--minutes", "0.1", "--rate", "20", "--sample-seconds", "1",
                                      "--probe-seconds", "2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["probe"]["max_rate"] > 0 and report["probe"]["errors"] == 0
    assert report["rate"]["target"] == 20 and not report["rate"]["default_half_of_probe"]
    assert set(report["kinds"]) == set(MIX), "every kind of request in the mix was sent"
    assert len(report["samples"]) >= 3
    for sample in report["samples"]:
        assert sample["rss_mb"] > 0 and sample["errors"] == 0, sample
    assert report["errors"] == {"flat": True, "total": 0, "first_third": 0, "last_third": 0,
                                "windows_with_errors": 0}
    assert report["memory"]["flat"] is None and "too few" in report["memory"]["reason"]
    assert report["server_tracebacks"] == 0
    assert "RSS" in result.output


def test_bad_options_are_refused_without_a_traceback() -> None:
    result = CliRunner().invoke(app, ["bench", "soak", "--minutes", "0"])
    assert result.exit_code == 2 and "--minutes" in result.output and "Traceback" not in result.output
