"""Supplementary indicators (补充指标) from a config file: computed like the 28, scored, and refused when unsafe."""

from __future__ import annotations

from pathlib import Path

import pytest

from aftersales.evaluation import supplementary
from aftersales.evaluation.indicators import compute_indicators
from aftersales.evaluation.sources import open_source
from aftersales.problems import InvalidInput

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "evaluation" / "handbuilt"

R6 = {"indicator": [{
    "id": "R6", "name_zh": "2小时内首次响应率", "name_en": "first responses within 2 h", "frame": "cases",
    "scope": "case_type in ['return_refund', 'exchange', 'allergy']",
    "value": "hours(first_response_at, created_at) <= 2", "target": 0.9, "floor": 0.5}]}


def test_a_supplementary_indicator_is_computed_over_the_schema() -> None:
    extra = supplementary.parse(R6)
    result = compute_indicators(open_source(str(FIXTURE)), "anchor", "2026-10", extra=extra)
    row = result.values[(result.values.subject_id == "A1") & (result.values.indicator == "R6")].iloc[0]
    # A1's return c1 (10 min), exchange c2 (30 min), allergy c3 (5 min): all within 2 h
    assert (row["value"], row["n"]) == (1.0, 3)
    assert extra.specs["R6"].dimension == "response" and extra.kinds["R6"].kind == "rate"


def test_a_mean_indicator_and_its_kind() -> None:
    extra = supplementary.parse({"indicator": [{
        "id": "E6", "value": "hours(resolved_at, created_at)", "unit": "hours", "target": 24, "floor": 96}]})
    assert extra.kinds["E6"].kind == "mean"
    result = compute_indicators(open_source(str(FIXTURE)), "anchor", "2026-10", extra=extra)
    assert (result.values.indicator == "E6").any()


@pytest.mark.parametrize(("change", "needle"), [
    ({"value": "__import__('os').system('true')"}, "__import__"),
    ({"value": "first_response_at.year"}, "Attribute"),
    ({"id": "R1"}, "R1"),
    ({"id": "X9"}, "X9"),
    ({"frame": "orders"}, "frame"),
    ({"target": "high"}, "target"),
])
def test_unsafe_or_wrong_definitions_are_refused(change: dict[str, object], needle: str) -> None:
    bad = {"indicator": [{**R6["indicator"][0], **change}]}
    with pytest.raises(InvalidInput) as caught:
        supplementary.parse(bad)
    assert needle in caught.value.detail


def test_an_unknown_column_is_named() -> None:
    extra = supplementary.parse({"indicator": [{**R6["indicator"][0], "value": "answerd_at is None"}]})
    with pytest.raises(InvalidInput) as caught:
        compute_indicators(open_source(str(FIXTURE)), "anchor", "2026-10", extra=extra)
    assert "answerd_at" in caught.value.detail
