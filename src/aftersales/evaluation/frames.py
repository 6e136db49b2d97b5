"""Per-period frames the indicators aggregate: one Ibis table per fact, cleaned, with `sid` (the subject).

A frame keeps every row of the period; each indicator then says which rows are in its scope, so all the
indicators of one frame are computed in a single pass over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from aftersales.calendars import BusinessCalendar as Calendar
from aftersales.evaluation import cleaning as cl
from aftersales.evaluation.periods import Period
from aftersales.evaluation.schema import PLATFORM_ID, SENSITIVE_SKIN_TAG, SUBJECT_KEY
from aftersales.evaluation.sources import Source

if TYPE_CHECKING:
    import ibis

REPEAT_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Context:
    """What every frame needs: the window, who is the subject, the calendar, and the p99 caps."""

    period: Period
    subject_type: str
    calendar: Calendar
    caps: dict[str, float]
    case_keys: ibis.Table | None = None  # (case_id, sid) of the period's cases
    #: "table.column" the source did not provide: a rule that needs one judges nothing rather than "missed"
    absent: frozenset[str] = frozenset()


def case_keys(source: Source, period: Period, subject_type: str) -> ibis.Table:
    """Every case opened in the period with its subject (NULL if the case has none of that type)."""
    cases = source.table("cases")
    keys = cases.filter(in_window(cases.created_at, period.start, period.end))
    return keys.select(case_id=keys.case_id, sid=subject_expr(keys, subject_type))


def subject_expr(table: ibis.Table, subject_type: str) -> ibis.Value | None:
    """The grouping column for a subject type; None when the table does not know that subject."""
    import ibis

    if subject_type == "platform":
        return ibis.literal(PLATFORM_ID)
    key = SUBJECT_KEY[subject_type]
    return table[key] if key in table.columns else None


def in_window(column: ibis.Value, start: datetime, end: datetime) -> ibis.Value:
    import ibis

    # the frames hold naive UTC timestamps, so the bounds are naive UTC too
    low, high = (ibis.timestamp(moment.astimezone(UTC).replace(tzinfo=None)) for moment in (start, end))
    return (column >= low) & (column < high)


# local times are needed around the period: a resolution may come months after the case opened
LOCAL_SPAN = timedelta(days=400)


def local_time(column: ibis.Value, calendar: Calendar, period: Period) -> ibis.Value:
    """The naive-UTC column as local wall time of the calendar's zone (daylight saving applied).

    The offsets are worked out in Python for the span around the period, so a zone without DST (China)
    is a single interval addition, as fast as before, and a zone with DST a short CASE over UTC ranges.
    """
    import ibis

    segments = calendar.utc_offsets(period.start - LOCAL_SPAN, period.end + LOCAL_SPAN)
    offsets = {offset for _, _, offset in segments}
    if len(offsets) == 1:
        return column + ibis.interval(minutes=round(offsets.pop() * 60))
    branches = [((column >= ibis.timestamp(low)) & (column < ibis.timestamp(high)),
                 column + ibis.interval(minutes=round(offset * 60))) for low, high, offset in segments]
    fallback = column + ibis.interval(minutes=round(segments[-1][2] * 60))
    return ibis.cases(*branches, else_=fallback)


def working_days(start: ibis.Value, end: ibis.Value, calendar: Calendar, period: Period) -> ibis.Value:
    """Monday–Friday days in (start date, end date], local calendar; the same day counts 0."""
    import ibis

    start_day, end_day = local_time(start, calendar, period).date(), local_time(end, calendar, period).date()
    days = end_day.delta(start_day, unit="day")
    first = (start_day.day_of_week.index() + 1) % 7  # weekday of the day after, Mon = 0
    rest = days % 7
    extra = ibis.greatest(0, ibis.least(first + rest, 5) - first) + ibis.greatest(0, first + rest - 7)
    return (days // 7) * 5 + extra


def _promo_expr(local: ibis.Value, calendar: Calendar) -> ibis.Value:
    import ibis

    month_day = local.month() * 100 + local.day()
    hit = ibis.literal(False)
    for promo in calendar.promos:
        low, high = promo.start[0] * 100 + promo.start[1], promo.end[0] * 100 + promo.end[1]
        inside = month_day.between(low, high)
        hit = hit | (inside if promo.year is None else inside & (local.year() == promo.year))
    return hit


def _off_hours_expr(local: ibis.Value, calendar: Calendar) -> ibis.Value:
    hour = local.hour()
    off = (hour >= calendar.off_hours_start) | (hour < calendar.off_hours_end)
    if calendar.holidays:
        off = off | local.date().isin(sorted(calendar.holidays))
    return off


def _capped(value: ibis.Value, cap: float | None) -> ibis.Value:
    """Winsorise at the cap; NULL stays NULL (LEAST skips NULLs on DuckDB and Spark)."""
    import ibis

    if cap is None:
        return value
    return ibis.ifelse(value.isnull(), ibis.null("float64"), ibis.least(value, cap))


def cases_frame(source: Source, ctx: Context) -> ibis.Table | None:
    import ibis

    cases = source.table("cases")
    if subject_expr(cases, ctx.subject_type) is None:
        return None
    cases = cases.filter(in_window(cases.created_at, ctx.period.start, ctx.period.end))
    # cases without a subject of this type keep a NULL sid: the cleaning counts still see them
    cases = cases.mutate(
        sid=subject_expr(cases, ctx.subject_type),
        **{cl.raw_column(end): cl.raw_delta(cases[end], cases[start]) for t, end, start in cl.DURATIONS
           if t == "cases"},
    )
    # each duration is computed once here and read by name below (DuckDB does not share subexpressions)
    c = cases.mutate(**{cl.valid_column(end): cl.valid_us(cases[cl.raw_column(end)])
                        for t, end, start in cl.DURATIONS if t == "cases"})
    first, human, resolve = (c[cl.valid_column(e)] for e in ("first_response_at", "first_human_response_at",
                                                             "resolved_at"))
    local = local_time(c.created_at, ctx.calendar, ctx.period)
    def met(column: str, end: ibis.Value, valid: ibis.Value, limit_us: int) -> ibis.Value:
        # a tier whose deadline column the source lacks cannot be judged: NULL, out of R2's scope
        return ibis.null("boolean") if f"cases.{column}" in ctx.absent else cl.within_us(end, valid, limit_us)

    sla = ibis.cases(
        (c.tier == "L1", met("first_response_at", c.first_response_at, first, 15 * cl.US_PER_MINUTE)),
        (c.tier == "L2", met("first_human_response_at", c.first_human_response_at, human, cl.US_PER_HOUR)),
        (c.tier == "L3", met("resolved_at", c.resolved_at, resolve, 24 * cl.US_PER_HOUR)),
        else_=ibis.null("boolean"),
    )
    c = c.mutate(
        off_hours=_off_hours_expr(local, ctx.calendar),
        peak=_promo_expr(local, ctx.calendar) | c.during_live_peak.fill_null(False),
        sla_met=sla,
        human_minutes=human.cast("float64") / cl.US_PER_MINUTE,
        resolve_hours_raw=return_hours(c, resolve),
        allergy_days_raw=allergy_days(c, ctx, resolve),
    )
    # capped from the named raw value: the cap's CASE would otherwise repeat the whole expression twice
    return c.mutate(resolve_hours=_capped(c.resolve_hours_raw, ctx.caps.get("E1")),
                    allergy_days=_capped(c.allergy_days_raw, ctx.caps.get("E2")))


RETURN_TYPES = ("return_refund", "exchange")


def return_hours(cases: ibis.Table, resolve_us: ibis.Value | None = None) -> ibis.Value:
    """Hours to complete a return or exchange (E1 before winsorising); NULL for other cases."""
    import ibis

    if resolve_us is None:
        resolve_us = cl.valid_delta(cases.resolved_at, cases.created_at)
    hours = resolve_us.cast("float64") / cl.US_PER_HOUR
    return ibis.ifelse(cases.case_type.isin(list(RETURN_TYPES)), hours, ibis.null("float64"))


def allergy_days(cases: ibis.Table, ctx: Context, resolve_us: ibis.Value | None = None) -> ibis.Value:
    """Working days to resolve an allergy claim (E2 before winsorising); NULL for other cases."""
    import ibis

    if resolve_us is None:
        resolve_us = cl.valid_delta(cases.resolved_at, cases.created_at)
    days = working_days(cases.created_at, cases.resolved_at, ctx.calendar, ctx.period).cast("float64")
    return ibis.ifelse((cases.case_type == "allergy") & resolve_us.notnull(), days, ibis.null("float64"))


def decision_days(arbitration: ibis.Table) -> ibis.Value:
    """Days from arbitration request to decision (C2 before winsorising)."""
    return cl.valid_delta(arbitration.decided_at, arbitration.requested_at).cast("float64") / cl.US_PER_DAY


def repeats_frame(source: Source, ctx: Context) -> ibis.Table | None:
    """Cases of the period flagged when the same buyer had a case on the same order in the 30 days before.

    One scan of the period and its lookback: only orders with two cases or more in that span can hold a
    repeat, a small set whose cases are matched with each other; the flags then join the span's cases of
    the period. Rows without an order or a buyer are out of S4's scope and are left out here.
    """
    import ibis

    cases = source.table("cases")
    if subject_expr(cases, ctx.subject_type) is None:
        return None
    lookback = ctx.period.start - timedelta(days=REPEAT_WINDOW_DAYS)
    span = cases.filter(in_window(cases.created_at, lookback, ctx.period.end), cases.order_id.notnull(),
                        cases.buyer_id.notnull())
    span = span.select("case_id", "buyer_id", "order_id", "created_at", sid=subject_expr(span, ctx.subject_type))
    multi = span.group_by("order_id").aggregate(cases=span.count())
    multi = multi.filter(multi.cases >= 2).select(multi_order=multi.order_id)
    # the candidate set is referenced twice without a view, so the engine computes it (and the
    # per-order count) once instead of once per side of the self-join
    candidates = span.join(multi, span.order_id == multi.multi_order).select(
        "case_id", "buyer_id", "order_id", "created_at"
    )
    later = candidates.filter(in_window(candidates.created_at, ctx.period.start, ctx.period.end))
    earlier = candidates.select(e_case="case_id", e_buyer="buyer_id", e_order="order_id", e_at="created_at")
    gap = cl.raw_delta(later.created_at, earlier.e_at)
    hits = later.join(earlier, [later.order_id == earlier.e_order, later.buyer_id == earlier.e_buyer,
                                later.case_id != earlier.e_case, gap > 0,
                                gap <= REPEAT_WINDOW_DAYS * cl.US_PER_DAY])
    hits = hits.select(hit_case=hits.case_id).distinct().mutate(repeat=ibis.literal(True))
    # a case of the period on an order with another case in the span could be a repeat; a subject with no
    # such case cannot vary on S4 (no data, not a free 100). The candidates already are those cases.
    possible = later.select(mark_case=later.case_id)
    marks = possible.left_join(hits, possible.mark_case == hits.hit_case)
    # joined before filtering, so the span stays one shared scan instead of a second read of the period
    flagged = span.left_join(marks, span.case_id == marks.mark_case)
    flagged = flagged.filter(in_window(flagged.created_at, ctx.period.start, ctx.period.end), flagged.sid.notnull())
    return flagged.mutate(repeat=flagged.repeat.fill_null(False), repeat_possible=flagged.mark_case.notnull())


def disputes_frame(source: Source, ctx: Context) -> ibis.Table | None:
    """The period's cases with whether they went to arbitration (a narrow join on the cached keys)."""
    import ibis

    # an arbitration cannot be requested before its case opened (CASE_CHILD_SLACK): older requests are
    # skipped before the DISTINCT, most of them by their Parquet row groups' statistics
    arb = since_case_floor(source.table("arbitration"), ctx.period, "requested_at")
    arb = arb.select("case_id").distinct().mutate(arbitrated=ibis.literal(True))
    return _keys(source, ctx).left_join(arb, "case_id").drop("case_id_right")


