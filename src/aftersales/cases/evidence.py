"""Evidence on a case: buyers and agents attach photos and reports; a report the decision was waiting for
decides the case again (needs_evidence → refund), and the timeline says so."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.cases import timeline
from aftersales.cases.adjudication import adjudicate
from aftersales.cases.evidence_rules import MAX_FILES_PER_CASE, CleanFile, EvidenceRejected, accept
from aftersales.cases.intake_facts import facts_for_case
from aftersales.cases.lifecycle import State, is_open
from aftersales.cases.models import Case, CaseEvidence
from aftersales.cases.visibility import get_visible
from aftersales.filestore import FileStore
from aftersales.policy import service as policy_service
from aftersales.problems import DomainError, NotFound
from aftersales.security.principals import Principal, Role
from aftersales.triage.assessment import TriageAssessment

#: who may add evidence: the buyer and the service's staff (a routed party answers, it does not attach)
UPLOADERS = frozenset({Role.buyer, Role.agent, Role.supervisor, Role.platform_admin})


class EvidenceRefused(DomainError):
    code = "evidence-refused"
    title = "凭证无法接收 / Evidence refused"

    def __init__(self, status: int, detail: str, **extra: object) -> None:
        super().__init__(detail, **extra)
        self.status = status


class EvidenceErased(DomainError):
    status = 410
    code = "evidence-erased"
    title = "凭证已删除 / Evidence erased"


@dataclass(frozen=True)
class Attached:
    evidence: CaseEvidence
    created: bool
    redecided: bool


def attach(session: Session, store: FileStore, principal: Principal, case_id: str, *, content: bytes,
           filename: str, kind: str | None, now: datetime) -> Attached:
    case = get_visible(session, principal, case_id)
    if principal.role not in UPLOADERS:
        raise EvidenceRefused(403, "只有买家和客服可以上传凭证 / only the buyer and staff attach evidence",
                              field="file")
    try:
        clean = accept(content, kind)
    except EvidenceRejected as error:
        raise EvidenceRefused(error.status, str(error), field="file" if error.status != 422 or kind is None
                              else "kind") from error
    digest = store.put(clean.content)
    stored = session.scalar(select(CaseEvidence).where(CaseEvidence.case_id == case.id,
                                                       CaseEvidence.sha256 == digest))
    if stored is not None:  # the same file again: nothing new to judge
        return Attached(stored, created=False, redecided=False)
    count = session.scalar(select(func.count()).select_from(CaseEvidence).where(CaseEvidence.case_id == case.id))
    if (count or 0) >= MAX_FILES_PER_CASE:
        raise EvidenceRefused(422, f"每个工单最多 {MAX_FILES_PER_CASE} 个凭证 / at most {MAX_FILES_PER_CASE} files "
                                   "per case", field="file")
    evidence = _record(session, case, clean, digest, filename, principal, now)
    return Attached(evidence, created=True, redecided=_redecide(session, case, now))


def _record(session: Session, case: Case, clean: CleanFile, digest: str, filename: str, principal: Principal,
            now: datetime) -> CaseEvidence:
    evidence = CaseEvidence(case_id=case.id, sha256=digest, kind=clean.kind, content_type=clean.content_type,
                            size_bytes=len(clean.content), filename=_safe_name(filename),
                            uploaded_by_role=principal.role.value, uploaded_by_id=principal.actor_id,
                            uploaded_at=now)
    session.add(evidence)
    case.attachments = [*list(case.attachments or []), f"evidence:{digest}"]
    case.updated_at = now
    session.flush()
    timeline.record(session, case.id, "evidence", at=now, actor_role=principal.role.value,
                    actor_id=principal.actor_id, buyer_visible=True,
                    reason=f"已上传凭证（{_KIND_ZH[clean.kind]}） / evidence added ({clean.kind})",
                    data={"evidence_id": evidence.id, "kind": clean.kind, "content_type": clean.content_type})
    return evidence


_KIND_ZH = {"photo": "照片", "medical_report": "医院报告", "test_report": "检测报告"}


def _safe_name(name: str) -> str:
    # shown to people only; never used as a path
    cleaned = "".join(ch for ch in name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1] if ch.isprintable())
    return cleaned[:200]


def _redecide(session: Session, case: Case, now: datetime) -> bool:
    """A decision that waited for evidence is taken again with everything on file, as of the day it was filed."""
    decision = dict(case.decision or {})
    if decision.get("outcome") != "needs_evidence" or decision.get("override") or not is_open(State(case.state)):
        return False
    kinds = sorted(set(session.scalars(select(CaseEvidence.kind).where(CaseEvidence.case_id == case.id))))
    previous = dict(decision.get("facts") or {})
    _order, _lines, facts = facts_for_case(session, case)
    judged = adjudicate(order=facts, case_type=case.case_type, text=case.text, assessment=_assessment(case),
                        item_state=previous.get("item_state") if previous.get("item_state_source") == "buyer" else None,
                        evidence=kinds, now=case.created_at, tier=case.tier, book=policy_service.book_in_force(session))
    if judged.decision.get("outcome") == decision.get("outcome"):
        return False
    case.decision = {**judged.decision, "superseded": {k: v for k, v in decision.items() if k != "superseded"}}
    case.answer_zh, case.answer_en = judged.answer_zh, judged.answer_en
    timeline.record(session, case.id, "policy_redecided", at=now, actor_role="system", buyer_visible=True,
                    reason="收到凭证，已按规则重新判定：" + "；".join(r["zh"] for r in judged.decision.get("reasons", [])),
                    data={"from": decision.get("outcome"), "to": judged.decision.get("outcome"),
                          "evidence": kinds, "refund_amount": judged.decision.get("refund_amount")})
    return True


def _assessment(case: Case) -> TriageAssessment:
    """The triage the case was opened with, as stored on it."""
    return TriageAssessment(category=case.category, categories=dict(case.categories or {}), emotion=case.emotion,
                            emotion_scores={}, confidence=case.confidence, risk_flags=tuple(case.risk_flags or ()),
                            symptoms=tuple(case.symptoms or ()), answer_zh=case.answer_zh, answer_en=case.answer_en,
                            soothing_zh=case.soothing_zh, soothing_en=case.soothing_en,
                            model_version=case.triage_model, secondary_category=case.secondary_category,
                            emotion_intensity=case.emotion_intensity)


def list_evidence(session: Session, principal: Principal, case_id: str) -> list[CaseEvidence]:
    case = get_visible(session, principal, case_id)
    return list(session.scalars(select(CaseEvidence).where(CaseEvidence.case_id == case.id)
                                .order_by(CaseEvidence.id)))


def read(session: Session, store: FileStore, principal: Principal, case_id: str,
         evidence_id: int) -> tuple[CaseEvidence, bytes]:
    """The file, only to those who may see the case (anyone else: 404, as if it did not exist)."""
    case = get_visible(session, principal, case_id)
    evidence = session.scalar(select(CaseEvidence).where(CaseEvidence.id == evidence_id,
                                                         CaseEvidence.case_id == case.id))
    if evidence is None:
        raise NotFound(f"凭证 {evidence_id} 不存在 / no evidence {evidence_id} on this case", field="evidence_id")
    try:
        content = store.get(evidence.sha256)
    except FileNotFoundError as error:
        # only an erasure removes a stored file (cases.erasure): the row stays, the bytes are gone for good
        raise EvidenceErased(f"凭证 {evidence_id} 的文件已按个人信息删除请求删除 / the file of evidence "
                             f"{evidence_id} was erased at the buyer's request", field="evidence_id") from error
    return evidence, content
