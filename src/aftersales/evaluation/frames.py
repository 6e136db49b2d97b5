"""Per-period frames the indicators aggregate: one Ibis table per fact, cleaned, with `sid` (the subject).

A frame keeps every row of the period; each indicator then says which rows are in its scope, so all the
indicators of one frame are computed in a single pass over it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from aftersales.evaluation import cleaning as cl
from aftersales.evaluation.periods import Calendar, Period
from aftersales.evaluation.schema import PLATFORM_ID, SENSITIVE_SKIN_TAG, SUBJECT_KEY
from aftersales.evaluation.sources import Source

if TYPE_CHECKING:
    import ibis

SHANGHAI_OFFSET_HOURS = 8  # China has kept UTC+8 without daylight saving since 1991
REPEAT_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Context:
    """What every frame needs: the window, who is the subject, the calendar, and the p99 caps."""

    period: Period
    subject_type: str
    calendar: Calendar
    caps: dict[str, float]
    case_keys: ibis.Table | None = None  # (case_id, sid) of the period's cases, cached by the engine


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


def local_time(column: ibis.Value) -> ibis.Value:
    import ibis

    return column + ibis.interval(hours=SHANGHAI_OFFSET_HOURS)


def working_days(start: ibis.Value, end: ibis.Value) -> ibis.Value:
    """Monday–Friday days in (start date, end date], Shanghai calendar; the same day counts 0."""
    import ibis

    days = local_time(end).date().delta(local_time(start).date(), unit="day")
    first = (local_time(start).date().day_of_week.index() + 1) % 7  # weekday of the day after, Mon = 0
    rest = days % 7
    extra = ibis.greatest(0, ibis.least(first + rest, 5) - first) + ibis.greatest(0, first + rest - 7)
    return (days // 7) * 5 + extra


def _promo_expr(local: ibis.Value, calendar: Calendar) -> ibis.Value:
    import ibis

    month_day = local.month() * 100 + local.day()
    hit = ibis.literal(False)
    for promo in calendar.promos:
        low, high = promo.start[0] * 100 + promo.start[1], promo.end[0] * 100 + promo.end[1]
        hit = hit | month_day.between(low, high)
    return hit


def _off_hours_expr(local: ibis.Value, calendar: Calendar) -> ibis.Value:
    hour = local.hour()
    off = (hour >= calendar.off_hours_start) | (hour < calendar.off_hours_end)
    if calendar.holidays:
        off = off | local.date().isin(list(calendar.holidays))
    return off


def _capped(value: ibis.Value, cap: float | None) -> ibis.Value:
    """Winsorise at the cap; NULL stays NULL (LEAST skips NULLs on DuckDB and Spark)."""
    import ibis

    if cap is None:
        return value
    return ibis.ifelse(value.isnull(), ibis.null("float64"), ibis.least(value, cap))


def _repeat_flag(cases: ibis.Table) -> ibis.Value:
    """The same buyer came back about the same order within 30 days of an earlier case."""
    import ibis

    window = ibis.window(group_by=[cases.buyer_id, cases.order_id], order_by=cases.created_at)
    previous = cases.created_at.lag().over(window)
    gap = cl.raw_delta(cases.created_at, previous)
    return (gap <= REPEAT_WINDOW_DAYS * cl.US_PER_DAY).fill_null(False)


def cases_frame(source: Source, ctx: Context) -> ibis.Table | None:
    import ibis

    cases = source.table("cases")
    sid = subject_expr(cases, ctx.subject_type)
    if sid is None:
        return None
    # the repeat-complaint flag looks 30 days back, before the window opens
    lookback = ctx.period.start - timedelta(days=REPEAT_WINDOW_DAYS)
    cases = cases.filter(in_window(cases.created_at, lookback, ctx.period.end))
    cases = cases.mutate(repeat=_repeat_flag(cases), sid=subject_expr(cases, ctx.subject_type))
    cases = cases.filter(in_window(cases.created_at, ctx.period.start, ctx.period.end), cases.sid.notnull())
    if source.has("arbitration"):
        arb = source.table("arbitration").select("case_id").distinct().mutate(arbitrated=ibis.literal(True))
        cases = cases.left_join(arb, "case_id").drop("case_id_right")
    else:
        cases = cases.mutate(arbitrated=ibis.null("boolean"))
    local = local_time(cases.created_at)
    c = cases
    hours = cl.valid_delta(c.resolved_at, c.created_at).cast("float64") / cl.US_PER_HOUR
    sla = ibis.cases(
        (c.tier == "L1", cl.within(c.first_response_at, c.created_at, 15 * cl.US_PER_MINUTE)),
        (c.tier == "L2", cl.within(c.first_human_response_at, c.created_at, cl.US_PER_HOUR)),
        (c.tier == "L3", cl.within(c.resolved_at, c.created_at, 24 * cl.US_PER_HOUR)),
        else_=ibis.null("boolean"),
    )
    resolved_ok = cl.valid_delta(c.resolved_at, c.created_at).notnull()
    return c.mutate(
        off_hours=_off_hours_expr(local, ctx.calendar),
        peak=_promo_expr(local, ctx.calendar) | c.during_live_peak.fill_null(False),
        sla_met=sla,
        human_minutes=cl.valid_delta(c.first_human_response_at, c.created_at).cast("float64")
        / cl.US_PER_MINUTE,
        resolve_hours=_capped(hours, ctx.caps.get("E1")),
        allergy_days=_capped(
            ibis.ifelse(resolved_ok, working_days(c.created_at, c.resolved_at), ibis.null("int64")).cast(
                "float64"
            ),
            ctx.caps.get("E2"),
        ),
    )


def _with_case_subject(source: Source, table: ibis.Table, ctx: Context) -> ibis.Table | None:
    """Rows of a case-level table whose case opened in the period, with that case's subject."""
    keys = ctx.case_keys if ctx.case_keys is not None else case_keys(source, ctx.period, ctx.subject_type)
    return table.join(keys.filter(keys.sid.notnull()), "case_id")


