"""Shared fixtures: the packaged rule book and a judge that decides default facts with changes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from policy_factories import make_facts

from aftersales.policy.rules import Decision, decide
from aftersales.policy.service import RuleBook, load_rules


@pytest.fixture(scope="session")
def book() -> RuleBook:
    return load_rules()


@pytest.fixture
def judge(book: RuleBook) -> Callable[..., Decision]:
    """judge(**changes) → the decision for the default facts with those changes."""

    def run(**changes: Any) -> Decision:
        facts = make_facts(**changes)
        return decide(facts, book.for_facts(facts))

    return run
