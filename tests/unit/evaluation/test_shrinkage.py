"""Shrinkage of small samples toward the population, and the intervals every estimate carries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from aftersales.evaluation import shrinkage
from aftersales.evaluation.estimates import Kind, estimate
from aftersales.evaluation.method import Method

METHOD = Method()


def _population_rates(extra_k: int, extra_n: int) -> shrinkage.Shrunk:
    rng = np.random.default_rng(7)
    p = rng.uniform(0.7, 0.9, 30)
    n = np.full(30, 200)
    k = rng.binomial(n, p)
    return shrinkage.shrink_rates(np.append(k, extra_k), np.append(n, extra_n), METHOD)


def test_one_perfect_case_is_pulled_to_the_population_not_left_at_100_percent() -> None:
    shrunk = _population_rates(1, 1)
    assert shrunk.estimate[-1] < 0.9   # raw share 1.0
    assert shrunk.estimate[-1] == pytest.approx(shrunk.population_mean, abs=0.05)
    assert shrunk.upper[-1] - shrunk.lower[-1] > 0.1   # and it says it is unsure


def test_a_large_subject_keeps_its_own_share() -> None:
    shrunk = _population_rates(500, 1000)   # raw 0.5, far below everyone else
    assert shrunk.estimate[-1] == pytest.approx(0.5, abs=0.03)
    assert shrunk.lower[-1] < 0.5 < shrunk.upper[-1]


def test_rate_interval_narrows_as_the_sample_grows() -> None:
    widths = [(_population_rates(n * 4 // 5, n).upper[-1] - _population_rates(n * 4 // 5, n).lower[-1])
              for n in (10, 100, 1000)]
    assert widths[0] > widths[1] > widths[2]


def test_means_shrink_by_their_sampling_variance() -> None:
    x = np.array([4.0] * 20 + [1.0, 3.5])
    sd = np.array([1.0] * 22)
    n = np.array([100] * 20 + [1, 400])
    shrunk = shrinkage.shrink_means(x, sd, n, METHOD)
    assert shrunk.estimate[-2] > 3.0          # one answer of 1 is mostly prior
    assert shrunk.estimate[-1] < 3.6          # 400 answers averaging 3.5 are believed
    assert all(shrunk.lower <= shrunk.estimate) and all(shrunk.estimate <= shrunk.upper)


def _frame(values: list[float], ns: list[int], indicator: str = "R1") -> pd.DataFrame:
    return pd.DataFrame({"subject_type": "anchor", "subject_id": [f"s{i}" for i in range(len(values))],
                         "period": "2026-10", "indicator": indicator, "value": values, "n": ns,
                         "sd": np.nan, "note": None})


def test_small_samples_are_estimated_but_not_scored() -> None:
    out = estimate(_frame([0.8, 0.9, 0.7, 0.85, 0.75, 1.0], [200, 200, 200, 200, 200, 3]),
                   {"R1": Kind("rate")}, METHOD)
    assert list(out["status"]) == ["ok"] * 5 + ["small_sample"]
    assert out["estimate"].iloc[-1] < 1.0 and not np.isnan(out["lower"].iloc[-1])


def test_an_indicator_equal_for_every_subject_tells_nobody_apart() -> None:
    out = estimate(_frame([0.0] * 6, [200] * 6, "S4"), {"S4": Kind("rate")}, METHOD)
    assert set(out["status"]) == {"constant"}


def test_an_indicator_that_cannot_vary_is_no_data_not_a_perfect_score() -> None:
    frame = _frame([0.1, 0.2, 0.1, 0.15, np.nan], [100, 100, 100, 100, 80], "S4")
    frame.loc[4, "note"] = "cannot_vary"
    out = estimate(frame, {"S4": Kind("rate")}, METHOD)
    assert out["status"].iloc[-1] == "cannot_vary"
    assert np.isnan(out["estimate"].iloc[-1])
