"""Effect regression and what-if: improving an indicator must move index and outcomes the right way."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pytest

from aftersales.evaluation import effect
from aftersales.evaluation.scoring import DIMENSIONS
from aftersales.problems import InvalidInput


@dataclass(frozen=True)
class Spec:
    id: str
    target: float
    floor: float


SPECS = {"E1": Spec("E1", 48, 168), "R1": Spec("R1", 0.95, 0.50), "S2": Spec("S2", 4.5, 3.0)}
BASE = {"response": 0.20, "resolution": 0.25, "satisfaction": 0.20, "responsibility": 0.15,
        "technology": 0.10, "empathy": 0.10}


def _training() -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(7)
    n = 40
    dims = pd.DataFrame({d: rng.uniform(30, 95, n) for d in DIMENSIONS})
    dims.insert(0, "subject_id", [f"a{i}" for i in range(n)])
    dims.insert(0, "subject_type", "anchor")
    # complaints fall with resolution efficiency; repurchase rises with satisfaction
    outcomes = pd.DataFrame({
        "subject_type": "anchor", "subject_id": dims["subject_id"],
        "complaints": 300 - 2.0 * dims["resolution"] + rng.normal(0, 5, n),
        "repurchase_rate": 0.1 + 0.004 * dims["satisfaction"] + rng.normal(0, 0.01, n),
    })
    return dims, outcomes


def test_regression_recovers_the_direction_of_each_effect() -> None:
    models = effect.fit_outcome_models(*_training())
    assert models["complaints"].coefficients["resolution"] == pytest.approx(-2.0, abs=0.3)
    assert models["repurchase_rate"].coefficients["satisfaction"] > 0
    assert models["complaints"].r2 > 0.8


def test_what_if_faster_returns_raise_index_and_lower_predicted_complaints() -> None:
    models = effect.fit_outcome_models(*_training())
    values = {"E1": 120.0, "R1": 0.8, "S2": 4.0}   # E1 score (120-168)/(48-168) = 40
    result = effect.what_if(values, {"E1": 36.0}, SPECS, BASE, models)
    assert result.before.scores["E1"] == pytest.approx(40.0)
    assert result.after.scores["E1"] == 100.0
    assert result.after.index.index > result.before.index.index
    assert result.predicted_after["complaints"] < result.predicted_before["complaints"]


def test_what_if_worse_value_lowers_the_index() -> None:
    values = {"E1": 72.0, "R1": 0.8}
    result = effect.what_if(values, {"R1": 0.6}, SPECS, BASE, {})
    assert result.after.index.index < result.before.index.index
    assert result.predicted_after == {}


def test_too_few_subjects_fit_no_model() -> None:
    dims, outcomes = _training()
    assert effect.fit_outcome_models(dims.head(3), outcomes) == {}


def test_parse_what_if() -> None:
    assert effect.parse_what_if(["E1=36", "r1=0.9"], {"E1", "R1"}) == {"E1": 36.0, "R1": 0.9}
    with pytest.raises(InvalidInput):
        effect.parse_what_if(["X9=1"], {"E1"})
    with pytest.raises(InvalidInput):
        effect.parse_what_if(["E1=fast"], {"E1"})
