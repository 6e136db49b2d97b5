"""A carrier's logistics event, as the case of a return parcel sees it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from aftersales.cases import timeline
from aftersales.orders import service as order_service
from aftersales.orders.schemas import LogisticsEventIn


def receive_event(session: Session, event: LogisticsEventIn, now: datetime) -> order_service.EventOutcome:
    """Store the event once (orders) and put a return parcel's milestone on its case's timeline."""
    outcome = order_service.record_logistics_event(session, event, now)
    step = outcome.return_step
    if step is not None and outcome.case_id is not None:
        timeline.record(session, outcome.case_id, "logistics", at=now, actor_role="carrier",
                        actor_id=event.carrier_code, reason=f"{step.zh} / {step.en}", buyer_visible=True,
                        data={"status": step.status, "location": step.location,
                              "occurred_at": step.occurred_at.isoformat()})
    return outcome
