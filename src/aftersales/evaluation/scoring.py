"""Pure scoring of the health index: indicator → score → dimension → index → grade, cards, credit.

No I/O, no clock: values and weights come in, numbers and verdicts go out (SPEC §Evaluation).
Missing data is `None` all the way through and lowers coverage; it is never scored as zero.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

#: the six dimensions in the order of the SPEC table (also the radar's axis order).
DIMENSIONS: tuple[str, ...] = (
    "response", "resolution", "satisfaction", "responsibility", "technology", "empathy",
)
DIMENSION_NAMES: dict[str, tuple[str, str]] = {
    "response": ("服务响应时效", "Response timeliness"),
    "resolution": ("问题解决效率", "Resolution efficiency"),
    "satisfaction": ("用户满意度", "User satisfaction"),
    "responsibility": ("责任划分清晰度", "Responsibility clarity"),
    "technology": ("技术支撑能力", "Technology support"),
    "empathy": ("情感沟通质量", "Empathetic communication"),
}
#: indicator ids carry their dimension in the first letter (R1..R5, E1..E5, ...).
_PREFIX_DIMENSION = {"R": "response", "E": "resolution", "S": "satisfaction", "C": "responsibility",
                     "T": "technology", "M": "empathy"}

PASSING = 60.0
GRADE_A = 85.0
CREDIT_BOOST = 90.0
CREDIT_SUSPEND = 70.0


class IndicatorSpec(Protocol):
    """What scoring needs of an indicator definition (the evaluation's IndicatorDef satisfies it)."""

    id: str
    target: float
    floor: float


def dimension_of(indicator_id: str) -> str:
    try:
        return _PREFIX_DIMENSION[indicator_id[0].upper()]
    except (IndexError, KeyError):
        raise ValueError(f"unknown indicator id {indicator_id!r}") from None


def is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def shown(value: float | None, digits: int = 1) -> float | None:
    """The value as the report prints it (half up): thresholds compare this, so 59.99999999999999 is 60.0."""
    if is_missing(value):
        return None
    assert value is not None
    if math.isinf(value):
        return value
    step = Decimal(1).scaleb(-digits)
    return float(Decimal(repr(float(value))).quantize(step, rounding=ROUND_HALF_UP))


def indicator_score(value: float | None, target: float, floor: float) -> float | None:
    """clamp((value - floor) / (target - floor), 0, 1) * 100; the same formula serves lower-is-better."""
    if is_missing(value) or target == floor:
        return None
    assert value is not None
    share = (value - floor) / (target - floor)
    return min(max(share, 0.0), 1.0) * 100.0


def score_indicators(values: Mapping[str, float | None],
                     specs: Mapping[str, IndicatorSpec]) -> dict[str, float | None]:
    """Score every defined indicator; an indicator without a value gets None, not zero."""
    return {ind_id: indicator_score(values.get(ind_id), spec.target, spec.floor)
            for ind_id, spec in specs.items()}


def dimension_scores(scores: Mapping[str, float | None]) -> dict[str, float | None]:
    """Each dimension is the mean of its indicators that have data; None when none has."""
    buckets: dict[str, list[float]] = {dim: [] for dim in DIMENSIONS}
    for ind_id, score in scores.items():
        if not is_missing(score):
            assert score is not None
            buckets[dimension_of(ind_id)].append(score)
    return {dim: (sum(vals) / len(vals) if vals else None) for dim, vals in buckets.items()}


@dataclass(frozen=True)
class IndexResult:
    index: float | None
    #: the weights actually applied, renormalised over the dimensions that have data
    applied_weights: dict[str, float]
    #: share of the profile's weight whose dimension had data (1.0 = nothing missing)
    weight_coverage: float


def weighted_index(dims: Mapping[str, float | None], weights: Mapping[str, float]) -> IndexResult:
    """Weighted mean of the dimensions with data, the weights renormalised to sum to one."""
    present = {d: w for d, w in weights.items() if w > 0 and not is_missing(dims.get(d))}
    total = sum(weights.values())
    present_total = sum(present.values())
    if present_total <= 0:
        return IndexResult(None, {}, 0.0)
    applied = {d: w / present_total for d, w in present.items()}
    index = sum(applied[d] * float(dims[d] or 0.0) for d in applied)
    return IndexResult(index, applied, present_total / total if total else 0.0)


@dataclass(frozen=True)
class Coverage:
    indicators_with_data: int
    indicators_total: int
    dimensions_with_data: int
    weight_coverage: float
    missing_indicators: tuple[str, ...] = field(default_factory=tuple)

    @property
    def indicator_share(self) -> float:
        return self.indicators_with_data / self.indicators_total if self.indicators_total else 0.0


def coverage(scores: Mapping[str, float | None], dims: Mapping[str, float | None],
             index: IndexResult) -> Coverage:
    missing = tuple(sorted(i for i, s in scores.items() if is_missing(s)))
    return Coverage(
        indicators_with_data=len(scores) - len(missing),
        indicators_total=len(scores),
        dimensions_with_data=sum(1 for v in dims.values() if not is_missing(v)),
        weight_coverage=index.weight_coverage,
        missing_indicators=missing,
    )


def grade(index: float | None) -> str | None:
    """A ≥ 85 (traffic boost), B 60–85, C < 60; no grade without an index."""
    value = shown(index)
    if value is None:
        return None
    if value >= GRADE_A:
        return "A"
    return "B" if value >= PASSING else "C"


def card(monthly_indices: Sequence[float | None]) -> str | None:
    """Card for the latest month of consecutive monthly indices (oldest first).

    Red: this month and the month before both below 60; yellow: only this month. A month without an
    index breaks the chain, since "two consecutive months" needs two known months.
    """
    if not monthly_indices or not _below_passing(monthly_indices[-1]):
        return None
    if len(monthly_indices) >= 2 and _below_passing(monthly_indices[-2]):
        return "red"
    return "yellow"


def _below_passing(index: float | None) -> bool:
    value = shown(index)
    return value is not None and value < PASSING


def credit_decision(index: float | None) -> str | None:
    """Brands and MCNs: credit ≥ 90 gets a traffic boost, < 70 is suspended from cooperation."""
    value = shown(index)
    if value is None:
        return None
    if value >= CREDIT_BOOST:
        return "boost"
    return "suspend" if value < CREDIT_SUSPEND else "normal"


@dataclass(frozen=True)
class SubjectScore:
    scores: dict[str, float | None]
    dimensions: dict[str, float | None]
    index: IndexResult
    coverage: Coverage
    grade: str | None


def score_subject(values: Mapping[str, float | None], specs: Mapping[str, IndicatorSpec],
                  weights: Mapping[str, float]) -> SubjectScore:
    """Everything about one subject in one period that needs no history."""
    scores = score_indicators(values, specs)
    dims = dimension_scores(scores)
    idx = weighted_index(dims, weights)
    return SubjectScore(scores, dims, idx, coverage(scores, dims, idx), grade(idx.index))


# --- period arithmetic (months "YYYY-MM" and quarters "YYYY-Qn"), needed by cards and trends ---

def previous_period(period: str) -> str:
    year_s, part = period.split("-")
    year = int(year_s)
    if part.upper().startswith("Q"):
        q = int(part[1:])
        return f"{year - 1}-Q4" if q == 1 else f"{year}-Q{q - 1}"
    month = int(part)
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def trailing_periods(period: str, count: int) -> list[str]:
    """`count` periods ending with `period`, oldest first."""
    periods = [period]
    while len(periods) < count:
        periods.append(previous_period(periods[-1]))
    return list(reversed(periods))


def next_period(period: str) -> str:
    year_s, part = period.split("-")
    year = int(year_s)
    if part.upper().startswith("Q"):
        q = int(part[1:])
        return f"{year + 1}-Q1" if q == 4 else f"{year}-Q{q + 1}"
    month = int(part)
    return f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}"


def is_quarter(period: str) -> bool:
    return "Q" in period.upper()
