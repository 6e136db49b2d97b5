"""Cleaning before the indicators: what is dropped or winsorised, and that the report says so."""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path

import pytest

from aftersales.evaluation.indicators import compute_indicators
from aftersales.evaluation.sources import open_source, read_table
from aftersales.problems import InvalidInput

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "evaluation" / "handbuilt"


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(FIXTURE, target)
    return target


def _value(result, subject: str, indicator: str) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    row = result.values[(result.values.subject_id == subject) & (result.values.indicator == indicator)]
    return float(row.value.iloc[0]), int(row.n.iloc[0])


def test_report_lists_each_rule_with_rows_and_reason() -> None:
    report = compute_indicators(open_source(str(FIXTURE)), "anchor", "2026-10").cleaning
    rows = {(e.table, e.column, e.rule): e.rows_affected for e in report}
    assert rows == {
        ("cases", "resolved_at", "dropped_negative"): 1,  # d3 resolved two hours before it opened
        ("cases", "resolved_at", "winsorised_p99:E1"): 1,  # d1's 200 h return
        ("cases", "resolved_at", "winsorised_p99:E2"): 1,  # d2's 8 working days
        ("arbitration", "decided_at", "winsorised_p99:C2"): 1,  # d1's 12 days
        ("surveys", "csat", "dropped_out_of_range"): 1,  # d2's CSAT of 9
    }
    assert report.caps == pytest.approx({"E1": 197.0, "E2": 7.94, "C2": 11.91})
    for entry in report:
        zh, en = entry.reason.split(" / ", 1)
        assert zh and en


def test_report_as_dict_is_json_ready() -> None:
    report = compute_indicators(open_source(str(FIXTURE)), "anchor", "2026-10").cleaning
    data = json.loads(json.dumps(report.as_dict()))
    assert data["rows_affected"] == 5
    assert {"table", "column", "rule", "rows_affected", "reason"} <= set(data["entries"][0])


def test_cleaning_only_looks_at_the_period() -> None:
    # September holds d4 alone: nothing to drop, a single duration is its own p99
    report = compute_indicators(open_source(str(FIXTURE)), "anchor", "2026-09").cleaning
    assert report.affected("dropped_negative") == 0
    assert report.affected("dropped_out_of_range") == 0


def test_impossible_duration_is_dropped_not_averaged(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    cases = (data / "cases.csv").read_text()
    # c1's return now "took" 400 days: an import error, not a slow answer
    (data / "cases.csv").write_text(cases.replace("2026-10-13 08:00:00,2026-10-13 18:00:00",
                                                  "2027-11-17 02:00:00,2026-10-13 18:00:00"))
    result = compute_indicators(open_source(str(data)), "anchor", "2026-10")
    assert result.cleaning.affected("dropped_impossible") == 1
    assert _value(result, "A1", "E1") == (50.0, 1)  # only c2 is left
    assert _value(result, "A1", "S3")[0] == pytest.approx(3 / 5)  # the case itself still counts elsewhere


def test_missing_table_gives_no_data_and_a_note(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    (data / "callbacks.csv").unlink()
    result = compute_indicators(open_source(str(data)), "anchor", "2026-10")
    value, n = _value(result, "A1", "M3")
    assert math.isnan(value) and n == 0
    notes = [e for e in result.cleaning if e.rule == "missing_table"]
    assert [(e.table, "M3" in e.reason) for e in notes] == [("callbacks", True)]


def test_mapping_file_renames_the_users_columns(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    text = (data / "cases.csv").read_text()
    header, body = text.split("\n", 1)
    header = header.replace("case_id,", "ticket_no,").replace(",tier,", ",level,")
    (data / "cases.csv").unlink()
    (data / "tickets.csv").write_text(header + "\n" + body)
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text("cases:\n  file: tickets.csv\n  columns:\n    case_id: ticket_no\n    tier: level\n")
    result = compute_indicators(open_source(str(data), mapping=mapping), "anchor", "2026-10")
    assert _value(result, "A1", "R2") == (1.0, 5)  # tier read from the renamed column
    assert _value(result, "A1", "M1")[1] == 3  # messages still join on the renamed case id


@pytest.mark.parametrize("suffix", ["json", "toml"])
def test_mapping_in_json_and_toml(tmp_path: Path, suffix: str) -> None:
    data = _copy(tmp_path)
    text = (data / "surveys.csv").read_text().replace("csat,nps", "satisfaction,recommend")
    (data / "surveys.csv").write_text(text)
    mapping = tmp_path / f"mapping.{suffix}"
    if suffix == "json":
        mapping.write_text(json.dumps({"surveys": {"csat": "satisfaction", "nps": "recommend"}}))
    else:
        mapping.write_text('[surveys.columns]\ncsat = "satisfaction"\nnps = "recommend"\n')
    result = compute_indicators(open_source(str(data), mapping=mapping), "anchor", "2026-10")
    assert _value(result, "A1", "S2") == (4.0, 4)


def test_missing_required_column_is_a_clear_error(tmp_path: Path) -> None:
    data = _copy(tmp_path)
    text = (data / "cases.csv").read_text().replace("created_at", "opened")
    (data / "cases.csv").write_text(text)
    with pytest.raises(InvalidInput, match="created_at"):
        open_source(str(data))


def test_folder_without_cases_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="cases"):
        open_source(str(tmp_path))


def test_read_table_returns_validation_tables_or_an_empty_frame() -> None:
    source = open_source(str(FIXTURE))
    outcomes = read_table(source, "outcomes")
    assert outcomes.empty
    assert list(outcomes.columns) == ["subject_type", "subject_id", "period", "repurchase_rate",
                                      "recommendation_rate", "complaints"]
    assert sorted(read_table(source, "subjects").subject_id)[:2] == ["A1", "A2"]
