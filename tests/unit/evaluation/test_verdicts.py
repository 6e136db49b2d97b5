"""Grades only when the data allow them; thresholds compare the values as shown."""

from __future__ import annotations

import pytest

from aftersales.evaluation import scoring, verdicts
from aftersales.evaluation.method import Method


def test_thresholds_compare_the_rounded_value() -> None:
    nearly_sixty = 0.1 * 3 * 200 - 0.000000000000014   # 59.999999999999986 as the issue saw it
    assert scoring.shown(nearly_sixty) == 60.0
    assert scoring.grade(nearly_sixty) == "B"
    assert scoring.card([nearly_sixty]) is None
    assert scoring.grade(84.95) == "A" and scoring.grade(84.94) == "B"
    assert scoring.credit_decision(69.96) == "normal"


def _coverage(indicators: int, dimensions: int, weight: float) -> scoring.Coverage:
    return scoring.Coverage(indicators, 28, dimensions, weight)


@pytest.mark.parametrize(("indicators", "dimensions", "weight", "half", "status"), [
    (28, 6, 1.0, 3.0, "graded"),
    (3, 2, 0.4, 3.0, "insufficient_data"),     # 3 of 28 indicators: never an A
    (10, 4, 0.8, 14.0, "insufficient_data"),   # interval too wide
    (6, 3, 0.5, 10.0, "graded"),               # exactly at every gate
    (0, 0, 0.0, None, "no_data"),
])
def test_gate(indicators: int, dimensions: int, weight: float, half: float | None, status: str) -> None:
    interval = verdicts.IndexInterval(None, None) if half is None else verdicts.IndexInterval(70 - half, 70 + half)
    verdict = verdicts.gate(_coverage(indicators, dimensions, weight), interval, Method(), has_index=half is not None)
    assert verdict.status == status
    assert bool(verdict.reasons_zh) == (status != "graded")


def test_index_interval_shrinks_with_more_indicators() -> None:
    one = verdicts.index_interval(70.0, {"R1": (60.0, 80.0)}, {"response": 1.0}, 0.9)
    four = verdicts.index_interval(70.0, {i: (60.0, 80.0) for i in ("R1", "R2", "R3", "R4")},
                                   {"response": 1.0}, 0.9)
    assert one.half_width == pytest.approx(10.0)
    assert four.half_width == pytest.approx(5.0)
