"""The 28 indicators of the health index per subject and period, on whatever engine the source uses.

`compute_indicators` cleans (a first pass for the p99 caps and the counts of dropped values), then runs one
aggregate per frame, so the whole evaluation is about ten queries whatever the number of subjects.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from aftersales.calendars import BusinessCalendar as Calendar
from aftersales.calendars import load_calendar
from aftersales.evaluation import cleaning as cl
from aftersales.evaluation import drilldown, integrity, supplementary
from aftersales.evaluation.catalogue import INDICATORS as INDICATORS
from aftersales.evaluation.cleaning import CleaningReport
from aftersales.evaluation.estimates import Kind
from aftersales.evaluation.frames import (
    FRAME_TABLES,
    FRAMES,
    Context,
    allergy_days,
    case_keys,
    decision_days,
    gmv_frame,
    in_window,
    return_hours,
    since_case_floor,
)
from aftersales.evaluation.measures import MEASURES, Measure, aggregates, scoped_columns
from aftersales.evaluation.periods import Period, months_between, parse_period
from aftersales.evaluation.schema import PLATFORM_ID, SUBJECT_TYPES
from aftersales.evaluation.sources import Source
from aftersales.evaluation.supplementary import Supplementary
from aftersales.problems import InvalidInput

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


VALUE_COLUMNS = ["subject_type", "subject_id", "period", "indicator", "value", "n", "sd", "note"]
#: the note of an indicator that cannot vary for a subject (no data, not a perfect score)
CANNOT_VARY = "cannot_vary"
SUBJECT_COLUMNS = [
    "subject_type",
    "subject_id",
    "name",
    "gmv",
    "sensitive_skin_gmv_share",
    "in_promo",
    "months_active",
]


@dataclass
class IndicatorResult:
    values: pd.DataFrame
    subjects: pd.DataFrame
    cleaning: CleaningReport
    period: str
    subject_type: str


def _one_row(expr: Any) -> dict[str, Any]:
    frame = expr.execute()
    return {k: (None if _isnan(v) else v) for k, v in frame.iloc[0].to_dict().items()} if len(frame) else {}


def _isnan(value: Any) -> bool:
    try:
        return value is None or math.isnan(float(value))
    except (TypeError, ValueError):
        return False


def _caps(source: Source, period: Period, keys: Any, calendar: Calendar) -> dict[str, float]:
    """First pass: the p99 caps of the averaged durations over the whole period (every subject together).

    `keys` holds the case_id of every case opened in the period (frames.case_keys). The caps of cases
    and of arbitration are one-row aggregates joined side by side: one query instead of one per table.
    """
    cases = source.table("cases")
    cases = cases.filter(in_window(cases.created_at, period.start, period.end))
    caps = cases.aggregate(
        E1=return_hours(cases).quantile(cl.WINSOR_QUANTILE),
        E2=allergy_days(cases, Context(period, "platform", calendar, {})).quantile(cl.WINSOR_QUANTILE),
    )
    if source.has("arbitration"):
        # the same rows as the arbitration frame, whose decision days the cap winsorises
        arb = since_case_floor(source.table("arbitration"), period, "requested_at")
        arb = arb.join(keys.select("case_id"), "case_id")
        caps = caps.cross_join(arb.aggregate(C2=decision_days(arb).quantile(cl.WINSOR_QUANTILE)))
    return {k: float(v) for k, v in _one_row(caps).items() if v is not None}


@dataclass(frozen=True)
class Column:
    """One indicator for the subjects of its frame's aggregate: (value, n, sd, note) as parallel arrays."""

    sids: list[str]
    value: np.ndarray
    n: np.ndarray
    sd: np.ndarray
    notes: list[str | None]


Measured = dict[str, Column]


