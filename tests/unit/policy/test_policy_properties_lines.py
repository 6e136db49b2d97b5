"""Invariants of item-level decisions and replay, over generated requests with price-protection facts."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_factories import EXAMPLE_2026_07
from test_policy_properties import any_facts

from aftersales.policy.facts import Facts, PriceDrop
from aftersales.policy.lines import LineFacts, decide_lines
from aftersales.policy.replay import ReplayCase, replay
from aftersales.policy.rules import decide
from aftersales.policy.service import RuleBook, load_rules, read_rule_file
from aftersales.policy.vocabulary import Outcome, Problem

SHIPPED = load_rules()
EXAMPLE = read_rule_file(EXAMPLE_2026_07)
PROPERTY = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ORDERED = datetime(2026, 11, 1, tzinfo=UTC)
money = st.decimals(min_value=0, max_value=5000, places=2, allow_nan=False, allow_infinity=False)


# strategies built once, not inside every draw (see test_policy_properties.py): the same examples, less overhead
drop_days = st.lists(st.integers(min_value=0, max_value=120), max_size=4)
drop_sources = st.sampled_from(["list", "promotion", "live", "coupon"])
maybe_days_since_order = st.none() | st.integers(min_value=0, max_value=200)
maybe_promised_days = st.none() | st.integers(min_value=0, max_value=400)
maybe_unit_paid = st.none() | money
quantities = st.integers(min_value=1, max_value=5)


@st.composite
def drops(draw: st.DrawFn) -> tuple[PriceDrop, ...]:
    days = draw(drop_days)
    return tuple(sorted({PriceDrop(day=d, price=draw(money), at=(ORDERED + timedelta(days=d)).isoformat(),
                                   source=draw(drop_sources))
                         for d in days}, key=lambda d: (d.day, d.at, d.price)))


@st.composite
def priced_facts(draw: st.DrawFn) -> Facts:
    facts: Facts = draw(all_facts)
    if draw(st.booleans()):
        facts = replace(facts, problem=Problem.PRICE_PROTECTION)
    return replace(facts, days_since_order=draw(maybe_days_since_order),
                   promised_price_days=draw(maybe_promised_days),
                   unit_paid=draw(maybe_unit_paid), quantity=draw(quantities),
                   price_drops=draw(all_drops))


all_facts = any_facts()
all_drops = drops()
priced = priced_facts()
orders_of = {n: st.lists(st.sampled_from(["O1", "O2", "O3"]), min_size=n, max_size=n) for n in range(1, 6)}
facts_per_case = st.lists(priced, min_size=1, max_size=5)


@st.composite
def cases(draw: st.DrawFn) -> list[LineFacts]:
    facts = draw(facts_per_case)
    orders = draw(orders_of[len(facts)])
    return [LineFacts(order, number, number, f"P{number}", f.quantity, f)
            for number, (order, f) in enumerate(zip(orders, facts, strict=True), start=1)]


@PROPERTY
@given(cases())
def test_no_line_order_or_case_is_refunded_more_than_was_paid_for_it(lines: list[LineFacts]) -> None:
    judged = decide_lines(lines, lambda f: decide(f, SHIPPED.newest if f.order_placed_at is None
                                                  else SHIPPED.for_date(f.order_placed_at)))
    for line in judged.lines:
        assert 0 <= line.decision.refund_amount <= line.line.facts.paid_amount
        assert line.decision.outcome == Outcome.APPROVE or line.decision.refund_amount == 0
    for order in judged.orders:
        assert order.refund_amount <= order.paid_amount
    paid = sum((line.facts.paid_amount for line in lines), Decimal(0))
    assert judged.decision.refund_amount <= paid
    assert judged.decision.refund_amount == (judged.decision.outcome == Outcome.APPROVE) * sum(
        (line.decision.refund_amount for line in judged.lines if line.decision.outcome == Outcome.APPROVE),
        Decimal(0))


@PROPERTY
@given(st.lists(cases(), min_size=1, max_size=8), st.sampled_from([SHIPPED.newest, EXAMPLE]))
def test_replaying_a_rule_set_against_itself_changes_nothing(batch: list[list[LineFacts]], rules: object) -> None:
    from aftersales.policy.ruleset import RuleSet

    assert isinstance(rules, RuleSet)
    book = RuleBook((rules,))
    replayed = [ReplayCase(f"C{n}", rules.version, "", tuple(lines)) for n, lines in enumerate(batch)]
    report = replay(replayed, book, rules).as_dict()
    assert report["changed"] == 0 and report["cost_difference"] == "0.00" and report["cases"] == len(batch)


@PROPERTY
@given(priced_facts())
def test_a_draft_decides_every_request_as_deciding_it_afresh_would(facts: Facts) -> None:
    # the replay skips deciding again where the draft leaves a problem's rules alone; that must never show
    from aftersales.policy.replay import _Deciders

    book = RuleBook((SHIPPED.newest,))
    drafted = _Deciders(book, EXAMPLE).drafted(SHIPPED.newest)(facts)
    assert drafted == decide(facts, EXAMPLE)
