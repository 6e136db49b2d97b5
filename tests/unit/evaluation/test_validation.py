"""Validation verdicts (SPEC §Validation a–d) on hand-built frames."""

from __future__ import annotations

import pandas as pd
import pytest

from aftersales.evaluation import validation


def _measurements(platform: float, mystery: float | None, survey: float | None) -> pd.DataFrame:
    rows = [("platform", platform), ("mystery_shopper", mystery), ("survey", survey)]
    return pd.DataFrame([
        {"subject_type": "anchor", "subject_id": "a1", "period": "2026-10", "indicator": "R1",
         "source": src, "value": v} for src, v in rows if v is not None
    ])


def test_seed_example_95_82_65_is_flagged_by_13_points() -> None:
    out = validation.triangulate(_measurements(95, 82, 65)).iloc[0]
    assert bool(out["flagged"]) is True
    assert out["gap_points"] == pytest.approx(13.0)


def test_shares_are_compared_in_percentage_points() -> None:
    out = validation.triangulate(_measurements(0.95, 0.82, 0.65)).iloc[0]
    assert bool(out["flagged"]) is True
    assert out["gap_points"] == pytest.approx(13.0)


def test_platform_confirmed_by_one_independent_source_is_not_flagged() -> None:
    # the mystery shopper measures 88: only 7 points below the platform's 95
    out = validation.triangulate(_measurements(95, 88, 60)).iloc[0]
    assert bool(out["flagged"]) is False


def test_platform_alone_cannot_be_triangulated() -> None:
    out = validation.triangulate(_measurements(95, None, None)).iloc[0]
    assert out["gap_points"] is None and bool(out["flagged"]) is False


def _panel(consumer: list[float]) -> pd.DataFrame:
    expert = [1, 2, 3, 4, 5]
    rows = []
    for i, (e, c) in enumerate(zip(expert, consumer, strict=True)):
        key = {"subject_type": "anchor", "subject_id": f"a{i}", "period": "2026-Q4"}
        rows.append({**key, "panel": "expert", "score": e})
        rows.append({**key, "panel": "consumer", "score": c})
    return pd.DataFrame(rows)


# expert = 1..5; the consumer scores are permutations of 1..5, so Pearson = Spearman = Σdxdy / 10:
@pytest.mark.parametrize(("consumer", "r", "verdict"), [
    ([1, 2, 3, 5, 4], 0.9, "pass"),       # deviations (-2,-1,0,2,1): 4+1+0+2+2 = 9
    ([1, 4, 2, 3, 5], 0.7, "review"),     # (-2,1,-1,0,2): 4-1+0+0+4 = 7
    ([4, 1, 3, 2, 5], 0.3, "redesign"),   # (1,-2,0,-1,2): -2+2+0-1+4 = 3
])
def test_blind_panel_verdicts(consumer: list[float], r: float, verdict: str) -> None:
    [result] = validation.panel_agreement(_panel(consumer))
    assert result["pearson"] == pytest.approx(r)
    assert result["spearman"] == pytest.approx(r)
    assert result["verdict"] == verdict


def test_blind_panel_with_two_subjects_is_insufficient() -> None:
    corr = validation.correlate([1, 2], [2, 1])
    assert validation.panel_verdict(corr) == "insufficient"


def test_calibration_flags_moves_above_20_percent() -> None:
    def frame(period: str, values: dict[str, float]) -> pd.DataFrame:
        return pd.DataFrame([{"subject_type": "anchor", "subject_id": "a1", "period": period, "indicator": k,
                              "value": v, "n": 10} for k, v in values.items()])
    prev = frame("2026-Q3", {"M1": 0.80, "R1": 0.80, "E1": 50.0})
    cur = frame("2026-Q4", {"M1": 0.60, "R1": 0.70, "E1": float("nan")})
    out = validation.calibration_flags(cur, prev).set_index("indicator")
    assert bool(out.loc["M1", "flagged"]) is True          # -25%
    assert out.loc["M1", "relative_change"] == pytest.approx(-0.25)
    assert bool(out.loc["R1", "flagged"]) is False         # -12.5%
    assert "E1" not in out.index                           # no value this quarter: nothing to compare


def test_predictive_validity_detects_a_perfect_positive_relation() -> None:
    idx = pd.DataFrame({"subject_type": "anchor", "subject_id": [f"a{i}" for i in range(5)],
                        "index": [50, 60, 70, 80, 90]})
    outcomes = pd.DataFrame({"subject_type": "anchor", "subject_id": [f"a{i}" for i in range(5)],
                             "repurchase_rate": [0.1, 0.2, 0.3, 0.4, 0.5],
                             "recommendation_rate": [0.5, 0.4, 0.3, 0.2, 0.1]})
    by = {r["outcome"]: r for r in validation.predictive_validity(idx, outcomes)}
    assert by["repurchase_rate"]["pearson"] == pytest.approx(1.0)
    assert by["repurchase_rate"]["verdict"] == "supported"
    assert by["recommendation_rate"]["verdict"] == "not_supported"
