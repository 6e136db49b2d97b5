"""What follows from a story: SLA clocks and breaches, surveys and callbacks, compensation, parcels coming back."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from aftersales.cases.lifecycle import SETTLED, WAITING_ON_BUYER, State
from aftersales.demo.journey import Story
from aftersales.demo.phrases import CALLBACK_OUTCOMES, SURVEY_COMMENTS
from aftersales.demo.records import event_row, priority_of
from aftersales.demo.seeded import Seeded
from aftersales.sla.rules import PolicyRow, pick_policy

Row = dict[str, Any]


@dataclass
class Ids:
    """Explicit ids for tables other rows point at (clock ← breach, survey ← callback)."""

    clock: int
    survey: int


@dataclass
class Aftercare:
    clocks: list[Row] = field(default_factory=list)
    breaches: list[Row] = field(default_factory=list)
    surveys: list[Row] = field(default_factory=list)
    callbacks: list[Row] = field(default_factory=list)
    offers: list[Row] = field(default_factory=list)
    shipments: list[Row] = field(default_factory=list)
    logistics: list[Row] = field(default_factory=list)
    timeline: list[Row] = field(default_factory=list)


# working hours per calendar hour (9 of 24, five days of seven): how a business-hours clock's budget is
# stretched onto wall-clock time without replaying the whole business calendar
WORKING_SHARE = 9 / 24 * 5 / 7


def _budgets(story: Story, matrix: Sequence[PolicyRow]) -> tuple[PolicyRow, list[tuple[str, int]]]:
    """The matrix row the lead's SLA service would pick for this case, and its clocks' budgets in seconds."""
    row = pick_policy(list(matrix), story.intake.tier, story.intake.case_type, priority_of(story))
    budgets = [("first_response", row.first_response_minutes * 60)]
    if row.human_response_minutes is not None:
        budgets.append(("human_response", row.human_response_minutes * 60))
    budgets.append(("resolution", row.resolution_minutes * 60))
    return row, budgets


def sla_rows(rng: Seeded, story: Story, ids: Ids, matrix: Sequence[PolicyRow], now: datetime,
             out: Aftercare) -> None:
    policy, budgets = _budgets(story, matrix)
    for kind, budget in budgets:
        ids.clock += 1
        if kind == "resolution":
            wall = int(budget / WORKING_SHARE) if policy.business_hours else budget
            clock = _resolution_clock(story, wall, now)
        else:
            stop = story.milestones.get(f"{kind}_at")
            due = story.intake.created + timedelta(seconds=budget)
            end = stop or now
            breached = due if end > due else None
            clock = {"consumed_seconds": (end - story.intake.created).total_seconds(),
                     "segment_started_at": None if stop else story.intake.created, "due_at": due,
                     "paused_at": None, "stopped_at": stop, "breached_at": breached}
        tier = story.intake.tier
        business = policy.business_hours and kind == "resolution"
        clock.update({"id": ids.clock, "case_id": story.case_id, "kind": kind, "tier": tier,
                      "policy_id": policy.id, "business_hours": business, "budget_seconds": budget,
                      "started_at": story.intake.created})
        if business:
            clock["consumed_seconds"] *= WORKING_SHARE
        if clock["stopped_at"] is None and clock["segment_started_at"] is not None:
            # a running clock reports what it had used when its current segment began
            used = _consumed_before(story, clock["segment_started_at"], kind)
            clock["consumed_seconds"] = used * WORKING_SHARE if business else used
        breached_at = clock["breached_at"]
        if breached_at is not None:
            detected = breached_at + timedelta(seconds=rng.randint(2, 60))
            if detected >= now:
                clock["breached_at"] = None
            else:
                out.breaches.append(_breach(story, ids.clock, kind, breached_at, detected))
                out.timeline.append(event_row(story.case_id, detected, "sla_breach", "system", None,
                                              reason=f"SLA超时：{kind}", data={"clock": kind}, visible=False))
        out.clocks.append(clock)


def _consumed_before(story: Story, segment_start: datetime, kind: str) -> float:
    if kind != "resolution":
        return 0.0
    return _running_seconds(story, segment_start)


def _segments(story: Story) -> list[tuple[datetime, State]]:
    return [(story.intake.created, State.submitted)] + [(s.at, s.to_state) for s in story.steps]


def _running_seconds(story: Story, until: datetime) -> float:
    total = 0.0
    segments = _segments(story)
    for (at, state), nxt in zip(segments, [*segments[1:], (until, State.closed)], strict=True):
        end = min(nxt[0], until)
        if state not in WAITING_ON_BUYER and end > at:
            total += (end - at).total_seconds()
    return total


def _resolution_clock(story: Story, budget: int, now: datetime) -> Row:
    """Runs except while waiting on the buyer; stops at the first settled state; breaches when used up."""
    consumed, breached = 0.0, None
    segments = _segments(story)
    ends = [s[0] for s in segments[1:]] + [now]
    for (at, state), end in zip(segments, ends, strict=True):
        if state in SETTLED:
            return {"consumed_seconds": consumed, "segment_started_at": None, "paused_at": None, "stopped_at": at,
                    "due_at": breached or at + timedelta(seconds=budget - consumed), "breached_at": breached}
        if state in WAITING_ON_BUYER:
            continue
        length = (end - at).total_seconds()
        if breached is None and consumed + length > budget:
            breached = at + timedelta(seconds=budget - consumed)
        consumed += length
    last_at, last_state = segments[-1]
    paused = last_state in WAITING_ON_BUYER
    return {"consumed_seconds": consumed, "segment_started_at": None if paused else last_at,
            "paused_at": last_at if paused else None, "stopped_at": None,
            "due_at": None if paused else (breached or now + timedelta(seconds=budget - consumed)),
            "breached_at": breached}


def _tier_at(story: Story, moment: datetime) -> str:
    tier = story.intake.tier
    for at, _from, to in story.escalations:
        if at <= moment:
            tier = to
    return tier


def _breach(story: Story, clock_id: int, kind: str, due: datetime, detected: datetime) -> Row:
    before = _tier_at(story, due - timedelta(seconds=1))
    after = _tier_at(story, detected + timedelta(minutes=2))
    return {"clock_id": clock_id, "case_id": story.case_id, "kind": kind, "due_at": due, "detected_at": detected,
            "from_tier": before, "to_tier": after, "worker": "demo"}


def survey_rows(rng: Seeded, story: Story, ids: Ids, handoffs: int, seniors: list[str], now: datetime,
                out: Aftercare) -> None:
    closed = story.milestones.get("closed_at")
    if story.state is not State.closed or closed is None:
        return
    sent = closed + timedelta(minutes=rng.uniform(1, 10))
    if sent >= now:
        return
    ids.survey += 1
    answered = sent + rng.minutes(180, 1.0) if rng.chance(0.6) else None
    if answered is not None and answered >= now:
        answered = None
    csat = nps = None
    comment = ""
    if answered is not None:
        csat, nps = _scores(rng, story, handoffs)
        band = "high" if csat >= 4 else "mid" if csat == 3 else "low"
        comment = rng.choice(SURVEY_COMMENTS[band])
    agent = None if story.plan.ai_resolved else story.agent[0]
    out.surveys.append({"id": ids.survey, "case_id": story.case_id, "buyer_id": story.intake.sale.buyer.id,
                        "agent_id": agent, "sent_at": sent, "answered_at": answered, "csat": csat, "nps": nps,
                        "comment": comment})
    out.timeline.append(event_row(story.case_id, sent, "survey", "system", None, reason="已发送满意度调查"))
    if answered is not None and csat is not None and nps is not None and (csat <= 2 or nps <= 6):
        out.callbacks.append(_callback(rng, story, ids.survey, answered, csat, seniors, now))


def _scores(rng: Seeded, story: Story, handoffs: int) -> tuple[int, int]:
    intake, marks = story.intake, story.milestones
    mean = intake.service.csat
    mean -= {"angry": 0.8, "disappointed": 0.4, "anxious": 0.1}.get(intake.emotion, 0.0)
    closed, created = marks.get("closed_at"), intake.created
    if closed is not None and closed - created > timedelta(days=5):
        mean -= 0.6
    if handoffs >= 3:
        mean -= 0.5
    if marks.get("decided_at") is not None and not story.plan.buyer_wins:
        mean -= 0.8
    mean += 0.2 if story.plan.ai_resolved else (0.3 if story.agent[2] else -0.3)
    csat = max(1, min(5, round(rng.gauss(mean, 0.7))))
    nps = max(0, min(10, round(rng.gauss(csat * 2.2 - 1.2, 1.4))))
    return csat, nps


def _callback(rng: Seeded, story: Story, survey_id: int, opened: datetime, csat: int, seniors: list[str],
              now: datetime) -> Row:
    due = opened + timedelta(hours=24)
    done = opened + rng.minutes(300, 0.8) if rng.chance(0.88) else None
    if done is not None and done >= now:
        done = None
    outcome, satisfaction = "", None
    if done is not None:
        good = {"excellent": 0.85, "average": 0.7, "poor": 0.45}[_quality(story)]
        outcome, satisfaction = rng.choice(CALLBACK_OUTCOMES[:2] + CALLBACK_OUTCOMES[4:]) if rng.chance(good) \
            else rng.choice(CALLBACK_OUTCOMES[2:4])
    return {"case_id": story.case_id, "survey_id": survey_id, "reason": f"低分回访：CSAT {csat}",
            "state": "done" if done else "open", "assigned_to": rng.choice(seniors), "created_at": opened,
            "due_at": due, "done_at": done, "outcome": outcome, "satisfaction": satisfaction}


def _quality(story: Story) -> str:
    anchor = story.intake.sale.anchor
    return anchor.quality if anchor is not None else "average"


def offer_rows(rng: Seeded, story: Story, now: datetime, out: Aftercare) -> None:
    intake, marks = story.intake, story.milestones
    human = marks.get("human_response_at")
    if human is None:
        return
    upset = intake.emotion in ("angry", "disappointed") or bool(intake.risk_flags)
    if upset and rng.chance(0.5):
        kind = rng.choice(("coupon", "samples", "points", "cash"))
        amount = {"coupon": 20, "samples": 0, "points": 500, "cash": 30}[kind] * rng.randint(1, 3)
        accept = intake.service.offer_accept + (0.1 if story.agent[2] else -0.1)
        out.offers.append(_offer(rng, story, kind, Decimal(amount), human, accept, now))
    verified = intake.case_type == "allergy_claim" and story.plan.allergy_report
    settled = marks.get("refunded_at") or marks.get("resolved_at")
    if verified and settled is not None and rng.chance(intake.service.medical):
        out.offers.append(_offer(rng, story, "medical", Decimal(rng.randint(200, 1500)), settled, 0.97, now))


def _offer(rng: Seeded, story: Story, kind: str, amount: Decimal, after: datetime, accept: float,
           now: datetime) -> Row:
    offered = after + timedelta(minutes=rng.uniform(1, 30))
    responded = offered + rng.minutes(120, 1.0)
    answered = responded < now
    return {"case_id": story.case_id, "kind": kind, "amount": amount, "offered_at": min(offered, now),
            "accepted": rng.chance(accept) if answered else None, "responded_at": responded if answered else None}


def parcel_rows(rng: Seeded, story: Story, tracking: int, now: datetime, out: Aftercare,
                tracked: set[str]) -> None:
    """Carrier events of the order's parcel (once per order, however many cases it has), and the return
    parcel when the buyer sent the item back."""
    sale, marks = story.intake.sale, story.milestones
    first_time = sale.id not in tracked
    tracked.add(sale.id)
    if first_time and sale.tracking_no is not None and sale.carrier is not None and sale.shipped is not None:
        events = [("collected", sale.shipped, "快件已揽收"),
                  ("in_transit", sale.shipped + timedelta(hours=rng.uniform(3, 10)), "快件运输中")]
        if story.intake.true_class == "damaged_in_transit" and sale.delivered is not None:
            events.append(("exception", sale.delivered - timedelta(hours=2), "外包装破损，已拍照留证"))
        if sale.delivered is not None:
            events.append(("delivered", sale.delivered, "已签收"))
        out.logistics += _events(rng, sale.tracking_no, sale.carrier[1], events, now)
    shipped = marks.get("return_shipped_at")
    if shipped is None or sale.carrier is None:
        return
    received = marks.get("return_received_at")
    number = f"R{sale.carrier[1]}{tracking}"
    out.shipments.append({"id": rng.new_id("SH", shipped), "order_id": sale.id, "case_id": story.case_id,
                          "direction": "return", "carrier_id": sale.carrier[0], "tracking_no": number,
                          "status": "delivered" if received else "in_transit", "created_at": shipped,
                          "updated_at": received or shipped})
    events = [("collected", shipped, "退货已揽收")]
    if received is not None:
        events += [("in_transit", shipped + (received - shipped) / 2, "退货运输中"), ("delivered", received, "商家已签收")]
    out.logistics += _events(rng, number, sale.carrier[1], events, now)


def _events(rng: Seeded, number: str, code: str, events: list[tuple[str, datetime, str]], now: datetime) -> list[Row]:
    return [{"tracking_no": number, "carrier_code": code, "status": status, "description": text,
             "location": "", "occurred_at": at, "received_at": at + timedelta(seconds=rng.randint(1, 120))}
            for status, at, text in events if at + timedelta(seconds=120) < now]
