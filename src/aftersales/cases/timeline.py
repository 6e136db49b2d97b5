"""The one writer of a case's timeline: every entry, whoever caused it, is written here by `cases`."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from aftersales.cases.models import TimelineEvent


def record(session: Session, case_id: str, kind: str, *, at: datetime, actor_role: str, reason: str = "",
           buyer_visible: bool, actor_id: str | None = None, action: str | None = None,
           from_state: str | None = None, to_state: str | None = None,
           data: dict[str, Any] | None = None) -> TimelineEvent:
    event = TimelineEvent(case_id=case_id, at=at, kind=kind, actor_role=actor_role, actor_id=actor_id,
                          action=action, from_state=from_state, to_state=to_state, reason=reason,
                          data=data or {}, buyer_visible=buyer_visible)
    session.add(event)
    return event
