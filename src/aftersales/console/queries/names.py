"""Display names of parties and buyers for ids shown on a page, one query per page."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.cases.models import TimelineEvent
from aftersales.parties.models import Party


def party_names(session: Session, ids: Iterable[str | None]) -> dict[str, str]:
    wanted = {i for i in ids if i}
    if not wanted:
        return {}
    return dict(session.execute(select(Party.id, Party.name).where(Party.id.in_(wanted))).all())


def parties_of_kind(session: Session, kind: str) -> list[tuple[str, str]]:
    return list(session.execute(select(Party.id, Party.name).where(Party.kind == kind).order_by(Party.name)).all())


def change_cursor(session: Session) -> int:
    """The newest timeline event id: a page rendered now has seen every change up to it."""
    return int(session.scalar(select(func.max(TimelineEvent.id))) or 0)
