"""Synthetic case series with injected spikes, and how a detector scores on them (for `aftersales bench risk`).

Each series is one (subject, class): units sold per day (log-normal sizes, weekly rhythm, 大促 peaks at four to
six times the usual volume), cases of the class as Poisson arrivals proportional to the sales of the days before
(a heterogeneous rate per series), and, on some series, an injected spike: a burst (several cases within half an
hour, like eight allergy claims on one batch) or a sustained rise (a bad batch: extra cases every day for one to
two weeks). Both detectors see the same arrivals and are asked at every arrival, as the monitors are.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from aftersales.risk import detection

HISTORY_DAYS = 90  # sales and cases before the evaluated period: the baseline's material
SUPPRESS_HOURS = 168.0  # an alarm opens a warning; the series does not alarm again while it is open


@dataclass(frozen=True)
class Spec:
    series: int = 2000
    days: int = 60
    spike_share: float = 0.12
    seed: int = 2026


@dataclass
class Series:
    units: np.ndarray  # per day, history + evaluated days
    arrivals: np.ndarray  # hours since the start of the history, sorted
    prior_rate: float
    spike: tuple[float, float, str] | None = None  # (start hour, end hour, kind)


@dataclass
class Score:
    name: str
    alarms: int = 0
    true_alarms: int = 0
    false_alarms: int = 0
    detected: int = 0
    spikes: int = 0
    delays: list[float] = field(default_factory=list)
    series_days: int = 0

    @property
    def precision(self) -> float:
        return self.true_alarms / self.alarms if self.alarms else 0.0

    @property
    def recall(self) -> float:
        return self.detected / self.spikes if self.spikes else 0.0

    @property
    def false_per_1000_series_days(self) -> float:
        return 1000.0 * self.false_alarms / max(self.series_days, 1)

    def delay(self, quantile: float) -> float | None:
        return float(np.quantile(self.delays, quantile)) if self.delays else None


def _units(rng: np.random.Generator, days: int) -> np.ndarray:
    size = rng.lognormal(mean=2.0, sigma=1.4)  # median ~7 units a day, a long tail of hot sellers
    weekly = 1.0 + 0.3 * np.sin(np.arange(days) * 2 * np.pi / 7 + rng.uniform(0, 6.3))
    peaks = np.ones(days)
    for start in (HISTORY_DAYS - 40, HISTORY_DAYS + 20):  # a 大促 in the history, one in the evaluated period
        peaks[start:start + 4] = rng.uniform(4.0, 6.0)
    result: np.ndarray = rng.poisson(size * weekly * peaks)
    return result.astype(float)


def _arrivals(rng: np.random.Generator, units: np.ndarray, rate: float) -> np.ndarray:
    # cases follow sales with a lag of a few days (delivery, then use)
    lagged = np.convolve(units, np.array([0.0, 0.2, 0.35, 0.25, 0.12, 0.08]))[: len(units)]
    counts = rng.poisson(lagged * rate)
    days = np.repeat(np.arange(len(units)), counts)
    return np.sort((days + rng.uniform(0, 1, len(days))) * 24.0)


def _spike(rng: np.random.Generator, series: Series, days: int) -> None:
    start = (HISTORY_DAYS + rng.uniform(2, days - 16)) * 24.0
    if rng.random() < 0.4:
        count = int(rng.integers(5, 12))
        extra = start + np.sort(rng.uniform(0, 0.5, count))
        series.spike = (start, start + 24.0, "burst")
    else:
        length = rng.uniform(7, 15) * 24.0
        baseline_per_day = max(series.prior_rate * float(np.mean(series.units)), 0.05)
        per_day = max(3.0 * baseline_per_day, rng.uniform(0.8, 2.5))
        extra = start + np.sort(rng.uniform(0, length, rng.poisson(per_day * length / 24.0)))
        series.spike = (start, start + length, "sustained")
    series.arrivals = np.sort(np.concatenate([series.arrivals, extra]))


def generate(spec: Spec) -> list[Series]:
    rng = np.random.default_rng(spec.seed)
    total = HISTORY_DAYS + spec.days
    made = []
    for number in range(spec.series):
        category_rate = float(rng.choice([0.002, 0.005, 0.01, 0.02]))
        own_rate = category_rate * float(rng.lognormal(0.0, 0.5))
        units = _units(rng, total)
        series = Series(units, _arrivals(rng, units, own_rate), category_rate)
        if number < spec.series * spec.spike_share:
            _spike(rng, series, spec.days)
        made.append(series)
    return made


def _between(cumulative: np.ndarray, start_day: np.ndarray, end_day: np.ndarray) -> np.ndarray:
    start = np.clip(start_day, 0, len(cumulative) - 1).astype(int)
    end = np.clip(end_day, 0, len(cumulative) - 1).astype(int)
    result: np.ndarray = cumulative[end] - cumulative[start]
    return result


def _exposure(units: np.ndarray) -> np.ndarray:
    """detection.exposure_profile's day-0 value for every day at once (day k sees the sales of days < k)."""
    kernel = np.asarray(detection.LAG_KERNEL)
    lagged = np.concatenate([[0.0], np.convolve(units, kernel)[: len(units) - 1]])
    cumulative = np.concatenate([[0.0], np.cumsum(units)])
    days = np.arange(len(units))
    month = (cumulative[days] - cumulative[np.maximum(days - detection.EXPOSURE_DAYS, 0)]) / detection.EXPOSURE_DAYS
    result: np.ndarray = np.maximum(np.maximum(lagged, month), detection.MIN_EXPOSURE_PER_DAY)
    return result


