"""Group cases (群体工单): one L3 case for the emergency team that gathers the similar cases behind a spike.

`risk` finds the spike and asks for the group case; `cases` opens it, joins the member cases (the first ones
included) and escalates them to L3, each on its own timeline. New similar cases join at intake
(`intake_plan.join_group`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.calendars import BusinessCalendar
from aftersales.cases import escalation, timeline
from aftersales.cases.assignment import EmergencyTeam
from aftersales.cases.lifecycle import SETTLED, State, is_open
from aftersales.cases.models import Case
from aftersales.ids import new_id
from aftersales.sla import service as sla_service
from aftersales.sla.models import SlaClock
from aftersales.sla.rules import Tier, pick_policy

GROUP_CASE_TYPE = "group_complaint"
#: where a group gathers, most specific first: a batch explains a spike better than the product it belongs to
DIMENSIONS = ("batch", "session", "product", "anchor")


@dataclass(frozen=True)
class GroupRequest:
    """What `risk` knows of a spike: where, which class, why, who answers for it, and the cases behind it."""

    warning_id: str
    dimension: str
    subject_id: str
    subject_name: str
    problem_class: str
    member_ids: Sequence[str]
    reason_zh: str
    reason_en: str
    responsible_party_id: str | None = None
    responsible_kind: str | None = None


def open_group(session: Session, request: GroupRequest, now: datetime, calendar: BusinessCalendar) -> Case:
    """Open the group case (L3, priority 1, 24 h clock, the emergency team) and gather its members."""
    existing = open_group_for(session, request.subject_id, request.problem_class)
    if existing is not None:
        join(session, existing, request.member_ids, now, calendar)
        return existing
    case = _new_group_case(session, request, now)
    session.add(case)
    session.flush()
    matrix = sla_service.load_matrix(session)
    policy = pick_policy(matrix, Tier.L3.value, GROUP_CASE_TYPE, 1)
    for state in sla_service.initial_clock_states(policy, now, calendar, answered_at_once=True):
        clock = SlaClock(case_id=case.id, policy_id=policy.id)
        sla_service.apply_state(clock, state)
        session.add(clock)
    timeline.record(session, case.id, "opened", at=now, actor_role="system", actor_id=request.warning_id,
                    to_state=case.state, reason=f"{request.reason_zh} / {request.reason_en}", buyer_visible=False,
                    data={"warning_id": request.warning_id, "dimension": request.dimension,
                          "subject_id": request.subject_id, "problem_class": request.problem_class})
    join(session, case, request.member_ids, now, calendar)
    return case


def _new_group_case(session: Session, request: GroupRequest, now: datetime) -> Case:
    text = (f"群体投诉：{request.subject_name or request.subject_id}（{request.dimension}）出现"
            f"{request.problem_class}类工单激增。{request.reason_zh}")
    return Case(
        id=new_id("CS"), order_id=None, buyer_id=None, case_type=GROUP_CASE_TYPE, state=State.escalated.value,
        tier=Tier.L3.value, priority=1, version=1, text=text, attachments=[], claimed_amount=0,
        group_key=request.subject_id, category=request.problem_class, categories={}, emotion="calm",
        confidence=1.0, risk_flags=["group_complaint"], symptoms=[], triage_model="risk-monitor",
        answer_zh="应急小组已接手，24小时内给出解决方案。", answer_en="The emergency team took it: a solution within 24 h.",
        senior_required=True, ai_resolved=False,
        decision={"group": {"warning_id": request.warning_id, "dimension": request.dimension,
                            "subject_id": request.subject_id, "subject_name": request.subject_name}},
        responsible_party_id=request.responsible_party_id, responsible_kind=request.responsible_kind,
        handoff_count=0, assigned_agent_id=EmergencyTeam(session).take(), created_at=now, updated_at=now,
        first_response_at=now, escalated_at=now)


def join(session: Session, group: Case, case_ids: Sequence[str], now: datetime, calendar: BusinessCalendar) -> int:
    """Gather cases into the group: each says so on its timeline, and open ones are escalated to L3."""
    joined = 0
    for case in session.scalars(select(Case).where(Case.id.in_(list(case_ids)), Case.group_id.is_(None),
                                                   Case.order_id.is_not(None)).order_by(Case.created_at)):
        case.group_id = group.id
        case.updated_at = now
        timeline.record(session, case.id, "grouped", at=now, actor_role="system", actor_id=group.id,
                        reason="已并入群体工单，由应急小组统一处理 / joined a group case handled by the emergency team",
                        data={"group_id": group.id}, buyer_visible=True)
        if is_open(State(case.state)) and case.tier != Tier.L3.value:
            escalation.escalate_case(session, case, Tier.L3.value, now, calendar, actor_role="system",
                                     actor_id=group.id, reason=f"并入群体工单 {group.id} / joined group case")
        joined += 1
    if joined:
        timeline.record(session, group.id, "members_joined", at=now, actor_role="system", buyer_visible=False,
                        reason=f"{joined} 件工单并入 / {joined} cases joined", data={"count": joined})
    return joined


def open_group_for(session: Session, subject_id: str, problem_class: str) -> Case | None:
    return session.scalar(select(Case).where(Case.case_type == GROUP_CASE_TYPE, Case.group_key == subject_id,
                                             Case.category == problem_class,
                                             Case.state.not_in([s.value for s in SETTLED]))
                          .order_by(Case.created_at.desc()).limit(1))


def open_groups(session: Session, subject_ids: set[str]) -> dict[tuple[str, str], str]:
    """(subject, class) → the open group case gathering it: what intake needs to join new cases."""
    if not subject_ids:
        return {}
    # a group case names no order (`_new_group_case`): the order_id index finds the few of them, where the
    # group_key index would walk every member case of a busy product or live session on every intake batch
    rows = session.execute(select(Case.group_key, Case.category, Case.id)
                           .where(Case.order_id.is_(None), Case.case_type == GROUP_CASE_TYPE,
                                  Case.group_key.in_(subject_ids),
                                  Case.state.not_in([s.value for s in SETTLED])).order_by(Case.created_at))
    return {(key, category): case_id for key, category, case_id in rows if key is not None}


def members(session: Session, group_id: str) -> list[Case]:
    return list(session.scalars(select(Case).where(Case.group_id == group_id).order_by(Case.created_at)))
