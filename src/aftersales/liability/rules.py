"""Liability split rules as data (`splits.toml`): parsing and validation. Pure."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

SPLITS_FILE = Path(__file__).with_name("splits.toml")

ROLES = ("brand", "anchor", "platform", "carrier", "shop", "supply")
KINDS = ("refund", "shipping", "compensation", "medical")
MEDIA = ("cash", "coupon", "points")


class RuleError(ValueError):
    """The split file is inconsistent (shares not summing to 1, unknown role or kind)."""


@dataclass(frozen=True)
class CauseRule:
    id: str
    zh: str
    en: str
    shares: tuple[tuple[str, Decimal], ...]
    payer: str = "platform"
    medium: str = "cash"
    alliance_shares: tuple[tuple[str, Decimal], ...] = ()
    alliance_kinds: tuple[str, ...] = ()

    def shares_for(self, kind: str, alliance: bool) -> tuple[tuple[str, Decimal], ...]:
        if alliance and self.alliance_shares and kind in self.alliance_kinds:
            return self.alliance_shares
        return self.shares


@dataclass(frozen=True)
class SplitRules:
    version: str
    causes: dict[str, CauseRule]
    reserve_min: Decimal
    reserve_max: Decimal
    reserve_default: Decimal
    deposit_rate: Decimal
    #: the monthly reserve rate follows the brand's return rate: min_rate at or below the low mark, max_rate at
    #: or above the high one, in between on a straight line
    reserve_low_return: Decimal = Decimal("0.05")
    reserve_high_return: Decimal = Decimal("0.15")
    #: the share of what a line was paid that the platform passes on to the product's supplier
    supplier_share: Decimal = Decimal("0.60")

    def cause(self, cause_id: str) -> CauseRule:
        try:
            return self.causes[cause_id]
        except KeyError as error:
            raise RuleError(f"unknown liability cause {cause_id!r}; known: {sorted(self.causes)}") from error


def _decimal(value: Any, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation as error:
        raise RuleError(f"{where}: not a number: {value!r}") from error


def _shares(raw: dict[str, Any], where: str) -> tuple[tuple[str, Decimal], ...]:
    shares = tuple((role, _decimal(value, where)) for role, value in raw.items())
    unknown = [role for role, _ in shares if role not in ROLES]
    if unknown:
        raise RuleError(f"{where}: unknown roles {unknown}; known: {list(ROLES)}")
    if any(value < 0 for _, value in shares) or sum(value for _, value in shares) != 1:
        raise RuleError(f"{where}: shares must be non-negative and sum to exactly 1")
    return shares


def _cause(item: dict[str, Any]) -> CauseRule:
    where = f"cause {item.get('id')!r}"
    payer = str(item.get("payer", "platform"))
    medium = str(item.get("medium", "cash"))
    kinds = tuple(item.get("alliance_kinds", ()))
    if payer not in ROLES or medium not in MEDIA or any(kind not in KINDS for kind in kinds):
        raise RuleError(f"{where}: unknown payer, medium or kind")
    alliance = _shares(item["alliance_shares"], where) if "alliance_shares" in item else ()
    return CauseRule(str(item["id"]), str(item["zh"]), str(item["en"]), _shares(item["shares"], where),
                     payer, medium, alliance, kinds)


def parse_rules(data: dict[str, Any]) -> SplitRules:
    causes = {rule.id: rule for rule in (_cause(item) for item in data["cause"])}
    reserve, deposit = data["reserve"], data["deposit"]
    low, high = _decimal(reserve["min_rate"], "reserve"), _decimal(reserve["max_rate"], "reserve")
    default = _decimal(reserve["default_rate"], "reserve")
    if not 0 <= low <= default <= high <= 1:
        raise RuleError("reserve: need 0 <= min_rate <= default_rate <= max_rate <= 1")
    rate = _decimal(deposit["rate"], "deposit")
    if not 0 <= rate <= 1:
        raise RuleError("deposit: rate must lie in [0, 1]")
    low_return = _decimal(reserve.get("low_return_rate", "0.05"), "reserve")
    high_return = _decimal(reserve.get("high_return_rate", "0.15"), "reserve")
    share = _decimal(deposit.get("supplier_share", "0.60"), "deposit")
    if not 0 <= low_return < high_return <= 1 or not 0 < share <= 1:
        raise RuleError("reserve: need 0 <= low_return_rate < high_return_rate <= 1; deposit: 0 < supplier_share <= 1")
    return SplitRules(str(data["version"]), causes, low, high, default, rate, low_return, high_return, share)


@lru_cache(maxsize=1)
def load_rules() -> SplitRules:
    return parse_rules(tomllib.loads(SPLITS_FILE.read_text(encoding="utf-8")))
