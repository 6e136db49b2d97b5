"""decide(facts, rules): the pure, deterministic policy decision with its reasons.

Precedence, so that the order of rules in a file never matters:
1. among the base rules (no promise condition) that match, the winner has the highest `priority`,
   then the deepest matched category (lipstick beats cosmetics), then the most conditions,
   then the smallest id;
2. each matching promise rule yields a candidate; candidates no better for the buyer than the base decision
   on every axis are dropped (a promise extends, never narrows); the most generous one left replaces the
   base decision (outcome rank, then refund, then compensation; ties go to the higher precedence);
3. adjustments (shipping insurance, deadlines) then apply to that decision by priority, then id.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import ROUND_DOWN, Decimal
from typing import Any

from aftersales.policy import price_rules
from aftersales.policy.compiled import DECISION_MEMO_SIZE, Compiled, compiled
from aftersales.policy.facts import Facts
from aftersales.policy.price_rules import PriceStanding
from aftersales.policy.ruleset import Adjustment, Condition, Rule, RuleSet
from aftersales.policy.vocabulary import (
    OUTCOME_RANK,
    REFUNDING_REMEDIES,
    REQUESTED_REMEDY,
    Outcome,
    Party,
    Payer,
    Remedy,
)
from aftersales.problems import InvalidInput

CENT = Decimal("0.01")


@dataclass(frozen=True)
class Reason:
    rule_id: str
    fact: str
    zh: str
    en: str


@dataclass(frozen=True)
class Deadline:
    """`party` must do `action` within `hours` of the decision (case intake, or evidence arriving)."""

    hours: int
    party: Party
    action: str


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    remedy: Remedy
    shipping_payer: Payer
    refund_amount: Decimal
    compensation_amount: Decimal
    deadline: Deadline | None
    reasons: tuple[Reason, ...]
    rules_version: str

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: amounts as strings with two decimals so no float ever rounds them."""
        deadline = self.deadline
        return {
            "outcome": self.outcome.value,
            "remedy": self.remedy.value,
            "shipping_payer": self.shipping_payer.value,
            "refund_amount": f"{self.refund_amount:.2f}",
            "compensation_amount": f"{self.compensation_amount:.2f}",
            "deadline": None
            if deadline is None
            else {"hours": deadline.hours, "party": deadline.party.value, "action": deadline.action},
            "reasons": [{"rule_id": r.rule_id, "fact": r.fact, "zh": r.zh, "en": r.en} for r in self.reasons],
            "rules_version": self.rules_version,
        }


@dataclass(frozen=True)
class _Context:
    facts: Facts
    rules: RuleSet
    lineage: tuple[str, ...]
    tags: frozenset[str]
    price: PriceStanding
    index: Compiled

    @property
    def days(self) -> int:
        return self.facts.days_since_delivery or 0


def decide(facts: Facts, rules: RuleSet) -> Decision:
    """Judge one request by one rule set; raises InvalidInput for a category the set does not know.

    Pure, so the decision for facts seen before under the same rule set is the one computed then (a frozen
    value, shared safely). The key tells apart amounts equal in value but written differently (459 and
    459.00 are equal Decimals, and a reason may print the amount as given)."""
    memo = compiled(rules).decisions
    key = (facts, str(facts.paid_amount), str(facts.unit_paid), tuple(str(d.price) for d in facts.price_drops))
    found: Decision | None = memo.get(key)
    if found is None:
        found = _decide(facts, rules)
        if len(memo) >= DECISION_MEMO_SIZE:
            memo.clear()
        memo[key] = found
    return found


def _decide(facts: Facts, rules: RuleSet) -> Decision:
    ctx = _context(facts, rules)
    matching = [rule for rule in ctx.index.by_problem[facts.problem] if _matches(rule.when, ctx)]
    base_rules = _by_precedence((rule for rule in matching if not rule.when.promises_any), ctx)
    decision = _apply(base_rules[0], ctx) if base_rules else _fallback(ctx)
    extensions = [
        candidate
        for rule in _by_precedence((rule for rule in matching if rule.when.promises_any), ctx)
        if _at_least_as_good(candidate := _apply(rule, ctx), decision)
    ]
    if extensions:
        # The best for the buyer wins; max() keeps the first (highest precedence) among equals.
        best = max(extensions, key=_generosity)
        decision = replace(best, reasons=decision.reasons + best.reasons)
    for adjustment in ctx.index.adjustments:
        decision = _adjust(decision, adjustment, ctx)
    return decision


