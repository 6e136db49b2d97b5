"""A case's life: the actions taken on it, in order, through the real state machine, up to `now`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aftersales.cases.lifecycle import TRANSITIONS, Action, State
from aftersales.demo.intake import Intake
from aftersales.demo.phrases import BUYER_FOLLOW_UPS, CURT_REPLIES, EMPATHETIC_REPLIES
from aftersales.demo.seeded import Seeded

Agent = tuple[str, bool, bool]  # (party id, senior, empathetic)
A = Action
# the work after the first answer, per case type: (action, who takes it)
WORK: dict[str, tuple[tuple[Action, str], ...]] = {
    "refund_only": ((A.refund, "agent"), (A.confirm_refund, "agent")),
    "price_protection": ((A.refund, "agent"), (A.confirm_refund, "agent")),
    "return_refund": ((A.request_return, "agent"), (A.record_return_shipment, "buyer"),
                      (A.confirm_receipt, "agent"), (A.refund, "agent"), (A.confirm_refund, "agent")),
    "exchange": ((A.request_return, "agent"), (A.record_return_shipment, "buyer"), (A.confirm_receipt, "agent"),
                 (A.exchange, "agent")),
    "repair": ((A.request_return, "agent"), (A.record_return_shipment, "buyer"), (A.confirm_receipt, "agent"),
               (A.resolve, "agent")),
    "complaint": ((A.resolve, "agent"),),
    "allergy_claim": ((A.request_info, "agent"), (A.reply, "buyer"), (A.refund, "agent"),
                      (A.confirm_refund, "agent")),
}
# median minutes before each action; staff-side ones stretch with the service's slowness
DELAY_MIN: dict[Action, float] = {
    A.request_info: 25, A.request_return: 40, A.record_return_shipment: 1200, A.confirm_receipt: 2400,
    A.refund: 240, A.confirm_refund: 180, A.exchange: 1440, A.resolve: 300, A.close: 1440, A.dispute: 2880,
    A.arbitrate: 1440, A.decide: 5760, A.reopen: 4320, A.reply: 480, A.escalate: 60,
}
AGENT_TEXT: dict[Action, str] = {
    A.request_info: "麻烦您上传商品照片或医院诊断报告，方便我们尽快核实处理。",
    A.request_return: "退货地址已通过短信发送给您，请在7天内寄回，运费险会自动理赔。",
    A.refund: "已为您提交退款申请，预计2个工作日内原路退回。",
    A.exchange: "换货商品已为您重新发出，请留意物流信息。",
    A.resolve: "问题已为您处理完毕，如还有疑问随时联系我们。",
    A.decide: "平台仲裁已完成，处理结果已同步给您，请查看。",
}
BUYER_TEXT: dict[Action, str] = {
    A.record_return_shipment: "退货已经寄出了，快递单号已填写", A.dispute: "对处理结果不满意，申请平台介入",
    A.reopen: "问题又出现了，麻烦再帮我看看", A.close: "好的，问题解决了，谢谢",
}


@dataclass
class Plan:
    ai_first: bool
    ai_resolved: bool = False
    info: bool = False
    escalate: bool = False  # may escalate when a response clock breaches
    force_escalate: bool = False
    dispute: bool = False
    buyer_wins: bool = False
    reopen: bool = False
    allergy_report: bool = True
    stop_after: int | None = None  # stall after this many actions
    stop_at: State | None = None


@dataclass
class Step:
    at: datetime
    action: Action
    role: str
    actor_id: str | None
    from_state: State
    to_state: State


@dataclass
class Story:
    intake: Intake
    case_id: str
    agent: Agent
    plan: Plan
    state: State = State.submitted
    tier: str = "L1"
    steps: list[Step] = field(default_factory=list)
    messages: list[tuple[datetime, str, str | None, str]] = field(default_factory=list)
    escalations: list[tuple[datetime, str, str]] = field(default_factory=list)
    milestones: dict[str, datetime | None] = field(default_factory=dict)


def walk(rng: Seeded, intake: Intake, case_id: str, agent: Agent, plan: Plan, now: datetime) -> Story:
    story = Story(intake, case_id, agent, plan, tier=intake.tier)
    story.messages.append((intake.created, "buyer", intake.sale.buyer.id, intake.text))
    opening = _opening(rng, intake, plan)
    last = opening[-1][0] if opening else intake.created
    for at, action, role in opening + _rest(rng, intake, plan, last):
        if at >= now or (plan.stop_after is not None and len(story.steps) >= plan.stop_after):
            break
        _apply(story, at, action, role)
        if plan.stop_at is not None and story.state == plan.stop_at:
            break
    return story


def _opening(rng: Seeded, intake: Intake, plan: Plan) -> list[tuple[datetime, Action, str]]:
    """First answer (AI or human), escalation when a response clock runs out, the first human reply."""
    created, peak = intake.created, 1.6 if intake.sale.peak else 1.0
    events: list[tuple[datetime, Action, str]] = []
    if plan.ai_first:
        events.append((created + timedelta(seconds=rng.randint(3, 90)), A.reply, "ai"))
    if plan.ai_resolved:
        return events
    local_hour = (created + timedelta(hours=8)).hour
    night = intake.service.night if local_hour >= 22 or local_hour < 8 else 1.0
    human_at = created + rng.minutes(intake.service.human_median_min * peak * night, 0.8)
    budget = timedelta(minutes=60 if intake.tier != "L1" else 15)
    watched = intake.tier != "L1" or not plan.ai_first
    breached = watched and human_at > created + budget
    if plan.force_escalate or (plan.escalate and breached and intake.tier != "L3"):
        escalate_at = created + budget + timedelta(seconds=rng.randint(5, 60))
        human_at = max(human_at, escalate_at + timedelta(minutes=rng.uniform(1, 30)))
        events.append((escalate_at, A.escalate, "system"))
    if events:
        # a quick human can beat the AI's first answer on the clock; the human reply then follows it instead
        # (a fixed gap, so the seeded stream stays the same)
        human_at = max(human_at, events[-1][0] + timedelta(seconds=30))
    events.append((human_at, A.reply, "agent"))
    return events


def _rest(rng: Seeded, intake: Intake, plan: Plan, start: datetime) -> list[tuple[datetime, Action, str]]:
    actions: list[tuple[Action, str]] = []
    if plan.ai_resolved:
        actions = [(A.resolve, "ai"), (A.close, "buyer")]
    else:
        if plan.info and intake.case_type != "allergy_claim":
            actions += [(A.request_info, "agent"), (A.reply, "buyer")]
        work = list(WORK[intake.case_type])
        if intake.denied:
            # the rules refuse it: the agent explains and closes; only a dispute can still change the outcome
            work = [(A.resolve, "agent")]
        elif intake.case_type == "allergy_claim" and not plan.allergy_report:
            work = [(A.request_info, "agent"), (A.reply, "buyer"), (A.resolve, "agent")]
        actions += work
        if plan.dispute:
            actions += [(A.dispute, "buyer"), (A.arbitrate, "supervisor"), (A.decide, "supervisor")]
            if plan.buyer_wins:
                actions += [(A.refund, "supervisor"), (A.confirm_refund, "agent")]
        actions.append((A.close, "buyer"))
        if plan.reopen and not plan.dispute:
            actions += [(A.reopen, "buyer"), (A.reply, "agent"), (A.resolve, "agent"), (A.close, "buyer")]
    slow = intake.service.slowness * (1.6 if intake.sale.peak else 1.0)
    timed = []
    at = start
    for action, role in actions:
        # parcels travel at the carrier's pace, whoever then clicks "received"
        staff = role in ("agent", "supervisor") and action is not A.confirm_receipt
        median = DELAY_MIN[action] * (slow if staff else 1.0)
        if role == "ai":
            median = 10
        at = at + rng.minutes(median, 0.7)
        timed.append((at, action, role))
    return timed


def _apply(story: Story, at: datetime, action: Action, role: str) -> None:
    options = TRANSITIONS[story.state]
    if action not in options:
        raise AssertionError(f"demo path broke the lifecycle: {action} in {story.state}")
    target = options[action] or story.state
    actor = _actor(story, role)
    story.steps.append(Step(at, action, role, actor, story.state, target))
    _message(story, at, action, role, actor)
    if action is A.escalate:
        raised = {"L1": "L2", "L2": "L3"}.get(story.tier, "L3")
        story.escalations.append((at, story.tier, raised))
        story.tier = raised
    _milestones(story.milestones, at, action, role, target)
    story.state = target


def _actor(story: Story, role: str) -> str | None:
    if role == "buyer":
        return story.intake.sale.buyer.id
    if role in ("agent", "supervisor"):
        return story.agent[0]
    return None


def _message(story: Story, at: datetime, action: Action, role: str, actor: str | None) -> None:
    if action is A.reply and role == "ai":
        live = story.intake.live
        story.messages.append((at, "ai", None, live.judged.answer_zh if live else ""))
    elif action is A.reply and role == "agent":
        empathetic = story.agent[2]
        body = _pick(EMPATHETIC_REPLIES if empathetic else CURT_REPLIES, at)
        soothing = story.intake.live.assessment.soothing_zh if story.intake.live else None
        if empathetic and soothing and story.intake.emotion != "calm":
            body += soothing
        story.messages.append((at, "agent", actor, body))
    elif action is A.reply and role == "buyer":
        story.messages.append((at, "buyer", actor, _pick(BUYER_FOLLOW_UPS, at)))
    elif action in AGENT_TEXT and role in ("agent", "supervisor"):
        story.messages.append((at, role, actor, AGENT_TEXT[action]))
    elif action in BUYER_TEXT and role == "buyer":
        story.messages.append((at, "buyer", actor, BUYER_TEXT[action]))


def _pick(options: tuple[str, ...], at: datetime) -> str:
    # chosen from the timestamp, so the message does not consume the seeded stream
    return options[int(at.timestamp()) % len(options)]


MILESTONE_OF_STATE = {
    State.escalated: "escalated_at", State.awaiting_return: "return_requested_at",
    State.return_in_transit: "return_shipped_at", State.return_received: "return_received_at",
    State.refund_pending: "refund_requested_at", State.refunded: "refunded_at", State.exchanged: "exchanged_at",
    State.resolved: "resolved_at", State.disputed: "disputed_at", State.in_arbitration: "arbitration_at",
    State.decided: "decided_at", State.reopened: "reopened_at",
}


def _milestones(marks: dict[str, datetime | None], at: datetime, action: Action, role: str, target: State) -> None:
    if role != "buyer" and action is A.reply and marks.get("first_response_at") is None:
        marks["first_response_at"] = at
    if role in ("agent", "supervisor") and marks.get("human_response_at") is None:
        marks["human_response_at"] = at
    name = MILESTONE_OF_STATE.get(target)
    if name is not None and marks.get(name) is None:
        marks[name] = at
    if target in (State.refunded, State.exchanged) and marks.get("resolved_at") is None:
        marks["resolved_at"] = at  # the solution is given when the money or the new item goes out
    if target is State.closed:
        marks["closed_at"] = at
        if marks.get("resolved_at") is None:
            marks["resolved_at"] = at  # as the case service does: closing without a remedy still resolves
    if target is State.reopened:
        marks["closed_at"] = None  # an open case is not closed, whatever happened before
