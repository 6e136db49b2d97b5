"""`aftersales evaluate` end to end through Typer's CliRunner on a small synthetic Parquet folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from aftersales.evaluation import synthetic
from aftersales.evaluation.cli import app

runner = CliRunner()
pytestmark = pytest.mark.slow  # each run computes 28 indicators over several months on DuckDB


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = synthetic.SyntheticSpec(cases=1_500, anchors=6, first_month="2026-08", last_month="2026-10", seed=3)
    return synthetic.generate(tmp_path_factory.mktemp("eval_cli"), spec)


def test_evaluate_writes_every_output_and_prints_the_leaderboard(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["--subject", "anchor", "--period", "2026-10", "--source", str(folder),
                                 "--out", str(out), "--history", "3", "--what-if", "E1=36"])
    assert result.exit_code == 0, result.output
    stem = "evaluation_anchor_2026-10"
    for suffix in (".json", ".xlsx", ".html", "_leaderboard.csv", "_indicators.csv"):
        assert (out / f"{stem}{suffix}").is_file(), suffix
    report = json.loads((out / f"{stem}.json").read_text(encoding="utf-8"))
    assert len(report["subjects"]) == 6
    # 双11 window (10-20..11-11) overlaps October: every anchor is scored with the promo profile, and says why
    assert {s["profile"]["name"] for s in report["subjects"]} == {"promo"}
    assert "双11" in report["subjects"][0]["profile"]["reason_zh"]
    assert "what-if" in result.output
    # a faster return can only raise (or keep) the index
    for s in report["subjects"]:
        wi = s["what_if"]
        if wi["index_before"] is not None:
            assert wi["index_after"] >= wi["index_before"] - 1e-9


def test_forced_profile_is_used(folder: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["--period", "2026-10", "--source", str(folder), "--out", str(tmp_path),
                                 "--history", "1", "--no-validate", "--profile", "base"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "evaluation_anchor_2026-10.json").read_text(encoding="utf-8"))
    assert {s["profile"]["name"] for s in report["subjects"]} == {"base"}


@pytest.mark.parametrize("args", [
    ["--period", "2026-13"],
    ["--period", "2026-10", "--subject", "planet"],
    ["--period", "2026-10", "--what-if", "E1=fast"],
    ["--period", "2026-10", "--profile", "nope"],
])
def test_bad_input_is_a_clear_message_not_a_traceback(folder: Path, tmp_path: Path, args: list[str]) -> None:
    result = runner.invoke(app, [*args, "--source", str(folder), "--out", str(tmp_path), "--history", "1",
                                 "--no-validate"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "错误 / error" in result.output


def test_missing_folder_is_reported(tmp_path: Path) -> None:
    result = runner.invoke(app, ["--period", "2026-10", "--source", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_validate_prints_verdicts(folder: Path) -> None:
    result = runner.invoke(app, ["validate", "--period", "2026-10", "--source", str(folder)])
    assert result.exit_code == 0, result.output
    assert "三方交叉验证" in result.output and "盲测评估" in result.output


def test_profiles_lists_the_three_builtins() -> None:
    result = runner.invoke(app, ["profiles"])
    assert result.exit_code == 0
    for name in ("base", "promo", "sensitive_skin"):
        assert name in result.output
