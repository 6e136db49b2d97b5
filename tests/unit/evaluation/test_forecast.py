"""Trend forecast and risk levels (SPEC §Evaluation, Trend and forecast)."""

from __future__ import annotations

import pytest

from aftersales.evaluation.forecast import forecast_index, risk_level


@pytest.mark.parametrize(("last", "means", "expected"), [
    (75.0, [70.0, 65.0, 59.9], "high"),      # a forecast month below 60
    (62.0, [61.0, 60.5, 60.0], "medium"),    # lowest forecast 60–70
    (69.0, [69.9, 69.9, 69.9], "medium"),
    (82.0, [80.0, 78.0, 76.9], "medium"),    # stays ≥ 70 but falls 5.1 points
    (80.0, [79.0, 77.0, 75.0], "low"),       # falls exactly 5: not "more than 5"
    (70.0, [70.0, 71.0, 72.0], "low"),
])
def test_risk_levels(last: float, means: list[float], expected: str) -> None:
    assert risk_level(last, means)[0] == expected


def test_steady_decline_towards_60_is_high_risk_with_ets_on_long_series() -> None:
    history = [90 - 3 * i for i in range(10)]   # 90, 87, ..., 63: the next months go below 60
    fc = forecast_index(history)
    assert fc.method.startswith("ets")
    assert len(fc.points) == 3
    assert fc.points[-1].mean < 63
    assert fc.risk == "high"


def test_stable_good_series_is_low_risk() -> None:
    history = [86, 88, 87, 86, 88, 87, 86, 88, 87, 87]
    fc = forecast_index(history)
    assert fc.risk == "low"
    for p in fc.points:
        assert p.lower is not None and p.upper is not None
        assert p.lower <= p.mean <= p.upper
        assert 80 < p.mean < 95


def test_short_series_falls_back_to_a_line_with_widening_interval() -> None:
    fc = forecast_index([70, 72, 71, 73])
    assert fc.method == "linear_trend"
    widths = [p.upper - p.lower for p in fc.points]  # type: ignore[operator]
    assert widths[0] < widths[1] < widths[2]


def test_two_months_use_the_last_value_and_one_month_has_no_interval() -> None:
    two = forecast_index([80, 76])
    assert two.method == "naive_last_value"
    assert all(p.mean == 76 for p in two.points)
    one = forecast_index([None, 64])
    assert one.points[0].lower is None
    assert one.risk == "medium"


def test_no_history_means_no_forecast_and_no_risk() -> None:
    fc = forecast_index([None, None])
    assert fc.points == () and fc.risk is None


def test_forecast_stays_within_index_range() -> None:
    fc = forecast_index([20, 15, 10, 5, 2, 1, 0, 0, 0, 0])
    assert all(0 <= p.mean <= 100 and (p.lower is None or p.lower >= 0) for p in fc.points)