def _frame_values(source: Source, ctx: Context, report: CleaningReport,
                  measures: Mapping[str, Measure]) -> Measured:
    """{indicator: its Column} from one aggregate per frame; the cleaning counts ride along."""
    by_frame: dict[str, list[str]] = {}
    for ind, measure in measures.items():
        by_frame.setdefault(measure.frame, []).append(ind)
    out: Measured = {}
    for frame_name, inds in by_frame.items():
        missing = [t for t in FRAME_TABLES[frame_name] if not source.has(t)]
        if missing:
            cl.report_missing_table(report, missing[-1], inds)
            continue
        frame = FRAMES[frame_name](source, ctx)
        if frame is None:
            continue
        result = _aggregate_frame(frame_name, frame, inds, ctx, measures)
        checks = [c for c in result.columns if c.startswith(cl.CHECK_PREFIX)]
        if checks:
            totals = {c.removeprefix(cl.CHECK_PREFIX): int(result[c].fillna(0).sum()) for c in checks}
            cl.report_checks(report, frame_name, totals, ctx.caps)
        # rows without a subject of this type: counted by the cleaning, scored for no one
        scored = result[result["sid"].notna()]
        sids = [str(sid) for sid in scored["sid"].tolist()]
        for ind in inds:
            out[ind] = _values(ind, scored, measures[ind], sids)
    return out


def _aggregate_frame(frame_name: str, frame: Any, inds: list[str], ctx: Context,
                     measures: Mapping[str, Measure]) -> pd.DataFrame:
    # project every indicator's x once, then aggregate plain columns: the engine computes each
    # duration and condition once per row instead of once per aggregate that mentions it
    columns: dict[str, Any] = {}
    for ind in inds:
        columns |= scoped_columns(ind, frame, measures[ind])
    checks = cl.frame_checks(frame_name, frame, ctx.caps)
    narrow = frame.select("sid", **columns, **checks)
    metrics: dict[str, Any] = {name: narrow[name].sum() for name in checks}
    for ind in inds:
        metrics |= aggregates(ind, narrow, measures[ind])
    return narrow.group_by("sid").aggregate(**metrics).execute()


def _values(ind: str, result: pd.DataFrame, measure: Measure, sids: list[str]) -> Column:
    """(value, n, sd, note) of one indicator for every row of a frame's aggregate, column-wise (2,000
    subjects times 28 indicators is too many rows for a per-value Python function)."""
    import numpy as np
    import pandas as pd

    def column(suffix: str) -> np.ndarray:
        return pd.to_numeric(result[f"{ind}__{suffix}"]).astype("float64").to_numpy()

    n = np.trunc(np.nan_to_num(column("n"))).astype("int64")
    head = column("v")
    safe_n = np.where(n == 0, 1, n)
    value = np.where((n == 0) | np.isnan(head), np.nan, head)
    if measure.how != "median":
        value = value / safe_n  # an empty group is NaN already
    if measure.kind == "mean":
        total = column("s") if measure.how == "median" else head
        mean = total / safe_n
        var = (column("q") - n * mean**2) / np.where(n > 1, n - 1, 1)
        sd = np.where(n > 1, np.sqrt(np.clip(var, 0.0, None)), np.nan)
    else:
        share = np.nan_to_num(value)
        sd = np.where(n > 1, np.sqrt(share * (1 - share)), np.nan)
    notes: list[str | None] = [None] * len(n)
    if measure.eligible is not None:
        blocked = (np.nan_to_num(column("e")) == 0) & (n > 0)
        value = np.where(blocked, np.nan, value)
        notes = [CANNOT_VARY if b else None for b in blocked.tolist()]
    return Column(sids, value, n, sd, notes)


def _utc(stamps: pd.Series) -> pd.Series:
    """The column's timestamps in UTC; naive values are UTC already (schema.TS)."""
    import pandas as pd

    stamps = pd.to_datetime(stamps)
    return stamps.dt.tz_localize("UTC") if stamps.dt.tz is None else stamps.dt.tz_convert("UTC")


