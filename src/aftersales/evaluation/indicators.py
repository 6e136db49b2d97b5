"""The 28 indicators of the health index per subject and period, on whatever engine the source uses.

`compute_indicators` cleans (a first pass for the p99 caps and the counts of dropped values), then runs one
aggregate per frame, so the whole evaluation is about ten queries whatever the number of subjects.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aftersales.calendars import BusinessCalendar as Calendar
from aftersales.calendars import load_calendar
from aftersales.evaluation import cleaning as cl
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
from aftersales.evaluation.measures import MEASURES, aggregates, scoped_columns
from aftersales.evaluation.periods import Period, months_between, parse_period
from aftersales.evaluation.schema import PLATFORM_ID, SUBJECT_TYPES
from aftersales.evaluation.sources import Source
from aftersales.problems import InvalidInput

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class IndicatorDef:
    id: str
    dimension: str  # response | resolution | satisfaction | responsibility | technology | empathy
    name_zh: str
    name_en: str
    target: float
    floor: float
    unit: str  # share | minutes | hours | days | working_days | count | nps | score


_TABLE = [
    ("R1", "response", "24小时内首次响应率", "share of first responses within 24 h", 0.95, 0.50, "share"),
    (
        "R2",
        "response",
        "分级时限内响应率",
        "responses within the tier SLA (L1 15 min, L2 1 h, L3 24 h)",
        0.95,
        0.50,
        "share",
    ),
    ("R3", "response", "高峰期响应延迟率", "peak-period response delay rate", 0.05, 0.50, "share"),
    (
        "R4",
        "response",
        "人工首次响应时长中位数（L2+）",
        "median minutes to first human response (L2+)",
        45,
        1440,
        "minutes",
    ),
    ("R5", "response", "非工作时段1小时内响应率", "off-hours cases answered within 1 h", 0.90, 0.30, "share"),
    ("E1", "resolution", "退换货平均完成时长", "mean hours to complete a return/exchange", 48, 168, "hours"),
    (
        "E2",
        "resolution",
        "过敏投诉平均处理工作日",
        "mean working days to resolve an allergy claim",
        3,
        10,
        "working_days",
    ),
    ("E3", "resolution", "平均跨主体协调次数", "mean cross-party handoffs per case", 1.5, 5, "count"),
    ("E4", "resolution", "48小时内退款到账率", "refunds paid within 48 h", 0.95, 0.50, "share"),
    (
        "E5",
        "resolution",
        "过敏核实后医疗补偿率",
        "verified allergy claims with medical compensation",
        0.90,
        0.20,
        "share",
    ),
    ("S1", "satisfaction", "净推荐值NPS", "NPS", 40, 0, "nps"),
    ("S2", "satisfaction", "平均满意度CSAT", "mean CSAT (1–5)", 4.5, 3.0, "score"),
    ("S3", "satisfaction", "首次接触解决率", "first-contact resolution rate", 0.85, 0.40, "share"),
    (
        "S4",
        "satisfaction",
        "重复投诉率",
        "repeat-complaint rate (same buyer, same order, 30 days)",
        0.05,
        0.30,
        "share",
    ),
    ("S5", "satisfaction", "纠纷仲裁率", "dispute/arbitration rate", 0.02, 0.20, "share"),
    (
        "C1",
        "responsibility",
        "直播商品责任清单公示率",
        "products sold live with a published responsibility list",
        1.00,
        0.30,
        "share",
    ),
    (
        "C2",
        "responsibility",
        "仲裁平均决定天数",
        "mean days from arbitration request to decision",
        3,
        15,
        "days",
    ),
    (
        "C3",
        "responsibility",
        "首次分派准确率",
        "cases whose first-routed party was right",
        0.95,
        0.50,
        "share",
    ),
    (
        "C4",
        "responsibility",
        "推诿率",
        "buck-passing rate (≥ 3 handoffs or a routing loop)",
        0.05,
        0.45,
        "share",
    ),
    (
        "C5",
        "responsibility",
        "主播承诺存证绑定率",
        "anchor promises recorded and bound to order terms",
        1.00,
        0.30,
        "share",
    ),
    (
        "T1",
        "technology",
        "AI分类准确率",
        "AI classification accuracy vs agent-confirmed class",
        0.90,
        0.50,
        "share",
    ),
    ("T2", "technology", "直播内容存证率", "live sessions with hashed content evidence", 0.90, 0.00, "share"),
    (
        "T3",
        "technology",
        "智能质检覆盖率",
        "agent conversations covered by automated quality check",
        1.00,
        0.00,
        "share",
    ),
    (
        "T4",
        "technology",
        "AI独立解决率（L1）",
        "common (L1) cases resolved by the AI without a human",
        0.80,
        0.20,
        "share",
    ),
    (
        "M1",
        "empathy",
        "积极/共情话术占比",
        "agent messages with positive/empathetic sentiment",
        0.75,
        0.30,
        "share",
    ),
    ("M2", "empathy", "个性化补偿接受率", "personalised compensation offers accepted", 0.60, 0.20, "share"),
    ("M3", "empathy", "回访满意率", "satisfaction of callback visits", 0.90, 0.50, "share"),
    (
        "M4",
        "empathy",
        "愤怒用户15分钟内人工触达率",
        "angry buyers reached by a human within 15 min",
        0.90,
        0.30,
        "share",
    ),
]
INDICATORS: dict[str, IndicatorDef] = {row[0]: IndicatorDef(*row) for row in _TABLE}  # type: ignore[arg-type]
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


def _caps(source: Source, period: Period, keys: Any) -> dict[str, float]:
    """First pass: the p99 caps of the averaged durations over the whole period (every subject together).

    `keys` holds the case_id of every case opened in the period (frames.case_keys).
    """
    cases = source.table("cases")
    cases = cases.filter(in_window(cases.created_at, period.start, period.end))
    row = _one_row(
        cases.aggregate(
            E1=return_hours(cases).quantile(cl.WINSOR_QUANTILE),
            E2=allergy_days(cases).quantile(cl.WINSOR_QUANTILE),
        )
    )
    if source.has("arbitration"):
        # the same rows as the arbitration frame, whose decision days the cap winsorises
        arb = since_case_floor(source.table("arbitration"), period, "requested_at")
        arb = arb.join(keys.select("case_id"), "case_id")
        row |= _one_row(arb.aggregate(C2=decision_days(arb).quantile(cl.WINSOR_QUANTILE)))
    return {k: float(v) for k, v in row.items() if v is not None}


Measured = dict[str, dict[str, tuple[float, int, float, str | None]]]


def _frame_values(source: Source, ctx: Context, report: CleaningReport) -> Measured:
    """{subject_id: {indicator: (value, n)}} from one aggregate per frame; the cleaning counts ride along."""
    by_frame: dict[str, list[str]] = {}
    for ind, measure in MEASURES.items():
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
        result = _aggregate_frame(frame_name, frame, inds, ctx)
        checks = [c for c in result.columns if c.startswith(cl.CHECK_PREFIX)]
        if checks:
            totals = {c.removeprefix(cl.CHECK_PREFIX): int(result[c].fillna(0).sum()) for c in checks}
            cl.report_checks(report, frame_name, totals, ctx.caps)
        # rows without a subject of this type: counted by the cleaning, scored for no one
        scored = result[result["sid"].notna()]
        columns = [_values(ind, scored) for ind in inds]
        for i, sid in enumerate(scored["sid"].tolist()):
            values = out.setdefault(str(sid), {})
            for ind, pairs in zip(inds, columns, strict=True):
                values[ind] = pairs[i]
    return out


def _aggregate_frame(frame_name: str, frame: Any, inds: list[str], ctx: Context) -> pd.DataFrame:
    # project every indicator's x once, then aggregate plain columns: the engine computes each
    # duration and condition once per row instead of once per aggregate that mentions it
    columns: dict[str, Any] = {}
    for ind in inds:
        columns |= scoped_columns(ind, frame)
    checks = cl.frame_checks(frame_name, frame, ctx.caps)
    narrow = frame.select("sid", **columns, **checks)
    metrics: dict[str, Any] = {name: narrow[name].sum() for name in checks}
    for ind in inds:
        metrics |= aggregates(ind, narrow)
    return narrow.group_by("sid").aggregate(**metrics).execute()


def _values(ind: str, result: pd.DataFrame) -> list[tuple[float, int, float, str | None]]:
    """(value, n, sd, note) of one indicator for every row of a frame's aggregate, column-wise (2,000
    subjects times 28 indicators is too many rows for a per-value Python function)."""
    import numpy as np
    import pandas as pd

    def column(suffix: str) -> np.ndarray:
        return pd.to_numeric(result[f"{ind}__{suffix}"]).astype("float64").to_numpy()

    measure = MEASURES[ind]
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
    return list(zip(value.tolist(), n.tolist(), sd.tolist(), notes, strict=True))


def _utc(moment: Any) -> Any:
    """A pandas Timestamp in UTC; naive values are UTC already (schema.TS)."""
    import pandas as pd

    stamp = pd.Timestamp(moment)
    return stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")


def _subjects(source: Source, ctx: Context, seen: list[str], calendar: Calendar) -> pd.DataFrame:
    import pandas as pd

    names: dict[str, str] = {}
    started: dict[str, Any] = {}
    if ctx.subject_type == "platform":
        names[PLATFORM_ID] = "平台 / platform"
    elif source.has("subjects"):
        subs = source.table("subjects")
        subs = subs.filter(subs.subject_type == ctx.subject_type).execute()
        for row in subs.to_dict("records"):
            if (
                row["started_at"] is not None
                and not pd.isna(row["started_at"])
                and _utc(row["started_at"]) >= pd.Timestamp(ctx.period.end)
            ):
                continue  # not yet selling in this period
            names[str(row["subject_id"])] = (
                row["name"] if isinstance(row["name"], str) else str(row["subject_id"])
            )
            started[str(row["subject_id"])] = row["started_at"]
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
        begin = started.get(sid)
        months = (
            months_between(_utc(begin).tz_convert("Asia/Shanghai").date(), ctx.period)
            if begin is not None and not pd.isna(begin)
            else None
        )
        rows.append(
            {
                "subject_type": ctx.subject_type,
                "subject_id": sid,
                "name": name,
                "gmv": total,
                "sensitive_skin_gmv_share": sensitive / total if total > 0 else math.nan,
                "in_promo": in_promo,
                "months_active": months,
            }
        )
    frame_out = pd.DataFrame(rows, columns=SUBJECT_COLUMNS)
    frame_out["months_active"] = frame_out["months_active"].astype("Int64")
    return frame_out


def compute_indicators(
    source: Source, subject_type: str = "anchor", period: str = "2026-10", calendar: Calendar | None = None
) -> IndicatorResult:
    """All 28 indicators for every subject of a type in a month (YYYY-MM) or quarter (YYYY-Qn)."""
    import pandas as pd

    if subject_type not in SUBJECT_TYPES:
        raise InvalidInput(
            f"主体类型应为 {', '.join(SUBJECT_TYPES)} / subject type must be one of "
            f"{', '.join(SUBJECT_TYPES)}",
            field="subject_type",
        )
    window = parse_period(period)
    calendar = calendar or load_calendar()
    report = CleaningReport()
    # the period's (case_id, sid) joins six frames: materialised once (a temp table, or a cached Spark
    # DataFrame) it is read from memory instead of decoding the cases' Parquet strings six times
    keys = case_keys(source, window, subject_type).cache()
    try:
        ctx = Context(window, subject_type, calendar, _caps(source, window, keys), keys)
        measured = _frame_values(source, ctx, report)
        subjects = _subjects(source, ctx, list(measured), calendar)
    finally:
        keys.release()
    rows = []
    for sid in subjects["subject_id"]:
        got = measured.get(sid, {})
        for ind in INDICATORS:
            value, n, sd, note = got.get(ind, (math.nan, 0, math.nan, None))
            rows.append((subject_type, sid, window.label, ind, value, n, sd, note))
    values = pd.DataFrame(rows, columns=VALUE_COLUMNS).astype({"value": "float64", "n": "int64", "sd": "float64"})
    return IndicatorResult(values, subjects, report, window.label, subject_type)


def compute_series(
    source: Source, subject_type: str, periods: list[str], calendar: Calendar | None = None
) -> pd.DataFrame:
    """The values frame of several periods stacked (for trends and forecasts)."""
    import pandas as pd

    frames = [compute_indicators(source, subject_type, p, calendar).values for p in periods]
    if not frames:
        return pd.DataFrame(columns=VALUE_COLUMNS)
    return pd.concat(frames, ignore_index=True)


def indicator_kinds() -> dict[str, Kind]:
    """The shrinkage model of each indicator: beta-binomial for rates, normal-normal for means and medians."""
    return {ind: Kind(m.kind, m.how == "median") for ind, m in MEASURES.items()}
