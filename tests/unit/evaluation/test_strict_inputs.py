"""Strict inputs: mappings that name what is not there fail, duplicate ids are dropped and reported, every
empty indicator is explained, and the data's own locale decides off-hours, promo peaks and the month."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from aftersales.evaluation.indicators import IndicatorResult, compute_indicators
from aftersales.evaluation.sources import open_source
from aftersales.problems import InvalidInput

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "evaluation" / "handbuilt"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "data"
    shutil.copytree(FIXTURE, target)
    return target


def _value(result: IndicatorResult, sid: str, ind: str) -> tuple[float, int]:
    row = result.values[(result.values.subject_id == sid) & (result.values.indicator == ind)].iloc[0]
    return float(row["value"]), int(row["n"])


def test_a_mapped_column_that_does_not_exist_is_an_error_naming_it(folder: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        open_source(str(folder), mapping={"cases": {"columns": {"first_response_at": "answered_at"}}})
    assert "answered_at" in caught.value.detail and "first_response_at" in caught.value.detail


def test_a_mapping_to_an_unknown_schema_column_is_an_error(folder: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        open_source(str(folder), mapping={"cases": {"columns": {"first_reply": "first_response_at"}}})
    assert "first_reply" in caught.value.detail


def test_duplicate_case_ids_are_dropped_and_reported(folder: Path) -> None:
    before = compute_indicators(open_source(str(folder)), "anchor", "2026-10")
    lines = (folder / "cases.csv").read_text(encoding="utf-8").splitlines()
    duplicated = [line for line in lines if line.startswith("c1,")] * 2
    (folder / "cases.csv").write_text("\n".join([*lines, *duplicated]) + "\n", encoding="utf-8")
    after = compute_indicators(open_source(str(folder)), "anchor", "2026-10")
    for ind in ("S5", "R1", "E1", "S3"):
        assert _value(after, "A1", ind) == pytest.approx(_value(before, "A1", ind))
    dropped = [e for e in after.cleaning if e.rule == "dropped_duplicate_ids"]
    assert [(e.table, e.column, e.rows_affected) for e in dropped] == [("cases", "case_id", 2)]


def test_every_empty_indicator_names_the_missing_column(folder: Path) -> None:
    (folder / "messages.csv").unlink()
    text = (folder / "cases.csv").read_text(encoding="utf-8").splitlines()
    header = text[0].split(",")
    drop = header.index("first_human_response_at")
    rows = [",".join(c for i, c in enumerate(line.split(",")) if i != drop) for line in text]
    (folder / "cases.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = compute_indicators(open_source(str(folder)), "anchor", "2026-10")
    reasons = {e.rule.split(":", 1)[1]: e.reason for e in result.cleaning if e.rule.startswith("empty_indicator")}
    assert "cases.first_human_response_at" in reasons["R4"]
    assert "cases.first_human_response_at" in reasons["M4"]   # no longer a silent 0 of "never reached"
    assert all(n == 0 for n in result.values[result.values.indicator == "M4"]["n"])
    assert "messages" in reasons["M1"] and "messages" in reasons["T3"]


def _locale_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "locale"
    folder.mkdir()
    (folder / "cases.csv").write_text(
        "case_id,anchor_id,tier,created_at,first_response_at,first_human_response_at,resolved_at\n"
        "x1,A,L1,2026-10-15 03:00:00,2026-10-15 03:30:00,,\n"   # 11:00 Shanghai, 00:00 São Paulo
        "x2,A,L1,2026-10-15 15:00:00,2026-10-15 15:05:00,,\n"   # 23:00 Shanghai, 12:00 São Paulo
        "x3,A,L1,2026-10-25 06:00:00,2026-10-25 06:05:00,,\n"   # 双11 window in China, no promo in Brazil
        "x4,A,L1,2026-10-31 20:00:00,2026-10-31 20:05:00,,\n",  # 1 Nov in Shanghai, still 31 Oct in São Paulo
        encoding="utf-8")
    return folder


def test_off_hours_promo_peaks_and_the_month_follow_the_source_locale(tmp_path: Path) -> None:
    folder = _locale_folder(tmp_path)
    china = compute_indicators(open_source(str(folder)), "anchor", "2026-10")
    brazil = compute_indicators(open_source(str(folder), mapping={"locale": "brazil"}), "anchor", "2026-10")
    assert _value(china, "A", "R1")[1] == 3 and _value(brazil, "A", "R1")[1] == 4   # x4 is October in Brazil
    # off-hours (22:00-08:00 local): x2 in Shanghai; x1 (00:00) and x3 (03:00) in São Paulo
    assert _value(china, "A", "R5")[1] == 1 and _value(brazil, "A", "R5")[1] == 2
    assert _value(china, "A", "R3")[1] == 1 and _value(brazil, "A", "R3")[1] == 0


def test_an_unknown_locale_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        open_source(str(_locale_folder(tmp_path)), mapping={"locale": "atlantis"})
    assert "atlantis" in caught.value.detail


def test_repeat_complaints_without_any_order_with_two_cases_cannot_vary(tmp_path: Path) -> None:
    folder = tmp_path / "repeats"
    folder.mkdir()
    (folder / "cases.csv").write_text(
        "case_id,order_id,buyer_id,anchor_id,created_at\n"
        "a1,O1,U1,A,2026-10-05 02:00:00\n"
        "a2,O1,U1,A,2026-10-09 02:00:00\n"   # the same buyer again on O1: a repeat
        "a3,O2,U2,A,2026-10-10 02:00:00\n"
        "b1,O3,U3,B,2026-10-05 02:00:00\n"   # B: every order has one case, so S4 could not have moved
        "b2,O4,U4,B,2026-10-06 02:00:00\n",
        encoding="utf-8")
    result = compute_indicators(open_source(str(folder)), "anchor", "2026-10")
    s4 = result.values[result.values.indicator == "S4"].set_index("subject_id")
    assert s4.loc["A", "value"] == pytest.approx(1 / 3) and s4.loc["A", "note"] != "cannot_vary"
    assert s4.loc["B", "note"] == "cannot_vary" and s4.loc["B", "value"] != s4.loc["B", "value"]   # NaN
