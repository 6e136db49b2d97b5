"""From raw indicator values to what is scored: status, shrunken estimate and interval per subject.

Each (period, indicator) of a values frame is one population: the subjects of one type in one period.
Statuses, in the order they are decided:
- `no_data`: nothing in scope (n = 0) or no value;
- `cannot_vary`: the indicator could not have moved for this subject (S4 without a returning buyer);
- `constant`: every subject of the population has the same raw value, so the indicator tells nobody
  apart (S4 = 0 everywhere when no buyer ever files twice on an order): no data for all, reported;
- `small_sample`: fewer rows than the method's minimum; shown with its estimate and interval, never counted
  as measured for a grade (whether it enters the index is the method's `small_samples` setting);
- `ok`: scored with its shrunken estimate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aftersales.evaluation import shrinkage
from aftersales.evaluation.method import Method

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

SCORED = "ok"
SMALL = "small_sample"
#: populations of at least this many subjects with data are checked for a constant value
CONSTANT_MIN_SUBJECTS = 3


@dataclass(frozen=True)
class Kind:
    kind: str  # rate | mean
    median: bool = False


def estimate(values: pd.DataFrame, kinds: Mapping[str, Kind], method: Method) -> pd.DataFrame:
    """The values frame with estimate, lower, upper, status and prior_rows added (a new frame)."""
    import pandas as pd

    if values.empty:
        return values.assign(estimate=pd.Series(dtype="float64"), lower=pd.Series(dtype="float64"),
                             upper=pd.Series(dtype="float64"), status=pd.Series(dtype="object"),
                             prior_rows=pd.Series(dtype="float64"))
    parts = [_population(group, kinds[str(ind)], method, str(ind))
             for (_, ind), group in values.groupby(["period", "indicator"], sort=False)]
    return pd.concat(parts).loc[values.index]


def _population(group: pd.DataFrame, kind: Kind, method: Method, indicator: str) -> pd.DataFrame:
    import numpy as np

    value = group["value"].to_numpy(dtype=float)
    n = group["n"].to_numpy(dtype=float)
    notes = group["note"].to_numpy(dtype=object) if "note" in group.columns else np.full(len(group), None)
    status = np.full(len(group), SCORED, dtype=object)
    status[(n <= 0) | np.isnan(value)] = "no_data"
    status[notes == "cannot_vary"] = "cannot_vary"
    with_data = status == SCORED
    if with_data.sum() >= CONSTANT_MIN_SUBJECTS and np.ptp(value[with_data]) == 0:
        status[with_data] = "constant"
    usable = with_data & (status == SCORED)
    shrunk = _shrink(value, group, n, usable, kind, method)
    small = usable & (n < method.min_sample(indicator, kind.kind))
    status[small] = SMALL
    return group.assign(estimate=shrunk.estimate, lower=shrunk.lower, upper=shrunk.upper, status=status,
                        prior_rows=shrunk.prior_rows)


def _shrink(value: np.ndarray, group: pd.DataFrame, n: np.ndarray, usable: np.ndarray, kind: Kind,
            method: Method) -> shrinkage.Shrunk:
    """Shrink the usable subjects toward each other; the others keep NaN."""
    import numpy as np

    masked_n = np.where(usable, n, 0.0)
    if kind.kind == "rate":
        k = np.round(np.nan_to_num(value) * masked_n)
        return shrinkage.shrink_rates(k, masked_n, method)
    sd = group["sd"].to_numpy(dtype=float) if "sd" in group.columns else np.full(len(group), np.nan)
    return shrinkage.shrink_means(np.where(usable, value, np.nan), sd, masked_n, method, median=kind.median)
