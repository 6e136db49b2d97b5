"""Replay, pure: decide past cases again under a draft rule set, beside the rules that decided them, and say
what would change — how many outcomes, in which direction, what it costs, with example cases per change.

Both sides decide the same recorded facts (the snapshot each decision keeps), so the only difference is the
rules; a rule set replayed against itself changes nothing. Identical facts are decided once per rule set.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from aftersales.policy.book import RuleBook
from aftersales.policy.compiled import same_for_problem
from aftersales.policy.facts import Facts
from aftersales.policy.lines import CaseDecision, LineFacts, decide_lines
from aftersales.policy.rules import Decision, decide
from aftersales.policy.ruleset import RuleSet
from aftersales.policy.vocabulary import OUTCOME_RANK

#: how a change looks from the buyer's side
MORE_GENEROUS, STRICTER, REMEDY_ONLY = "more_generous", "stricter", "remedy_changed"


@dataclass(frozen=True)
class ReplayCase:
    case_id: str
    #: the rule set version recorded on the case's decision
    rules_version: str
    #: the outcome recorded by the machine (before any agent override)
    recorded_outcome: str
    lines: tuple[LineFacts, ...]


@dataclass
class Transition:
    before: str
    after: str
    direction: str
    count: int = 0
    refund_delta: Decimal = Decimal(0)
    compensation_delta: Decimal = Decimal(0)
    examples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class ReplayReport:
    draft_version: str
    cases: int = 0
    changed: int = 0
    directions: dict[str, int] = field(default_factory=lambda: {MORE_GENEROUS: 0, STRICTER: 0, REMEDY_ONLY: 0})
    refund_before: Decimal = Decimal(0)
    refund_after: Decimal = Decimal(0)
    compensation_before: Decimal = Decimal(0)
    compensation_after: Decimal = Decimal(0)
    transitions: dict[tuple[str, str], Transition] = field(default_factory=dict)
    #: cases whose recorded version is no longer in the book: compared under the set in force for their order
    baseline_substituted: int = 0
    #: cases whose baseline decision differs from the one on record (an override aside): the book moved since
    baseline_differs_from_record: int = 0
    decisions_computed: int = 0

    def as_dict(self) -> dict[str, Any]:
        ordered = sorted(self.transitions.values(), key=lambda t: (-t.count, t.before, t.after))
        return {"draft_version": self.draft_version, "cases": self.cases, "changed": self.changed,
                "unchanged": self.cases - self.changed, "directions": dict(self.directions),
                "refund": _money(self.refund_before, self.refund_after),
                "compensation": _money(self.compensation_before, self.compensation_after),
                "cost_difference": f"{self.refund_after + self.compensation_after - self.refund_before - self.compensation_before:.2f}",
                "changes": [{"from": t.before, "to": t.after, "direction": t.direction, "cases": t.count,
                             "refund_difference": f"{t.refund_delta:.2f}",
                             "compensation_difference": f"{t.compensation_delta:.2f}", "examples": t.examples}
                            for t in ordered],
                "baseline_substituted": self.baseline_substituted,
                "baseline_differs_from_record": self.baseline_differs_from_record,
                "decisions_computed": self.decisions_computed}


def _money(before: Decimal, after: Decimal) -> dict[str, str]:
    return {"before": f"{before:.2f}", "after": f"{after:.2f}", "difference": f"{after - before:.2f}"}


@dataclass
class _Deciders:
    book: RuleBook
    draft: RuleSet
    memo: dict[tuple[str, Facts], Decision] = field(default_factory=dict)
    #: (baseline version, problem) → the draft decides that problem exactly as the baseline does
    alike: dict[tuple[str, str], bool] = field(default_factory=dict)

    def decide(self, facts: Facts, rules: RuleSet) -> Decision:
        key = (rules.version, facts)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = decide(facts, rules)
        return found

    def rules_for(self, recorded: RuleSet | None, facts: Facts) -> RuleSet:
        """The rules that decided the case; a version no longer in the book gives way to the one in force."""
        return recorded if recorded is not None else self.book.for_facts(facts)

    def baseline(self, recorded: RuleSet | None) -> Callable[[Facts], Decision]:
        return lambda facts: self.decide(facts, self.rules_for(recorded, facts))

    def drafted(self, recorded: RuleSet | None) -> Callable[[Facts], Decision]:
        def run(facts: Facts) -> Decision:
            before = self.rules_for(recorded, facts)
            key = (before.version, facts.problem.value)
            alike = self.alike.get(key)
            if alike is None:
                alike = self.alike[key] = same_for_problem(before, self.draft, key[1])
            if alike:
                # a draft that leaves this problem's rules alone decides it as before: no need to decide again
                return replace(self.decide(facts, before), rules_version=self.draft.version)
            return self.decide(facts, self.draft)

        return run


def replay(cases: Iterable[ReplayCase], book: RuleBook, draft: RuleSet, *, examples: int = 3) -> ReplayReport:
    """Every case decided by the rules that decided it and by the draft, with the differences counted."""
    report = ReplayReport(draft_version=draft.version)
    deciders = _Deciders(book, draft)
    for case in cases:
        recorded = book.by_version(case.rules_version)
        report.baseline_substituted += recorded is None
        before = decide_lines(case.lines, deciders.baseline(recorded))
        after = decide_lines(case.lines, deciders.drafted(recorded))
        _count(report, case, before, after, examples)
    report.decisions_computed = len(deciders.memo)
    return report


def _count(report: ReplayReport, case: ReplayCase, before: CaseDecision, after: CaseDecision, examples: int) -> None:
    b, a = before.decision, after.decision
    report.cases += 1
    report.baseline_differs_from_record += b.outcome.value != case.recorded_outcome
    report.refund_before += b.refund_amount
    report.refund_after += a.refund_amount
    report.compensation_before += b.compensation_amount
    report.compensation_after += a.compensation_amount
    direction = _direction(b, a)
    if direction is None:
        return
    report.changed += 1
    report.directions[direction] += 1
    key = (f"{b.outcome.value}/{b.remedy.value}", f"{a.outcome.value}/{a.remedy.value}")
    change = report.transitions.setdefault(key, Transition(key[0], key[1], direction))
    change.count += 1
    change.refund_delta += a.refund_amount - b.refund_amount
    change.compensation_delta += a.compensation_amount - b.compensation_amount
    if len(change.examples) < examples:
        change.examples.append(_example(case, b, a))


def _direction(before: Decision, after: Decision) -> str | None:
    rank = OUTCOME_RANK[after.outcome] - OUTCOME_RANK[before.outcome]
    money = (after.refund_amount + after.compensation_amount) - (before.refund_amount + before.compensation_amount)
    if rank > 0 or (rank == 0 and money > 0):
        return MORE_GENEROUS
    if rank < 0 or money < 0:
        return STRICTER
    return REMEDY_ONLY if after.remedy != before.remedy or after.shipping_payer != before.shipping_payer else None


def _example(case: ReplayCase, before: Decision, after: Decision) -> dict[str, Any]:
    def side(d: Decision) -> dict[str, Any]:
        reason = d.reasons[0] if d.reasons else None
        return {"outcome": d.outcome.value, "remedy": d.remedy.value, "refund_amount": f"{d.refund_amount:.2f}",
                "compensation_amount": f"{d.compensation_amount:.2f}", "rules_version": d.rules_version,
                "rule_id": reason.rule_id if reason else "", "reason_zh": reason.zh if reason else "",
                "reason_en": reason.en if reason else ""}

    return {"case_id": case.case_id, "before": side(before), "after": side(after)}
