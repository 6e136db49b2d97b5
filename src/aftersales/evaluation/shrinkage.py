"""Empirical-Bayes shrinkage of small samples toward their population, with an interval for every estimate.

Pure arithmetic over arrays (one entry per subject of one type, one indicator, one period):
- shares (rates): beta-binomial. The population's Beta(α, β) has the pooled share as its mean and the
  between-subject variance estimated by the method of moments (Fleiss' estimator, binomial noise taken out);
  each subject's estimate is the posterior mean (k + α) / (n + α + β), its interval the posterior quantiles.
- means and medians: normal-normal. Each subject's mean has sampling variance σ²/n (σ² pooled within
  subjects; a median's is π/2 times larger); the between-subject variance τ² is DerSimonian–Laird's. The
  estimate is B·μ + (1 − B)·x̄ with B = (σ²/n) / (σ²/n + τ²), its interval normal with variance (1 − B)·σ²/n.
The prior never weighs more than `max_prior_rows` rows, so a population whose subjects do not differ
measurably still lets a large subject keep its own value. With fewer than `min_subjects` subjects there is no
population to learn from and a weak prior worth two rows is used.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aftersales.evaluation.method import Method

if TYPE_CHECKING:
    import numpy as np

WEAK_PRIOR_ROWS = 2.0
# a median's sampling variance is π/2 times the mean's under normality (asymptotic relative efficiency)
MEDIAN_VARIANCE_FACTOR = math.pi / 2


@dataclass(frozen=True)
class Shrunk:
    estimate: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    #: how many rows the population prior is worth (α + β, or σ²/τ²)
    prior_rows: float
    population_mean: float


def _empty(size: int) -> Shrunk:
    import numpy as np

    nan = np.full(size, np.nan)
    return Shrunk(nan, nan.copy(), nan.copy(), math.nan, math.nan)


def shrink_rates(k: np.ndarray, n: np.ndarray, method: Method) -> Shrunk:
    """Beta-binomial posterior of each subject's share from k successes in n rows (n = 0: NaN)."""
    import numpy as np
    from scipy import stats

    k, n = np.asarray(k, dtype=float), np.asarray(n, dtype=float)
    have = n > 0
    if not have.any():
        return _empty(len(n))
    total = n[have].sum()
    mean = float(k[have].sum() / total)
    strength = _rate_prior_rows(k[have], n[have], mean, method)
    # a pooled share of exactly 0 or 1 would make a degenerate Beta: keep it inside (0, 1)
    centre = min(max(mean, 0.5 / total), 1 - 0.5 / total)
    alpha, beta = centre * strength, (1 - centre) * strength
    a, b = k + alpha, n - k + beta
    tail = (1 - method.level) / 2
    estimate = np.where(have, a / (a + b), np.nan)
    lower = np.where(have, stats.beta.ppf(tail, a, b), np.nan)
    upper = np.where(have, stats.beta.ppf(1 - tail, a, b), np.nan)
    return Shrunk(estimate, lower, upper, strength, mean)


def _rate_prior_rows(k: np.ndarray, n: np.ndarray, mean: float, method: Method) -> float:
    m = len(n)
    if m < method.min_subjects or mean <= 0 or mean >= 1:
        return WEAK_PRIOR_ROWS if m < method.min_subjects else method.max_prior_rows
    total = n.sum()
    p = k / n
    spread = float((n * (p - mean) ** 2).sum())
    noise = (m - 1) * mean * (1 - mean)
    denominator = total - float((n**2).sum()) / total
    tau2 = (spread - noise) / denominator if denominator > 0 else 0.0
    if tau2 <= 0:
        return method.max_prior_rows
    return float(min(max(mean * (1 - mean) / tau2 - 1, WEAK_PRIOR_ROWS), method.max_prior_rows))


def shrink_means(x: np.ndarray, sd: np.ndarray, n: np.ndarray, method: Method, *, median: bool = False) -> Shrunk:
    """Normal-normal posterior of each subject's mean (or median) x from n rows with sample sd."""
    import numpy as np
    from scipy import stats

    x, sd, n = (np.asarray(a, dtype=float) for a in (x, sd, n))
    have = (n > 0) & ~np.isnan(x)
    if not have.any():
        return _empty(len(n))
    sigma2 = _pooled_variance(x[have], sd[have], n[have])
    factor = MEDIAN_VARIANCE_FACTOR if median else 1.0
    var = np.where(have, factor * sigma2 / np.where(n > 0, n, 1), np.nan)
    mu, tau2 = _population(x[have], var[have], sigma2 * factor, method)
    z = float(stats.norm.ppf(0.5 + method.level / 2))
    # tau2 = inf: no prior (every row the same value), the subject keeps its own mean
    weight = np.zeros(len(n)) if tau2 == math.inf else var / (var + tau2)
    estimate = np.where(have, weight * mu + (1 - weight) * x, np.nan)
    half = z * np.sqrt((1 - weight) * var)
    # a zero pooled variance (every row the same value) leaves no uncertainty to show
    half = np.where(np.isnan(half), 0.0, half)
    prior_rows = sigma2 * factor / tau2 if 0 < tau2 < math.inf else math.nan
    return Shrunk(estimate, np.where(have, estimate - half, np.nan), np.where(have, estimate + half, np.nan),
                  float(prior_rows), mu)


def _pooled_variance(x: np.ndarray, sd: np.ndarray, n: np.ndarray) -> float:
    """Within-subject variance pooled over subjects with two rows or more; 0 when there is no spread."""
    import numpy as np

    usable = (n >= 2) & ~np.isnan(sd)
    dof = float((n[usable] - 1).sum())
    if dof > 0:
        return float(((n[usable] - 1) * sd[usable] ** 2).sum() / dof)
    # single rows only: the spread between subjects is the best guess of the spread between rows
    return float(np.var(x, ddof=1)) if len(x) >= 2 else 0.0


def _population(x: np.ndarray, var: np.ndarray, row_var: float, method: Method) -> tuple[float, float]:
    """Population mean and between-subject variance τ², τ² kept at least row_var / max_prior_rows."""
    import numpy as np

    m = len(x)
    if row_var <= 0:
        return float(np.mean(x)), math.inf
    floor = row_var / method.max_prior_rows
    if m < method.min_subjects:
        return float(np.mean(x)), row_var / WEAK_PRIOR_ROWS
    w = 1 / var
    mu_w = float((w * x).sum() / w.sum())
    q = float((w * (x - mu_w) ** 2).sum())
    c = float(w.sum() - (w**2).sum() / w.sum())
    tau2 = max((q - (m - 1)) / c if c > 0 else 0.0, floor)
    w_star = 1 / (var + tau2)
    return float((w_star * x).sum() / w_star.sum()), tau2