def _months_active(begins: pd.Series, period: Period, calendar: Calendar) -> list[int | None]:
    """Calendar months selling up to the period's end, from each UTC start on the local calendar."""
    import pandas as pd

    local = begins.dt.tz_convert(str(calendar.zone))
    return [None if pd.isna(year) else months_between(date(int(year), int(month), 1), period)
            for year, month in zip(local.dt.year.tolist(), local.dt.month.tolist(), strict=True)]


def _subjects(source: Source, ctx: Context, seen: list[str], calendar: Calendar) -> pd.DataFrame:
    import pandas as pd

    names: dict[str, str] = {}
    months: dict[str, int | None] = {}
    if ctx.subject_type == "platform":
        names[PLATFORM_ID] = "平台 / platform"
    elif source.has("subjects"):
        subs = source.table("subjects")
        subs = subs.filter(subs.subject_type == ctx.subject_type).execute()
        # timestamps converted column-wise: per row, pandas' conversions cost more than the query
        begins = _utc(subs["started_at"])
        later = (begins >= pd.Timestamp(ctx.period.end)).tolist()  # NaT compares False: kept
        active = _months_active(begins, ctx.period, calendar)
        for sid, name, not_yet, month in zip(subs["subject_id"].tolist(), subs["name"].tolist(), later, active,
                                             strict=True):
            if not_yet:
                continue  # not yet selling in this period
            names[str(sid)] = name if isinstance(name, str) else str(sid)
            months[str(sid)] = month
    for sid in seen:
        names.setdefault(sid, sid)
    gmv: dict[str, tuple[float, float]] = {}
    frame = gmv_frame(source, ctx)
    if frame is not None:
        for row in frame.execute().to_dict("records"):
            gmv[str(row["sid"])] = (float(row["gmv"] or 0.0), float(row["sensitive_gmv"] or 0.0))
    in_promo = bool(calendar.promos_overlapping(ctx.period.first_day, ctx.period.end_day))
    rows = []
    for sid, name in sorted(names.items()):
        total, sensitive = gmv.get(sid, (0.0, 0.0))
        rows.append(
            {
                "subject_type": ctx.subject_type,
                "subject_id": sid,
                "name": name,
                "gmv": total,
                "sensitive_skin_gmv_share": sensitive / total if total > 0 else math.nan,
                "in_promo": in_promo,
                "months_active": months.get(sid),
            }
        )
    frame_out = pd.DataFrame(rows, columns=SUBJECT_COLUMNS)
    frame_out["months_active"] = frame_out["months_active"].astype("Int64")
    return frame_out


@contextmanager
def period_context(source: Source, subject_type: str, period: str, calendar: Calendar | None,
                   report: CleaningReport) -> Iterator[tuple[Source, Context]]:
    """The (deduplicated) source and the context every frame of the period needs, keys cached meanwhile."""
    if subject_type not in SUBJECT_TYPES:
        raise InvalidInput(
            f"主体类型应为 {', '.join(SUBJECT_TYPES)} / subject type must be one of "
            f"{', '.join(SUBJECT_TYPES)}",
            field="subject_type",
        )
    calendar = calendar or source.calendar or load_calendar()
    window = parse_period(period, calendar.zone)
    # the period's (case_id, sid) joins six frames: materialised once (a temp table, or a cached Spark
    # DataFrame) it is read from memory instead of decoding the cases' Parquet strings six times
    keys = case_keys(source, window, subject_type).cache()
    try:
        checked = integrity.drop_duplicate_ids(source, window, report, keys)
        if checked.tables.get("cases") is not source.tables.get("cases"):
            keys.release()
            keys = case_keys(checked, window, subject_type).cache()
        yield checked, Context(window, subject_type, calendar, _caps(checked, window, keys, calendar), keys,
                               integrity.absent_columns(checked))
    finally:
        keys.release()


