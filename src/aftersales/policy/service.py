"""Loading the rule book (every version of the rules) and deciding a request by the rules in force."""

from __future__ import annotations

import tomllib
from datetime import datetime
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from threading import Lock

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.policy.book import RuleBook, with_versions
from aftersales.policy.facts import Facts
from aftersales.policy.models import PublishedRuleSet
from aftersales.policy.rules import Decision, decide
from aftersales.policy.ruleset import RuleFileError, RuleSet, build_ruleset

RULES_DIR = Path(__file__).with_name("rulesets")
__all__ = ["RULES_DIR", "RuleBook", "book_in_force", "decide_for", "load_rules", "read_rule_file", "read_rule_text",
           "with_versions"]


def read_rule_file(path: Path) -> RuleSet:
    """Parse and validate one TOML rule file; every problem is a RuleFileError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleFileError(str(path), None, "(file)", f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise RuleFileError(str(path), None, "(syntax)", str(exc)) from None
    return read_rule_text(text, path.name)


def read_rule_text(text: str, source: str) -> RuleSet:
    """Parse and validate a rule file's text (a draft sent to the API, a published version)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(source, None, "(syntax)", str(exc)) from None
    return build_ruleset(raw, source)


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


#: (database, published count, last publication) → the book: a publication changes the stamp, so every
#: process sees a new version on its next batch without a restart
_published_cache: dict[str, tuple[tuple[int, datetime | None], RuleBook]] = {}
_cache_lock = Lock()


def book_in_force(session: Session) -> RuleBook:
    """The packaged rule sets and every published one: what judges a new case (one small read per call)."""
    count, last = session.execute(select(func.count(), func.max(PublishedRuleSet.published_at))).one()
    stamp = (int(count or 0), last)
    database = str(session.get_bind().engine.url)
    cached = _published_cache.get(database)
    if cached is not None and cached[0] == stamp:
        return cached[1]
    published = [read_rule_text(row.content, f"published {row.version}")
                 for row in session.scalars(select(PublishedRuleSet).order_by(PublishedRuleSet.effective_from))]
    book = with_versions(load_rules(), published, "published rule sets") if published else load_rules()
    with _cache_lock:
        _published_cache[database] = (stamp, book)
    return book


def decide_for(facts: Facts, book: RuleBook | None = None) -> Decision:
    """Decide a request by the rule set in force on its order date."""
    book = book or load_rules()
    return decide(facts, book.for_facts(facts))
