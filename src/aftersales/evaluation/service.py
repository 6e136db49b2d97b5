"""Use case: evaluate every subject of one type for a period — read, score, trend, forecast, validate.

`read_inputs` is the only place that touches a data source; `build_report` turns frames into the report
(a JSON-ready dict) that every output — JSON, CSV, Excel, HTML, the API — renders. Time is passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aftersales.evaluation import scoring, sections, supplementary, verdicts
from aftersales.evaluation.assessment import Assessment, Row, assess, indicator_rows, rows_by_subject
from aftersales.evaluation.assessment import finite_number as _num
from aftersales.evaluation.estimates import Kind, estimate
from aftersales.evaluation.forecast import Forecast, forecast_index
from aftersales.evaluation.method import Method, load_method
from aftersales.evaluation.profiles import ProfileBook, choose_profile, load_book
from aftersales.evaluation.supplementary import Supplementary
from aftersales.problems import InvalidInput

if TYPE_CHECKING:
    import pandas as pd

    from aftersales.calendars import BusinessCalendar as Calendar

SUBJECT_TYPES = ("anchor", "brand", "shop", "mcn", "platform")
CREDIT_TYPES = frozenset({"brand", "mcn"})


@dataclass(frozen=True)
class Options:
    subject_type: str
    period: str
    profile: str | None = None
    profile_file: Path | None = None
    what_if: dict[str, float] = field(default_factory=dict)
    history_months: int = 12
    validate: bool = True
    #: above this many subjects the forecast uses the line, not ETS (~50 ms a fit)
    max_ets_subjects: int = 300
    #: besides being graded, a ranked subject needs at least this share of the indicators scored
    min_rank_coverage: float = 0.0
    #: the statistical method (method.toml layout); None: the built-in one
    method_file: Path | None = None
    #: supplementary indicators (supplementary.py); None: AFTERSALES_EVALUATION_INDICATORS_FILE if set
    indicators_file: Path | None = None


@dataclass
class Inputs:
    """Everything the report needs, already read from a source as pandas frames."""

    values: pd.DataFrame
    subjects: pd.DataFrame
    history: pd.DataFrame
    cleaning: dict[str, Any]
    source: str = ""
    measurements: pd.DataFrame | None = None
    panel: pd.DataFrame | None = None
    outcomes: pd.DataFrame | None = None
    quarter_values: pd.DataFrame | None = None
    previous_quarter_values: pd.DataFrame | None = None
    #: the source's business calendar (its promo windows pick the weight profile); None: China
    calendar: Calendar | None = None
    extra: Supplementary = field(default_factory=lambda: supplementary.EMPTY)


def check_options(options: Options) -> str:
    """Refuse an unknown subject type or a malformed period; the period's canonical label."""
    from aftersales.evaluation.periods import parse_period

    if options.subject_type not in SUBJECT_TYPES:
        raise InvalidInput(f"主体类型应为 {'/'.join(SUBJECT_TYPES)} / subject must be one of "
                           f"{', '.join(SUBJECT_TYPES)}: {options.subject_type}", field="subject")
    return parse_period(options.period).label


def _last_month(period: str) -> str:
    if not scoring.is_quarter(period):
        return period
    year, q = period.split("-Q")
    return f"{year}-{int(q) * 3:02d}"


def _quarter_of(period: str) -> str:
    if scoring.is_quarter(period):
        return period
    year, month = period.split("-")
    return f"{year}-Q{(int(month) - 1) // 3 + 1}"


def read_inputs(source: Any, options: Options) -> Inputs:
    """Compute indicators for the period, the monthly history and the validation tables from one source."""
    from aftersales.evaluation.indicators import compute_indicators, compute_series
    from aftersales.evaluation.sources import read_table

    extra = supplementary.load(options.indicators_file)
    current = compute_indicators(source, subject_type=options.subject_type, period=options.period, extra=extra)
    months = scoring.trailing_periods(_last_month(options.period), options.history_months)
    history = compute_series(source, options.subject_type, periods=months, extra=extra)
    inputs = Inputs(values=current.values, subjects=current.subjects, history=history,
                    cleaning=current.cleaning.as_dict(), source=str(getattr(source, "description", "")),
                    calendar=getattr(source, "calendar", None), extra=extra)
    if not options.validate:
        return inputs
    for name, attr in (("external_measurements", "measurements"), ("panel_scores", "panel"),
                       ("outcomes", "outcomes")):
        if source.has(name):
            frame = read_table(source, name)
            setattr(inputs, attr, frame[frame["subject_type"] == options.subject_type])
    quarter = _quarter_of(options.period)
    stype = options.subject_type
    inputs.quarter_values = compute_indicators(source, subject_type=stype, period=quarter, extra=extra).values
    inputs.previous_quarter_values = compute_indicators(
        source, subject_type=stype, period=scoring.previous_period(quarter), extra=extra).values
    return inputs


