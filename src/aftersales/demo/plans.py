"""How each case is meant to go (AI or human first, escalation, dispute, reopen, stall), and making sure every
lifecycle state shows up somewhere in the data."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from aftersales.cases.lifecycle import State
from aftersales.demo.intake import Intake
from aftersales.demo.journey import Agent, Plan, Story, walk
from aftersales.demo.seeded import Seeded

# inquiries the AI can close on its own (where, when, how long): complaints without a product fault
AI_CLOSABLE = frozenset({"logistics_delay", "refund_progress", "other"})
RETURNING = frozenset({"return_refund", "exchange", "repair"})
SEARCH_LIMIT = 600


def plan_for(rng: Seeded, intake: Intake) -> Plan:
    service = intake.service
    ai_first = rng.chance(service.ai_first)
    ai_resolved = (ai_first and intake.tier == "L1" and intake.case_type == "complaint"
                   and intake.true_class in AI_CLOSABLE and rng.chance(service.ai_resolve))
    angry = intake.emotion == "angry"
    return Plan(ai_first=ai_first or ai_resolved, ai_resolved=ai_resolved, info=rng.chance(0.12),
                escalate=rng.chance(0.6), dispute=rng.chance(service.dispute * (2.0 if angry else 1.0)),
                buyer_wins=rng.chance(0.6), reopen=rng.chance(service.dispute * 0.6),
                allergy_report=rng.chance(0.6),
                stop_after=rng.randint(1, 5) if rng.chance(service.stuck) else None)


def pick_agent(rng: Seeded, intake: Intake, agents: list[Agent]) -> Agent:
    # angry buyers and L3 cases go to a senior agent (SPEC §3)
    seniors = [a for a in agents if a[1]]
    if intake.emotion == "angry" or intake.tier == "L3":
        return rng.choice(seniors)
    return rng.choice(agents)


def _forced(state: State, intake: Intake) -> Plan | None:
    """A plan whose path passes through `state` and stops there, or None when this case cannot reach it."""
    kind = intake.case_type
    if state in (State.awaiting_return, State.return_in_transit, State.return_received) and kind not in RETURNING:
        return None
    if state in (State.refund_pending, State.refunded) and kind not in (
            "refund_only", "return_refund", "price_protection", "allergy_claim"):
        return None
    if state is State.exchanged and kind != "exchange":
        return None
    if state is State.resolved and kind not in ("complaint", "repair"):
        return None
    return Plan(ai_first=state is not State.submitted, info=state is State.awaiting_buyer,
                force_escalate=state is State.escalated,
                dispute=state in (State.disputed, State.in_arbitration, State.decided),
                reopen=state is State.reopened, stop_after=0 if state is State.submitted else None,
                stop_at=None if state in (State.submitted, State.closed) else state)


def cover_states(rng: Seeded, stories: list[Story], now: datetime) -> int:
    """Re-plan a few recent cases so each lifecycle state appears at least once; returns how many changed."""
    counts = Counter(s.state for s in stories)
    by_recency = sorted(range(len(stories)), key=lambda i: stories[i].intake.created, reverse=True)
    changed: set[int] = set()
    for state in State:
        if counts[state]:
            continue
        # never take the only case of a state already covered
        candidates = [i for i in by_recency if i not in changed and counts[stories[i].state] > 1]
        for index in candidates[:SEARCH_LIMIT]:
            old = stories[index]
            plan = _forced(state, old.intake)
            if plan is None:
                continue
            new = walk(rng, old.intake, old.case_id, old.agent, plan, now)
            if new.state is state:
                counts[old.state] -= 1
                counts[state] += 1
                stories[index] = new
                changed.add(index)
                break
    return len(changed)
