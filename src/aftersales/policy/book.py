"""The rule book: every version of the rules, oldest first, and which one judges a request. Pure."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

from aftersales.policy.facts import Facts
from aftersales.policy.ruleset import RuleFileError, RuleSet
from aftersales.problems import InvalidInput


@dataclass(frozen=True)
class RuleBook:
    """All rule set versions, oldest first; a request is judged by the set in force when it was ordered."""

    versions: tuple[RuleSet, ...]

    def __post_init__(self) -> None:
        if not self.versions:
            raise InvalidInput("没有任何规则集 / no rule sets loaded")

    def for_date(self, day: date) -> RuleSet:
        """The rule set in force on `day`; InvalidInput if `day` precedes the first one."""
        index = bisect_right([v.effective_from for v in self.versions], day)
        if index == 0:
            first = self.versions[0].effective_from.isoformat()
            raise InvalidInput(
                f"字段 order_placed_at：{day.isoformat()} 早于最早的规则集生效日 {first} / "
                f"field order_placed_at: {day.isoformat()} is before the first rule set ({first})",
                field="order_placed_at",
            )
        return self.versions[index - 1]

    def by_version(self, label: str) -> RuleSet | None:
        return next((v for v in self.versions if v.version == label), None)

    @property
    def newest(self) -> RuleSet:
        return self.versions[-1]

    def for_facts(self, facts: Facts) -> RuleSet:
        # Without an order date the newest set is used; intake should always pass the order date.
        return self.newest if facts.order_placed_at is None else self.for_date(facts.order_placed_at)


def with_versions(book: RuleBook, extra: Iterable[RuleSet], source: str = "rule book") -> RuleBook:
    """The book with more versions (published ones, a draft); two with the same date or label are refused."""
    versions = sorted((*book.versions, *extra), key=lambda v: v.effective_from)
    for older, newer in pairwise(versions):
        if older.effective_from == newer.effective_from or older.version == newer.version:
            raise RuleFileError(source, None, "effective_from",
                                f"versions {older.version} and {newer.version} clash (same date or label)")
    return RuleBook(tuple(versions))