History = dict[str, dict[str, dict[str, Row]]]


@dataclass(frozen=True)
class _Context:
    options: Options
    specs: Mapping[str, Any]
    book: ProfileBook
    #: promo windows overlapping each period the report scores (the period and its history months)
    promos: dict[str, tuple[str, ...]]
    method: Method
    kinds: Mapping[str, Kind]


def _promo_map(calendar: Calendar, periods: list[str]) -> dict[str, tuple[str, ...]]:
    from aftersales.evaluation.periods import parse_period

    return {p: tuple(w.name_zh for w in calendar.promos_overlapping(parse_period(p).first_day,
                                                                      parse_period(p).end_day))
            for p in periods}


def _monthly(ctx: _Context, history: History, subject_id: str, share: float | None,
             months: list[str]) -> list[Assessment | None]:
    series: list[Assessment | None] = []
    for month in months:
        rows = history.get(month, {}).get(subject_id)
        if not rows:
            series.append(None)
            continue
        names = ctx.promos[month]
        choice = choose_profile(ctx.book, in_promo=bool(names), sensitive_skin_share=share,
                                forced=ctx.options.profile, promo_names=names)
        series.append(assess(rows, ctx.specs, choice.profile.weights, ctx.method))
    return series


_NO_RISK = ("本期无数据，不作预测", "no data in the period: no forecast")
_THIN_RISK = ("数据不足，不判定风险等级", "insufficient data: no risk level")


def _forecast(result: Assessment, monthly: list[float | None], allow_ets: bool) -> Forecast:
    """A forecast only for a subject with an index this period; a risk level only when it is graded."""
    if result.index is None:
        return Forecast("none", (), None, *_NO_RISK)
    fc = forecast_index(monthly, allow_ets=allow_ets)
    if not result.verdict.graded:
        return Forecast(fc.method, fc.points, None, *_THIN_RISK)
    return fc


def _future(months: list[str], count: int) -> list[str]:
    future: list[str] = []
    while len(future) < count:
        future.append(scoring.next_period(future[-1] if future else months[-1]))
    return future


def _verdict_fields(ctx: _Context, result: Assessment, graded_months: list[float | None]) -> dict[str, Any]:
    graded = result.verdict.graded
    index = result.index
    return {
        "index": scoring.shown(index), "index_lower": scoring.shown(result.interval.lower),
        "index_upper": scoring.shown(result.interval.upper),
        "grade": result.score.grade, "grade_status": result.verdict.status,
        "grade_reasons_zh": list(result.verdict.reasons_zh), "grade_reasons_en": list(result.verdict.reasons_en),
        "card": scoring.card(graded_months) if graded else None,
        "credit": scoring.credit_decision(index)
        if graded and ctx.options.subject_type in CREDIT_TYPES else None,
    }


