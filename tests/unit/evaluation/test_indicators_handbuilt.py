"""Every indicator on the hand-built fixture (tests/fixtures/evaluation/handbuilt, October 2026, DuckDB).

The expected numbers are worked out by hand from the CSV rows; the comments show the arithmetic.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from aftersales.evaluation.indicators import INDICATORS, IndicatorResult, compute_indicators, compute_series
from aftersales.evaluation.sources import open_source

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "evaluation" / "handbuilt"

# (value, n) per indicator for the two anchors with data in October 2026 (Shanghai calendar).
# A1 = cases c1..c5 (c6 opens on 1 Nov Shanghai time); A2 = d1, d2, d3 and d5 (d5 opens 01:00 1 Oct Shanghai).
EXPECTED_A1 = {
    "R1": (5 / 5, 5),  # first answers after 10, 30, 5, 2, 20 minutes: all within 24 h
    "R2": (5 / 5, 5),  # L1 c1 10 min ≤ 15, c4 2 ≤ 15; L2 humans after 50, 10, 45 min ≤ 60
    "R3": (0 / 3, 3),  # peak: c2 (live peak), c4 (20 Oct, 双11 window), c5 (25 Oct); none breached
    "R4": (45.0, 3),  # median of human minutes 50, 10, 45
    "R5": (1 / 1, 1),  # only c2 opens off-hours (23:00 Shanghai); answered after 30 min
    "E1": ((30 + 50) / 2, 2),  # return c1 30 h, exchange c2 50 h
    "E2": (2.0, 1),  # c3: Fri 16 Oct → Tue 20 Oct = Mon + Tue
    "E3": ((0 + 1 + 2 + 0 + 0) / 5, 5),
    "E4": (3 / 3, 3),  # refunds after 40 h, 30 h, 2 h
    "E5": (1 / 1, 1),  # c3 verified and compensated
    "S1": ((2 - 1) / 4 * 100, 4),  # NPS 10, 8, 9, 3: two promoters, one detractor
    "S2": ((5 + 4 + 5 + 2) / 4, 4),
    "S3": (3 / 5, 5),  # resolved without a handoff: c1, c4, c5
    "S4": (1 / 5, 5),  # c5: same buyer U4, same order O4, five days after c4
    "S5": (1 / 5, 5),  # c5 went to arbitration
    "C1": (1 / 2, 2),  # sold live: P1 (published), P2 (not)
    "C2": (3.0, 1),  # c5: 26 Oct → 29 Oct
    "C3": (4 / 5, 5),  # c3 was first routed wrongly
    "C4": (0 / 5, 5),  # at most 2 handoffs, no loop
    "C5": (2 / 3, 3),  # K1, K2 bound; K3 not
    "T1": (3 / 4, 4),  # c4 unconfirmed; c5 claim_mismatch vs quality
    "T2": (1 / 2, 2),  # L1 hashed, L2 not
    "T3": (1 / 2, 2),  # conversations with agent messages: c2 (one checked), c3 (none)
    "T4": (2 / 2, 2),  # L1 cases c1, c4 closed by the AI
    "M1": (2 / 3, 3),  # agent messages: positive, neutral, empathetic (the AI message g1 does not count)
    "M2": (1 / 2, 2),  # offers on c4 (accepted) and c5 (refused)
    "M3": (1 / 1, 1),
    "M4": (1 / 2, 2),  # angry: c2 human after 50 min, c3 after 10 min
}
# E1 and E2 and C2 are winsorised at the period's p99 (linear interpolation, all subjects together):
# E1 hours [30, 50, 200] → 50 + 0.98 × 150 = 197; E2 days [2, 8] → 2 + 0.99 × 6 = 7.94;
# C2 days [3, 12] → 3 + 0.99 × 9 = 11.91.
EXPECTED_A2 = {
    "R1": (2 / 4, 4),  # d1 after 30 h, d5 never; d2 3 h, d3 2 h
    "R2": (0 / 4, 4),  # d1 L1 30 h, d2 L3 solved after 12 days, d3 L2 human after 2 h, d5 no answer
    "R3": (2 / 2, 2),  # peak: d2 (22 Oct), d3 (28 Oct); both breached
    "R4": ((300 + 120) / 2, 2),  # human minutes: d2 300, d3 120
    "R5": (0 / 2, 2),  # off-hours: d1 (00:00, 6 Oct holiday), d5 (01:00 1 Oct): neither within 1 h
    "E1": (197.0, 1),  # d1 200 h capped at p99; d3 resolved before it opened: dropped
    "E2": (7.94, 1),  # d2: Thu 22 Oct → Tue 3 Nov = 8 working days, capped at p99
    "E3": ((4 + 3 + 2 + 0) / 4, 4),
    "E4": (0 / 1, 1),  # d1 refunded after 210 h
    "E5": (0 / 1, 1),  # d2 verified, not compensated
    "S1": ((0 - 2) / 3 * 100, 3),  # NPS 0, 6, 7
    "S2": ((1 + 3) / 2, 2),  # d2's CSAT 9 is off the scale and dropped
    "S3": (0 / 4, 4),
    "S4": (1 / 4, 4),  # d5: same buyer and order as d4 (28 Sep), two days later
    "S5": (2 / 4, 4),  # d1, d2 in arbitration
    "C1": (1 / 1, 1),  # sold live: P3 only (O6 was not live; O8 is September)
    "C2": (11.91, 1),  # d1: 12 days capped at p99; d2 undecided
    "C3": (1 / 3, 3),  # d5 unknown
    "C4": (3 / 4, 4),  # d1 4 handoffs + loop, d2 3 handoffs, d3 loop; d5 neither
    "C5": (0 / 1, 1),  # K5 is September
    "T1": (2 / 3, 3),  # d1 wrong, d2 and d5 right, d3 unconfirmed
    "T2": (0 / 1, 1),  # L9 is November
    "T3": (0 / 2, 2),
    "T4": (0 / 2, 2),  # L1: d1, d5
    "M1": (0 / 2, 2),  # agent: negative, neutral (buyer message excluded)
    "M2": (math.nan, 0),  # no offer made: no data, not zero
    "M3": (1 / 2, 2),
    "M4": (0 / 1, 1),
}


@pytest.fixture(scope="module")
def october() -> IndicatorResult:
    return compute_indicators(open_source(str(FIXTURE)), subject_type="anchor", period="2026-10")


def _got(result: IndicatorResult, subject: str) -> dict[str, tuple[float, int]]:
    rows = result.values[result.values.subject_id == subject]
    return {r.indicator: (r.value, r.n) for r in rows.itertuples()}


def _assert_matches(got: dict[str, tuple[float, int]], expected: dict[str, tuple[float, int]]) -> None:
    assert set(got) == set(expected) == set(INDICATORS)
    for ind, (value, n) in expected.items():
        assert got[ind][1] == n, f"{ind} n"
        if math.isnan(value):
            assert math.isnan(got[ind][0]), ind
        else:
            assert got[ind][0] == pytest.approx(value, rel=1e-9), ind


def test_good_anchor_every_indicator(october: IndicatorResult) -> None:
    _assert_matches(_got(october, "A1"), EXPECTED_A1)


def test_bad_anchor_every_indicator(october: IndicatorResult) -> None:
    _assert_matches(_got(october, "A2"), EXPECTED_A2)


def test_subject_without_data_is_nan_with_zero_n_never_zero(october: IndicatorResult) -> None:
    a3 = october.values[october.values.subject_id == "A3"]
    assert len(a3) == 28
    assert a3.value.isna().all()
    assert (a3.n == 0).all()


def test_values_frame_has_the_agreed_columns(october: IndicatorResult) -> None:
    assert list(october.values.columns) == ["subject_type", "subject_id", "period", "indicator", "value", "n", "sd",
                                          "note"]
    assert set(october.values.period) == {"2026-10"}
    assert set(october.values.subject_type) == {"anchor"}


def test_subjects_gmv_share_promo_and_months_active(october: IndicatorResult) -> None:
    subjects = october.subjects.set_index("subject_id")
    # A4 only starts selling in December: not a subject of October
    assert list(subjects.index) == ["A1", "A2", "A3"]
    assert subjects.loc["A1", "name"] == "好主播"
    assert subjects.loc["A1", "gmv"] == pytest.approx(100 + 300 + 100 + 100)
    assert subjects.loc["A1", "sensitive_skin_gmv_share"] == pytest.approx(300 / 600)  # P1 is 敏感肌
    assert subjects.loc["A2", "gmv"] == pytest.approx(200 + 100 + 50)  # O8 was placed in September
    assert subjects.loc["A2", "sensitive_skin_gmv_share"] == 0
    assert math.isnan(subjects.loc["A3", "sensitive_skin_gmv_share"])
    assert subjects["in_promo"].all()  # October overlaps 双11 (20 Oct – 11 Nov)
    assert subjects.loc["A1", "months_active"] == 10  # January to October
    assert subjects.loc["A2", "months_active"] == 2


def test_platform_pools_every_case() -> None:
    result = compute_indicators(open_source(str(FIXTURE)), subject_type="platform", period="2026-10")
    got = _got(result, "platform")
    assert got["R1"] == (pytest.approx((5 + 2) / 9), 9)
    assert got["E1"] == (pytest.approx((30 + 50 + 197) / 3), 3)
    assert got["E4"] == (pytest.approx(3 / 4), 4)
    assert got["M2"] == (pytest.approx(1 / 2), 2)


def test_brand_has_no_live_session_data() -> None:
    """Live sessions belong to anchors, not brands: T2 is missing for a brand, never a zero."""
    result = compute_indicators(open_source(str(FIXTURE)), subject_type="brand", period="2026-10")
    b1, b2 = _got(result, "B1"), _got(result, "B2")
    assert math.isnan(b1["T2"][0]) and b1["T2"][1] == 0
    # B1 = c1..c5 and d2 (the allergy case sold from P2): E5 is 1 of 2 verified allergy claims compensated
    assert b1["E5"] == (pytest.approx(1 / 2), 2)
    assert b2["E3"] == (pytest.approx((4 + 2 + 0) / 3), 3)  # d1, d3, d5


def test_mcn_groups_its_anchors() -> None:
    result = compute_indicators(open_source(str(FIXTURE)), subject_type="mcn", period="2026-10")
    assert _got(result, "M1")["E3"] == (pytest.approx((3 + 9) / 9), 9)


def test_quarter_window_adds_november() -> None:
    result = compute_indicators(open_source(str(FIXTURE)), subject_type="anchor", period="2026-Q4")
    a1 = _got(result, "A1")
    # c6 opens on 1 Nov Shanghai time: an L1 case first answered after 60 min (not within 15)
    assert a1["R2"] == (pytest.approx(5 / 6), 6)
    assert a1["R1"] == (pytest.approx(6 / 6), 6)
    assert result.values.period.unique().tolist() == ["2026-Q4"]


def test_month_windows_follow_the_shanghai_calendar() -> None:
    series = compute_series(open_source(str(FIXTURE)), "anchor", ["2026-09", "2026-11"])
    r1 = series[series.indicator == "R1"].set_index(["period", "subject_id"])
    # September: only d4 (28 Sep); d5 at 17:00 UTC on 30 Sep is already 1 October in Shanghai
    assert r1.loc[("2026-09", "A2"), "n"] == 1
    assert r1.loc[("2026-11", "A1"), "n"] == 1  # c6
    assert math.isnan(r1.loc[("2026-09", "A1"), "value"])


def test_bad_period_and_subject_type_are_refused() -> None:
    from aftersales.problems import InvalidInput

    source = open_source(str(FIXTURE))
    with pytest.raises(InvalidInput):
        compute_indicators(source, subject_type="anchor", period="2026-13")
    with pytest.raises(InvalidInput):
        compute_indicators(source, subject_type="buyer", period="2026-10")


def test_zone_aware_parquet_gives_the_same_values(tmp_path: Path) -> None:
    """Users' Parquet may carry Shanghai-zoned timestamps: the same instants must give the same numbers."""
    import pandas as pd

    from aftersales.evaluation.schema import TABLES

    for csv in FIXTURE.glob("*.csv"):
        frame = pd.read_csv(csv)
        for col in TABLES[csv.stem].columns:
            if col.dtype == "timestamp" and col.name in frame:
                frame[col.name] = pd.to_datetime(frame[col.name]).dt.tz_localize("UTC").dt.tz_convert("Asia/Shanghai")
        frame.to_parquet(tmp_path / f"{csv.stem}.parquet")
    zoned = compute_indicators(open_source(str(tmp_path)), subject_type="anchor", period="2026-10")
    _assert_matches(_got(zoned, "A1"), EXPECTED_A1)
    _assert_matches(_got(zoned, "A2"), EXPECTED_A2)


def test_a_period_before_any_subject_sold_is_empty_with_typed_columns() -> None:
    """No subject yet and no case: no rows, and the columns keep their types for whatever reads them next."""
    import pandas as pd

    result = compute_indicators(open_source(str(FIXTURE)), subject_type="anchor", period="2025-01")
    assert result.values.empty and result.subjects.empty
    assert list(result.values.columns) == ["subject_type", "subject_id", "period", "indicator", "value", "n", "sd",
                                           "note"]
    assert result.values["value"].dtype == "float64" and result.values["n"].dtype == "int64"
    assert not pd.api.types.is_numeric_dtype(result.values["subject_id"])
