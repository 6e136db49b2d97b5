"""Every text a page shows exists in Chinese and English: the literal keys of every template and of the console's
code, and a label for every value of the domain vocabularies a page prints."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aftersales.cases.lifecycle import Action, State
from aftersales.console import i18n
from aftersales.security.principals import Role
from aftersales.sla.rules import ClockKind
from aftersales.vocabulary import CaseType

CONSOLE = Path(i18n.__file__).parent
#: a literal key (`t("queue.title")`), not the prefix of a composed one (`t("state." ~ case.state)`)
LITERAL = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_0-9]+)["']\s*[,)]""")


def _literal_keys() -> set[str]:
    sources = [*CONSOLE.rglob("*.html"), *CONSOLE.rglob("*.py")]
    return {key for path in sources for key in LITERAL.findall(path.read_text(encoding="utf-8"))}


def test_every_literal_key_has_both_languages() -> None:
    missing = sorted(_literal_keys() - set(i18n.catalogue()))
    assert not missing, missing


@pytest.mark.parametrize(("prefix", "values"), [
    ("state", [s.value for s in State]), ("action", [a.value for a in Action]),
    ("case_type", [c.value for c in CaseType]), ("role", [r.value for r in Role]),
    ("author", [r.value for r in Role] + ["ai", "system"]), ("clock", [k.value for k in ClockKind]),
    ("outcome", ["approve", "deny", "needs_evidence", "needs_human"]),
])
def test_every_domain_value_a_page_prints_has_a_label(prefix: str, values: list[str]) -> None:
    missing = [v for v in values if f"{prefix}.{v}" not in i18n.catalogue()]
    assert not missing, f"{prefix}: {missing}"


def test_chinese_is_the_default_and_english_the_switch() -> None:
    assert i18n.Translator("zh-CN")("nav.queue") == "工作台"
    assert i18n.Translator("en")("nav.queue") == "Queue"
    assert i18n.Translator("en")("login.throttled", seconds=30) == "Too many attempts; try again in 30 s."


def test_an_unlabelled_domain_value_shows_the_value_instead_of_failing() -> None:
    assert i18n.Translator("zh-CN")("state.some_future_state") == "some_future_state"