def _keys(source: Source, ctx: Context) -> ibis.Table:
    return ctx.case_keys if ctx.case_keys is not None else case_keys(source, ctx.period, ctx.subject_type)


# A message, survey, callback or arbitration cannot come before its case opened; a day of slack covers
# skewed clocks. The bound lets readers skip older row groups (Parquet statistics) before the join.
CASE_CHILD_SLACK = timedelta(days=1)


def _with_case_subject(
    source: Source, table: ibis.Table, ctx: Context, stamp: str | None = None
) -> ibis.Table | None:
    """Rows of a case-level table whose case opened in the period, with that case's subject.

    Rows whose case has no subject of this type keep a NULL sid: the cleaning counts still see them.
    """
    return since_case_floor(table, ctx.period, stamp).join(_keys(source, ctx), "case_id")


def since_case_floor(table: ibis.Table, period: Period, stamp: str | None) -> ibis.Table:
    """Rows of a case-level table that can belong to a case opened in the period (or have no stamp)."""
    import ibis

    if stamp is None:
        return table
    floor = period.start - CASE_CHILD_SLACK
    low = ibis.timestamp(floor.astimezone(UTC).replace(tzinfo=None))
    return table.filter((table[stamp] >= low) | table[stamp].isnull())


def conversations_frame(source: Source, ctx: Context) -> ibis.Table | None:
    """One row per case with agent messages: how many rated, how many warm, was any quality-checked.

    Both message indicators (M1, T3) come from this one pass over the messages. The messages are
    grouped by case before the join: a case has one subject, so grouping by (case, subject) after the
    join would hash the same cases a second time.
    """
    import ibis

    msgs = source.table("messages")
    msgs = since_case_floor(msgs.filter(msgs.author_role == "agent"), ctx.period, "sent_at")
    warm = msgs.sentiment.isin(["positive", "empathetic"]).fill_null(False)
    qc = msgs.quality_checked
    per_case = msgs.group_by("case_id").aggregate(
        rated_messages=ibis.ifelse(msgs.sentiment.notnull(), 1, 0).sum(),
        warm_messages=ibis.ifelse(warm, 1, 0).sum(),
        # NULL when no message says whether it was checked: unknown, not "unchecked"
        checked=ibis.ifelse(qc.isnull(), ibis.null("int64"), ibis.ifelse(qc, 1, 0)).max(),
    )
    return per_case.join(_keys(source, ctx), "case_id")


