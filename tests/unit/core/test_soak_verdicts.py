"""The soak's verdicts: memory flat or growing, errors steady or growing, from the samples alone."""

from __future__ import annotations

from typing import Any

import pytest

from aftersales.bench.soak import errors_verdict, linear_slope, memory_verdict


def _samples(rss: list[float], errors: list[int] | None = None) -> list[dict[str, Any]]:
    errors = errors or [0] * len(rss)
    return [{"t_s": 10.0 * n, "rss_mb": value, "errors": errors[n]} for n, value in enumerate(rss)]


def test_slope_of_a_line_and_of_too_little() -> None:
    assert linear_slope([(0, 1), (1, 3), (2, 5)]) == pytest.approx(2.0)
    assert linear_slope([(0, 1)]) == 0.0
    assert linear_slope([(1, 1), (1, 5)]) == 0.0


def test_memory_that_warms_up_then_stays_is_flat() -> None:
    verdict = memory_verdict(_samples([300, 305, 308, 309, 310, 310, 309, 310, 311, 310, 310, 309]))
    assert verdict["flat"] is True
    assert verdict["first_window_mb"] == pytest.approx(302.5) and verdict["last_window_mb"] == pytest.approx(309.5)


def test_a_steady_leak_is_not_flat_even_within_the_tolerance() -> None:
    # 0.5 MB a sample = 3 MB a minute: small over two minutes, 180 MB over an hour
    verdict = memory_verdict(_samples([300 + 0.5 * n for n in range(12)]))
    assert verdict["growth_mb"] < verdict["tolerance_mb"]
    assert verdict["second_half_slope_mb_per_min"] == pytest.approx(3.0)
    assert verdict["flat"] is False


def test_too_few_samples_leave_the_verdict_open() -> None:
    assert memory_verdict(_samples([300, 400, 500]))["flat"] is None


def test_errors_growing_towards_the_end_are_flagged() -> None:
    assert errors_verdict(_samples([1.0] * 9, [0, 0, 0, 0, 0, 0, 0, 1, 3]))["flat"] is False
    steady = errors_verdict(_samples([1.0] * 9, [1, 0, 0, 0, 1, 0, 0, 0, 1]))
    assert steady["flat"] is True and steady["total"] == 3 and steady["windows_with_errors"] == 3