def _context(facts: Facts, rules: RuleSet) -> _Context:
    index = compiled(rules)
    lineage = index.lineage.get(facts.product_category, ())
    if not lineage:
        known = ", ".join(sorted(rules.categories))
        raise InvalidInput(
            f"字段 product_category：未知品类 {facts.product_category!r}，可选：{known} / "
            f"field product_category: unknown category {facts.product_category!r}; one of: {known}",
            field="product_category",
        )
    aliases = rules.tag_aliases
    tags = frozenset(aliases.get(tag, tag) for tag in facts.product_tags)
    tags |= index.flags[facts.product_category]
    price = price_rules.standing(facts, rules.price_protection)
    return _Context(facts=facts, rules=rules, lineage=lineage, tags=tags, price=price, index=index)


def _matches(when: Condition, ctx: _Context) -> bool:
    # short-circuit in order of how often a condition rules a rule out: intake calls this ~40 times a case
    f = ctx.facts
    return ((not when.problems or f.problem in when.problems)
            and (not when.case_types or f.case_type in when.case_types)
            and (not when.categories or any(c in ctx.lineage for c in when.categories))
            and (not when.item_states or f.item_state in when.item_states)
            and (when.min_days is None or ctx.days >= when.min_days)
            and (when.max_days is None or ctx.days <= when.max_days)
            and (when.delivered is None or when.delivered == (f.days_since_delivery is not None))
            and (not when.tags_any or not ctx.tags.isdisjoint(when.tags_any))
            and ctx.tags.isdisjoint(when.tags_none)
            and (not when.promises_any or not set(f.promises).isdisjoint(when.promises_any))
            and (when.insured is None or when.insured == f.shipping_insurance)
            and (when.claim_mismatch is None or when.claim_mismatch == f.claim_mismatch)
            and (when.price_period is None or when.price_period == ctx.price.state)
            and (when.price_drop is None or when.price_drop == (ctx.price.drop is not None)))


def _by_precedence(rules: Iterable[Rule], ctx: _Context) -> list[Rule]:
    sizes = ctx.index.sizes
    return sorted(rules, key=lambda rule: (-rule.priority, -_depth(rule, ctx), -sizes[rule.id], rule.id))


def _depth(rule: Rule, ctx: _Context) -> int:
    """How deep in the tree the rule's matched category sits: a subcategory rule is more specific."""
    depth = ctx.index.depth
    matched = [depth[c] for c in rule.when.categories if c in ctx.lineage]
    return max(matched, default=0)


def _apply(rule: Rule, ctx: _Context) -> Decision:
    version = ctx.rules.version
    if rule.requires_evidence and set(ctx.facts.evidence).isdisjoint(rule.requires_evidence):
        values = _values(ctx, rule)
        zh, en = _fill(rule.missing_zh, values, "zh"), _fill(rule.missing_en, values, "en")
        reason = Reason(rule.id, _fact(ctx.facts, "evidence"), zh, en)
        return Decision(
            Outcome.NEEDS_EVIDENCE, Remedy.NONE, Payer.NONE, Decimal(0), Decimal(0), None, (reason,), version
        )
    effect = rule.then
    remedy = (
        REQUESTED_REMEDY.get(ctx.facts.case_type, effect.remedy_default)
        if effect.remedy == "as_requested"
        else effect.remedy
    )
    paid = ctx.facts.paid_amount
    share = effect.refund_share
    if share is None:
        refunds = effect.outcome == Outcome.APPROVE and remedy in REFUNDING_REMEDIES
        share = Decimal(1) if refunds else Decimal(0)
    refund = (paid * share).quantize(CENT, rounding=ROUND_DOWN)
    if effect.refund_basis == "price_difference":
        refund = price_rules.difference_refund(ctx.facts, ctx.price.drop)
    compensation = Decimal(0)
    if effect.compensation_multiple or effect.compensation_min:
        compensation = max(paid * effect.compensation_multiple, effect.compensation_min).quantize(
            CENT, rounding=ROUND_DOWN
        )
    values = _values(ctx, rule, refund=refund, compensation=compensation)
    zh, en = _fill(rule.zh, values, "zh"), _fill(rule.en, values, "en")
    fact = _drop_fact(ctx) if rule.fact == "price_drops" else _fact(ctx.facts, rule.fact)
    reason = Reason(rule.id, fact, zh, en)
    return Decision(
        effect.outcome, remedy, effect.shipping_payer, refund, compensation, None, (reason,), version
    )


