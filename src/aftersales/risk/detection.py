"""Spike detection over (batch | product | session | anchor) × problem-class series of cases. Pure.

Method (docs/risk.md): a count baseline with exposure, tested over several windows at once.

* Exposure: the units of the series sold lately (per day), because cases follow sales: a hot lipstick on 双11
  draws more allergy cases without anything being wrong, and a new batch has no history of its own.
* Baseline: cases of the class per unit sold, learnt from the series' own past (the 90 days before the last
  week, so a spike never hides in its own baseline) and shrunk towards the class's rate in the product's
  category across the platform (a Gamma prior worth `PRIOR_UNITS` units). The rate's uncertainty makes the
  count in a window negative binomial (Poisson–Gamma), which also absorbs ordinary over-dispersion.
* Test: for windows of 1 h, 6 h, 24 h, 3 d and 7 d ending now, the probability of at least the observed count
  under the baseline. A series alarms when one window is below `ALPHA` (a Bonferroni share of the per-test
  budget) with at least `MIN_CASES` cases: bursts show in the short windows, slow rises in the long ones (a
  prospective temporal scan statistic).

`fixed_rule` is today's rule (≥ 5 same-class cases in 6 h), kept for `aftersales bench risk` to compare against.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.stats import nbinom

METHOD = "nb-exposure-scan/v1"
WINDOW_HOURS: tuple[float, ...] = (1.0, 6.0, 24.0, 72.0, 168.0)
#: one window in five may alarm, each at ALPHA: about one false warning per series every few years
ALPHA = 2e-5
MIN_CASES = 3
#: how strongly the platform's class rate for the category holds a series with little history (in units sold)
PRIOR_UNITS = 400.0
#: a class rate when the platform has none yet (a fresh install): 0.5 % of units sold
DEFAULT_RATE = 0.005
#: a series that sold nothing lately still has some exposure (old orders keep drawing cases)
MIN_EXPOSURE_PER_DAY = 0.2
BASELINE_DAYS = (7, 90)  # the baseline is learnt from [now - 90 d, now - 7 d)
EXPOSURE_DAYS = 30
#: the baseline's units are taken this many days earlier than its cases: the mean lag of LAG_KERNEL, so a 大促
#: whose sales fell in the window but whose cases have not yet does not make the rate look low
UNITS_LEAD_DAYS = 3
#: how a day's sales turn into cases over the following days (delivery takes 1–3 days, a problem shows within
#: two weeks of use): the weight of the units sold k days ago in today's exposure
LAG_KERNEL: tuple[float, ...] = (0.05, 0.15, 0.2, 0.17, 0.13, 0.1, 0.07, 0.05, 0.03, 0.02, 0.01, 0.01, 0.005, 0.005)

FIXED_THRESHOLD = 5
FIXED_WINDOW_HOURS = 6.0


@dataclass(frozen=True)
class Baseline:
    """What a series is expected to do: its own past and the platform's rate for its class and category."""

    prior_rate: float = DEFAULT_RATE
    own_cases: float = 0.0
    own_units: float = 0.0
    prior_units: float = PRIOR_UNITS

    @property
    def shape(self) -> float:
        return self.own_cases + self.prior_units * max(self.prior_rate, 1e-6)

    @property
    def units(self) -> float:
        return self.own_units + self.prior_units

    @property
    def rate(self) -> float:
        """Expected cases of the class per unit sold."""
        return self.shape / self.units


@dataclass(frozen=True)
class Window:
    hours: float
    count: int
    expected: float
    p_value: float


@dataclass(frozen=True)
class Verdict:
    alarm: bool
    #: the most significant window (the evidence a warning shows)
    window: Window
    windows: tuple[Window, ...]
    method: str = METHOD


def exposure_profile(units_by_day_ago: Sequence[float]) -> np.ndarray:
    """Units at risk on each of the last seven days (index 0 = today): each day's sales of the two weeks before,
    weighted by when their cases arrive, and never less than the month's average (a 大促 peak lifts the exposure
    as its cases come in, and lets it down as they stop)."""
    days = int(max(WINDOW_HOURS) // 24)
    span = EXPOSURE_DAYS + days + len(LAG_KERNEL)
    units = np.zeros(span)
    values = np.asarray(units_by_day_ago[:span], dtype=float)
    units[: len(values)] = values
    kernel = np.asarray(LAG_KERNEL)
    profile = np.empty(days)
    for ago in range(days):
        lagged = float(np.dot(units[ago: ago + len(kernel)], kernel))
        profile[ago] = max(lagged, float(units[ago: ago + EXPOSURE_DAYS].mean()), MIN_EXPOSURE_PER_DAY)
    return profile


def window_exposure(profile: np.ndarray, hours: float) -> float:
    """Unit-days of exposure in the window ending now: whole days back from today, and part of the last one."""
    whole, part = divmod(hours / 24.0, 1.0)
    whole_days = int(whole)
    total = float(profile[:whole_days].sum())
    if part and whole_days < len(profile):
        total += part * float(profile[whole_days])
    return total


def window_counts(ages_hours: Sequence[float], windows: Sequence[float] = WINDOW_HOURS) -> list[int]:
    """How many of the series' cases fall in each window ending now (ages in hours, 0 = now)."""
    ordered = np.sort(np.asarray(ages_hours, dtype=float))
    return [int(np.searchsorted(ordered, w, side="right")) for w in windows]


def p_values(counts: np.ndarray, expected: np.ndarray, shape: float | np.ndarray) -> np.ndarray:
    """P(X ≥ count) for X ~ NegBin with the baseline's shape and the window's mean, elementwise."""
    probability = shape / (shape + np.maximum(expected, 1e-12))
    result: np.ndarray = nbinom.sf(np.asarray(counts) - 1, shape, probability)
    return result


def assess(ages_hours: Sequence[float], profile: np.ndarray, baseline: Baseline, *, alpha: float = ALPHA,
           min_cases: int = MIN_CASES, windows: Sequence[float] = WINDOW_HOURS) -> Verdict:
    """Whether the series' recent cases are a spike, with the window that shows it best.

    `profile` is `exposure_profile` of the series' sales; `ages_hours` the ages of its cases of the class.
    """
    counts = np.asarray(window_counts(ages_hours, windows))
    expected = baseline.rate * np.asarray([window_exposure(profile, w) for w in windows])
    p = p_values(counts, expected, baseline.shape)
    found = tuple(Window(float(w), int(c), float(e), float(pv)) for w, c, e, pv in zip(
        windows, counts, expected, p, strict=True))
    eligible = [w for w in found if w.count >= min_cases]
    best = min(eligible or found, key=lambda w: (w.p_value, -w.hours))
    return Verdict(alarm=bool(eligible) and best.p_value < alpha, window=best, windows=found)


def fixed_rule(ages_hours: Sequence[float]) -> bool:
    """Today's rule: at least 5 cases of one class on one batch/session/product within 6 hours."""
    return sum(1 for age in ages_hours if age <= FIXED_WINDOW_HOURS) >= FIXED_THRESHOLD
