"""A rule set's lookups computed once (rules per problem, category paths and depths, rule sizes, adjustment
order), so deciding a month of cases does not walk the rule file for every one of them. Pure."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from threading import Lock
from typing import Any

from aftersales.policy.ruleset import Adjustment, Rule, RuleSet
from aftersales.policy.vocabulary import Problem

#: a few books' versions plus the drafts replayed lately; each entry holds its rule set, so an id is never reused
_CACHE_SIZE = 64
_cache: OrderedDict[int, tuple[RuleSet, Compiled]] = OrderedDict()
_lock = Lock()


#: decisions remembered per rule set: a live-stream peak sends thousands of requests with the same facts
#: (one product, one price, one day); past this many the memo starts over
DECISION_MEMO_SIZE = 4096


@dataclass(frozen=True)
class Compiled:
    by_problem: dict[str, tuple[Rule, ...]]
    sizes: dict[str, int]
    lineage: dict[str, tuple[str, ...]]
    depth: dict[str, int]
    flags: dict[str, frozenset[str]]
    adjustments: tuple[Adjustment, ...]
    #: facts (exactly: see `rules.decide`) → the decision this rule set gives them; decide() is pure
    decisions: dict[object, Any] = field(default_factory=dict)


def compiled(rules: RuleSet) -> Compiled:
    found = _cache.get(id(rules))
    if found is not None and found[0] is rules:
        return found[1]
    built = _compile(rules)
    with _lock:
        _cache[id(rules)] = (rules, built)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return built


def _compile(rules: RuleSet) -> Compiled:
    lineage = {cid: rules.lineage(cid) for cid in rules.categories}
    return Compiled(
        by_problem={p.value: tuple(r for r in rules.rules if not r.when.problems or p in r.when.problems)
                    for p in Problem},
        sizes={rule.id: rule.when.size() for rule in rules.rules},
        lineage=lineage,
        depth={cid: len(path) for cid, path in lineage.items()},
        flags={cid: rules.flags(cid) for cid in rules.categories},
        adjustments=tuple(sorted(rules.adjustments, key=lambda a: (-a.priority, a.id))),
    )


def same_for_problem(first: RuleSet, second: RuleSet, problem: str) -> bool:
    """True when the two rule sets decide every request of this problem alike (all but the version label):
    the same candidate rules, category tree, tag aliases, adjustments and price-protection period."""
    a, b = compiled(first), compiled(second)
    rules = a.by_problem.get(problem, ())
    return (rules == b.by_problem.get(problem) and first.categories == second.categories
            and first.tag_aliases == second.tag_aliases and a.adjustments == b.adjustments
            and (first.price_protection == second.price_protection or not _uses_price(rules, a.adjustments)))


_PRICE_WORDS = ("{period", "{order_days", "{unit_paid", "{quantity", "{drop_")


def _uses_price(rules: tuple[Rule, ...], adjustments: tuple[Adjustment, ...]) -> bool:
    """Whether the price-protection period can matter: a price condition, or a sentence naming its values."""
    if any(rule.when.price_period is not None or rule.when.price_drop is not None
           or rule.then.refund_basis != "paid" for rule in rules):
        return True
    return any(word in text for entry in (*rules, *adjustments) for text in entry.texts() for word in _PRICE_WORDS)
