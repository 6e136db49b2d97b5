"""The report's validation and effect sections (validation.py and effect.py applied to the subjects)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from aftersales.evaluation import effect as _effect
from aftersales.evaluation import scoring
from aftersales.evaluation import validation as _validation
from aftersales.evaluation.assessment import Row
from aftersales.evaluation.assessment import finite_number as _num

if TYPE_CHECKING:
    import pandas as pd

    from aftersales.evaluation.service import Inputs, Options, _Context




def _records(frame: pd.DataFrame | None) -> list[dict[str, Any]]:
    if frame is None or frame.empty:
        return []
    return [{k: (_num(v) if isinstance(v, float) else (v.item() if hasattr(v, "item") else v))
             for k, v in rec.items()} for rec in frame.to_dict("records")]


def _quarter_of(period: str) -> str:
    if scoring.is_quarter(period):
        return period
    year, month = period.split("-")
    return f"{year}-Q{(int(month) - 1) // 3 + 1}"


def _dimension_frame(subject_type: str, subjects: list[dict[str, Any]]) -> pd.DataFrame:
    """Dimension scores per subject and month of the trend: the effect model learns from the whole panel,
    not from one month's handful of subjects."""
    import pandas as pd

    rows = [{"subject_type": subject_type, "subject_id": s["subject_id"], "period": t["period"],
             **{d: t["dimensions"].get(d) for d in scoring.DIMENSIONS}}
            for s in subjects for t in s["trend"] if t["dimensions"]]
    return pd.DataFrame(rows, columns=["subject_type", "subject_id", "period", *scoring.DIMENSIONS]).astype(
        {d: float for d in scoring.DIMENSIONS})


def _outcomes_for(inputs: Inputs, period: str) -> pd.DataFrame | None:
    """Outcomes of the period; where the period has none, each subject's latest earlier outcome."""
    frame = inputs.outcomes
    if frame is None or frame.empty:
        return None
    same = frame[frame["period"].astype(str) == period]
    if not same.empty:
        return same
    earlier = frame[frame["period"].astype(str) <= period].sort_values("period")
    if earlier.empty:
        return None
    return earlier.groupby(["subject_type", "subject_id"], as_index=False).last()


def _calibration(inputs: Inputs, specs: Mapping[str, Any]) -> list[dict[str, Any]]:
    cur, prev = inputs.quarter_values, inputs.previous_quarter_values
    if cur is None or prev is None or cur.empty or prev.empty:
        return []
    by_indicator = _validation.calibration_flags(cur, prev).assign(level="indicator")
    by_dimension = _validation.calibration_flags(_validation.dimension_values(cur, specs),
                                                _validation.dimension_values(prev, specs)).assign(level="dimension")
    return _records(by_indicator) + _records(by_dimension)


def validation(inputs: Inputs, options: Options, subjects: list[dict[str, Any]],
                specs: Mapping[str, Any]) -> dict[str, Any]:
    import pandas as pd

    out: dict[str, Any] = {"triangulation": [], "panel": [], "calibration": [], "predictive_validity": []}
    if inputs.measurements is not None:
        m = inputs.measurements
        m = m[m["period"].astype(str).isin({options.period, _quarter_of(options.period)})]
        out["triangulation"] = _records(_validation.triangulate(m))
    if inputs.panel is not None:
        out["panel"] = [{k: (_num(v) if isinstance(v, float) else v) for k, v in r.items()}
                        for r in _validation.panel_agreement(inputs.panel)]
    out["calibration"] = _calibration(inputs, specs)
    outcomes = _outcomes_for(inputs, options.period)
    if outcomes is not None:
        idx = pd.DataFrame([{"subject_type": options.subject_type, "subject_id": s["subject_id"],
                             "index": s["index"]} for s in subjects if s["index"] is not None],
                           columns=["subject_type", "subject_id", "index"])
        out["predictive_validity"] = [{k: (_num(v) if isinstance(v, float) else v) for k, v in r.items()}
                                      for r in _validation.predictive_validity(idx, outcomes)]
    return out


def effect(inputs: Inputs, ctx: _Context, subjects: list[dict[str, Any]],
            values: dict[str, dict[str, Row]]) -> dict[str, Any]:
    outcomes = inputs.outcomes
    models = {}
    if outcomes is not None and not outcomes.empty:
        models = _effect.fit_outcome_models(_dimension_frame(ctx.options.subject_type, subjects),
                                           outcomes.assign(period=outcomes["period"].astype(str)))
    report: dict[str, Any] = {"models": {o: {"n": m.n, "r2": m.r2, "intercept": m.intercept,
                                             "coefficients": m.coefficients, "filled_cells": m.filled_cells,
                                             "alpha": m.alpha}
                                         for o, m in models.items()}}
    if not ctx.options.what_if:
        return report
    for s in subjects:
        weights = ctx.book.get(s["profile"]["name"]).weights
        vals = {k: (r.estimate if r.status == "ok" else None) for k, r in values.get(s["subject_id"], {}).items()}
        wi = _effect.what_if(vals, ctx.options.what_if, ctx.specs, weights, models)
        s["what_if"] = {"overrides": wi.overrides, "index_before": wi.before.index.index,
                        "index_after": wi.after.index.index, "grade_after": wi.after.grade,
                        "dimensions_after": wi.after.dimensions,
                        "predicted_before": wi.predicted_before, "predicted_after": wi.predicted_after}
    report["what_if_summary"] = _effect.summarise_what_if(ctx.options.what_if, [s.get("what_if") for s in subjects])
    return report


