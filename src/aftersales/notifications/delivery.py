"""The outbox workers: claim due deliveries (a lease, SKIP LOCKED on PostgreSQL), send them outside any
transaction, then record delivered, a retry with backoff, or a dead letter."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from aftersales.db import unit_of_work
from aftersales.notifications import retry
from aftersales.notifications.models import Delivery, NotificationChannel
from aftersales.notifications.transports import Job, Outcome, Transports
from aftersales.parties.models import Buyer
from aftersales.security import audit, pii

log = logging.getLogger(__name__)
#: a claimed delivery not reported back within this long is claimed again (its worker died mid-send)
LEASE_SECONDS = 120


@dataclass
class DeliveryReport:
    delivered: int = 0
    retried: int = 0
    dead: int = 0
    errors: list[str] = field(default_factory=list)


#: the outbox reads a buyer's phone to text them: audited like any other read in the clear
SMS_ACCESS = audit.Access(purpose=audit.SMS_DELIVERY, route="worker notifications.delivery")


def _target(session: Session, row: Delivery, key: pii.Keys, now: datetime) -> tuple[str, str | None]:
    if row.kind == "sms":
        buyer = session.get(Buyer, row.recipient.removeprefix("buyer:"))
        if buyer is None or buyer.erased_at is not None:
            return "", None
        audit.record(session, None, action=audit.PII_READ, subject_id=buyer.id, fields=["phone"],
                     access=SMS_ACCESS, now=now)
        return pii.decrypt(buyer.phone_enc, key), None
    channel = session.get(NotificationChannel, row.channel_id) if row.channel_id else None
    if channel is None:
        return "", None
    return channel.target, pii.decrypt(channel.secret_enc, key) if channel.secret_enc else None


def claim(session: Session, now: datetime, limit: int, key: pii.Keys) -> list[Job]:
    """Due pending deliveries, oldest first, leased to this worker; another worker skips the locked rows."""
    query = (select(Delivery).where(Delivery.state == "pending", Delivery.next_attempt_at <= now,
                                    or_(Delivery.lease_until.is_(None), Delivery.lease_until < now))
             .order_by(Delivery.next_attempt_at, Delivery.id).limit(limit))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    jobs = []
    for row in session.scalars(query):
        row.lease_until = now + timedelta(seconds=LEASE_SECONDS)
        row.attempts += 1
        target, secret = _target(session, row, key, now)
        if row.kind == "sms" and not target:
            # the buyer is gone or erased: nobody to text, now or on any retry
            row.state, row.dead_at, row.lease_until = "dead", now, None
            row.last_error = "买家个人信息已删除或不存在 / the buyer's data was erased or never existed"
            continue
        jobs.append(Job(row.id, row.kind, target, secret, dict(row.payload or {})))
    return jobs


def record(session: Session, job: Job, outcome: Outcome, now: datetime, report: DeliveryReport) -> None:
    row = session.get(Delivery, job.id)
    if row is None or row.state != "pending":
        return
    row.lease_until = None
    if outcome.ok:
        row.state, row.delivered_at, row.last_error = "delivered", now, ""
        report.delivered += 1
        return
    row.last_error = outcome.error[:2000]
    following = None if outcome.permanent else retry.next_attempt(row.attempts, now)
    if following is None:
        row.state, row.dead_at = "dead", now
        report.dead += 1
        log.warning("delivery %s dead after %d attempts: %s", row.id, row.attempts, outcome.error)
    else:
        row.next_attempt_at = following
        report.retried += 1


def deliver_due(factory: sessionmaker[Session], now: datetime, transports: Transports, key: pii.Keys, *,
                batch_size: int = 50) -> DeliveryReport:
    """One pass over the outbox: every due delivery is tried once."""
    report = DeliveryReport()
    with unit_of_work(factory) as session:
        jobs = claim(session, now, batch_size, key)
    if not jobs:
        return report
    outcomes = [(job, transports.send(job)) for job in jobs]
    with unit_of_work(factory) as session:
        for job, outcome in outcomes:
            record(session, job, outcome, now, report)
    return report


def requeue(session: Session, delivery_id: int, now: datetime) -> Delivery | None:
    """A dead letter sent again (after its channel was fixed): a fresh round of attempts from now."""
    row = session.get(Delivery, delivery_id)
    if row is None:
        return None
    row.state, row.attempts, row.next_attempt_at, row.dead_at, row.lease_until = "pending", 0, now, None, None
    return row