def _subject_entry(ctx: _Context, subject: Mapping[str, Any], rows: dict[str, Row], history: History,
                   months: list[str], allow_ets: bool) -> dict[str, Any]:
    sid = str(subject["subject_id"])
    share = _num(subject.get("sensitive_skin_gmv_share"))
    names = ctx.promos[ctx.options.period]
    in_promo = bool(subject.get("in_promo")) if subject.get("in_promo") is not None else bool(names)
    choice = choose_profile(ctx.book, in_promo=in_promo, sensitive_skin_share=share,
                            forced=ctx.options.profile, promo_names=names)
    result = assess(rows, ctx.specs, choice.profile.weights, ctx.method)
    scored = _monthly(ctx, history, sid, share, months)
    if not scoring.is_quarter(ctx.options.period):
        scored[-1] = result  # the month itself is scored exactly as the headline
    monthly = [m.index if m else None for m in scored]
    fc = _forecast(result, monthly, allow_ets)
    cov = result.score.coverage
    return {
        "subject_id": sid, "name": subject.get("name") or sid, "gmv": _num(subject.get("gmv")),
        "sensitive_skin_gmv_share": share, "in_promo": in_promo,
        "months_active": _num(subject.get("months_active")),
        **_verdict_fields(ctx, result, [m.graded_index if m else None for m in scored]),
        "profile": {"name": choice.profile.name, "name_zh": choice.profile.name_zh,
                    "name_en": choice.profile.name_en, "weights": choice.profile.weights,
                    "applied_weights": result.score.index.applied_weights,
                    "reason_zh": choice.reason_zh, "reason_en": choice.reason_en},
        "period": ctx.options.period,
        "dimensions": {d: scoring.shown(v) for d, v in result.score.dimensions.items()},
        "dimension_intervals": {d: None if b is None else [scoring.shown(b[0]), scoring.shown(b[1])]
                                for d, b in verdicts.dimension_intervals(
                                    result.score.dimensions, result.bounds, ctx.method.level).items()},
        "indicators": indicator_rows(ctx.specs, rows, result, ctx.method, ctx.kinds),
        "coverage": {"indicators_with_data": cov.indicators_with_data,
                     "indicators_total": cov.indicators_total, "indicator_share": cov.indicator_share,
                     "dimensions_with_data": cov.dimensions_with_data, "weight_coverage": cov.weight_coverage,
                     "missing_indicators": list(cov.missing_indicators),
                     # at or above the minimum sample: what the grade's gate counts
                     "indicators_measured": result.measured.indicators_with_data,
                     "dimensions_measured": result.measured.dimensions_with_data,
                     "weight_measured": result.measured.weight_coverage},
        "trend": [{"period": m, "index": scoring.shown(v), "graded": bool(sc and sc.verdict.graded),
                   "lower": scoring.shown(sc.interval.lower) if sc else None,
                   "upper": scoring.shown(sc.interval.upper) if sc else None,
                   "dimensions": {d: scoring.shown(x) for d, x in sc.score.dimensions.items()} if sc else None}
                  for m, v, sc in zip(months, monthly, scored, strict=True)],
        "forecast": {"method": fc.method, "risk": fc.risk,
                     "reason_zh": fc.reason_zh, "reason_en": fc.reason_en,
                     "points": [{"period": per, "mean": scoring.shown(p.mean), "lower": scoring.shown(p.lower),
                                 "upper": scoring.shown(p.upper)}
                                for per, p in zip(_future(months, len(fc.points)), fc.points, strict=True)]},
    }


def _history_map(history: pd.DataFrame) -> History:
    if history is None or history.empty:
        return {}
    return {str(period): rows_by_subject(group) for period, group in history.groupby("period", sort=True)}


def _subject_rows(inputs: Inputs) -> list[dict[str, Any]]:
    """Subjects from the subjects table, plus any that only appear in the values (never dropped silently)."""
    rows: dict[str, dict[str, Any]] = {}
    if not inputs.subjects.empty:
        rows = {str(r["subject_id"]): r for r in inputs.subjects.to_dict("records")}
    for sid in inputs.values["subject_id"].astype(str).unique() if not inputs.values.empty else []:
        rows.setdefault(sid, {"subject_id": sid})
    return list(rows.values())


def _rank(subjects: list[dict[str, Any]], min_coverage: float) -> list[dict[str, Any]]:
    """Graded subjects by index, then the ungraded ones with an index (unranked), then those without one."""
    for s in subjects:
        graded = s["grade_status"] == "graded" and s["coverage"]["indicator_share"] >= min_coverage
        s["low_coverage"] = s["index"] is not None and not graded
    ordered = sorted(subjects, key=lambda s: (s["index"] is None, s["low_coverage"], -(s["index"] or 0.0),
                                              s["subject_id"]))
    board = []
    for position, s in enumerate(ordered, start=1):
        s["rank"] = position if s["index"] is not None and not s["low_coverage"] else None
        board.append({"rank": s["rank"], "subject_id": s["subject_id"], "name": s["name"],
                      "low_coverage": s["low_coverage"], "index": s["index"], "index_lower": s["index_lower"],
                      "index_upper": s["index_upper"], "grade": s["grade"], "grade_status": s["grade_status"],
                      "card": s["card"], "credit": s["credit"],
                      "risk": s["forecast"]["risk"], "profile": s["profile"]["name"],
                      "coverage": s["coverage"]["indicator_share"],
                      "weight_coverage": s["coverage"]["weight_coverage"]})
    return board


def _report_constant(cleaning: dict[str, Any], estimated: pd.DataFrame) -> None:
    """An indicator equal for every subject tells nobody apart: say so beside the other cleaning rules."""
    if estimated.empty:
        return
    constant = estimated[estimated["status"] == "constant"]
    for ind, group in constant.groupby("indicator", sort=True):
        value = float(group["value"].iloc[0])
        cleaning.setdefault("entries", []).append({
            "table": "*", "column": str(ind), "rule": f"constant_indicator:{ind}", "rows_affected": 0,
            "reason": f"{ind} 在全部 {len(group)} 个主体上都等于 {value:g}，无法区分主体，按无数据处理 / {ind} equals "
                      f"{value:g} for all {len(group)} subjects: it tells no one apart, treated as no data"})


