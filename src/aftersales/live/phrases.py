"""The phrase library: an anchor's words → normalised promise ids and checkable claims. Pure.

The library is data (`phrases.toml`); this module only compiles and applies it. Promise ids are the
vocabulary of the policy engine's `Facts.promises`; checkable claims feed `claim_check.judge`.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

LIBRARY_FILE = Path(__file__).with_name("phrases.toml")

PROMISE_IDS = (
    "allergy_refund",
    "fake_pays_ten",
    "fake_pays_three",
    "authentic_guarantee",
    "damage_covered",
    "seven_day_return",
    "price_protection_days",
    "sensitive_skin_safe",
)

#: a promise said in the negative ("不保证正品") is not a promise
_NEGATIONS = ("不", "没", "非", "别", "未")
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
              "九": 9}
NUMBER = r"[0-9]+|[一二两三四五六七八九十]+"


def normalise(text: str) -> str:
    """Full-width to half-width and no spaces, so "假一赔１０" and "假一 赔十" match like "假一赔十"."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def parse_count(token: str) -> int | None:
    """Arabic or Chinese numerals up to 99: "30", "三十", "十五", "两" → int."""
    if token.isdigit():
        return int(token)
    if not token or any(char not in _CN_DIGITS and char != "十" for char in token):
        return None
    if "十" not in token:
        return _CN_DIGITS[token] if len(token) == 1 else None
    tens, _, units = token.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


@dataclass(frozen=True)
class Promise:
    id: str
    matched: str
    zh: str
    en: str
    #: price_protection_days carries its days; other promises have none
    days: int | None = None


@dataclass(frozen=True)
class IngredientClaim:
    ingredient_id: str
    name_zh: str
    name_en: str
    percent: Decimal
    matched: str

    kind = "ingredient"


@dataclass(frozen=True)
class EfficacyClaim:
    effect_id: str
    name_zh: str
    name_en: str
    days: int
    matched: str

    kind = "efficacy"


CheckableClaim = IngredientClaim | EfficacyClaim


@dataclass(frozen=True)
class _PromiseRule:
    id: str
    zh: str
    en: str
    patterns: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class Vocabulary:
    """One named thing (an ingredient or an effect) and the words that name it."""

    id: str
    zh: str
    en: str
    words: tuple[str, ...]


@dataclass(frozen=True)
class Library:
    version: str
    promises: tuple[_PromiseRule, ...]
    ingredients: tuple[Vocabulary, ...]
    effects: tuple[Vocabulary, ...]

    def ingredient_alternation(self) -> str:
        return _alternation(word for item in self.ingredients for word in item.words)

    def effect_alternation(self) -> str:
        return _alternation(word for item in self.effects for word in item.words)

    def ingredient_by_word(self, word: str) -> Vocabulary:
        return next(item for item in self.ingredients if word in item.words)

    def effect_by_word(self, word: str) -> Vocabulary:
        return next(item for item in self.effects if word in item.words)


def _alternation(words: Any) -> str:
    # longest first, so "透明质酸钠" wins over "透明质酸"
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


def parse_library(data: dict[str, Any]) -> Library:
    promises = tuple(
        _PromiseRule(item["id"], item["zh"], item["en"], tuple(re.compile(p) for p in item["patterns"]))
        for item in data["promise"]
    )
    unknown = {rule.id for rule in promises} - set(PROMISE_IDS)
    if unknown:
        raise ValueError(f"phrase library names unknown promise ids: {sorted(unknown)}")
    ingredients = tuple(Vocabulary(i["id"], i["zh"], i["en"], tuple(i["aliases"]))
                        for i in data["ingredient"])
    effects = tuple(Vocabulary(e["id"], e["zh"], e["en"], tuple(e["words"])) for e in data["efficacy"])
    return Library(str(data["version"]), promises, ingredients, effects)


@lru_cache(maxsize=1)
def load_library() -> Library:
    return parse_library(tomllib.loads(LIBRARY_FILE.read_text(encoding="utf-8")))


def _negated(text: str, start: int) -> bool:
    return any(text[max(0, start - len(word)):start] == word for word in _NEGATIONS)


def extract_promises(text: str, library: Library | None = None) -> tuple[Promise, ...]:
    """Every promise the text makes, once per id, in the library's order."""
    lib = library or load_library()
    clean = normalise(text)
    found: list[Promise] = []
    for rule in lib.promises:
        for pattern in rule.patterns:
            match = next((m for m in pattern.finditer(clean) if not _negated(clean, m.start())), None)
            if match is None:
                continue
            days = parse_count(match.group("days")) if "days" in pattern.groupindex else None
            zh, en = rule.zh.format(days=days), rule.en.format(days=days)
            found.append(Promise(rule.id, match.group(0), zh, en, days))
            break
    return tuple(found)


def promise_ids(text: str) -> tuple[str, ...]:
    return tuple(promise.id for promise in extract_promises(text))


def _percent(token: str) -> Decimal | None:
    try:
        return Decimal(token)
    except InvalidOperation:
        return None


def extract_checkable(text: str, library: Library | None = None) -> tuple[CheckableClaim, ...]:
    """Ingredient shares ("含95%玻尿酸", "玻尿酸含量95%") and timed efficacies ("七天美白") in the text."""
    lib = library or load_library()
    clean = normalise(text)
    names = lib.ingredient_alternation()
    number = r"(?P<percent>[0-9]+(?:\.[0-9]+)?)%"
    claims: list[CheckableClaim] = []
    seen: set[str] = set()
    shapes = (rf"{number}的?(?P<name>{names})",
              rf"(?P<name>{names})(?:含量|浓度)?(?:高达|达到|有|是|为)?{number}")
    for pattern in shapes:
        for match in re.finditer(pattern, clean):
            item = lib.ingredient_by_word(match.group("name"))
            percent = _percent(match.group("percent"))
            if percent is None or item.id in seen or _negated(clean, match.start()):
                continue
            seen.add(item.id)
            claims.append(IngredientClaim(item.id, item.zh, item.en, percent, match.group(0)))
    effect = (rf"(?P<days>{NUMBER})天(?:内)?(?:就|即可|就能|就可以|可以|见效|快速)*"
              rf"(?P<effect>{lib.effect_alternation()})")
    for match in re.finditer(effect, clean):
        days = parse_count(match.group("days"))
        item = lib.effect_by_word(match.group("effect"))
        if days is None or item.id in seen:
            continue
        seen.add(item.id)
        claims.append(EfficacyClaim(item.id, item.zh, item.en, days, match.group(0)))
    return tuple(claims)
