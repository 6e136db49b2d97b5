"""A backlog larger than one batch: every overdue clock is breached once and its case escalated once, whether
the clocks fall due at the same instant or not (each batch starts after the last clock of the one before)."""

from __future__ import annotations

from sqlalchemy import func, select

from aftersales.cases.escalation import sweep
from aftersales.cases.models import Case, TimelineEvent
from aftersales.clock import FrozenClock
from aftersales.runtime import Runtime
from aftersales.sla.models import SlaBreach
from tests.conftest import Api
from tests.integration.test_case_lifecycle_api import open_case

ALLERGY = "用了口红嘴巴又红又肿还刺痛，要求退款"


def _counts(runtime: Runtime) -> tuple[int, int, int]:
    with runtime.session() as session:
        breaches = session.scalar(select(func.count()).select_from(SlaBreach)) or 0
        distinct = session.scalar(select(func.count(func.distinct(SlaBreach.clock_id)))) or 0
        escalations = session.scalar(select(func.count()).select_from(TimelineEvent)
                                     .where(TimelineEvent.kind == "escalation")) or 0
    return breaches, distinct, escalations


def test_a_backlog_of_several_batches_is_breached_once_each(api: Api, runtime: Runtime, clock: FrozenClock) -> None:
    together = [open_case(api, case_type="allergy_claim", text=ALLERGY, order_id=order)["id"]
                for order in ("O-1001", "O-1002")]
    clock.advance(minutes=1)
    later = [open_case(api, case_type="allergy_claim", text=ALLERGY, order_id=order, who="buyer2")["id"]
             for order in ("O-2001",)]
    clock.advance(minutes=61)
    report = sweep(runtime.session_factory, runtime.clock.now(), runtime.calendar, batch_size=1)
    assert report.breaches == 3 and sorted(report.case_ids) == sorted(together + later)
    assert _counts(runtime) == (3, 3, 3)
    with runtime.session() as session:
        tiers = set(session.scalars(select(Case.tier).where(Case.id.in_(together + later))))
    assert tiers == {"L3"}
    assert sweep(runtime.session_factory, runtime.clock.now(), runtime.calendar, batch_size=1).breaches == 0

