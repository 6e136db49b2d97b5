"""Drill-down from an indicator to the cases behind it, each with what that indicator looks at and whether the case
meets the target.

A closed period's snapshot names the very cases an indicator counted (`cases_by_id`); for the running month, which
has no index yet, the subject's cases so far are read live (`cases_behind`). The per-case lens is this console's
reading of an indicator on one case (the index itself is `evaluation`'s); indicators measured on products or live
sessions (C1, C5, T2) have none.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from aftersales.cases.models import Case, CompensationOffer
from aftersales.clock import as_utc
from aftersales.evaluation.catalogue import INDICATORS
from aftersales.evaluation.periods import parse_period
from aftersales.orders.models import Order
from aftersales.parties.models import Party
from aftersales.problems import InvalidInput
from aftersales.surveys.models import Survey

LIMIT = 200
HOUR = 3600.0


@dataclass(frozen=True)
class CaseFacts:
    case: Case
    csat: int | None
    nps: int | None
    medical: bool


@dataclass(frozen=True)
class Lens:
    """What one indicator reads from a case: a shown value and, where it has one, a pass/fail."""

    applies: Callable[[CaseFacts], bool]
    value: Callable[[CaseFacts], str]
    meets: Callable[[CaseFacts], bool | None]


def _hours(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (as_utc(end) - as_utc(start)).total_seconds() / HOUR


def _fmt_hours(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f} h"


def _within(start: datetime | None, end: datetime | None, hours: float) -> bool | None:
    spent = _hours(start, end)
    return None if spent is None else spent <= hours


def _first(f: CaseFacts) -> float | None:
    return _hours(f.case.created_at, f.case.first_response_at)


def _human(f: CaseFacts) -> float | None:
    return _hours(f.case.created_at, f.case.human_response_at)


def _done(f: CaseFacts) -> datetime | None:
    return f.case.refunded_at or f.case.exchanged_at


ALL: Callable[[CaseFacts], bool] = lambda f: True  # noqa: E731
LENSES: dict[str, Lens] = {
    "R1": Lens(ALL, lambda f: _fmt_hours(_first(f)), lambda f: _within(f.case.created_at, f.case.first_response_at, 24)),
    "R2": Lens(ALL, lambda f: f.case.tier, lambda f: f.case.escalated_at is None),
    "R4": Lens(lambda f: f.case.tier != "L1", lambda f: _fmt_hours(_human(f)),
               lambda f: _within(f.case.created_at, f.case.human_response_at, 45 / 60)),
    "E1": Lens(lambda f: f.case.case_type in ("return_refund", "exchange"), lambda f: _fmt_hours(_hours(
        f.case.created_at, _done(f))), lambda f: _within(f.case.created_at, _done(f), 48)),
    "E2": Lens(lambda f: f.case.case_type == "allergy_claim", lambda f: _fmt_hours(_hours(
        f.case.created_at, f.case.resolved_at)), lambda f: _within(f.case.created_at, f.case.resolved_at, 7 * 24)),
    "E3": Lens(ALL, lambda f: str(f.case.handoff_count), lambda f: f.case.handoff_count <= 1),
    "E4": Lens(lambda f: f.case.refund_requested_at is not None, lambda f: _fmt_hours(_hours(
        f.case.refund_requested_at, f.case.refunded_at)),
        lambda f: _within(f.case.refund_requested_at, f.case.refunded_at, 48)),
    "E5": Lens(lambda f: f.case.case_type == "allergy_claim", lambda f: "✓" if f.medical else "—",
               lambda f: f.medical),
    "S1": Lens(lambda f: f.nps is not None, lambda f: str(f.nps), lambda f: None if f.nps is None else f.nps >= 9),
    "S2": Lens(lambda f: f.csat is not None, lambda f: str(f.csat),
               lambda f: None if f.csat is None else f.csat >= 4),
    "S5": Lens(ALL, lambda f: "✓" if f.case.disputed_at else "—", lambda f: f.case.disputed_at is None),
    "C3": Lens(ALL, lambda f: str(f.case.handoff_count), lambda f: f.case.handoff_count == 0),
    "C4": Lens(ALL, lambda f: str(f.case.handoff_count), lambda f: f.case.handoff_count < 3),
    "T1": Lens(lambda f: f.case.confirmed_category is not None,
               lambda f: f"{f.case.category} → {f.case.confirmed_category}",
               lambda f: f.case.category == f.case.confirmed_category),
    "T4": Lens(lambda f: f.case.tier == "L1", lambda f: "AI" if f.case.ai_resolved else "—",
               lambda f: f.case.ai_resolved),
    "M4": Lens(lambda f: f.case.emotion == "angry", lambda f: _fmt_hours(_human(f)),
               lambda f: _within(f.case.created_at, f.case.human_response_at, 0.25)),
}


def _subject_filter(session: Session, subject_type: str, subject_id: str) -> ColumnElement[bool]:
    if subject_type == "anchor":
        return Order.anchor_id == subject_id
    if subject_type == "brand":
        return Order.brand_id == subject_id
    if subject_type == "shop":
        return Order.shop_id == subject_id
    if subject_type == "mcn":
        return Order.anchor_id.in_(select(Party.id).where(Party.parent_id == subject_id))
    raise InvalidInput(f"未知主体类型 / unknown subject type {subject_type}", field="subject_type")


@dataclass(frozen=True)
class DrillRow:
    facts: CaseFacts
    value: str
    meets: bool | None


def cases_behind(session: Session, subject_type: str, subject_id: str, period: str,
                 indicator: str | None) -> list[DrillRow]:
    """The subject's cases opened in the period that the indicator reads, failing ones first."""
    window = parse_period(period)
    medical = exists().where(CompensationOffer.case_id == Case.id, CompensationOffer.kind == "medical",
                             CompensationOffer.accepted.is_(True))
    query = (select(Case, Survey.csat, Survey.nps, medical.label("medical"))
             .join(Order, Order.id == Case.order_id).outerjoin(Survey, Survey.case_id == Case.id)
             .where(_subject_filter(session, subject_type, subject_id), Case.created_at >= window.start,
                    Case.created_at < window.end)
             .order_by(Case.created_at.desc()).limit(LIMIT * 5))
    lens = LENSES.get(indicator or "")
    rows = []
    for case, csat, nps, has_medical in session.execute(query):
        facts = CaseFacts(case, csat, nps, bool(has_medical))
        if lens is None:
            rows.append(DrillRow(facts, "", None))
        elif lens.applies(facts):
            rows.append(DrillRow(facts, lens.value(facts), lens.meets(facts)))
    rows.sort(key=lambda r: (r.meets is not False, r.meets is None))
    return rows[:LIMIT]


