"""Internal notes and tags on a case: staff-only timeline entries (never shown to the buyer)."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.cases import timeline
from aftersales.cases.models import Case, TimelineEvent
from aftersales.problems import Forbidden, InvalidInput
from aftersales.security.principals import Principal

MENTION = re.compile(r"@([a-z0-9][a-z0-9._@-]{2,59})", re.IGNORECASE)
MAX_NOTE = 4000
MAX_TAG = 30


def _staff_only(principal: Principal) -> None:
    if not principal.is_staff:
        raise Forbidden("只有平台客服可以写内部备注 / only platform staff write internal notes")


def mentions_in(body: str) -> list[str]:
    """`@name` handles in a note, lower-cased, once each, in order."""
    return list(dict.fromkeys(name.lower().rstrip(".") for name in MENTION.findall(body)))


def add_note(session: Session, principal: Principal, case: Case, body: str, now: datetime) -> TimelineEvent:
    _staff_only(principal)
    text = body.strip()
    if not text or len(text) > MAX_NOTE:
        raise InvalidInput(f"备注须为1–{MAX_NOTE}字 / a note needs 1–{MAX_NOTE} characters", field="body")
    event = timeline.record(session, case.id, "note", at=now, actor_role=principal.role.value,
                            actor_id=principal.actor_id or principal.name, reason=text, buyer_visible=False,
                            data={"mentions": mentions_in(text), "author": principal.name})
    session.flush()
    return event


def tags_of(session: Session, case_id: str) -> list[str]:
    rows = session.scalars(select(TimelineEvent.data).where(TimelineEvent.case_id == case_id,
                                                             TimelineEvent.kind == "tag").order_by(TimelineEvent.id))
    return list(dict.fromkeys(str(data.get("tag")) for data in rows if data and data.get("tag")))


def add_tag(session: Session, principal: Principal, case: Case, tag: str, now: datetime) -> bool:
    """Tag the case once; False when it already carries the tag."""
    _staff_only(principal)
    label = tag.strip()
    if not label or len(label) > MAX_TAG:
        raise InvalidInput(f"标签须为1–{MAX_TAG}字 / a tag needs 1–{MAX_TAG} characters", field="tag")
    if label in tags_of(session, case.id):
        return False
    timeline.record(session, case.id, "tag", at=now, actor_role=principal.role.value,
                    actor_id=principal.actor_id or principal.name, reason=label, data={"tag": label},
                    buyer_visible=False)
    return True