def _fallback(ctx: _Context) -> Decision:
    reason = Reason(
        "engine.fallback",
        _fact(ctx.facts, "problem"),
        "没有适用的自动规则，已转人工客服处理。",
        "No automatic rule applies; a service agent will handle your request.",
    )
    nothing = Decimal(0)
    return Decision(
        Outcome.NEEDS_HUMAN, Remedy.NONE, Payer.NONE, nothing, nothing, None, (reason,), ctx.rules.version
    )


def _at_least_as_good(candidate: Decision, base: Decision) -> bool:
    """True when the candidate gives the buyer nothing less than the base on any axis."""
    if (
        OUTCOME_RANK[candidate.outcome] < OUTCOME_RANK[base.outcome]
        or candidate.refund_amount < base.refund_amount
        or candidate.compensation_amount < base.compensation_amount
    ):
        return False
    if base.outcome != Outcome.APPROVE:
        # Nothing was granted, so there is no remedy or postage arrangement to protect.
        return True
    return not (candidate.shipping_payer == Payer.BUYER and base.shipping_payer != Payer.BUYER) and not (
        base.remedy in REFUNDING_REMEDIES and candidate.remedy not in REFUNDING_REMEDIES
    )


def _generosity(decision: Decision) -> tuple[int, Decimal, Decimal]:
    return (OUTCOME_RANK[decision.outcome], decision.refund_amount, decision.compensation_amount)


def _adjust(decision: Decision, adjustment: Adjustment, ctx: _Context) -> Decision:
    when = adjustment.when
    applies = (
        (not when.outcomes or decision.outcome in when.outcomes)
        and (not when.remedies or decision.remedy in when.remedies)
        and (not when.shipping_payers or decision.shipping_payer in when.shipping_payers)
        and (when.insured is None or when.insured == ctx.facts.shipping_insurance)
    )
    if not applies:
        return decision
    then = adjustment.then
    deadline = decision.deadline
    if then.deadline is not None:
        deadline = Deadline(then.deadline.hours, then.deadline.party, then.deadline.action)
    values = _values(ctx, None, refund=decision.refund_amount, compensation=decision.compensation_amount)
    values["hours"] = str(deadline.hours) if deadline else ""
    reason = Reason(
        adjustment.id,
        _fact(ctx.facts, adjustment.fact),
        _fill(adjustment.zh, values, "zh"),
        _fill(adjustment.en, values, "en"),
    )
    return replace(
        decision,
        shipping_payer=then.shipping_payer or decision.shipping_payer,
        deadline=deadline,
        reasons=(*decision.reasons, reason),
    )


def _values(
    ctx: _Context, rule: Rule | None, refund: Decimal = Decimal(0), compensation: Decimal = Decimal(0)
) -> dict[str, str]:
    category = ctx.rules.categories[ctx.facts.product_category]
    when = rule.when if rule else Condition()
    return {
        "days": str(ctx.days),
        "category_zh": category.zh,
        "category_en": category.en,
        "paid": f"{ctx.facts.paid_amount:.2f}",
        "refund": f"{refund:.2f}",
        "compensation": f"{compensation:.2f}",
        "multiple": f"{rule.then.compensation_multiple.normalize():f}" if rule else "",
        "min_days": "" if when.min_days is None else str(when.min_days),
        "max_days": "" if when.max_days is None else str(when.max_days),
        "hours": "",
        **price_rules.placeholders(ctx.price, ctx.facts),
    }


def _fill(template: str | None, values: dict[str, str], language: str) -> str:
    if not template:
        return ""
    return template.format_map({**values, "category": values[f"category_{language}"],
                                "period_source": values[f"period_source_{language}"],
                                "drop_source": values[f"drop_source_{language}"],
                                "drop_at": values[f"drop_at_{language}"]})


def _drop_fact(ctx: _Context) -> str:
    """The price a price-protection decision turned on (or that none within the period was lower)."""
    drop = ctx.price.drop
    if drop is None:
        return f"price_drops=none below {ctx.facts.unit_paid} within {ctx.price.period} days"
    where = f" {drop.ref}" if drop.ref else ""
    return f"price_drops={drop.price:.2f}@{drop.at} {drop.source}{where}"


def _fact(facts: Facts, name: str) -> str:
    value = getattr(facts, name)
    if isinstance(value, tuple):
        return f"{name}=[{', '.join(str(v) for v in value)}]"
    if value is None:
        return f"{name}=null"
    if isinstance(value, bool):
        return f"{name}={'true' if value else 'false'}"
    return f"{name}={value}"