def surveys_frame(source: Source, ctx: Context) -> ibis.Table | None:
    surveys = source.table("surveys")
    surveys = surveys.mutate(
        csat_raw=surveys.csat,
        nps_raw=surveys.nps,
        csat=cl.in_range(surveys.csat, 1, 5),
        nps=cl.in_range(surveys.nps, 0, 10),
    )
    return _with_case_subject(source, surveys, ctx, "submitted_at")


def callbacks_frame(source: Source, ctx: Context) -> ibis.Table | None:
    return _with_case_subject(source, source.table("callbacks"), ctx, "done_at")


def arbitration_frame(source: Source, ctx: Context) -> ibis.Table | None:
    arb = source.table("arbitration")
    arb = arb.mutate(decision_days_raw=decision_days(arb))
    arb = arb.mutate(decision_days=_capped(arb.decision_days_raw, ctx.caps.get("C2")))
    return _with_case_subject(source, arb, ctx, "requested_at")


def live_products_frame(source: Source, ctx: Context) -> ibis.Table | None:
    """Distinct (subject, product) pairs sold live in the period, with the product's responsibility list."""
    if not source.has("products"):
        return None
    orders = _dated(source, "orders", "placed_at", ctx)
    if orders is None:
        return None
    live = orders.filter(orders.live_session_id.notnull())
    pairs = live.select("sid", "product_id").distinct()
    products = source.table("products").select("product_id", "responsibility_list_published")
    return pairs.left_join(products, "product_id").drop("product_id_right")