def build_report(inputs: Inputs, options: Options, specs: Mapping[str, Any], *, generated_at: datetime,
                 book: ProfileBook | None = None, calendar: Calendar | None = None,
                 kinds: Mapping[str, Kind] | None = None) -> dict[str, Any]:
    """The whole evaluation of one subject type and period, as a JSON-ready dict."""
    from aftersales.calendars import load_calendar
    from aftersales.evaluation.indicators import indicator_kinds

    months = scoring.trailing_periods(_last_month(options.period), options.history_months)
    method = load_method(options.method_file)
    kinds = {**(kinds or indicator_kinds()), **inputs.extra.kinds}
    specs = {**specs, **inputs.extra.specs}
    ctx = _Context(options, specs, book or load_book(options.profile_file),
                   _promo_map(calendar or inputs.calendar or load_calendar(), [*months, options.period]), method,
                   kinds)
    if options.profile:
        ctx.book.get(options.profile)  # an unknown profile fails before any work
    unknown = set(options.what_if) - set(specs)
    if unknown:
        raise InvalidInput(f"未知指标 / unknown indicators: {sorted(unknown)}", field="what_if")
    estimated = estimate(inputs.values, kinds, method)
    _report_constant(inputs.cleaning, estimated)
    values = rows_by_subject(estimated)
    history = _history_map(estimate(inputs.history, kinds, method) if inputs.history is not None else None)
    rows = _subject_rows(inputs)
    allow_ets = len(rows) <= options.max_ets_subjects
    subjects = [_subject_entry(ctx, r, values.get(str(r["subject_id"]), {}), history, months, allow_ets)
                for r in rows]
    board = _rank(subjects, options.min_rank_coverage)
    order = {row["subject_id"]: i for i, row in enumerate(board)}
    subjects.sort(key=lambda s: order[s["subject_id"]])
    effect_report = sections.effect(inputs, ctx, subjects, values)
    indices = [s["index"] for s in subjects if s["index"] is not None]
    return {
        "subject_type": options.subject_type, "period": options.period,
        "generated_at": generated_at.isoformat(), "source": inputs.source,
        "forecast_method_note": None if allow_ets else
        f"主体超过 {options.max_ets_subjects} 个，预测统一使用线性趋势 / more than "
        f"{options.max_ets_subjects} subjects: forecasts use the linear trend",
        "summary": {
            "subjects": len(subjects), "with_index": len(indices),
            "mean_index": scoring.shown(sum(indices) / len(indices)) if indices else None,
            "grades": {g: sum(1 for s in subjects if s["grade"] == g) for g in ("A", "B", "C")},
            "grade_status": {st: sum(1 for s in subjects if s["grade_status"] == st)
                             for st in ("graded", "insufficient_data", "no_data")},
            "cards": {c: sum(1 for s in subjects if s["card"] == c) for c in ("yellow", "red")},
            "risk": {r: sum(1 for s in subjects if s["forecast"]["risk"] == r)
                     for r in ("high", "medium", "low")},
        },
        "method": method.describe(),
        "leaderboard": board,
        "subjects": subjects,
        "cleaning": inputs.cleaning,
        "validation": sections.validation(inputs, options, subjects, specs) if options.validate else {},
        "effect": effect_report,
    }


def evaluate(source_spec: str, options: Options, *, generated_at: datetime, database_url: str | None = None,
             mapping: str | Path | None = None, data: str | Path | None = None) -> dict[str, Any]:
    """Open the source (`data`: the folder a Spark source reads), read and build the report."""
    from aftersales.evaluation.indicators import INDICATORS
    from aftersales.evaluation.sources import open_source

    check_options(options)
    if options.profile:
        load_book(options.profile_file).get(options.profile)  # refuse an unknown profile before reading data
    source = open_source(source_spec, database_url=database_url, mapping=mapping, data=data)
    return build_report(read_inputs(source, options), options, INDICATORS, generated_at=generated_at)


def evaluate_for_snapshot(source_spec: str, subject_type: str, period: str, *, history_months: int,
                          generated_at: datetime, database_url: str | None = None,
                          mapping: str | Path | None = None) -> dict[str, Any]:
    """The report a snapshot stores: no validation, the trend, and each indicator's drill-down rows."""
    from aftersales.evaluation import drilldown
    from aftersales.evaluation.indicators import INDICATORS, collect_drilldown
    from aftersales.evaluation.sources import open_source

    options = Options(subject_type=subject_type, period=period, validate=False, history_months=history_months)
    check_options(options)
    source = open_source(source_spec, database_url=database_url, mapping=mapping)
    report = build_report(read_inputs(source, options), options, INDICATORS, generated_at=generated_at)
    drilldown.attach(report, collect_drilldown(source, subject_type, period))
    return report
