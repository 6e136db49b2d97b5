"""One subject in one period: estimated indicator rows → scores with intervals → index with interval → verdict.

Works on the estimated values frame (estimates.py); the scoring and the gates are the pure rules of
scoring.py and verdicts.py.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aftersales.evaluation import scoring, verdicts
from aftersales.evaluation.estimates import SCORED, SMALL

if TYPE_CHECKING:
    import pandas as pd

    from aftersales.evaluation.method import Method


@dataclass(frozen=True)
class Row:
    """One indicator of one subject: the raw value and n, and the shrunken estimate with its interval."""

    value: float | None
    n: int
    estimate: float | None = None
    lower: float | None = None
    upper: float | None = None
    status: str = "no_data"


def finite_number(x: Any) -> float | None:
    """A float, or None for missing, unparseable, NaN or infinite values."""
    if x is None:
        return None
    try:
        f = float(x)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) or math.isinf(f) else f


def rows_by_subject(values: pd.DataFrame) -> dict[str, dict[str, Row]]:
    """{subject_id: {indicator: Row}} of an estimated values frame (one period)."""
    out: dict[str, dict[str, Row]] = {}
    if values is None or values.empty:
        return out
    cols = [values[c].tolist() for c in ("subject_id", "indicator", "value", "n", "estimate", "lower",
                                          "upper", "status")]
    # plain column iteration: to_dict("records") dominated the run time for thousands of subjects
    for sid, ind, value, n, est, low, high, status in zip(*cols, strict=True):
        count = finite_number(n)
        out.setdefault(str(sid), {})[str(ind)] = Row(finite_number(value), int(count) if count is not None else 0,
                                                     finite_number(est), finite_number(low), finite_number(high), str(status))
    return out


@dataclass(frozen=True)
class Assessment:
    score: scoring.SubjectScore
    interval: verdicts.IndexInterval
    verdict: verdicts.Verdict
    bounds: dict[str, tuple[float | None, float | None]]
    #: coverage by indicators at or above their minimum sample: what the grade's gate reads
    measured: scoring.Coverage

    @property
    def index(self) -> float | None:
        return self.score.index.index

    @property
    def graded_index(self) -> float | None:
        """The index when the data allow a verdict on it (cards and trends of verdicts read this)."""
        return self.index if self.verdict.graded else None


def assess(rows: Mapping[str, Row], specs: Mapping[str, Any], weights: Mapping[str, float],
           method: Method) -> Assessment:
    """Score the indicators whose status allows it, build the index and its interval, and gate the grade.

    Below its minimum sample an indicator still enters the index with its shrunken estimate and its (wide)
    interval when the method says `small_samples = "estimate"`, but it never counts as measured for the
    grade: only indicators at or above their minimum do.
    """
    usable = {SCORED, SMALL} if method.small_samples == "estimate" else {SCORED}
    estimates = {ind: (r.estimate if r.status in usable else None) for ind, r in rows.items()}
    result = scoring.score_subject(estimates, specs, weights)
    bounds = {ind: verdicts.score_interval(rows[ind].lower, rows[ind].upper, spec.target, spec.floor)
              for ind, spec in specs.items() if ind in rows and rows[ind].status in usable}
    interval = verdicts.index_interval(result.index.index, bounds, result.index.applied_weights, method.level)
    measured = scoring.score_subject({ind: (r.estimate if r.status == SCORED else None) for ind, r in rows.items()},
                                     specs, weights).coverage
    verdict = verdicts.gate(measured, interval, method, has_index=result.index.index is not None)
    graded = scoring.SubjectScore(result.scores, result.dimensions, result.index, result.coverage,
                                  result.grade if verdict.graded else None)
    return Assessment(graded, interval, verdict, bounds, measured)


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def indicator_rows(specs: Mapping[str, Any], rows: Mapping[str, Row], assessment: Assessment,
                   method: Method, kinds: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The indicator table of a subject: raw value and n beside the estimate, its interval and score."""
    out = []
    for ind_id, spec in specs.items():
        row = rows.get(ind_id, Row(None, 0))
        low, high = assessment.bounds.get(ind_id, (None, None))
        kind = kinds[ind_id].kind if ind_id in kinds else "rate"
        out.append({
            "id": ind_id, "dimension": scoring.dimension_of(ind_id),
            "name_zh": getattr(spec, "name_zh", ind_id), "name_en": getattr(spec, "name_en", ind_id),
            "unit": getattr(spec, "unit", ""), "target": spec.target, "floor": spec.floor, "kind": kind,
            "value": _round(row.value), "n": row.n, "min_n": method.min_sample(ind_id, kind),
            "estimate": _round(row.estimate), "lower": _round(row.lower), "upper": _round(row.upper),
            "status": row.status, "score": scoring.shown(assessment.score.scores.get(ind_id)),
            "score_lower": scoring.shown(low), "score_upper": scoring.shown(high),
        })
    return out
