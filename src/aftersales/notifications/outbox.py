"""Publishing events: one outbox row per destination, added to the caller's session (so it commits, or rolls
back, with the event itself). Nothing is sent here; `delivery` does that."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from aftersales import db_bulk
from aftersales.notifications.events import Event
from aftersales.notifications.models import Delivery, NotificationChannel


@dataclass(frozen=True)
class Route:
    """An active channel as publishing needs it, read once per unit of work."""

    channel_id: int
    kind: str
    target: str
    events: frozenset[str]
    party_id: str | None

    def wants(self, event: Event) -> bool:
        if self.events and event.type.value not in self.events:
            return False
        return self.party_id is None or self.party_id in event.party_ids


def load_routes(session: Session) -> tuple[Route, ...]:
    rows = session.scalars(select(NotificationChannel).where(NotificationChannel.active.is_(True))
                           .order_by(NotificationChannel.id))
    return tuple(Route(r.id, r.kind, r.target, frozenset(r.events or ()), r.party_id) for r in rows)


def rows_for(event: Event, routes: Sequence[Route], now: datetime) -> list[dict[str, Any]]:
    """The deliveries one event makes: each channel that wants it, and a text to the buyer when there is one."""
    base = {"event_id": event.id, "event_type": event.type.value, "subject_type": event.subject_type,
            "subject_id": event.subject_id, "state": "pending", "attempts": 0, "next_attempt_at": now,
            "lease_until": None, "last_error": "", "created_at": now, "delivered_at": None, "dead_at": None}
    body = event.body()
    rows = [{**base, "channel_id": route.channel_id, "kind": route.kind, "recipient": f"channel:{route.channel_id}",
             "payload": body} for route in routes if route.wants(event)]
    if event.buyer_id and event.sms_zh:
        rows.append({**base, "channel_id": None, "kind": "sms", "recipient": f"buyer:{event.buyer_id}",
                     "payload": {**body, "sms": event.sms_zh}})
    return rows


def publish(session: Session, events: Iterable[Event], now: datetime,
            routes: Sequence[Route] | None = None) -> int:
    """Queue the events' deliveries in the caller's transaction; returns how many rows were queued."""
    events = list(events)
    if not events:
        return 0
    routes = load_routes(session) if routes is None else routes
    rows = [row for event in events for row in rows_for(event, routes, now)]
    if rows:
        db_bulk.insert_many(session, cast(Table, Delivery.__table__), rows)
    return len(rows)
