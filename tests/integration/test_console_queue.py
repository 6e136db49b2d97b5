"""The agent's queue: soonest deadline first then priority, each case once, the views and their counters, and the
page marker that never repeats or skips a case."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from aftersales.cases.models import Case
from aftersales.clock import FrozenClock
from aftersales.console.queries.queue import QueueFilter, queue_page
from aftersales.console.queries.snapshot import compute
from aftersales.runtime import Runtime
from aftersales.security.principals import Principal, Role
from aftersales.sla.models import SlaClock
from tests.conftest import Api
from tests.integration.test_case_lifecycle_api import open_case

ANGRY = "你们太过分了！口红颜色和直播间说的完全不一样，气死我了，我要投诉！"


def _agent(world_ids: dict[str, str]) -> Principal:
    return Principal(role=Role.agent, party_ids=frozenset({world_ids["agent"]}))


def _set_due(runtime: Runtime, case_id: str, minutes: float, clock: FrozenClock, **case: object) -> None:
    """Every running clock of the case due `minutes` from now (negative: overdue)."""
    with runtime.session() as session:
        session.execute(update(SlaClock).where(SlaClock.case_id == case_id, SlaClock.stopped_at.is_(None))
                        .values(due_at=clock.now() + timedelta(minutes=minutes), paused_at=None))
        if case:
            session.execute(update(Case).where(Case.id == case_id).values(**case))
        session.commit()


@pytest.fixture
def four_cases(api: Api, runtime: Runtime, clock: FrozenClock, world: object) -> dict[str, str]:
    # one open case of a type per order line: the two cases on O-2001 are of different types
    ids = {name: open_case(api, order_id=order, case_type=kind, text=text, who=who)["id"]
           for name, order, kind, text, who in (
               ("late", "O-1001", "complaint", "主播说是正品，收到是假货，要投诉", "buyer"),
               ("soon", "O-1002", "complaint", "裙子质量太差了，洗一次就破了", "buyer"),
               ("later", "O-2001", "complaint", "口红断了，质量问题", "buyer2"),
               ("angry", "O-2001", "refund_only", ANGRY, "buyer2"))}
    # triage read the words; the test fixes what the queue sorts on
    _set_due(runtime, ids["late"], -30, clock, priority=3, emotion="calm",
             assigned_agent_id=world.ids["agent"])  # type: ignore[attr-defined]
    _set_due(runtime, ids["soon"], 10, clock, priority=3, emotion="calm")
    _set_due(runtime, ids["later"], 600, clock, priority=3, emotion="calm")
    _set_due(runtime, ids["angry"], 600, clock, priority=1, emotion="angry", state="escalated")
    return ids


def test_the_soonest_deadline_comes_first_then_priority(runtime: Runtime, world: object, clock: FrozenClock,
                                                        four_cases: dict[str, str]) -> None:
    with runtime.session() as session:
        rows, marker = queue_page(session, _agent(world.ids), QueueFilter(), clock.now())  # type: ignore
    order = [r.case_id for r in rows]
    assert order[:2] == [four_cases["late"], four_cases["soon"]]
    assert order.index(four_cases["angry"]) < order.index(four_cases["later"])  # same deadline: priority 1 first
    assert len(order) == len(set(order)) == 4 and marker is None


@pytest.mark.parametrize(("view", "expected"), [("overdue", {"late"}), ("soon", {"soon"}), ("mine", {"late"}),
                                                ("angry", {"angry"})])
def test_each_view_holds_what_its_name_says(runtime: Runtime, world: object, clock: FrozenClock,
                                            four_cases: dict[str, str], view: str, expected: set[str]) -> None:
    with runtime.session() as session:
        rows, _ = queue_page(session, _agent(world.ids), QueueFilter(view=view), clock.now())  # type: ignore
    assert {r.case_id for r in rows} == {four_cases[name] for name in expected}


def test_pages_neither_repeat_nor_skip_a_case(runtime: Runtime, world: object, clock: FrozenClock,
                                              four_cases: dict[str, str]) -> None:
    seen: list[str] = []
    marker = None
    with runtime.session() as session:
        while True:
            rows, marker = queue_page(session, _agent(world.ids), QueueFilter(), clock.now(),  # type: ignore
                                      limit=1, after=marker)
            seen += [r.case_id for r in rows]
            if marker is None:
                break
    assert sorted(seen) == sorted(four_cases.values()) and len(seen) == 4


def test_the_counters_agree_with_the_views(runtime: Runtime, world: object, clock: FrozenClock,
                                           four_cases: dict[str, str]) -> None:
    with runtime.session() as session:
        snapshot = compute(session, clock.now())
    counters = snapshot.counters(world.ids["agent"])  # type: ignore[attr-defined]
    assert counters == {"all": 4, "soon": 1, "overdue": 1, "mine": 1, "angry": 1}
    assert snapshot.open_by_tier and sum(snapshot.open_by_tier.values()) == 4
    assert snapshot.by_agent[world.ids["agent"]].overdue == 1  # type: ignore[attr-defined]

