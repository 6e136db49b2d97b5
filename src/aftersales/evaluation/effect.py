"""Effect prediction (seed 003 §8.4): outcomes regressed on the six dimension scores, and a what-if.

The regression is a ridge regression over subject-months, its penalty picked by cross-validation: the six
dimensions move together (good teams are good at everything), and plain least squares then swings the
coefficients to opposite signs; ridge shares the effect among them and keeps the signs stable.
A dimension missing for a subject is filled with that dimension's mean across subjects, so one gap
does not drop the subject; how many were filled is reported.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aftersales.evaluation.scoring import DIMENSIONS, IndicatorSpec, SubjectScore, score_subject
from aftersales.problems import InvalidInput

if TYPE_CHECKING:
    import pandas as pd

OUTCOMES = ("complaints", "repurchase_rate")
MIN_SUBJECTS = 4
#: penalty chosen by leave-one-out cross-validation among these (scores are on a 0–100 scale)
RIDGE_ALPHAS = (0.1, 1.0, 10.0, 100.0, 1_000.0, 10_000.0)


@dataclass(frozen=True)
class OutcomeModel:
    outcome: str
    n: int
    intercept: float
    coefficients: dict[str, float]
    r2: float
    fill_values: dict[str, float]
    filled_cells: int
    alpha: float = 0.0

    def predict(self, dims: Mapping[str, float | None]) -> float:
        total = self.intercept
        for d in DIMENSIONS:
            v = dims.get(d)
            x = self.fill_values[d] if v is None or math.isnan(v) else float(v)
            total += self.coefficients[d] * x
        return total


def fit_outcome_models(dimension_frame: pd.DataFrame, outcomes: pd.DataFrame) -> dict[str, OutcomeModel]:
    """One model per outcome; `dimension_frame` has subject_type, subject_id, the six dimension columns and
    optionally period (then rows pair with the outcomes of the same period)."""
    from sklearn.linear_model import RidgeCV

    keys = ["subject_type", "subject_id"]
    if "period" in dimension_frame.columns and "period" in outcomes.columns:
        keys.append("period")
    joined = dimension_frame.merge(outcomes, on=keys, how="inner")
    models: dict[str, OutcomeModel] = {}
    for outcome in OUTCOMES:
        if outcome not in joined.columns:
            continue
        data = joined.dropna(subset=[outcome])
        if len(data) < MIN_SUBJECTS:
            continue
        x = data[list(DIMENSIONS)].astype(float)
        fill = {d: (float(x[d].mean()) if x[d].notna().any() else 0.0) for d in DIMENSIONS}
        filled = int(x.isna().sum().sum())
        x = x.fillna(fill)
        y = data[outcome].astype(float)
        reg = RidgeCV(alphas=RIDGE_ALPHAS).fit(x.to_numpy(), y.to_numpy())
        models[outcome] = OutcomeModel(
            outcome=outcome, n=len(data), intercept=float(reg.intercept_),
            coefficients={d: float(c) for d, c in zip(DIMENSIONS, reg.coef_, strict=True)},
            r2=float(reg.score(x.to_numpy(), y.to_numpy())), fill_values=fill, filled_cells=filled,
            alpha=float(reg.alpha_),
        )
    return models


def parse_what_if(items: list[str], known: set[str]) -> dict[str, float]:
    """`["E1=36", "R1=0.9"]` → {"E1": 36.0, "R1": 0.9}; unknown indicators and bad numbers are refused."""
    out: dict[str, float] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        key = key.strip().upper()
        if not sep or key not in known:
            raise InvalidInput("what-if 应为 指标=数值，如 E1=36 / "
                               f"what-if must be INDICATOR=VALUE, e.g. E1=36: {item}", field="what_if")
        try:
            out[key] = float(raw)
        except ValueError:
            raise InvalidInput(f"what-if 数值无效 / not a number: {item}", field="what_if") from None
    return out


@dataclass(frozen=True)
class WhatIf:
    overrides: dict[str, float]
    before: SubjectScore
    after: SubjectScore
    predicted_before: dict[str, float]
    predicted_after: dict[str, float]


def what_if(values: Mapping[str, float | None], overrides: Mapping[str, float],
            specs: Mapping[str, IndicatorSpec], weights: Mapping[str, float],
            models: Mapping[str, OutcomeModel]) -> WhatIf:
    """Re-score a subject with some indicator values replaced, and predict outcomes before and after."""
    before = score_subject(values, specs, weights)
    after = score_subject({**values, **overrides}, specs, weights)
    return WhatIf(
        overrides=dict(overrides), before=before, after=after,
        predicted_before={o: m.predict(before.dimensions) for o, m in models.items()},
        predicted_after={o: m.predict(after.dimensions) for o, m in models.items()},
    )


def _mean(xs: list[float]) -> float | None:
    return sum(xs) / len(xs) if xs else None


def summarise_what_if(overrides: Mapping[str, float], per_subject: list[dict[str, Any] | None]) -> dict[str, Any]:
    """The seed's sentence at population level: "if E1 improves to 36 h, the index and complaints become"."""
    scored = [w for w in per_subject if w and w["index_before"] is not None]
    outcomes = sorted({o for w in scored for o in w["predicted_before"]})
    return {
        "overrides": dict(overrides), "subjects": len(scored),
        "mean_index_before": _mean([w["index_before"] for w in scored]),
        "mean_index_after": _mean([w["index_after"] for w in scored]),
        "mean_predicted_before": {o: _mean([w["predicted_before"][o] for w in scored]) for o in outcomes},
        "mean_predicted_after": {o: _mean([w["predicted_after"][o] for w in scored]) for o in outcomes},
    }
