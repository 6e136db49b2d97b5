"""Loading the rule book (every version of the rules) and deciding a request by the rules in force."""

from __future__ import annotations

import tomllib
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from itertools import pairwise
from pathlib import Path

from aftersales.policy.facts import Facts
from aftersales.policy.rules import Decision, decide
from aftersales.policy.ruleset import RuleFileError, RuleSet, build_ruleset
from aftersales.problems import InvalidInput

RULES_DIR = Path(__file__).with_name("rulesets")


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

    @property
    def newest(self) -> RuleSet:
        return self.versions[-1]

    def for_facts(self, facts: Facts) -> RuleSet:
        # Without an order date the newest set is used; intake should always pass the order date.
        return self.newest if facts.order_placed_at is None else self.for_date(facts.order_placed_at)


def read_rule_file(path: Path) -> RuleSet:
    """Parse and validate one TOML rule file; every problem is a RuleFileError naming the file."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RuleFileError(str(path), None, "(file)", f"cannot read: {exc.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RuleFileError(str(path), None, "(syntax)", str(exc)) from None
    return build_ruleset(raw, path.name)


def load_rules(path: Path | str | None = None) -> RuleBook:
    """The rule book from a folder of *.toml files or a single file (default: the packaged rule sets)."""
    resolved = (Path(path) if path is not None else RULES_DIR).resolve()
    return _load_cached(resolved)


@lru_cache(maxsize=8)
def _load_cached(path: Path) -> RuleBook:
    files = sorted(path.glob("*.toml")) if path.is_dir() else [path]
    if not files:
        raise RuleFileError(str(path), None, "(folder)", "no *.toml rule files found")
    versions = sorted((read_rule_file(f) for f in files), key=lambda v: v.effective_from)
    for older, newer in pairwise(versions):
        if older.effective_from == newer.effective_from or older.version == newer.version:
            raise RuleFileError(
                str(path), None, "effective_from", f"versions {older.version} and {newer.version} clash"
            )
    return RuleBook(tuple(versions))


def decide_for(facts: Facts, book: RuleBook | None = None) -> Decision:
    """Decide a request by the rule set in force on its order date."""
    book = book or load_rules()
    return decide(facts, book.for_facts(facts))
