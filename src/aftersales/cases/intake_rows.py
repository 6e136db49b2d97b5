"""The rows one new case writes (case, clocks, timeline, messages) and the view answered from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy.orm import Session

from aftersales import db_bulk
from aftersales.calendars import BusinessCalendar
from aftersales.cases.adjudication import Adjudication
from aftersales.cases.lifecycle import State, pauses_clocks, stops_resolution_clock
from aftersales.cases.models import Case, CaseItem, CaseMessage, TimelineEvent
from aftersales.cases.schemas import CaseCreate
from aftersales.ids import new_id
from aftersales.sla import service as sla_service
from aftersales.sla.models import SlaClock
from aftersales.sla.rules import PolicyRow
from aftersales.sla.tiering import TierDecision
from aftersales.triage.assessment import TriageAssessment


@dataclass
class Rows:
    """Everything a batch inserts, table by table, in one executemany each."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    items: list[dict[str, Any]] = field(default_factory=list)
    clocks: list[dict[str, Any]] = field(default_factory=list)
    timeline: list[dict[str, Any]] = field(default_factory=list)
    messages: list[dict[str, Any]] = field(default_factory=list)

    def add(self, plan: CasePlanRows) -> None:
        self.cases.append(plan.case)
        self.items.extend(plan.items)
        self.clocks.extend(plan.clocks)
        self.timeline.extend(plan.timeline)
        self.messages.extend(plan.messages)

    def insert(self, session: Session) -> None:
        """One executemany per table, parents first."""
        for table, batch in ((Case.__table__, self.cases), (CaseItem.__table__, self.items),
                             (SlaClock.__table__, self.clocks), (TimelineEvent.__table__, self.timeline),
                             (CaseMessage.__table__, self.messages)):
            if batch:
                db_bulk.insert_many(session, table, batch)  # type: ignore[arg-type]


class CasePlanRows(Protocol):
    case: dict[str, Any]
    items: list[dict[str, Any]]
    clocks: list[dict[str, Any]]
    timeline: list[dict[str, Any]]
    messages: list[dict[str, Any]]


def settle_by_ai(row: dict[str, Any], settles: str | None, now: datetime) -> None:
    """The AI finishes what the policy allows: an answered question is resolved, an approved return awaits the parcel."""
    if settles == "resolved":
        row.update(state=State.resolved.value, resolved_at=now)
    elif settles == "awaiting_return":
        row.update(state=State.awaiting_return.value, return_requested_at=now)
    elif settles == "refund_pending":  # an approved price-protection difference is refunded, as the refund action
        row.update(state=State.refund_pending.value, refund_requested_at=now,
                   refund_amount=Decimal(row["decision"]["refund_amount"]))


def case_row(*, buyer_id: str, order_id: str, group_key: str, idempotency_key: str | None, payload: CaseCreate,
             assessment: TriageAssessment, tier: TierDecision, judged: Adjudication, assigned_agent_id: str | None,
             now: datetime, claimed_amount: Decimal, fingerprint: str | None = None, group_id: str | None = None,
             channel: str = "standard") -> dict[str, Any]:
    a = assessment
    row: dict[str, Any] = dict(
        id=new_id("CS"), order_id=order_id, buyer_id=buyer_id, idempotency_key=idempotency_key,
        request_fingerprint=fingerprint, claimed_amount=claimed_amount,
        case_type=payload.case_type.value, state=State.answered.value, tier=tier.tier, priority=tier.priority,
        version=1, text=payload.text, attachments=list(payload.attachments), group_key=group_key,
        group_id=group_id, channel=channel,
        requested_amount=payload.requested_amount, refund_amount=None, category=a.category,
        categories={k: round(float(v), 4) for k, v in a.categories.items()}, emotion=a.emotion,
        secondary_category=a.secondary_category, emotion_intensity=float(a.emotion_intensity),
        confidence=float(a.confidence), risk_flags=list(a.risk_flags), symptoms=list(a.symptoms),
        triage_model=a.model_version, confirmed_category=None, answer_zh=judged.answer_zh,
        answer_en=judged.answer_en, soothing_zh=a.soothing_zh, soothing_en=a.soothing_en,
        senior_required=tier.senior_required, ai_resolved=judged.ai_settles is not None, decision=judged.decision,
        responsible_party_id=judged.party_id, responsible_kind=judged.party_kind, handoff_count=0,
        assigned_agent_id=assigned_agent_id, created_at=now, updated_at=now, first_response_at=now,
        # every row carries every milestone key: an executemany takes its columns from the first row
        resolved_at=None, return_requested_at=None, refund_requested_at=None,
    )
    settle_by_ai(row, judged.ai_settles, now)
    return row


