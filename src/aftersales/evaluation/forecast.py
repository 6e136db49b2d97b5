"""Trend and 3-month forecast of a subject's monthly index, with an interval and a risk level.

Method by series length (months with an index):
- ≥ 8 months: damped additive-trend exponential smoothing (statsmodels ETS, additive errors); its
  prediction interval comes from the fitted model.
- 3–7 months: ordinary least-squares line; the interval is the t-based prediction interval of the line.
  ETS on fewer than 8 points fits noise and gives intervals nobody should trust.
- 1–2 months: the last value carried forward (naive); with 2 months the interval is ± the z-multiple of
  the one observed change times √h, with 1 month there is no interval.
Forecasts and bounds are clipped to 0–100, the range of the index.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

HORIZON = 3
LEVEL = 0.80  # an 80% interval: wide enough to be honest, narrow enough to act on
HIGH_RISK_BELOW = 60.0
MEDIUM_RISK_BELOW = 70.0
FALLING_POINTS = 5.0
MIN_ETS = 8
MIN_LINE = 3


@dataclass(frozen=True)
class ForecastPoint:
    step: int
    mean: float
    lower: float | None
    upper: float | None


@dataclass(frozen=True)
class Forecast:
    method: str
    points: tuple[ForecastPoint, ...]
    risk: str | None
    reason_zh: str
    reason_en: str


def _clip(x: float) -> float:
    return min(max(x, 0.0), 100.0)


def _ets(history: Sequence[float], horizon: int) -> list[tuple[float, float | None, float | None]]:
    import pandas as pd
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    # a Series, not an array: statsmodels' prediction results need an index to label rows
    y = pd.Series(list(history), dtype=float)
    with warnings.catch_warnings():
        # short monthly series often end the optimiser at a bound; the fit is still usable, so stay quiet
        warnings.simplefilter("ignore")
        fitted = ETSModel(y, error="add", trend="add", damped_trend=True).fit(disp=False)
    frame = fitted.get_prediction(start=len(y), end=len(y) + horizon - 1).summary_frame(alpha=1 - LEVEL)
    return [(float(r["mean"]), float(r["pi_lower"]), float(r["pi_upper"])) for _, r in frame.iterrows()]


@lru_cache(maxsize=64)
def _t_quantile(dof: int) -> float:
    from scipy import stats

    return float(stats.t.ppf(0.5 + LEVEL / 2, dof))


def _line(history: Sequence[float], horizon: int) -> list[tuple[float, float | None, float | None]]:
    import numpy as np

    n = len(history)
    x = np.arange(n, dtype=float)
    y = np.asarray(history, dtype=float)
    slope, intercept = np.polyfit(x, y, 1)
    residuals = y - (slope * x + intercept)
    dof = n - 2
    sigma = math.sqrt(float(residuals @ residuals) / dof) if dof > 0 else 0.0
    t = _t_quantile(dof) if dof > 0 else 0.0
    sxx = float(((x - x.mean()) ** 2).sum())
    out: list[tuple[float, float | None, float | None]] = []
    for h in range(1, horizon + 1):
        x0 = n - 1 + h
        mean = float(slope * x0 + intercept)
        half = t * sigma * math.sqrt(1 + 1 / n + (x0 - x.mean()) ** 2 / sxx)
        out.append((mean, mean - half, mean + half))
    return out


def _naive(history: Sequence[float], horizon: int) -> list[tuple[float, float | None, float | None]]:
    from scipy import stats

    last = history[-1]
    if len(history) < 2:
        return [(last, None, None)] * horizon
    z = float(stats.norm.ppf(0.5 + LEVEL / 2))
    step = abs(history[-1] - history[-2])
    return [(last, last - z * step * math.sqrt(h), last + z * step * math.sqrt(h))
            for h in range(1, horizon + 1)]


def risk_level(last_observed: float, means: Sequence[float]) -> tuple[str, str, str]:
    """high: a forecast month below 60; medium: lowest forecast 60–70 or falling > 5 points; else low."""
    lowest = min(means)
    drop = last_observed - means[-1]
    if lowest < HIGH_RISK_BELOW:
        return "high", f"预测最低 {lowest:.1f} 分，低于 60", f"forecast falls to {lowest:.1f}, below 60"
    if lowest < MEDIUM_RISK_BELOW:
        return ("medium", f"预测最低 {lowest:.1f} 分，处于 60–70",
                f"forecast low of {lowest:.1f} is within 60–70")
    if drop > FALLING_POINTS:
        return ("medium", f"预计 3 个月下降 {drop:.1f} 分（超过 5 分）",
                f"expected to fall {drop:.1f} points in 3 months (more than 5)")
    return "low", "预测保持在 70 分以上且未明显下滑", "forecast stays at 70 or above without a marked fall"


def forecast_index(history: Sequence[float | None], horizon: int = HORIZON, *,
                   allow_ets: bool = True) -> Forecast:
    """Forecast the next `horizon` months from monthly indices (oldest first; None months are skipped).

    `allow_ets=False` uses the line even for long series: an ETS fit costs ~50 ms, too slow for thousands
    of subjects in one run.
    """
    known = [float(v) for v in history if v is not None and not math.isnan(v)]
    raw: list[tuple[float, float | None, float | None]]
    if not known:
        return Forecast("none", (), None, "无历史指数，无法预测", "no index history, no forecast")
    if allow_ets and len(known) >= MIN_ETS:
        method, raw = "ets_damped_trend", _ets(known, horizon)
    elif len(known) >= MIN_LINE:
        method, raw = "linear_trend", _line(known, horizon)
    else:
        method, raw = "naive_last_value", _naive(known, horizon)
    points = tuple(
        ForecastPoint(i + 1, _clip(m), None if lo is None else _clip(lo), None if hi is None else _clip(hi))
        for i, (m, lo, hi) in enumerate(raw)
    )
    risk, zh, en = risk_level(known[-1], [p.mean for p in points])
    return Forecast(method, points, risk, zh, en)