def nb_alarms(series: Series, times: np.ndarray) -> np.ndarray:
    """Whether the exposure-scan detector alarms at each of `times` (hours), vectorised over arrivals."""
    arrivals = series.arrivals
    cumulative = np.concatenate([[0.0], np.cumsum(series.units)])
    day = np.floor(times / 24.0)
    daily = _exposure(series.units)
    exposure_sum = np.concatenate([[0.0], np.cumsum(daily)])
    today = day.astype(int)
    lo, hi = detection.BASELINE_DAYS
    lead = detection.UNITS_LEAD_DAYS
    own_units = _between(cumulative, day - hi - lead, day - lo - lead)
    own_cases = (np.searchsorted(arrivals, times - lo * 24.0) - np.searchsorted(arrivals, times - hi * 24.0))
    shape = own_cases + detection.PRIOR_UNITS * series.prior_rate
    rate = shape / (own_units + detection.PRIOR_UNITS)
    upto = np.searchsorted(arrivals, times, side="right")
    alarm = np.zeros(len(times), dtype=bool)
    for hours in detection.WINDOW_HOURS:
        count = upto - np.searchsorted(arrivals, times - hours, side="left")
        whole, part = int(hours // 24), (hours / 24.0) % 1.0
        covered = exposure_sum[today + 1] - exposure_sum[np.maximum(today + 1 - whole, 0)]
        covered = covered + part * daily[np.maximum(today - whole, 0)]
        expected = rate * covered
        p = detection.p_values(count, expected, shape)
        alarm |= (count >= detection.MIN_CASES) & (p < detection.ALPHA)
    return alarm


def fixed_alarms(series: Series, times: np.ndarray) -> np.ndarray:
    arrivals = series.arrivals
    upto = np.searchsorted(arrivals, times, side="right")
    within = upto - np.searchsorted(arrivals, times - detection.FIXED_WINDOW_HOURS, side="left")
    result: np.ndarray = within >= detection.FIXED_THRESHOLD
    return result


def score(name: str, data: list[Series], days: int, alarms_at: Callable[[Series, np.ndarray], np.ndarray]) -> Score:
    result = Score(name, series_days=len(data) * days)
    start = HISTORY_DAYS * 24.0
    for series in data:
        times = series.arrivals[series.arrivals >= start]
        fired = times[alarms_at(series, times)] if len(times) else times
        first_in_spike: float | None = None
        quiet_until = -1.0
        for moment in fired:
            if moment < quiet_until:
                continue
            quiet_until = moment + SUPPRESS_HOURS
            result.alarms += 1
            inside = series.spike is not None and series.spike[0] <= moment <= series.spike[1]
            if inside:
                result.true_alarms += 1
                first_in_spike = first_in_spike if first_in_spike is not None else moment
            else:
                result.false_alarms += 1
        if series.spike is not None:
            result.spikes += 1
            if first_in_spike is not None:
                result.detected += 1
                result.delays.append(first_in_spike - series.spike[0])
    return result
