"""Validation of the index (SPEC §Validation a–d), on DataFrames already read; no I/O here.

(a) triangulation: a platform-reported figure is flagged when it is more than 10 points above *every*
    independent measurement available (mystery shopper, survey). Rates given as shares (all ≤ 1) are
    compared in percentage points.
(b) blind panel: expert vs consumer panel scores per subject, Pearson and Spearman; the verdict uses the
    lower of the two, so a monotone-but-nonlinear or an outlier-driven agreement cannot pass alone.
(c) calibration: an indicator moving more than 20% quarter on quarter is flagged.
(d) predictive validity: correlation of the index with repurchase and recommendation rates across subjects.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aftersales.evaluation import scoring

if TYPE_CHECKING:
    import pandas as pd

TRIANGULATION_POINTS = 10.0
PANEL_PASS = 0.8
PANEL_REVIEW = 0.6
CALIBRATION_CHANGE = 0.20
MIN_SUBJECTS = 3
INDEPENDENT = ("mystery_shopper", "survey")


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and not math.isnan(float(x))


def triangulate(measurements: pd.DataFrame) -> pd.DataFrame:
    """One row per subject, period and indicator: the three sources side by side, the gap and the flag."""
    import pandas as pd

    keys = ["subject_type", "subject_id", "period", "indicator"]
    if measurements.empty:
        return pd.DataFrame(columns=[*keys, "platform", *INDEPENDENT, "gap_points", "flagged"])
    wide = (measurements.pivot_table(index=keys, columns="source", values="value", aggfunc="mean")
            .reset_index())
    for col in ("platform", *INDEPENDENT):
        if col not in wide.columns:
            wide[col] = float("nan")
    rows = []
    for rec in wide.to_dict("records"):
        present = [v for v in (rec["platform"], *(rec[c] for c in INDEPENDENT)) if _finite(v)]
        scale = 100.0 if present and all(abs(v) <= 1.0 for v in present) else 1.0
        independent = [rec[c] * scale for c in INDEPENDENT if _finite(rec[c])]
        gap = None
        if _finite(rec["platform"]) and independent:
            gap = rec["platform"] * scale - max(independent)
        rows.append({**{k: rec[k] for k in keys},
                     "platform": rec["platform"] * scale if _finite(rec["platform"]) else None,
                     **{c: (rec[c] * scale if _finite(rec[c]) else None) for c in INDEPENDENT},
                     "gap_points": gap,
                     "flagged": gap is not None and gap > TRIANGULATION_POINTS})
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class Correlation:
    n: int
    pearson: float | None
    pearson_p: float | None
    spearman: float | None
    spearman_p: float | None


def correlate(x: list[float], y: list[float]) -> Correlation:
    """Pearson and Spearman on paired finite values; None where undefined (too few, or constant)."""
    from scipy import stats

    pairs = [(a, b) for a, b in zip(x, y, strict=True) if _finite(a) and _finite(b)]
    n = len(pairs)
    if n < MIN_SUBJECTS:
        return Correlation(n, None, None, None, None)
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    if len(set(xs)) < 2 or len(set(ys)) < 2:
        return Correlation(n, None, None, None, None)
    pr = stats.pearsonr(xs, ys)
    sr = stats.spearmanr(xs, ys)
    return Correlation(n, float(pr.statistic), float(pr.pvalue), float(sr.statistic), float(sr.pvalue))


def panel_verdict(corr: Correlation) -> str:
    """pass (≥ 0.8), review (0.6–0.8), redesign (< 0.6), insufficient (too few subjects or constant)."""
    if corr.pearson is None or corr.spearman is None:
        return "insufficient"
    weakest = min(corr.pearson, corr.spearman)
    if weakest >= PANEL_PASS:
        return "pass"
    return "review" if weakest >= PANEL_REVIEW else "redesign"


def panel_agreement(panel_scores: pd.DataFrame) -> list[dict[str, object]]:
    """Blind-panel agreement per subject type and period."""
    out: list[dict[str, object]] = []
    if panel_scores.empty:
        return out
    for (stype, period), group in panel_scores.groupby(["subject_type", "period"], sort=True):
        wide = group.pivot_table(index="subject_id", columns="panel", values="score", aggfunc="mean")
        if not {"expert", "consumer"} <= set(wide.columns):
            continue
        corr = correlate(wide["expert"].tolist(), wide["consumer"].tolist())
        out.append({"subject_type": stype, "period": period, **corr.__dict__, "verdict": panel_verdict(corr)})
    return out


def calibration_flags(current: pd.DataFrame, previous: pd.DataFrame) -> pd.DataFrame:
    """Indicators whose value moved more than 20% between two quarters (values frames of the two quarters)."""
    import pandas as pd

    keys = ["subject_type", "subject_id", "indicator"]
    cur = current[[*keys, "period", "value"]].rename(columns={"value": "current", "period": "period"})
    prev = previous[[*keys, "period", "value"]].rename(columns={"value": "previous",
                                                                   "period": "previous_period"})
    both = cur.merge(prev, on=keys, how="inner").dropna(subset=["current", "previous"])
    rows = []
    for rec in both.to_dict("records"):
        prev_v, cur_v = float(rec["previous"]), float(rec["current"])
        change = (cur_v - prev_v) / abs(prev_v) if prev_v != 0 else None
        # from exactly zero any move is unbounded in relative terms: flag it when it moved at all
        flagged = (abs(change) > CALIBRATION_CHANGE) if change is not None else cur_v != 0
        rows.append({**rec, "relative_change": change, "flagged": bool(flagged)})
    return pd.DataFrame(rows, columns=[*keys, "period", "current", "previous_period", "previous",
                                       "relative_change", "flagged"])


def predictive_validity(index_by_subject: pd.DataFrame, outcomes: pd.DataFrame) -> list[dict[str, object]]:
    """Correlation across subjects of the index with repurchase and recommendation rates."""
    joined = index_by_subject.merge(outcomes, on=["subject_type", "subject_id"], how="inner")
    out: list[dict[str, object]] = []
    for outcome in ("repurchase_rate", "recommendation_rate"):
        if outcome not in joined.columns:
            continue
        corr = correlate(joined["index"].astype(float).tolist(), joined[outcome].astype(float).tolist())
        if corr.pearson is None:
            verdict = "insufficient"
        elif corr.pearson > 0 and (corr.pearson_p or 1.0) < 0.05:
            verdict = "supported"
        else:
            verdict = "not_supported"
        out.append({"outcome": outcome, **corr.__dict__, "verdict": verdict})
    return out


def dimension_values(values: pd.DataFrame, specs: Mapping[str, Any]) -> pd.DataFrame:
    """Dimension scores shaped like indicator values, so calibration can flag a whole dimension too
    (the seed's example: 情感沟通质量 moving more than 20% in a quarter)."""
    import pandas as pd

    columns = ["subject_type", "subject_id", "period", "indicator", "value"]
    rows = []
    for (stype, sid, period), group in values.groupby(["subject_type", "subject_id", "period"], sort=False):
        raw = dict(zip(group["indicator"].astype(str), group["value"].astype(float), strict=True))
        dims = scoring.dimension_scores(scoring.score_indicators(raw, specs))
        rows += [(stype, sid, period, dim, float("nan") if score is None else score) for dim, score in dims.items()]
    return pd.DataFrame(rows, columns=columns)
