"""The 28 indicators as Ibis expressions, each defined once, over the frames of frames.py.

A measure names its frame, the rows in its scope, and the value x of each row; the indicator is the mean
(or median) of x over the scoped rows that have one, and n is how many rows that was. Shares are means of
0/1. Division happens after the engine returns (numerator, count), so an empty group is NaN with n = 0
on every engine, never a silent zero nor a Spark division error.

A NULL fact (a column the source did not provide, or a value not known yet) leaves the row out of the
indicator's scope: a missing column gives NaN with n = 0, never a silent zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aftersales.evaluation import cleaning as cl

if TYPE_CHECKING:
    import ibis

# (scope condition, value x) or, for `how="ratio"`, (scope, numerator, weight) of pre-aggregated rows
Scoped = tuple["ibis.Value", ...]


@dataclass(frozen=True)
class Measure:
    frame: str
    define: Callable[[ibis.Table], Scoped]
    how: str = "mean"  # mean | median | ratio (sum of numerators over sum of weights)
    #: rate (a 0/1 per row, or a ratio of counts) or mean (a continuous value): picks the shrinkage model
    kind: str = "rate"
    #: rows that make the indicator able to vary for a subject; with none it has no data, not a perfect score
    eligible: Callable[[ibis.Table], ibis.Value] | None = None


def _flag(cond: ibis.Value, *, negate: bool = False) -> ibis.Value:
    """1.0/0.0 of a condition, NULL staying NULL.

    Casts, not CASE: DuckDB evaluates a cast several times faster. Through int32 because PostgreSQL
    refuses CAST(boolean AS BIGINT) and AS DOUBLE. `negate` instead of `~cond`: Ibis 12 prints
    `(~c).isnull()` as `NOT (c) IS NULL`, which DuckDB reads as `NOT (c IS NULL)`.
    """
    as_int = cond.cast("int32")
    return (1 - as_int if negate else as_int).cast("float64")


def _all(t: ibis.Table) -> ibis.Value:
    import ibis

    return ibis.literal(True)


def _r1(t: ibis.Table) -> Scoped:
    return _all(t), _flag(
        cl.within_us(t.first_response_at, t[cl.valid_column("first_response_at")], 24 * cl.US_PER_HOUR)
    )


def _r2(t: ibis.Table) -> Scoped:
    return _all(t), _flag(t.sla_met)


def _r3(t: ibis.Table) -> Scoped:
    return t.peak, _flag(t.sla_met, negate=True)


def _r4(t: ibis.Table) -> Scoped:
    return t.tier.isin(["L2", "L3"]), t.human_minutes


def _r5(t: ibis.Table) -> Scoped:
    return t.off_hours, _flag(
        cl.within_us(t.first_response_at, t[cl.valid_column("first_response_at")], cl.US_PER_HOUR)
    )


def _e1(t: ibis.Table) -> Scoped:
    return t.resolve_hours.notnull(), t.resolve_hours


def _e2(t: ibis.Table) -> Scoped:
    return t.allergy_days.notnull(), t.allergy_days


def _e3(t: ibis.Table) -> Scoped:
    return t.handoffs >= 0, t.handoffs.cast("float64")


def _e4(t: ibis.Table) -> Scoped:
    return t.refunded_at.notnull(), _flag(
        cl.within_us(t.refunded_at, t[cl.valid_column("refunded_at")], 48 * cl.US_PER_HOUR)
    )


def _e5(t: ibis.Table) -> Scoped:
    verified = (t.case_type == "allergy") & t.allergy_verified
    return verified & t.medical_compensation.notnull(), _flag(t.medical_compensation)


def _s1(t: ibis.Table) -> Scoped:
    import ibis

    # NPS = % promoters (9–10) − % detractors (0–6): the mean of +100 / 0 / −100 per answer
    score = ibis.cases((t.nps >= 9, 100.0), (t.nps <= 6, -100.0), else_=0.0)
    return t.nps.notnull(), ibis.ifelse(t.nps.isnull(), ibis.null("float64"), score)


def _s2(t: ibis.Table) -> Scoped:
    return t.csat.notnull(), t.csat.cast("float64")


def _s3(t: ibis.Table) -> Scoped:
    # first contact: solved, and by the first party that held it (no handoff)
    return t.handoffs.notnull(), _flag(t.resolved_at.notnull() & (t.handoffs == 0))


def _s4(t: ibis.Table) -> Scoped:
    return t.buyer_id.notnull() & t.order_id.notnull(), _flag(t.repeat)


def _s4_eligible(t: ibis.Table) -> ibis.Value:
    # a repeat needs an order with two cases: a subject with none cannot have one
    return t.repeat_possible


def _s5(t: ibis.Table) -> Scoped:
    return _all(t), _flag(t.arbitrated.fill_null(False))


def _c1(t: ibis.Table) -> Scoped:
    return t.responsibility_list_published.notnull(), _flag(t.responsibility_list_published)


def _c2(t: ibis.Table) -> Scoped:
    return _all(t), t.decision_days


def _c3(t: ibis.Table) -> Scoped:
    return t.first_route_correct.notnull(), _flag(t.first_route_correct)


def _c4(t: ibis.Table) -> Scoped:
    passing = (t.handoffs >= 3).fill_null(False) | t.routing_loop.fill_null(False)
    return t.handoffs.notnull() | t.routing_loop.notnull(), _flag(passing)


def _c5(t: ibis.Table) -> Scoped:
    return t.bound_to_order_terms.notnull(), _flag(t.bound_to_order_terms)


def _t1(t: ibis.Table) -> Scoped:
    return t.confirmed_class.notnull() & t.ai_class.notnull(), _flag(t.ai_class == t.confirmed_class)


def _t2(t: ibis.Table) -> Scoped:
    return t.evidence_hashed.notnull(), _flag(t.evidence_hashed)


def _t3(t: ibis.Table) -> Scoped:
    return t.checked.notnull(), t.checked.cast("float64")


def _t4(t: ibis.Table) -> Scoped:
    return (t.tier == "L1") & t.resolved_by_ai.notnull(), _flag(t.resolved_by_ai)


def _m1(t: ibis.Table) -> Scoped:
    # per conversation: warm agent messages over agent messages, pooled so each message counts once
    return t.rated_messages > 0, t.warm_messages.cast("float64"), t.rated_messages


def _m2(t: ibis.Table) -> Scoped:
    # offers still awaiting an answer are left out rather than counted as refused
    return t.compensation_offered & t.compensation_accepted.notnull(), _flag(t.compensation_accepted)


def _m3(t: ibis.Table) -> Scoped:
    return t.satisfied.notnull(), _flag(t.satisfied)


def _m4(t: ibis.Table) -> Scoped:
    return t.emotion == "angry", _flag(
        cl.within_us(
            t.first_human_response_at, t[cl.valid_column("first_human_response_at")], 15 * cl.US_PER_MINUTE
        )
    )


MEASURES: dict[str, Measure] = {
    "R1": Measure("cases", _r1),
    "R2": Measure("cases", _r2),
    "R3": Measure("cases", _r3),
    "R4": Measure("cases", _r4, "median", "mean"),
    "R5": Measure("cases", _r5),
    "E1": Measure("cases", _e1, kind="mean"),
    "E2": Measure("cases", _e2, kind="mean"),
    "E3": Measure("cases", _e3, kind="mean"),
    "E4": Measure("cases", _e4),
    "E5": Measure("cases", _e5),
    "S1": Measure("surveys", _s1, kind="mean"),
    "S2": Measure("surveys", _s2, kind="mean"),
    "S3": Measure("cases", _s3),
    "S4": Measure("repeats", _s4, eligible=_s4_eligible),
    "S5": Measure("disputes", _s5),
    "C1": Measure("live_products", _c1),
    "C2": Measure("arbitration", _c2, kind="mean"),
    "C3": Measure("cases", _c3),
    "C4": Measure("cases", _c4),
    "C5": Measure("claims", _c5),
    "T1": Measure("cases", _t1),
    "T2": Measure("live_sessions", _t2),
    "T3": Measure("conversations", _t3),
    "T4": Measure("cases", _t4),
    "M1": Measure("conversations", _m1, "ratio"),
    "M2": Measure("cases", _m2),
    "M3": Measure("callbacks", _m3),
    "M4": Measure("cases", _m4),
}


def scoped_columns(indicator: str, table: ibis.Table, measure: Measure | None = None) -> dict[str, ibis.Value]:
    """The indicator's x (and weight) where the row is in scope, NULL elsewhere: computed once per row."""
    import ibis

    measure = measure or MEASURES[indicator]
    scope, value, *weight = measure.define(table)
    # a NULL scope takes the ELSE branch on every engine (CASE WHEN / IF), so it needs no COALESCE:
    # one function less per row and indicator
    columns = {f"{indicator}__x": ibis.ifelse(scope, value.cast("float64"), ibis.null("float64"))}
    if weight:
        columns[f"{indicator}__w"] = ibis.ifelse(scope, weight[0].cast("int64"), ibis.null("int64"))
    if measure.eligible is not None:
        columns[f"{indicator}__e"] = ibis.ifelse(scope & measure.eligible(table).fill_null(False), 1, 0)
    return columns


def aggregates(indicator: str, table: ibis.Table, measure: Measure | None = None) -> dict[str, ibis.Value]:
    """The engine-side aggregates of one indicator over `scoped_columns`: its numerator (or median), its count."""
    kept = table[f"{indicator}__x"]
    measure = measure or MEASURES[indicator]
    head = kept.median() if measure.how == "median" else kept.sum()
    count = table[f"{indicator}__w"].sum() if measure.how == "ratio" else kept.count()
    out = {f"{indicator}__v": head, f"{indicator}__n": count}
    if measure.kind == "mean":
        # the within-subject spread the shrinkage needs (a median's sum too, which `head` is not)
        out[f"{indicator}__q"] = (kept * kept).sum()
        if measure.how == "median":
            out[f"{indicator}__s"] = kept.sum()
    if measure.eligible is not None:
        out[f"{indicator}__e"] = table[f"{indicator}__e"].sum()
    return out
