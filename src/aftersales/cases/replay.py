"""Replay: decide every case filed in a window again under a draft rule set, beside the rules that decided it.

Read only — no case changes. Each case is replayed from the facts its decision recorded (`decision.facts.lines`,
written at intake and on every re-decision); a case recorded before line snapshots existed is rebuilt from its
order lines, the way an evidence upload re-decides it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from datetime import time as clock_time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.cases.adjudication import line_facts
from aftersales.cases.intake_facts import facts_for_case
from aftersales.cases.models import Case
from aftersales.clock import SHANGHAI
from aftersales.policy import service as policy_service
from aftersales.policy.facts import facts_from_record
from aftersales.policy.lines import LineFacts
from aftersales.policy.replay import ReplayCase, replay
from aftersales.policy.ruleset import RuleSet
from aftersales.problems import InvalidInput

#: the longest window one replay covers: a year of cases is already millions on a busy platform
MAX_DAYS = 366
_STREAM = 2000


@dataclass(frozen=True)
class Window:
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput("字段 to：结束日早于开始日 / field to: the window ends before it starts", field="to")
        if (self.end - self.start).days >= MAX_DAYS:
            raise InvalidInput(f"字段 to：回放窗口最长 {MAX_DAYS} 天 / field to: a replay covers at most {MAX_DAYS} days",
                               field="to")

    @classmethod
    def parse(cls, start: str, end: str) -> Window:
        return cls(date.fromisoformat(start), date.fromisoformat(end))

    def bounds(self) -> tuple[datetime, datetime]:
        """Whole days in Asia/Shanghai, as the people who name the window count them."""
        start = datetime.combine(self.start, clock_time(), SHANGHAI)
        return start, datetime.combine(self.end + timedelta(days=1), clock_time(), SHANGHAI)

    def label(self) -> str:
        return f"{self.start.isoformat()} … {self.end.isoformat()}（北京时间 / Asia/Shanghai）"


def replay_window(session: Session, draft: RuleSet, window: Window, *, examples: int = 3) -> dict[str, Any]:
    """The replay report of every case filed in the window (JSON-ready), with how long it took."""
    started = time.perf_counter()
    book = policy_service.book_in_force(session)
    report = replay(cases_in(session, window), book, draft, examples=examples).as_dict()
    return {**report, "from": window.start.isoformat(), "to": window.end.isoformat(),
            "elapsed_seconds": round(time.perf_counter() - started, 3)}


def cases_in(session: Session, window: Window) -> Iterator[ReplayCase]:
    """The window's cases in filing order: snapshots streamed, older cases rebuilt after the stream."""
    start, end = window.bounds()
    rebuild: list[str] = []
    # the table's columns, not the ORM entity: a month of decisions streams without building Case objects
    table = Case.__table__.c
    rows = session.execute(select(table.id, table.decision).where(table.created_at >= start, table.created_at < end)
                           .order_by(table.created_at, table.id).execution_options(yield_per=_STREAM))
    for case_id, decision in rows:
        replayed = from_snapshot(case_id, decision or {})
        if replayed is None:
            rebuild.append(case_id)
        else:
            yield replayed
    for case_id in rebuild:
        rebuilt = _rebuilt(session, case_id)
        if rebuilt is not None:
            yield rebuilt


def _machine(decision: dict[str, Any]) -> dict[str, Any]:
    """The machine's decision: an agent's override keeps it under "machine"."""
    machine = decision.get("machine") if decision.get("override") else None
    return machine if isinstance(machine, dict) else decision


def from_snapshot(case_id: str, decision: dict[str, Any]) -> ReplayCase | None:
    machine = _machine(decision)
    snapshot = (machine.get("facts") or {}).get("lines")
    if not snapshot:
        return None
    lines = tuple(LineFacts(order_id=line["order_id"], line_no=line["line_no"], item_id=line.get("order_item_id"),
                            product_id=line["product_id"], quantity=line["quantity"],
                            facts=facts_from_record(line["policy"])) for line in snapshot)
    return ReplayCase(case_id, str(machine.get("rules_version", "")), str(machine.get("outcome", "")), lines)


def _rebuilt(session: Session, case_id: str) -> ReplayCase | None:
    case = session.get(Case, case_id)
    if case is None:
        return None
    machine = _machine(dict(case.decision or {}))
    said = machine.get("facts") or {}
    _order, _claimed, order = facts_for_case(session, case)
    if not order.lines:
        return None
    lines = tuple(line_facts(line, case_type=case.case_type, category=case.category,
                             item_state=said.get("item_state") or "opened_unused",
                             evidence=said.get("evidence") or [], now=case.created_at,
                             claim_mismatch=said.get("claim_mismatch")) for line in order.lines)
    return ReplayCase(case.id, str(machine.get("rules_version", "")), str(machine.get("outcome", "")), lines)