def messages_frame(source: Source, ctx: Context) -> ibis.Table | None:
    msgs = source.table("messages")
    return _with_case_subject(source, msgs.filter(msgs.author_role == "agent"), ctx)


def conversations_frame(source: Source, ctx: Context) -> ibis.Table | None:
    """One row per case with agent messages: was any of them quality-checked."""
    import ibis

    msgs = messages_frame(source, ctx)
    if msgs is None:
        return None
    return msgs.group_by(["case_id", "sid"]).aggregate(
        checked=ibis.ifelse(msgs.quality_checked.fill_null(False), 1, 0).max()
    )


def surveys_frame(source: Source, ctx: Context) -> ibis.Table | None:
    surveys = source.table("surveys")
    surveys = surveys.mutate(csat=cl.in_range(surveys.csat, 1, 5), nps=cl.in_range(surveys.nps, 0, 10))
    return _with_case_subject(source, surveys, ctx)


def callbacks_frame(source: Source, ctx: Context) -> ibis.Table | None:
    return _with_case_subject(source, source.table("callbacks"), ctx)


def arbitration_frame(source: Source, ctx: Context) -> ibis.Table | None:
    arb = source.table("arbitration")
    days = cl.valid_delta(arb.decided_at, arb.requested_at).cast("float64") / cl.US_PER_DAY
    return _with_case_subject(source, arb.mutate(decision_days=_capped(days, ctx.caps.get("C2"))), ctx)


def live_products_frame(source: Source, ctx: Context) -> ibis.Table | None:
    """Distinct (subject, product) pairs sold live in the period, with the product's responsibility list."""
    if not source.has("products"):
        return None
    orders = source.table("orders")
    sid = subject_expr(orders, ctx.subject_type)
    if sid is None:
        return None
    live = orders.filter(
        in_window(orders.placed_at, ctx.period.start, ctx.period.end), orders.live_session_id.notnull()
    )
    pairs = live.select(sid=subject_expr(live, ctx.subject_type), product_id=live.product_id)
    pairs = pairs.filter(pairs.sid.notnull()).distinct()
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
    """Orders of the period with the amount from sensitive-skin products beside the total."""
    import ibis

    if not source.has("orders"):
        return None
    orders = _dated(source, "orders", "placed_at", ctx)
    if orders is None:
        return None
    if source.has("products"):
        products = source.table("products")
        tagged = products.select(
            product_id=products.product_id, sensitive=products.tags.fill_null("").contains(SENSITIVE_SKIN_TAG)
        )
        orders = orders.left_join(tagged, "product_id").drop("product_id_right")
    else:
        orders = orders.mutate(sensitive=ibis.literal(False))
    amount = orders.amount.fill_null(0.0).cast("float64")
    return orders.group_by("sid").aggregate(
        gmv=amount.sum(), sensitive_gmv=ibis.ifelse(orders.sensitive.fill_null(False), amount, 0.0).sum()
    )


FRAMES = {
    "cases": cases_frame,
    "messages": messages_frame,
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
    "messages": ("cases", "messages"),
    "conversations": ("cases", "messages"),
    "surveys": ("cases", "surveys"),
    "callbacks": ("cases", "callbacks"),
    "arbitration": ("cases", "arbitration"),
    "live_products": ("orders", "products"),
    "claims": ("claims",),
    "live_sessions": ("live_sessions",),
}