def _dated(source: Source, name: str, column: str, ctx: Context) -> ibis.Table | None:
    table = source.table(name)
    sid = subject_expr(table, ctx.subject_type)
    if sid is None:
        return None
    table = table.filter(in_window(table[column], ctx.period.start, ctx.period.end))
    table = table.mutate(sid=subject_expr(table, ctx.subject_type))
    return table.filter(table.sid.notnull())


def claims_frame(source: Source, ctx: Context) -> ibis.Table | None:
    return _dated(source, "claims", "made_at", ctx)


def sessions_frame(source: Source, ctx: Context) -> ibis.Table | None:
    return _dated(source, "live_sessions", "started_at", ctx)


def gmv_frame(source: Source, ctx: Context) -> ibis.Table | None:
    """GMV per subject in the period, and the part from products tagged 敏感肌."""
    import ibis

    orders = _dated(source, "orders", "placed_at", ctx) if source.has("orders") else None
    if orders is None:
        return None
    if source.has("products"):
        products = source.table("products")
        tagged = products.filter(products.tags.fill_null("").contains(SENSITIVE_SKIN_TAG)).select(
            sensitive_product=products.product_id
        )
        orders = orders.left_join(tagged, orders.product_id == tagged.sensitive_product)
        sensitive = orders.sensitive_product.notnull()
    else:
        sensitive = ibis.literal(False)
    amount = orders.amount.fill_null(0.0).cast("float64")
    return orders.group_by("sid").aggregate(
        gmv=amount.sum(), sensitive_gmv=ibis.ifelse(sensitive, amount, 0.0).sum()
    )


FRAMES = {
    "cases": cases_frame,
    "repeats": repeats_frame,
    "disputes": disputes_frame,
    "conversations": conversations_frame,
    "surveys": surveys_frame,
    "callbacks": callbacks_frame,
    "arbitration": arbitration_frame,
    "live_products": live_products_frame,
    "claims": claims_frame,
    "live_sessions": sessions_frame,
}
# the input tables a frame cannot be built without
FRAME_TABLES = {
    "cases": ("cases",),
    "repeats": ("cases",),
    "disputes": ("cases", "arbitration"),
    "conversations": ("cases", "messages"),
    "surveys": ("cases", "surveys"),
    "callbacks": ("cases", "callbacks"),
    "arbitration": ("cases", "arbitration"),
    "live_products": ("orders", "products"),
    "claims": ("claims",),
    "live_sessions": ("live_sessions",),
}
