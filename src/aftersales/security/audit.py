"""The personal-data access log: one row for every read of a buyer's data in the clear by anyone but the buyer,
every export and every erasure; and the supervisors' filtered, keyset-paginated view of it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from aftersales import keyset
from aftersales.problems import InvalidInput
from aftersales.security.models import AuditEntry
from aftersales.security.principals import Principal

PII_READ = "pii.read"
PII_EXPORT = "pii.export"
PII_ERASE = "pii.erase"
PII_ACTIONS = (PII_READ, PII_EXPORT, PII_ERASE)
#: the role written for reads no person asked for (a text message sent by the outbox worker)
SYSTEM = "system"


@dataclass(frozen=True)
class Access:
    """Why personal data is read (the task it serves) and where (API route, console page or CLI command)."""

    purpose: str
    route: str


CASE_HANDLING = "case_handling"
DATA_EXPORT = "data_export"
ERASURE = "erasure"
SMS_DELIVERY = "sms_delivery"


def record(session: Session, principal: Principal | None, *, action: str, subject_id: str, fields: Sequence[str],
           access: Access, now: datetime, subject_type: str = "buyer") -> AuditEntry:
    """Add the row to the caller's unit of work: it commits with the read it records, or not at all."""
    entry = AuditEntry(at=now, token_id=principal.token_id if principal else None,
                       account_id=principal.account_id if principal else None,
                       actor=(principal.name if principal else SYSTEM)[:100],
                       role=principal.role.value if principal else SYSTEM, action=action,
                       subject_type=subject_type, subject_id=subject_id[:40], purpose=access.purpose[:40],
                       route=access.route[:200], detail={"fields": sorted(fields)})
    session.add(entry)
    return entry


@dataclass(frozen=True)
class AuditFilters:
    subject_id: str | None = None
    role: str | None = None
    token_id: int | None = None
    account_id: int | None = None
    action: str | None = None
    purpose: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def _cursor(entry: AuditEntry) -> str:
    return keyset.encode(entry.at, str(entry.id))


def _after(cursor: str) -> tuple[datetime, int]:
    moment, raw_id = keyset.decode(cursor)
    if not raw_id.isdigit():
        raise InvalidInput("分页游标无效 / invalid cursor", field="cursor")
    return moment, int(raw_id)


def entries(session: Session, filters: AuditFilters, *, cursor: str | None,
            limit: int) -> tuple[list[AuditEntry], str | None]:
    """Personal-data entries, newest first; a page never skips or repeats a row while new reads are logged."""
    if filters.action is not None and filters.action not in PII_ACTIONS:
        raise InvalidInput(f"action 须为 {', '.join(PII_ACTIONS)} 之一 / action must be one of {list(PII_ACTIONS)}",
                           field="action")
    if filters.since and filters.until and filters.since >= filters.until:
        raise InvalidInput("since 须早于 until / since must be before until", field="since")
    query = select(AuditEntry).where(AuditEntry.action.in_([filters.action] if filters.action else PII_ACTIONS))
    for column, value in ((AuditEntry.subject_id, filters.subject_id), (AuditEntry.role, filters.role),
                          (AuditEntry.token_id, filters.token_id), (AuditEntry.account_id, filters.account_id),
                          (AuditEntry.purpose, filters.purpose)):
        if value is not None:
            query = query.where(column == value)
    if filters.since is not None:
        query = query.where(AuditEntry.at >= filters.since)
    if filters.until is not None:
        query = query.where(AuditEntry.at < filters.until)
    if cursor:
        moment, row_id = _after(cursor)
        query = query.where(or_(AuditEntry.at < moment, and_(AuditEntry.at == moment, AuditEntry.id < row_id)))
    rows = list(session.scalars(query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit + 1)))
    following = _cursor(rows[limit - 1]) if len(rows) > limit else None
    return rows[:limit], following
