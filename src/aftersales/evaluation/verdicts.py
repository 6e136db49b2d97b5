"""Pure rules: score intervals, the index's interval, and whether the data allow a grade at all.

A grade, a card and a credit decision are verdicts with consequences (traffic, suspension), so they are
given only when enough of the index is measured and its interval is narrow enough; otherwise the subject
is "insufficient data" (数据不足), never an A on one case. Numbers in, numbers and reasons out.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Protocol

from aftersales.evaluation import scoring

GRADED = "graded"
INSUFFICIENT = "insufficient_data"
NO_DATA = "no_data"


class Gates(Protocol):
    @property
    def min_dimensions(self) -> int: ...
    @property
    def min_indicators(self) -> int: ...
    @property
    def min_weight_coverage(self) -> float: ...
    @property
    def max_half_width(self) -> float: ...


def score_interval(lower: float | None, upper: float | None, target: float,
                   floor: float) -> tuple[float | None, float | None]:
    """The value interval mapped through the score formula (monotone, so the ends map to the ends)."""
    a, b = scoring.indicator_score(lower, target, floor), scoring.indicator_score(upper, target, floor)
    if a is None or b is None:
        return None, None
    return min(a, b), max(a, b)


@dataclass(frozen=True)
class IndexInterval:
    lower: float | None
    upper: float | None

    @property
    def half_width(self) -> float | None:
        if self.lower is None or self.upper is None:
            return None
        return (self.upper - self.lower) / 2


def index_interval(index: float | None, bounds: Mapping[str, tuple[float | None, float | None]],
                   applied_weights: Mapping[str, float], level: float) -> IndexInterval:
    """index ± z·sd, where each scored indicator's sd is its interval's width over 2z, indicators taken as
    independent, a dimension the mean of its indicators and the index the weighted mean of dimensions."""
    if index is None:
        return IndexInterval(None, None)
    z = NormalDist().inv_cdf(0.5 + level / 2)
    by_dim: dict[str, list[float]] = {}
    for ind, (low, high) in bounds.items():
        if low is not None and high is not None:
            by_dim.setdefault(scoring.dimension_of(ind), []).append(((high - low) / (2 * z)) ** 2)
    variance = sum(applied_weights[d] ** 2 * sum(v) / len(v) ** 2 for d, v in by_dim.items() if d in applied_weights)
    half = z * math.sqrt(variance)
    return IndexInterval(max(index - half, 0.0), min(index + half, 100.0))


def dimension_intervals(dims: Mapping[str, float | None], bounds: Mapping[str, tuple[float | None, float | None]],
                        level: float) -> dict[str, tuple[float, float] | None]:
    """Each dimension's mean ± z·sd under the same independence as the index interval."""
    z = NormalDist().inv_cdf(0.5 + level / 2)
    variances: dict[str, list[float]] = {}
    for ind, (low, high) in bounds.items():
        if low is not None and high is not None:
            variances.setdefault(scoring.dimension_of(ind), []).append(((high - low) / (2 * z)) ** 2)
    out: dict[str, tuple[float, float] | None] = {}
    for dim, value in dims.items():
        parts = variances.get(dim)
        if value is None or not parts:
            out[dim] = None
            continue
        half = z * math.sqrt(sum(parts)) / len(parts)
        out[dim] = (max(value - half, 0.0), min(value + half, 100.0))
    return out


@dataclass(frozen=True)
class Verdict:
    status: str  # graded | insufficient_data | no_data
    reasons_zh: tuple[str, ...] = field(default_factory=tuple)
    reasons_en: tuple[str, ...] = field(default_factory=tuple)

    @property
    def graded(self) -> bool:
        return self.status == GRADED


def gate(coverage: scoring.Coverage, interval: IndexInterval, gates: Gates, *, has_index: bool = True) -> Verdict:
    """Graded only with enough dimensions, indicators and weight measured and a narrow enough interval.

    `coverage` counts the indicators measured on at least their minimum sample; `has_index` says whether
    there is an index at all (estimates of small samples may give one that cannot be graded).
    """
    if not has_index:
        return Verdict(NO_DATA, ("本期无可评分指标",), ("no indicator could be scored in the period",))
    zh: list[str] = []
    en: list[str] = []
    if coverage.dimensions_with_data < gates.min_dimensions:
        zh.append(f"有数据的维度 {coverage.dimensions_with_data} 个，少于 {gates.min_dimensions} 个")
        en.append(f"{coverage.dimensions_with_data} dimensions with data, fewer than {gates.min_dimensions}")
    if coverage.indicators_with_data < gates.min_indicators:
        zh.append(f"可评分指标 {coverage.indicators_with_data} 个，少于 {gates.min_indicators} 个")
        en.append(f"{coverage.indicators_with_data} indicators scored, fewer than {gates.min_indicators}")
    if coverage.weight_coverage + 1e-9 < gates.min_weight_coverage:
        zh.append(f"权重覆盖 {coverage.weight_coverage:.0%}，低于 {gates.min_weight_coverage:.0%}")
        en.append(f"weight coverage {coverage.weight_coverage:.0%}, below {gates.min_weight_coverage:.0%}")
    half = interval.half_width
    if half is not None and (scoring.shown(half) or 0.0) > gates.max_half_width:
        zh.append(f"指数区间 ±{half:.1f} 分，宽于 ±{gates.max_half_width:g} 分")
        en.append(f"index interval ±{half:.1f} points, wider than ±{gates.max_half_width:g}")
    if zh:
        return Verdict(INSUFFICIENT, tuple(zh), tuple(en))
    return Verdict(GRADED)
