"""The policy speaks the same ids as the domains that feed it facts (triage, live, catalog demo)."""

from __future__ import annotations

from aftersales.demo.assortment import CATEGORIES as DEMO_CATEGORIES
from aftersales.live.phrases import PROMISE_IDS
from aftersales.policy.service import RuleBook
from aftersales.policy.vocabulary import Promise


def test_promises_are_what_the_phrase_library_emits() -> None:
    assert {p.value for p in Promise} == set(PROMISE_IDS)


def test_every_catalog_category_of_the_demo_can_be_judged(book: RuleBook) -> None:
    for ruleset in book.versions:
        assert {code for code, *_ in DEMO_CATEGORIES} <= set(ruleset.categories), ruleset.version
