"""A carrier's logistics event, as the case of a return parcel sees it: the pickup (揽收) moves the case through
its lifecycle (退货已揽收); every milestone is on the buyer's timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from aftersales.calendars import BusinessCalendar
from aftersales.cases import service as case_service
from aftersales.cases import timeline
from aftersales.cases.lifecycle import Action, State, take
from aftersales.cases.models import Case
from aftersales.cases.schemas import ActionRequest
from aftersales.orders import service as order_service
from aftersales.orders.schemas import LogisticsEventIn
from aftersales.security.principals import Principal, Role


def receive_event(session: Session, event: LogisticsEventIn, now: datetime, calendar: BusinessCalendar, *,
                  carrier_id: str | None = None) -> order_service.EventOutcome:
    """Store the event once (orders), show a return parcel's milestone on its case, and apply the pickup."""
    outcome = order_service.record_logistics_event(session, event, now)
    step = outcome.return_step
    if step is None or outcome.case_id is None:
        return outcome
    timeline.record(session, outcome.case_id, "logistics", at=now, actor_role="carrier",
                    actor_id=carrier_id or event.carrier_code, reason=f"{step.zh} / {step.en}", buyer_visible=True,
                    data={"status": step.status, "location": step.location,
                          "occurred_at": step.occurred_at.isoformat()})
    if step.status == "collected":
        _collected(session, outcome.case_id, carrier_id or event.carrier_code, step.location, now, calendar)
    return outcome


def _collected(session: Session, case_id: str, carrier: str, location: str, now: datetime,
               calendar: BusinessCalendar) -> None:
    case = session.get(Case, case_id)
    # a pickup reported after the seller already received the parcel (a late webhook) changes nothing
    if case is None or not take(State(case.state), Action.return_collected, Role.carrier).allowed:
        return
    principal = Principal(role=Role.carrier, name=carrier, party_ids=frozenset({carrier}))
    case_service.act_on(session, principal, case, Action.return_collected,
                        ActionRequest(reason=f"退货已揽收（{location or carrier}）/ return collected"), now, calendar)
