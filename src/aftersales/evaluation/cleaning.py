"""Data cleaning before the indicators (SPEC §Evaluation): impossible values dropped, extreme durations
winsorised at p99, and a report of every rule that touched a row.

The rules are Ibis expressions so they run wherever the indicators run. A dropped duration becomes NULL:
the case still counts for indicators that do not use that duration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    import ibis

US_PER_MINUTE = 60_000_000
US_PER_HOUR = 60 * US_PER_MINUTE
US_PER_DAY = 24 * US_PER_HOUR
# no after-sales case stays open a year: a longer gap is a clock or import error, not a slow answer
MAX_DURATION_US = 366 * US_PER_DAY
WINSOR_QUANTILE = 0.99

# (table, end column, start column): every duration the indicators read
DURATIONS: tuple[tuple[str, str, str], ...] = (
    ("cases", "first_response_at", "created_at"),
    ("cases", "first_human_response_at", "created_at"),
    ("cases", "resolved_at", "created_at"),
    ("cases", "refunded_at", "created_at"),
    ("arbitration", "decided_at", "requested_at"),
)
# (table, column, lowest, highest): answers outside the scale are form or import errors
RANGES: tuple[tuple[str, str, int, int], ...] = (("surveys", "csat", 1, 5), ("surveys", "nps", 0, 10))
# means are what an outlier drags; shares and medians are left as they are
WINSORISED = {
    "E1": ("cases", "resolved_at", "hours to complete a return/exchange", "退换货完成小时数"),
    "E2": ("cases", "resolved_at", "working days to resolve an allergy claim", "过敏处理工作日数"),
    "C2": ("arbitration", "decided_at", "days from arbitration request to decision", "仲裁决定天数"),
}


class CleaningEntry(NamedTuple):
    table: str
    column: str
    rule: str
    rows_affected: int
    reason: str


@dataclass
class CleaningReport:
    entries: list[CleaningEntry] = field(default_factory=list)
    caps: dict[str, float] = field(default_factory=dict)  # indicator id -> p99 cap applied

    def add(self, table: str, column: str, rule: str, rows: int, reason: str) -> None:
        self.entries.append(CleaningEntry(table, column, rule, int(rows), reason))

    def __iter__(self) -> Any:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def affected(self, rule: str) -> int:
        return sum(e.rows_affected for e in self.entries if e.rule == rule)

    def as_dict(self) -> dict[str, Any]:
        return {
            "entries": [e._asdict() for e in self.entries],
            "caps": dict(self.caps),
            "rows_affected": sum(e.rows_affected for e in self.entries),
        }


def raw_delta(end: ibis.Value, start: ibis.Value) -> ibis.Value:
    """Microseconds from start to end (exact on every engine, unlike epoch seconds on Spark)."""
    return end.delta(start, unit="microsecond")


def valid_delta(end: ibis.Value, start: ibis.Value) -> ibis.Value:
    """The duration in microseconds, NULL when missing, negative or longer than a year."""
    return valid_us(raw_delta(end, start))


def valid_us(delta: ibis.Value) -> ibis.Value:
    import ibis

    return ibis.ifelse((delta >= 0) & (delta <= MAX_DURATION_US), delta, ibis.null("int64"))


def within(end: ibis.Value, start: ibis.Value, limit_us: int) -> ibis.Value:
    """True/False for 'happened within the limit'; no end yet is False; an impossible duration is NULL."""
    return within_us(end, valid_delta(end, start), limit_us)


def within_us(end: ibis.Value, valid: ibis.Value, limit_us: int) -> ibis.Value:
    """`within` over an already computed valid duration (frames compute each duration once).

    SQL's three-valued AND says it without nested CASEs: no end is FALSE AND x = FALSE, and an
    impossible (NULL) duration gives TRUE AND NULL = NULL, on every engine.
    """
    return end.notnull() & (valid <= limit_us)


def raw_column(end: str) -> str:
    """Name of the frame column holding the raw duration ending at `end`."""
    return f"raw_us__{end}"


def valid_column(end: str) -> str:
    return f"us__{end}"


def in_range(value: ibis.Value, low: int, high: int) -> ibis.Value:
    import ibis

    return ibis.ifelse((value >= low) & (value <= high), value, ibis.null(value.type()))


def _one_if(cond: ibis.Value) -> ibis.Value:
    """The rule's per-row flag, FALSE for NULL: summed as a boolean, a cast per row, not a CASE."""
    return cond.fill_null(False)