def compute_indicators(
    source: Source, subject_type: str = "anchor", period: str = "2026-10", calendar: Calendar | None = None,
    extra: Supplementary = supplementary.EMPTY,
) -> IndicatorResult:
    """All 28 indicators (and any supplementary ones) for every subject of a type in a month or quarter."""
    report = CleaningReport()
    measures = {**MEASURES, **extra.measures}
    needs = {**integrity.NEEDS, **extra.needs}
    with period_context(source, subject_type, period, calendar, report) as (source, ctx):
        measured = _frame_values(source, ctx, report, measures)
        seen = {sid: None for column in measured.values() for sid in column.sids}
        subjects = _subjects(source, ctx, list(seen), ctx.calendar)
    for ind in integrity.unmeasurable(source, needs):
        measured.pop(ind, None)
    empty = [ind for ind in measures if ind not in measured or not (measured[ind].n > 0).any()]
    integrity.explain_empty(report, source, subject_type, empty, needs)
    values = _long_values(subjects["subject_id"].tolist(), measures, measured, subject_type, ctx.period.label)
    return IndicatorResult(values, subjects, report, ctx.period.label, subject_type)


def _long_values(sids: list[str], measures: Mapping[str, Measure], measured: Measured, subject_type: str,
                 period: str) -> pd.DataFrame:
    """One row per (subject, indicator), subjects in order and each subject's indicators in catalogue order;
    no data is (NaN, 0, NaN, None). Filled as (subject × indicator) arrays, not one Python tuple a value."""
    import numpy as np
    import pandas as pd

    types = {"value": "float64", "n": "int64", "sd": "float64"}
    if not sids:  # empty lists would make the text columns float
        return pd.DataFrame([], columns=VALUE_COLUMNS).astype(types)
    inds = list(measures)
    shape = (len(sids), len(inds))
    value, sd = np.full(shape, np.nan), np.full(shape, np.nan)
    n = np.zeros(shape, dtype="int64")
    notes = np.full(shape, None, dtype=object)
    position = pd.Index(sids)
    for j, ind in enumerate(inds):
        got = measured.get(ind)
        if got is None or not got.sids:
            continue
        rows = position.get_indexer(got.sids)
        kept = rows >= 0
        at = rows[kept]
        value[at, j], n[at, j], sd[at, j] = got.value[kept], got.n[kept], got.sd[kept]
        notes[at, j] = np.asarray(got.notes, dtype=object)[kept]
    count = len(sids) * len(inds)
    columns = {
        "subject_type": [subject_type] * count,
        "subject_id": np.repeat(np.asarray(sids, dtype=object), len(inds)).tolist(),
        "period": [period] * count,
        "indicator": inds * len(sids),
        "value": value.ravel(), "n": n.ravel(), "sd": sd.ravel(), "note": notes.ravel().tolist(),
    }
    return pd.DataFrame(columns, columns=VALUE_COLUMNS).astype(types)


def collect_drilldown(source: Source, subject_type: str, period: str) -> drilldown.Drill:
    """The least favourable rows behind every subject's indicators in the period (drilldown.py)."""
    with period_context(source, subject_type, period, None, CleaningReport()) as (checked, ctx):
        unmeasurable = integrity.unmeasurable(checked, integrity.NEEDS)
        drill = drilldown.collect(checked, ctx)
    return {sid: {i: d for i, d in inds.items() if i not in unmeasurable} for sid, inds in drill.items()}


def compute_series(
    source: Source, subject_type: str, periods: list[str], calendar: Calendar | None = None,
    extra: Supplementary = supplementary.EMPTY,
) -> pd.DataFrame:
    """The values frame of several periods stacked (for trends and forecasts)."""
    import pandas as pd

    frames = [compute_indicators(source, subject_type, p, calendar, extra).values for p in periods]
    if not frames:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def indicator_kinds() -> dict[str, Kind]:
    """The shrinkage model of each indicator: beta-binomial for rates, normal-normal for means and medians."""
    return {ind: Kind(m.kind, m.how == "median") for ind, m in MEASURES.items()}
