"""A buyer's erasure (PIPL art. 47): anonymisation in place, not deletion and not nulling.

Why not delete or null: orders and surveys require a buyer (NOT NULL), the ledger's case entries hang on the
buyers' cases, and the repeat-complaint indicator (S4) counts cases per buyer. So the buyer row stays under its
id, and everything that identifies the person goes: name, phone and address (empty ciphertexts), what they wrote,
their own files and their medical reports, what others wrote about them (their name, phone and address scrubbed),
their survey remarks, their pending texts, and every credential that could still act as them. Amounts, states,
times, categories and counts stay: the ledger stays balanced and every indicator counts as before.

Each domain changes its own records (cases, surveys, notifications, security); this module only orders them in one
unit of work and audits the erasure. Files are removed after the commit (`remove_files`), never before.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.cases import erasure as case_erasure
from aftersales.cases.lifecycle import State, is_open
from aftersales.cases.models import Case
from aftersales.filestore import FileStore
from aftersales.notifications import service as notification_service
from aftersales.parties.models import Buyer
from aftersales.problems import Conflict, NotFound
from aftersales.security import audit, pii
from aftersales.security.buyers import PROFILE_FIELDS, anonymise, close_credentials, read_profile
from aftersales.security.principals import Principal
from aftersales.surveys import service as survey_service


@dataclass
class ErasureReport:
    buyer_id: str
    already_erased: bool
    erased_at: datetime
    cases: int = 0
    messages: int = 0
    timeline_events: int = 0
    evidence: int = 0
    survey_texts: int = 0
    texts_cancelled: int = 0
    tokens_revoked: int = 0
    accounts_closed: int = 0
    #: file-store digests to remove once the erasure committed
    files: list[str] = field(default_factory=list)
    files_removed: int = 0

    def as_dict(self) -> dict[str, Any]:
        document = asdict(self)
        document["erased_at"] = self.erased_at.isoformat()
        document["files"] = len(self.files)
        return document


def find_buyer(session: Session, buyer_id: str) -> Buyer:
    buyer = session.get(Buyer, buyer_id)
    if buyer is None:
        raise NotFound(f"买家 {buyer_id} 不存在 / no buyer {buyer_id}", field="buyer_id")
    return buyer


def open_cases(session: Session, buyer_id: str) -> list[str]:
    rows = session.execute(select(Case.id, Case.state).where(Case.buyer_id == buyer_id).order_by(Case.id))
    return [case_id for case_id, state in rows if is_open(State(state))]


def erase_buyer(session: Session, principal: Principal | None, buyer_id: str, keys: pii.Keys, now: datetime,
                access: audit.Access, *, force: bool = False) -> ErasureReport:
    """Erase in the caller's unit of work. A buyer with open cases is refused unless `force` (nobody could be told
    how their case ends). Erasing again changes nothing and names the files again, so an interrupted file removal
    is finished by running it once more."""
    buyer = find_buyer(session, buyer_id)
    already = buyer.erased_at is not None
    pending = open_cases(session, buyer_id)
    if pending and not force and not already:
        raise Conflict(f"买家仍有未结工单，结案后再删除，或强制删除 / the buyer has open cases ({', '.join(pending[:10])}); "
                       "close them first or force the erasure", field="buyer_id", open_cases=pending)
    # the clear values are what must be found in other people's words: reading them is part of the erasure
    profile = read_profile(buyer, keys)
    scrub = case_erasure.Scrubber([profile.name, profile.phone, profile.address])
    report = ErasureReport(buyer_id=buyer_id, already_erased=already, erased_at=buyer.erased_at or now)
    redaction = case_erasure.redact_buyer(session, buyer_id, scrub)
    report.cases, report.messages, report.timeline_events = redaction.cases, redaction.messages, \
        redaction.timeline_events
    report.evidence, report.files = redaction.evidence, redaction.files
    report.survey_texts = survey_service.redact_buyer(session, buyer_id, scrub)
    report.texts_cancelled = notification_service.forget_buyer(session, buyer_id, now)
    closed = close_credentials(session, buyer_id, now)
    report.tokens_revoked, report.accounts_closed = closed.tokens, closed.accounts
    if not already:
        anonymise(buyer, keys, now)
        audit.record(session, principal, action=audit.PII_ERASE, subject_id=buyer_id, fields=PROFILE_FIELDS,
                     access=access, now=now)
    return report


def remove_files(store: FileStore, report: ErasureReport) -> ErasureReport:
    """After the commit: the erased files' bytes. Safe to repeat (a file already gone counts as nothing)."""
    report.files_removed = sum(store.delete(digest) for digest in report.files)
    return report