def invalid_flags(table: ibis.Table, end: str, start: str) -> dict[str, ibis.Value]:
    """Per-row 0/1 flags of a negative and of an impossible (over a year) duration of one column."""
    name = raw_column(end)
    delta = table[name] if name in table.columns else raw_delta(table[end], table[start])
    return {f"{end}__negative": _one_if(delta < 0), f"{end}__too_long": _one_if(delta > MAX_DURATION_US)}


def report_invalid(report: CleaningReport, table: str, counts: dict[str, Any]) -> None:
    for t, end, start in DURATIONS:
        if t != table:
            continue
        negative = int(counts.get(f"{end}__negative") or 0)
        too_long = int(counts.get(f"{end}__too_long") or 0)
        if negative:
            report.add(
                t,
                end,
                "dropped_negative",
                negative,
                f"{end} 早于 {start}，时长为负，已剔除 / {end} before {start}: negative duration dropped",
            )
        if too_long:
            report.add(
                t,
                end,
                "dropped_impossible",
                too_long,
                f"{end} 距 {start} 超过366天，不可能，已剔除 / more than 366 days after {start}: "
                "impossible duration dropped",
            )


def report_ranges(report: CleaningReport, counts: dict[str, Any]) -> None:
    for table, column, low, high in RANGES:
        rows = int(counts.get(f"{column}__out_of_range") or 0)
        if rows:
            report.add(
                table,
                column,
                "dropped_out_of_range",
                rows,
                f"{column} 超出 {low}–{high} 量表，已剔除 / {column} outside the {low}–{high} scale: dropped",
            )


def report_winsorised(report: CleaningReport, indicator: str, cap: float, rows: int) -> None:
    table, column, what_en, what_zh = WINSORISED[indicator]
    report.caps[indicator] = float(cap)
    if rows:
        report.add(
            table,
            column,
            f"winsorised_p99:{indicator}",
            rows,
            f"{what_zh}高于第99百分位 {cap:.2f}，已截尾至该值 / {what_en} above the 99th percentile "
            f"{cap:.2f}: capped at it",
        )


# the frame column holding each winsorised value before its cap (NULL outside the indicator's scope)
WINSOR_RAW = {"E1": "resolve_hours_raw", "E2": "allergy_days_raw", "C2": "decision_days_raw"}
CHECK_PREFIX = "chk__"


def frame_checks(frame: str, table: ibis.Table, caps: dict[str, float]) -> dict[str, ibis.Value]:
    """Per-row 0/1 flags of the cleaning rules that apply to a frame; their sums are the report's counts."""
    checks: dict[str, ibis.Value] = {}
    for source_table, end, start in DURATIONS:
        if source_table == frame:
            checks |= invalid_flags(table, end, start)
    for _, column, low, high in (r for r in RANGES if r[0] == frame):
        raw = table[f"{column}_raw"]
        checks[f"{column}__out_of_range"] = _one_if((raw < low) | (raw > high))
    for indicator, (source_table, *_rest) in WINSORISED.items():
        if source_table == frame and indicator in caps:
            checks[f"{indicator}__winsorised"] = _one_if(table[WINSOR_RAW[indicator]] > caps[indicator])
    return {CHECK_PREFIX + name: value for name, value in checks.items()}


def report_checks(report: CleaningReport, frame: str, totals: dict[str, int], caps: dict[str, float]) -> None:
    """Turn the summed counts of `frame_checks` into report entries."""
    report_invalid(report, frame, totals)
    if any(r[0] == frame for r in RANGES):
        report_ranges(report, totals)
    for indicator, (source_table, *_rest) in WINSORISED.items():
        if source_table == frame and indicator in caps:
            report_winsorised(report, indicator, caps[indicator], int(totals.get(f"{indicator}__winsorised", 0)))


def report_missing_table(report: CleaningReport, table: str, indicators: list[str]) -> None:
    report.add(
        table,
        "*",
        "missing_table",
        0,
        f"数据源无此表，{', '.join(indicators)} 无数据 / table absent: no data for {', '.join(indicators)}",
    )