def has_lens(indicator: str) -> bool:
    return indicator in LENSES


INDICATOR_IDS = frozenset(INDICATORS)


def indicator_name(code: str) -> tuple[str, str]:
    spec = INDICATORS[code]
    return spec.name_zh, spec.name_en


def cases_by_id(session: Session, case_ids: list[str], indicator: str) -> list[DrillRow]:
    """The cases an indicator counted (the snapshot's drill-down ids), failing ones first, with the lens's view."""
    medical = exists().where(CompensationOffer.case_id == Case.id, CompensationOffer.kind == "medical",
                             CompensationOffer.accepted.is_(True))
    lens = LENSES.get(indicator)
    rows = []
    for start in range(0, min(len(case_ids), LIMIT * 5), 500):  # IN lists of a bounded length
        query = (select(Case, Survey.csat, Survey.nps, medical.label("medical"))
                 .outerjoin(Survey, Survey.case_id == Case.id).where(Case.id.in_(case_ids[start:start + 500])))
        for case, csat, nps, has_medical in session.execute(query):
            facts = CaseFacts(case, csat, nps, bool(has_medical))
            if lens is None or not lens.applies(facts):
                rows.append(DrillRow(facts, "", None))
            else:
                rows.append(DrillRow(facts, lens.value(facts), lens.meets(facts)))
    rows.sort(key=lambda r: (r.meets is not False, r.meets is None, r.facts.case.id))
    return rows[:LIMIT]


def period_span(period: str) -> tuple[datetime, datetime]:
    window = parse_period(period)
    return window.start, window.end - timedelta(seconds=1)
