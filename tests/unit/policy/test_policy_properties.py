"""Invariants a buyer relies on, checked over generated requests (hypothesis)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from functools import cache

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aftersales.policy.facts import Facts
from aftersales.policy.rules import Decision, decide
from aftersales.policy.ruleset import RuleSet
from aftersales.policy.service import load_rules
from aftersales.policy.vocabulary import (
    OUTCOME_RANK,
    REFUNDING_REMEDIES,
    CaseType,
    Evidence,
    ItemState,
    Outcome,
    Payer,
    Problem,
    Promise,
)

BOOK = load_rules()
CATEGORIES = sorted(BOOK.newest.categories)
# From SPEC §4: categories whose goods are eligible for 7-day no-reason returns when unopened.
ELIGIBLE = ["apparel", "underwear", "shoes", "electronics", "phone", "earphones", "home", "baby",
            "cosmetics", "lipstick", "skincare", "hygiene", "virtual", "course"]  # fmt: skip
NEUTRAL_TAGS = ["敏感肌", "新品", "大促", "sensitive_skin"]
ALL_TAGS = [*NEUTRAL_TAGS, "定制", "贴身衣物", "no_reason_excluded", "hygiene", "customised"]

PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

amounts = st.decimals(min_value=0, max_value=100_000, places=2, allow_nan=False, allow_infinity=False)
order_dates = st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31))


def subsets(values: list[str] | type[Evidence] | type[Promise]) -> st.SearchStrategy[tuple]:  # type: ignore[type-arg]
    return _subsets(tuple(values))


# Strategies are built once and reused: built afresh inside every draw, Hypothesis validated each new one again,
# which was most of these properties' time (the same strategies, drawn in the same order: the same examples)
@cache
def _subsets(values: tuple[str, ...]) -> st.SearchStrategy[tuple]:  # type: ignore[type-arg]
    return st.lists(st.sampled_from(values), unique=True).map(lambda xs: tuple(sorted(xs)))


@cache
def _fact_fields(categories: tuple[str, ...], tags: tuple[str, ...]) -> dict[str, st.SearchStrategy[object]]:
    return {
        "product_category": st.sampled_from(categories),
        "product_tags": subsets(list(tags)),
        "case_type": st.sampled_from(CaseType),
        "problem": st.sampled_from(Problem),
        "days_since_delivery": st.none() | st.integers(min_value=0, max_value=400),
        "item_state": st.sampled_from(ItemState),
        "evidence": subsets(Evidence),
        "promises": subsets(Promise),
        "shipping_insurance": st.booleans(),
        "paid_amount": amounts,
        "order_placed_at": order_dates,
        "claim_mismatch": st.sampled_from([None, True, False]),
    }


@st.composite
def any_facts(draw: st.DrawFn, categories: list[str] = CATEGORIES, tags: list[str] = ALL_TAGS) -> Facts:
    fields = _fact_fields(tuple(categories), tuple(tags))
    return Facts(**{name: draw(strategy) for name, strategy in fields.items()})  # type: ignore[arg-type]


def judge(facts: Facts) -> Decision:
    return decide(facts, BOOK.for_facts(facts))


@PROPERTY
@given(
    any_facts(categories=ELIGIBLE, tags=NEUTRAL_TAGS),
    st.sampled_from([CaseType.RETURN_REFUND, CaseType.REFUND_ONLY]),
    st.sampled_from([Problem.NO_REASON_RETURN, Problem.SIZE_FIT]),
    st.none() | st.integers(min_value=0, max_value=7),
)
def test_an_eligible_unopened_item_within_7_days_is_never_denied_a_no_reason_return(
    facts: Facts, case_type: CaseType, problem: Problem, days: int | None
) -> None:
    facts = replace(facts, case_type=case_type, problem=problem, days_since_delivery=days,
                    item_state=ItemState.UNOPENED)  # fmt: skip
    decision = judge(facts)
    assert decision.outcome == Outcome.APPROVE, decision.reasons
    assert decision.remedy in REFUNDING_REMEDIES
    assert decision.refund_amount == facts.paid_amount.quantize(Decimal("0.01"))


# Problems some promise speaks about: drawn more often so that promises actually come into play.
PROMISE_PROBLEMS = [Problem.ALLERGY_REACTION, Problem.COUNTERFEIT, Problem.DAMAGED_IN_TRANSIT,
                    Problem.NO_REASON_RETURN, Problem.SIZE_FIT, Problem.PRICE_PROTECTION]  # fmt: skip


@PROPERTY
@given(
    any_facts(),
    st.sampled_from(PROMISE_PROBLEMS),
    st.lists(st.sampled_from(Promise), min_size=1, max_size=2, unique=True),
)
def test_a_promise_never_narrows_what_the_base_policy_gives(
    facts: Facts, problem: Problem, promises: list[Promise]
) -> None:
    facts = replace(facts, problem=problem, promises=tuple(sorted(promises)))
    promised = judge(facts)
    base = judge(replace(facts, promises=()))
    assert OUTCOME_RANK[promised.outcome] >= OUTCOME_RANK[base.outcome]
    assert promised.refund_amount >= base.refund_amount
    assert promised.compensation_amount >= base.compensation_amount
    if base.outcome == Outcome.APPROVE:
        assert not (promised.shipping_payer == Payer.BUYER and base.shipping_payer != Payer.BUYER)
        if base.remedy in REFUNDING_REMEDIES:
            assert promised.remedy in REFUNDING_REMEDIES


@PROPERTY
@given(any_facts())
def test_a_refund_never_exceeds_the_amount_paid(facts: Facts) -> None:
    decision = judge(facts)
    assert Decimal(0) <= decision.refund_amount <= facts.paid_amount
    assert decision.compensation_amount >= 0
    if decision.outcome != Outcome.APPROVE:
        assert decision.refund_amount == 0 and decision.compensation_amount == 0


@PROPERTY
@given(any_facts())
def test_every_decision_explains_itself_with_rules_of_its_own_version(facts: Facts) -> None:
    decision = judge(facts)
    ruleset = BOOK.for_facts(facts)
    known = {r.id for r in ruleset.rules} | {a.id for a in ruleset.adjustments} | {"engine.fallback"}
    assert decision.rules_version == ruleset.version
    assert decision.reasons and {r.rule_id for r in decision.reasons} <= known


def shuffled(ruleset: RuleSet, rules: list[int], adjustments: list[int], categories: list[str]) -> RuleSet:
    """The same rule set written in another order, re-validated as if read from a file."""
    dump = ruleset.model_dump(mode="json")
    dump["rules"] = [dump["rules"][i] for i in rules]
    dump["adjustments"] = [dump["adjustments"][i] for i in adjustments]
    dump["categories"] = {cid: dump["categories"][cid] for cid in categories}
    return RuleSet.model_validate(dump)


def with_tie(ruleset: RuleSet) -> RuleSet:
    """Adds a rule tied with resale.unopened on priority, category and conditions: only the id can decide."""
    dump = ruleset.model_dump(mode="json")
    twin = next(r for r in dump["rules"] if r["id"] == "resale.unopened")
    dump["rules"].append({**twin, "id": "resale.twin", "then": {"outcome": "needs_human"}})
    return RuleSet.model_validate(dump)


TIED = [with_tie(version) for version in BOOK.versions]


@st.composite
def rewritten(draw: st.DrawFn) -> tuple[RuleSet, RuleSet]:
    original = draw(st.sampled_from([*BOOK.versions, *TIED]))
    rules = draw(st.permutations(range(len(original.rules))))
    adjustments = draw(st.permutations(range(len(original.adjustments))))
    categories = draw(st.permutations(list(original.categories)))
    return original, shuffled(original, rules, adjustments, categories)


@settings(max_examples=150, deadline=None)
@given(rewritten(), st.lists(any_facts(), min_size=5, max_size=5))
def test_rule_order_in_the_file_never_changes_a_decision(
    sets: tuple[RuleSet, RuleSet], many: list[Facts]
) -> None:
    original, reordered = sets
    for facts in many:
        assert decide(facts, reordered) == decide(facts, original)
