"""`aftersales triage classify | evaluate` through typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from aftersales.triage.cli import app

runner = CliRunner()
FIELDS = {"text", "category", "categories", "emotion", "risk_flags", "symptoms", "confidence"}


def test_classify_plain_lines_from_stdin() -> None:
    result = runner.invoke(app, ["classify"], input="这衣服太大了\n\n快递一周都没到\n")
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [r["text"] for r in rows] == ["这衣服太大了", "快递一周都没到"]
    assert all(set(r) >= FIELDS for r in rows)
    assert rows[0]["category"] == "size_fit" and rows[1]["category"] == "logistics_delay"


def test_classify_jsonl_file_with_answers(tmp_path: Path) -> None:
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": "用了面霜脸上刺痛", "id": 1}, ensure_ascii=False) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["classify", "--file", str(src), "--answers"])
    assert result.exit_code == 0, result.output
    row = json.loads(result.output)
    assert row["category"] == "allergy_reaction" and row["symptoms"] == ["刺痛"]
    assert "过敏" in row["answer_zh"]


def test_classify_rejects_bad_json_without_traceback() -> None:
    result = runner.invoke(app, ["classify"], input='{"text": \n')
    assert result.exit_code != 0
    assert "Traceback" not in result.output


def test_classify_output_round_trips_into_evaluate(tmp_path: Path) -> None:
    """Predictions written by classify, fed back as labels, must score perfectly."""
    texts = ["不是质量问题，就是不想要了", "少发了一个赠品", "降价了，能价保吗", "退款什么时候到账"]
    classified = runner.invoke(app, ["classify"], input="\n".join(texts) + "\n")
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text(classified.output, encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--file", str(labelled), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["n"] == 4
    assert report["category"]["accuracy"] == 1.0 and report["emotion"]["accuracy"] == 1.0


def test_evaluate_tsv_prints_per_class_confusion_and_calibration(tmp_path: Path) -> None:
    tsv = tmp_path / "gold.tsv"
    tsv.write_text("text\tcategory\n这衣服太大了\tsize_fit\n快递呢\tlogistics_delay\n这衣服太小了\tcounterfeit\n",
                   encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--file", str(tsv)])
    assert result.exit_code == 0, result.output
    assert "macro-F1" in result.output and "confusion" in result.output and "calibration" in result.output
    report = json.loads(runner.invoke(app, ["evaluate", "--file", str(tsv), "--json"]).output)
    assert report["category"]["accuracy"] < 1.0  # the third row is deliberately mislabelled
    assert report["emotion"] is None


def test_evaluate_reports_unknown_labels_and_missing_files_cleanly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "x", "category": "nonsense"}) + "\n", encoding="utf-8")
    for args in (["--file", str(bad)], ["--file", str(tmp_path / "missing.jsonl")]):
        result = runner.invoke(app, ["evaluate", *args])
        assert result.exit_code != 0
        assert "Traceback" not in result.output
