"""Scoring rules of the health index, checked against figures worked out by hand from SPEC §Evaluation."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.evaluation import scoring


@dataclass(frozen=True)
class Spec:
    id: str
    target: float
    floor: float


# target/floor straight from the SPEC table, written out here so the test does not read the code under test
SPECS = {s.id: s for s in [
    Spec("R1", 0.95, 0.50), Spec("R4", 45, 1440),
    Spec("E1", 48, 168), Spec("E3", 1.5, 5),
    Spec("S1", 40, 0), Spec("S2", 4.5, 3.0),
    Spec("C1", 1.0, 0.30),
    Spec("T1", 0.90, 0.50),
    Spec("M1", 0.75, 0.30),
]}
BASE = {"response": 0.20, "resolution": 0.25, "satisfaction": 0.20, "responsibility": 0.15,
        "technology": 0.10, "empathy": 0.10}


def test_higher_is_better_score_is_linear_between_floor_and_target() -> None:
    # R1 = 0.86: (0.86 - 0.50) / (0.95 - 0.50) = 0.36 / 0.45 = 0.8 → 80
    assert scoring.indicator_score(0.86, 0.95, 0.50) == pytest.approx(80.0)


def test_lower_is_better_score_uses_the_same_formula() -> None:
    # E1 = 72 h: (72 - 168) / (48 - 168) = -96 / -120 = 0.8 → 80; faster than target caps at 100
    assert scoring.indicator_score(72, 48, 168) == pytest.approx(80.0)
    assert scoring.indicator_score(36, 48, 168) == 100.0
    assert scoring.indicator_score(200, 48, 168) == 0.0


def test_scores_are_clamped_to_0_100() -> None:
    assert scoring.indicator_score(0.99, 0.95, 0.50) == 100.0
    assert scoring.indicator_score(0.10, 0.95, 0.50) == 0.0


def test_missing_value_has_no_score_rather_than_zero() -> None:
    assert scoring.indicator_score(None, 0.95, 0.5) is None
    assert scoring.indicator_score(float("nan"), 0.95, 0.5) is None


@given(st.floats(-1e6, 1e6), st.floats(-1e3, 1e3), st.floats(-1e3, 1e3))
def test_score_always_within_bounds(value: float, target: float, floor: float) -> None:
    score = scoring.indicator_score(value, target, floor)
    assert score is None or 0.0 <= score <= 100.0


def test_dimension_is_mean_of_indicators_with_data() -> None:
    # E1 = 72 h → 80; E3 = 3.25 handoffs → (3.25-5)/(1.5-5) = 0.5 → 50; resolution = (80+50)/2 = 65
    scores = scoring.score_indicators({"E1": 72, "E3": 3.25, "R1": None}, SPECS)
    dims = scoring.dimension_scores(scores)
    assert dims["resolution"] == pytest.approx(65.0)
    assert dims["response"] is None  # R1 and R4 have no data: no score, not zero


def test_index_renormalises_weights_over_dimensions_with_data() -> None:
    # only response (80) and resolution (60) known: weights 0.20 and 0.25 → 0.2/0.45 and 0.25/0.45
    # index = (0.2*80 + 0.25*60) / 0.45 = (16 + 15) / 0.45 = 68.888...
    dims = {"response": 80.0, "resolution": 60.0, "satisfaction": None, "responsibility": None,
            "technology": None, "empathy": None}
    result = scoring.weighted_index(dims, BASE)
    assert result.index == pytest.approx(31 / 0.45)
    assert sum(result.applied_weights.values()) == pytest.approx(1.0)
    assert result.weight_coverage == pytest.approx(0.45)


def test_full_subject_with_hand_worked_index_and_coverage() -> None:
    values = {
        "R1": 0.86,   # 80
        "R4": 540,    # (540-1440)/(45-1440) = -900/-1395 = 64.516...
        "E1": 72,     # 80
        "S1": 20,     # 50
        "S2": 4.2,    # (4.2-3)/(1.5) = 80
        "C1": 0.65,   # (0.65-0.3)/0.7 = 50
        "T1": 0.70,   # 0.2/0.4 = 50
        "M1": float("nan"),
    }
    result = scoring.score_subject(values, SPECS, BASE)
    response = (80 + 900 / 1395 * 100) / 2
    satisfaction = (50 + 80) / 2
    expected = (0.20 * response + 0.25 * 80 + 0.20 * satisfaction + 0.15 * 50 + 0.10 * 50) / 0.90
    assert result.index.index == pytest.approx(expected)
    assert result.dimensions["empathy"] is None
    assert result.coverage.indicators_with_data == 7
    assert result.coverage.indicators_total == len(SPECS)
    assert "M1" in result.coverage.missing_indicators and "E3" in result.coverage.missing_indicators
    assert result.coverage.weight_coverage == pytest.approx(0.90)
    assert result.grade == "B"


def test_no_data_at_all_gives_no_index_and_no_grade() -> None:
    result = scoring.score_subject({}, SPECS, BASE)
    assert result.index.index is None
    assert result.grade is None
    assert result.coverage.indicators_with_data == 0
    assert result.coverage.weight_coverage == 0.0


@pytest.mark.parametrize(("index", "expected"), [
    (85.0, "A"), (84.9, "B"), (60.0, "B"), (59.9, "C"), (100.0, "A"), (0.0, "C"), (None, None),
])
def test_grade_boundaries(index: float | None, expected: str | None) -> None:
    assert scoring.grade(index) == expected


@pytest.mark.parametrize(("series", "expected"), [
    ([70.0, 59.9], "yellow"),
    ([59.9, 59.9], "red"),
    ([59.9, 60.0], None),
    ([60.0, 59.9], "yellow"),
    ([59.9], "yellow"),
    ([50.0, 70.0, 55.0], "yellow"),      # the low months are not consecutive
    ([None, 40.0], "yellow"),            # an unknown month does not count as "below 60"
    ([40.0, None], None),
    ([], None),
])
def test_cards_red_needs_two_consecutive_months(series: list[float | None], expected: str | None) -> None:
    assert scoring.card(series) == expected


@pytest.mark.parametrize(("index", "expected"), [
    (90.0, "boost"), (89.9, "normal"), (70.0, "normal"), (69.9, "suspend"), (None, None),
])
def test_brand_and_mcn_credit(index: float | None, expected: str | None) -> None:
    assert scoring.credit_decision(index) == expected


def test_period_arithmetic_crosses_years() -> None:
    assert scoring.previous_period("2026-01") == "2025-12"
    assert scoring.previous_period("2026-Q1") == "2025-Q4"
    assert scoring.next_period("2026-12") == "2027-01"
    assert scoring.trailing_periods("2026-02", 3) == ["2025-12", "2026-01", "2026-02"]


def test_nan_dimension_is_treated_as_missing() -> None:
    dims = dict.fromkeys(BASE, 50.0)
    dims["empathy"] = math.nan
    assert scoring.weighted_index(dims, BASE).index == pytest.approx(50.0)


@given(st.dictionaries(st.sampled_from(list(BASE)), st.one_of(st.none(), st.floats(0, 100)), min_size=1))
def test_index_lies_between_the_lowest_and_highest_known_dimension(dims: dict[str, float | None]) -> None:
    known = [v for v in dims.values() if v is not None]
    result = scoring.weighted_index(dims, BASE)
    if not known:
        assert result.index is None
    else:
        assert result.index is not None
        assert min(known) - 1e-9 <= result.index <= max(known) + 1e-9
