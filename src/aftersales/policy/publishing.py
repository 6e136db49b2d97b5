"""Publishing a draft rule set: the one door through which rules go live, with an effective date after today
and an audit entry; a version once published is never edited (publish a later one instead)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.policy.models import PublishedRuleSet
from aftersales.policy.ruleset import RuleSet
from aftersales.policy.service import book_in_force, read_rule_text
from aftersales.problems import Conflict, InvalidInput
from aftersales.security.models import AuditEntry


@dataclass(frozen=True)
class Publisher:
    """Who publishes: a named operator at the command line, or a token's holder through the API."""

    name: str
    role: str = "operator"
    token_id: int | None = None


def publish(session: Session, text: str, source: str, *, now: datetime, by: Publisher,
            note: str = "") -> PublishedRuleSet:
    """Validate the draft, refuse a date that is not in the future or that clashes, store it, audit it."""
    ruleset = read_rule_text(text, source)
    _check_date(ruleset, now)
    _check_clash(session, ruleset)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    row = PublishedRuleSet(version=ruleset.version, effective_from=ruleset.effective_from, title_zh=ruleset.title_zh,
                           title_en=ruleset.title_en, content=text, sha256=digest, published_at=now,
                           published_by=by.name[:100], note=note)
    session.add(row)
    session.add(AuditEntry(at=now, token_id=by.token_id, role=by.role[:20], action="policy_publish",
                           subject_type="ruleset", subject_id=ruleset.version[:40],
                           detail={"effective_from": ruleset.effective_from.isoformat(), "sha256": digest,
                                   "rules": len(ruleset.rules), "by": by.name, "source": source, "note": note}))
    session.flush()
    return row


def _check_date(ruleset: RuleSet, now: datetime) -> None:
    # a case is judged by the rules in force on its order's day: a set taking effect today or earlier would
    # change the rules for orders already placed
    today = now.date()
    if ruleset.effective_from <= today:
        raise InvalidInput(f"字段 effective_from：生效日 {ruleset.effective_from} 须晚于今天 {today}，已下的订单"
                           f"不能改用新规则 / field effective_from: {ruleset.effective_from} must be after today "
                           f"({today}); orders already placed keep their rules", field="effective_from")


def _check_clash(session: Session, ruleset: RuleSet) -> None:
    book = book_in_force(session)
    for version in book.versions:
        if version.version == ruleset.version:
            raise Conflict(f"规则版本 {ruleset.version} 已存在 / rule set version {ruleset.version} already exists",
                           field="version")
        if version.effective_from == ruleset.effective_from:
            raise Conflict(f"{ruleset.effective_from} 已有规则版本 {version.version} 生效 / version {version.version} "
                           f"already takes effect on {ruleset.effective_from}", field="effective_from")


def published(session: Session) -> list[PublishedRuleSet]:
    return list(session.scalars(select(PublishedRuleSet).order_by(PublishedRuleSet.effective_from)))
