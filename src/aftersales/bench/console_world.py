"""A console bench database: the intake bench's world, then open and closed cases written in bulk.

The cases are written directly (not through intake) because only their number and shape matter here: a backlog
of open cases with running SLA clocks at realistic spreads, beside as many closed cases with stopped clocks,
so the queue's deadline index has history to step over.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from aftersales.bench.world import SCENARIOS, BenchBuyer, seed
from aftersales.cases.models import Case
from aftersales.ids import new_id
from aftersales.security import pii
from aftersales.security.accounts import create_account
from aftersales.sla.models import SlaClock

CHUNK = 5_000
OPEN_STATES = ("submitted", "answered", "escalated", "reopened", "return_received", "refund_pending")
TIERS = (("L1", 0.55), ("L2", 0.35), ("L3", 0.10))
AGENT = "P-BM-AGENT1"
AGENT_USER = "bench-agent"
AGENT_PASSWORD = "bench-Passw0rd!"
#: the bench agent's own open cases ("mine"): a heavy day's load, not a share of the whole backlog
AGENT_LOAD = 60
#: the triage class each bench scenario's words belong to
CLASS_OF = {"allergy": "allergy_reaction", "size": "size_fit", "not_as_described": "not_as_described",
            "damaged": "damaged_in_transit", "repair": "quality_defect", "logistics": "logistics_delay",
            "price": "price_protection", "counterfeit": "counterfeit"}


def _case_rows(buyers: list[BenchBuyer], count: int, now: datetime, rng: random.Random, *,
               open_: bool) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    for n in range(count):
        buyer = buyers[n % len(buyers)]
        scenario = buyer.scenario
        created = now - timedelta(minutes=rng.uniform(1, 60 * 24 * (3 if open_ else 60)))
        tier = rng.choices([t for t, _ in TIERS], [w for _, w in TIERS])[0]
        angry = rng.random() < 0.12
        case_id = new_id("CS", at_ms=int(created.timestamp() * 1000))
        row = {"id": case_id, "order_id": buyer.order_id, "buyer_id": buyer.buyer_id,
               "case_type": scenario.case_type, "state": rng.choice(OPEN_STATES) if open_ else "closed",
               "tier": tier, "priority": 1 if angry or tier == "L3" else rng.choice((2, 3)), "version": 1,
               "text": scenario.texts[n % len(scenario.texts)], "category": CLASS_OF[scenario.key], "emotion":
               "angry" if angry else "calm", "created_at": created, "updated_at": created,
               "first_response_at": created, "closed_at": None if open_ else created + timedelta(days=2),
               "assigned_agent_id": AGENT if open_ and n < AGENT_LOAD else None, "group_key": scenario.product_id}
        budget = {"L1": 72 * 60, "L2": 60, "L3": 24 * 60}[tier] * 60
        clocks = [{"case_id": case_id, "kind": kind, "tier": tier, "budget_seconds": budget, "started_at": created,
                   "segment_started_at": None if not open_ else created, "consumed_seconds": 0.0,
                   "due_at": created + timedelta(seconds=budget * factor),
                   "stopped_at": None if open_ and kind != "first_response" else created + timedelta(hours=1),
                   "business_hours": False}
                  for kind, factor in (("first_response", 0.01), ("human_response", 1.0), ("resolution", 3.0))]
        yield row, clocks


def _write(session: Session, rows: Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]) -> int:
    written = 0
    cases: list[dict[str, Any]] = []
    clocks: list[dict[str, Any]] = []
    for case, case_clocks in rows:
        cases.append(case)
        clocks.extend(case_clocks)
        if len(cases) >= CHUNK:
            written += _flush(session, cases, clocks)
    return written + _flush(session, cases, clocks)


def _flush(session: Session, cases: list[dict[str, Any]], clocks: list[dict[str, Any]]) -> int:
    if not cases:
        return 0
    session.execute(insert(Case), cases)
    session.execute(insert(SlaClock), clocks)
    session.commit()
    written = len(cases)
    cases.clear()
    clocks.clear()
    return written


def build(session: Session, *, open_cases: int, pii_key: pii.Keys, now: datetime,
          seed_value: int = 7) -> list[BenchBuyer]:
    """Fill an empty, migrated database; returns the buyers (each with an API token and an order)."""
    buyers = seed(session, buyers=min(1_000, max(len(SCENARIOS), open_cases)), pii_key=pii_key, now=now)
    rng = random.Random(seed_value)
    _write(session, _case_rows(buyers, open_cases, now, rng, open_=True))
    _write(session, _case_rows(buyers, open_cases, now, rng, open_=False))
    create_account(session, role="agent", username=AGENT_USER, password=AGENT_PASSWORD, party=AGENT, now=now)
    session.commit()
    return buyers