def clock_rows(case: dict[str, Any], policy: PolicyRow, now: datetime,
               calendar: BusinessCalendar) -> list[dict[str, Any]]:
    state = State(case["state"])
    rows = []
    for clock in sla_service.initial_clock_states(policy, now, calendar, answered_at_once=True):
        settled = sla_service.settle_clock(clock, now, calendar, settled=stops_resolution_clock(state),
                                           paused=pauses_clocks(state))
        rows.append({"case_id": case["id"], "policy_id": policy.id,
                     **{name: getattr(settled, name) for name in sla_service.CLOCK_FIELDS}})
    return rows


def timeline_rows(case: dict[str, Any], *, actor_role: str, assessment: TriageAssessment, tier: TierDecision,
                  judged: Adjudication, order_id: str) -> list[dict[str, Any]]:
    a = assessment
    base = {"case_id": case["id"], "at": case["created_at"], "actor_id": None, "action": None, "data": {}}
    rows = [
        {**base, "kind": "opened", "actor_role": actor_role, "from_state": None,
         "to_state": State.submitted.value, "reason": "申请已提交 / request submitted", "buyer_visible": True,
         "data": {"case_type": case["case_type"], "order_id": order_id}},
        {**base, "kind": "triage", "actor_role": "ai", "from_state": State.submitted.value,
         "to_state": State.answered.value, "reason": "；".join(tier.reasons), "buyer_visible": False,
         "data": {"category": a.category, "emotion": a.emotion, "confidence": round(float(a.confidence), 4),
                  "risk_flags": list(a.risk_flags), "symptoms": list(a.symptoms), "tier": tier.tier,
                  "priority": tier.priority, "model": a.model_version}},
        {**base, "kind": "ai_answer", "actor_role": "ai", "from_state": None, "to_state": None,
         "reason": judged.answer_zh, "buyer_visible": True},
        *judged.timeline(base),
    ]
    if judged.ai_settles:
        rows.append({**base, "kind": "ai_resolved", "actor_role": "ai", "from_state": State.answered.value,
                     "to_state": case["state"], "buyer_visible": True,
                     "reason": "AI已按规则直接处理，无需人工 / settled by the AI under the policy, no human needed"})
    return rows


def standing_rows(case: dict[str, Any], group_id: str | None, flagged_rate: float | None) -> list[dict[str, Any]]:
    """Timeline entries for a case that joins a group case at once, or whose buyer has the dedicated channel."""
    base = {"at": case["created_at"], "actor_role": "system", "actor_id": None, "action": None, "from_state": None,
            "to_state": None}
    rows = []
    if group_id is not None:
        rows.append({**base, "case_id": case["id"], "kind": "grouped", "buyer_visible": True,
                     "reason": "已并入群体工单，由应急小组统一处理 / joined a group case handled by the emergency team",
                     "data": {"group_id": group_id}})
        rows.append({**base, "case_id": group_id, "kind": "members_joined", "buyer_visible": False,
                     "reason": f"新工单 {case['id']} 并入 / case {case['id']} joined", "data": {"count": 1}})
    if flagged_rate is not None:
        rows.append({**base, "case_id": case["id"], "kind": "dedicated_channel", "buyer_visible": True,
                     "reason": "已为您开通专属售后通道，专人跟进 / a dedicated after-sales channel has been opened for you",
                     "data": {}})
        rows.append({**base, "case_id": case["id"], "kind": "buyer_flagged", "buyer_visible": False,
                     "reason": f"历史退货率 {flagged_rate:.0%}：专属通道，规则结论不受影响 / historic return rate "
                               f"{flagged_rate:.0%}: dedicated channel, the decision is unaffected",
                     "data": {"return_rate": round(flagged_rate, 4)}})
    return rows


def message_rows(case: dict[str, Any]) -> list[dict[str, Any]]:
    unchecked: dict[str, Any] = {"sentiment": None, "quality_checked": False, "quality_flags": []}
    return [
        {"case_id": case["id"], "author_role": "buyer", "author_id": case["buyer_id"], "body": case["text"],
         "created_at": case["created_at"], **unchecked},
        {"case_id": case["id"], "author_role": "ai", "author_id": None, "body": case["answer_zh"],
         "created_at": case["created_at"], **unchecked},
    ]
