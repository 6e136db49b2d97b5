"""Agents' saved queue filters and the @mentions waiting for them (the console's own tables)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from aftersales.cases.models import TimelineEvent
from aftersales.console.models import Mention, SavedFilter
from aftersales.problems import Conflict, InvalidInput, NotFound

KEPT_PARAMS = ("view", "tier", "type", "category")
MAX_FILTERS = 30


def clean_query(query: str) -> str:
    """Only the queue's own parameters survive into a saved filter."""
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?")) if k in KEPT_PARAMS and v and len(v) <= 40]
    return urlencode(pairs)


def saved_filters(session: Session, account_id: int) -> list[SavedFilter]:
    return list(session.scalars(select(SavedFilter).where(SavedFilter.account_id == account_id)
                                .order_by(SavedFilter.name)))


def save_filter(session: Session, account_id: int, name: str, query: str, now: datetime) -> SavedFilter:
    label = name.strip()
    if not 1 <= len(label) <= 60:
        raise InvalidInput("名称须为1–60字 / a name needs 1–60 characters", field="name")
    existing = saved_filters(session, account_id)
    if any(f.name == label for f in existing):
        raise Conflict(f"已有同名筛选 {label} / a filter named {label} exists", field="name")
    if len(existing) >= MAX_FILTERS:
        raise InvalidInput(f"最多保存{MAX_FILTERS}个筛选 / at most {MAX_FILTERS} saved filters", field="name")
    row = SavedFilter(account_id=account_id, name=label, query=clean_query(query), created_at=now)
    session.add(row)
    return row


def delete_filter(session: Session, account_id: int, filter_id: int) -> None:
    row = session.get(SavedFilter, filter_id)
    if row is None or row.account_id != account_id:
        raise NotFound("没有这个筛选 / no such filter")
    session.delete(row)


#: characters of the note shown beside an unread mention
EXCERPT_CHARS = 200


@dataclass(frozen=True)
class UnreadMention:
    case_id: str
    author: str
    excerpt: str
    created_at: datetime


def unread_mentions(session: Session, account_id: int, limit: int = 20) -> list[UnreadMention]:
    """The excerpt is read from the note itself, so a buyer's erasure (which scrubs notes) reaches it too."""
    rows = session.execute(select(Mention.case_id, Mention.author, TimelineEvent.reason, Mention.created_at)
                           .join(TimelineEvent, TimelineEvent.id == Mention.note_event_id, isouter=True)
                           .where(Mention.account_id == account_id, Mention.read_at.is_(None))
                           .order_by(Mention.created_at.desc()).limit(limit))
    return [UnreadMention(case_id, author, (reason or "")[:EXCERPT_CHARS], created_at)
            for case_id, author, reason, created_at in rows]


def mark_read(session: Session, account_id: int, case_id: str, now: datetime) -> None:
    session.execute(update(Mention).where(Mention.account_id == account_id, Mention.case_id == case_id,
                                          Mention.read_at.is_(None)).values(read_at=now))
