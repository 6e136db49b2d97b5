"""A buyer's words and files taken out of their cases (PIPL art. 47), the cases themselves kept.

What the buyer wrote (the case text, their messages, their timeline reasons) is replaced whole; what others wrote
about the case keeps its words but loses every known piece of the buyer's identity (name, phone, address).
Files the buyer uploaded, and medical reports whoever uploaded them, lose their bytes after the commit; the rows
stay with kind, size and hash, so counts, the decision's evidence list and the indicators do not move.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.cases.models import Case, CaseEvidence, CaseMessage, TimelineEvent
from aftersales.security.principals import Role

#: what the buyer wrote, after erasure
REDACTED = "【内容已按个人信息删除请求删除】/ [erased at the buyer's request]"
#: a piece of the buyer's identity inside someone else's text
SCRUBBED = "***"
#: an attachment that was not one of our evidence files (a link the buyer sent): its count is what stays
ERASED_ATTACHMENT = "erased"
#: health data is sensitive personal information (PIPL art. 28) whoever uploaded it
SENSITIVE_KINDS = frozenset({"medical_report"})


class Scrubber:
    """Replaces known values (and a phone number however it is spaced) in free text."""

    def __init__(self, values: Iterable[str]) -> None:
        parts: list[str] = []
        for value in sorted({v.strip() for v in values if len(v.strip()) >= 2}, key=len, reverse=True):
            digits = re.sub(r"\D", "", value)
            if len(digits) >= 7 and len(digits) >= len(value) - 4:  # a phone number: any spacing or dashes
                parts.append(r"[\s-]?".join(re.escape(d) for d in digits))
            else:
                parts.append(re.escape(value))
        self._pattern = re.compile("|".join(parts)) if parts else None

    def __call__(self, text: str | None) -> str:
        if not text or self._pattern is None:
            return text or ""
        return self._pattern.sub(SCRUBBED, text)


@dataclass
class CaseRedaction:
    cases: int = 0
    messages: int = 0
    timeline_events: int = 0
    evidence: int = 0
    #: file-store digests whose bytes go once the erasure has committed
    files: list[str] = field(default_factory=list)


def _erased_evidence(evidence: CaseEvidence) -> bool:
    return evidence.uploaded_by_role == Role.buyer.value or evidence.kind in SENSITIVE_KINDS


def redact_buyer(session: Session, buyer_id: str, scrub: Scrubber) -> CaseRedaction:
    """Every case of the buyer, redacted in the caller's unit of work. Running it again changes nothing more and
    names the same files (a deletion interrupted after the commit is finished by the next run)."""
    done = CaseRedaction()
    cases = list(session.scalars(select(Case).where(Case.buyer_id == buyer_id).order_by(Case.id)))
    case_ids = [case.id for case in cases]
    for case in cases:
        changed = (case.text != REDACTED or any(not a.startswith("evidence:") and a != ERASED_ATTACHMENT
                                                 for a in case.attachments or []))
        case.text = REDACTED
        # the count stays (indicator E5 reads "has attachments"); our own evidence references are hashes
        case.attachments = [a if a.startswith("evidence:") else ERASED_ATTACHMENT for a in case.attachments or []]
        for name in ("answer_zh", "answer_en", "soothing_zh", "soothing_en"):
            value = getattr(case, name)
            if value and scrub(value) != value:
                setattr(case, name, scrub(value))
                changed = True
        done.cases += changed
    if not case_ids:
        return done
    for message in session.scalars(select(CaseMessage).where(CaseMessage.case_id.in_(case_ids))):
        body = REDACTED if message.author_role == Role.buyer.value else scrub(message.body)
        if body != message.body:
            message.body = body
            done.messages += 1
    for event in session.scalars(select(TimelineEvent).where(TimelineEvent.case_id.in_(case_ids))):
        reason = REDACTED if event.actor_role == Role.buyer.value and event.reason else scrub(event.reason)
        if reason != event.reason:
            event.reason = reason
            done.timeline_events += 1
    evidence = list(session.scalars(select(CaseEvidence).where(CaseEvidence.case_id.in_(case_ids))))
    erased = [e for e in evidence if _erased_evidence(e)]
    for row in erased:
        if row.filename:
            row.filename = ""
            done.evidence += 1
    done.files = _unshared(session, {e.sha256 for e in erased}, {e.id for e in erased})
    return done


def _unshared(session: Session, digests: set[str], erased_ids: set[int]) -> list[str]:
    """The digests no evidence row outside the erasure still needs (one file may back several cases)."""
    if not digests:
        return []
    kept = set(session.scalars(select(CaseEvidence.sha256).where(CaseEvidence.sha256.in_(sorted(digests)),
                                                                 CaseEvidence.id.not_in(sorted(erased_ids)))))
    return sorted(digests - kept)
