"""The facts a policy decision turns on, and a strict parser that names the offending field."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, TypeVar

from aftersales.policy.vocabulary import CaseType, Evidence, ItemState, Problem, Promise
from aftersales.problems import InvalidInput

E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


@dataclass(frozen=True)
class PriceDrop:
    """A lower price of the same SKU after the order, open to this kind of buyer (see docs/policy.md)."""

    #: whole days from the order to the moment the price took effect (the promised period counts these)
    day: int
    price: Decimal
    #: when the price took effect, ISO 8601 in UTC
    at: str
    #: list | promotion | live | coupon (catalog price history)
    source: str
    #: where it was offered, e.g. the live session id; "" when nothing more is known
    ref: str = ""


@dataclass(frozen=True)
class Facts:
    """One after-sales request as the policy sees it; list fields are sorted and deduplicated."""

    product_category: str
    product_tags: tuple[str, ...]
    case_type: CaseType
    problem: Problem
    # None means not delivered yet; day windows then count as day 0.
    days_since_delivery: int | None
    item_state: ItemState
    evidence: tuple[Evidence, ...]
    promises: tuple[Promise, ...]
    shipping_insurance: bool
    paid_amount: Decimal
    # Picks the rule set in force when the order was placed; None → the newest set.
    order_placed_at: date | None = None
    # From the anchor's checkable claims (live domain): True = a claim was contradicted; None = unknown.
    claim_mismatch: bool | None = None
    # Price protection (价保): whole days from the order to the request, the period the anchor promised
    # (价保30天), what one unit cost the buyer net of shipping, how many units, and the later lower prices.
    days_since_order: int | None = None
    promised_price_days: int | None = None
    unit_paid: Decimal | None = None
    quantity: int = 1
    price_drops: tuple[PriceDrop, ...] = ()


OPTIONAL_FIELDS = frozenset({"order_placed_at", "claim_mismatch", "days_since_order", "promised_price_days",
                             "unit_paid", "quantity", "price_drops"})
FIELD_NAMES = tuple(f.name for f in fields(Facts))


def _bad(field: str, zh: str, en: str) -> InvalidInput:
    return InvalidInput(f"字段 {field}：{zh} / field {field}: {en}", field=field)


def _string(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _bad(name, "应为非空字符串", "must be a non-empty string")
    return value.strip()


def _choice(enum: type[E]) -> Callable[[str, Any], E]:
    def parse(name: str, value: Any) -> E:
        allowed = ", ".join(member.value for member in enum)
        if not isinstance(value, str) or value not in enum._value2member_map_:
            zh, en = f"取值无效 {value!r}，可选：{allowed}", f"invalid value {value!r}; one of: {allowed}"
            raise _bad(name, zh, en)
        return enum(value)

    return parse


def _list_of(item: Callable[[str, Any], T]) -> Callable[[str, Any], tuple[T, ...]]:
    def parse(name: str, value: Any) -> tuple[T, ...]:
        if not isinstance(value, list):
            raise _bad(name, "应为列表", "must be a list")
        # Sorted and deduplicated so that the order a client lists things in never matters.
        return tuple(sorted(set(item(name, v) for v in value)))  # type: ignore[type-var]

    return parse


def _days(name: str, value: Any) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        zh, en = "应为非负整数或 null（未签收）", "must be a non-negative integer or null (not delivered)"
        raise _bad(name, zh, en)
    return value


def _boolean(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise _bad(name, "应为 true 或 false", "must be true or false")
    return value


def _optional_boolean(name: str, value: Any) -> bool | None:
    return None if value is None else _boolean(name, value)


def _amount(name: str, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise _bad(name, "应为金额（数字或数字字符串）", "must be an amount (number or numeric string)")
    if isinstance(value, float) and not math.isfinite(value):
        raise _bad(name, "金额无效", "invalid amount")
    try:
        # str() first so that 19.9 stays 19.9 rather than its binary expansion.
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise _bad(name, f"金额无效 {value!r}", f"invalid amount {value!r}") from None
    if not amount.is_finite() or amount < 0:
        raise _bad(name, "金额应为非负有限数", "amount must be finite and not negative")
    return amount


def _optional_amount(name: str, value: Any) -> Decimal | None:
    return None if value is None else _amount(name, value)


def _quantity(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise _bad(name, "应为正整数", "must be a positive integer")
    return value


_DROP_KEYS = ("day", "price", "at", "source", "ref")


def _drop(name: str, value: Any) -> PriceDrop:
    if not isinstance(value, Mapping) or not {"day", "price", "at", "source"} <= set(value) \
            or not set(value) <= set(_DROP_KEYS):
        raise _bad(name, "每项应为 {day, price, at, source, ref}", "each entry must be {day, price, at, source, ref}")
    day = _days(name, value["day"])
    if day is None:
        raise _bad(name, "day 应为非负整数", "day must be a non-negative integer")
    try:
        datetime.fromisoformat(str(value["at"]))
    except ValueError:
        raise _bad(name, "at 应为 ISO 8601 时间", "at must be an ISO 8601 time") from None
    return PriceDrop(day=day, price=_amount(name, value["price"]), at=str(value["at"]),
                     source=_string(name, value["source"]), ref=str(value.get("ref") or ""))


def _drops(name: str, value: Any) -> tuple[PriceDrop, ...]:
    if not isinstance(value, list):
        raise _bad(name, "应为列表", "must be a list")
    # the earliest first: a shorter period must find the drop it would have seen, whatever order they came in
    return tuple(sorted({_drop(name, v) for v in value}, key=lambda d: (d.day, d.at, d.price, d.source, d.ref)))


def _date(name: str, value: Any) -> date | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise _bad(name, "应为日期 YYYY-MM-DD 或 null", "must be a date YYYY-MM-DD or null")


_PARSERS: dict[str, Callable[[str, Any], Any]] = {
    "product_category": _string,
    "product_tags": _list_of(_string),
    "case_type": _choice(CaseType),
    "problem": _choice(Problem),
    "days_since_delivery": _days,
    "item_state": _choice(ItemState),
    "evidence": _list_of(_choice(Evidence)),
    "promises": _list_of(_choice(Promise)),
    "shipping_insurance": _boolean,
    "paid_amount": _amount,
    "order_placed_at": _date,
    "claim_mismatch": _optional_boolean,
    "days_since_order": _days,
    "promised_price_days": _days,
    "unit_paid": _optional_amount,
    "quantity": _quantity,
    "price_drops": _drops,
}


def parse_facts(data: Any) -> Facts:
    """Build Facts from a decoded JSON object; any unknown, missing or ill-typed field raises InvalidInput."""
    if not isinstance(data, Mapping):
        raise InvalidInput("事实应为 JSON 对象 / facts must be a JSON object")
    for key in data:
        if key not in _PARSERS:
            raise _bad(str(key), "未知字段", f"unknown field; known fields: {', '.join(FIELD_NAMES)}")
    for name in FIELD_NAMES:
        if name not in data and name not in OPTIONAL_FIELDS:
            raise _bad(name, "缺少必填字段", "required field is missing")
    values = {name: _PARSERS[name](name, data[name]) for name in FIELD_NAMES if name in data}
    return Facts(**values)


def facts_as_dict(facts: Facts) -> dict[str, Any]:
    """The JSON shape parse_facts accepts, so facts round-trip."""
    out: dict[str, Any] = {}
    for name in FIELD_NAMES:
        value = getattr(facts, name)
        if name == "price_drops":
            value = [{"day": d.day, "price": f"{d.price:.2f}", "at": d.at, "source": d.source, "ref": d.ref}
                     for d in value]
        elif isinstance(value, tuple):
            value = [str(v) for v in value]
        elif isinstance(value, Decimal | date):
            value = str(value) if isinstance(value, Decimal) else value.isoformat()
        out[name] = value
    return out


def facts_from_record(data: Mapping[str, Any]) -> Facts:
    """Facts from a record `facts_as_dict` wrote (a decision's snapshot): converted without re-validating each
    value, which a replay of a month of cases cannot afford; anything unexpected goes through `parse_facts`,
    which names the field."""
    try:
        placed = data.get("order_placed_at")
        unit_paid = data.get("unit_paid")
        facts = Facts(
            product_category=data["product_category"], product_tags=tuple(data["product_tags"]),
            case_type=CaseType(data["case_type"]), problem=Problem(data["problem"]),
            days_since_delivery=data["days_since_delivery"], item_state=ItemState(data["item_state"]),
            evidence=tuple(Evidence(e) for e in data["evidence"]), promises=tuple(Promise(p) for p in data["promises"]),
            shipping_insurance=data["shipping_insurance"], paid_amount=Decimal(data["paid_amount"]),
            order_placed_at=date.fromisoformat(placed) if placed else None, claim_mismatch=data.get("claim_mismatch"),
            days_since_order=data.get("days_since_order"), promised_price_days=data.get("promised_price_days"),
            unit_paid=Decimal(unit_paid) if unit_paid is not None else None, quantity=data.get("quantity", 1),
            price_drops=tuple(PriceDrop(d["day"], Decimal(d["price"]), d["at"], d["source"], d.get("ref", ""))
                              for d in data.get("price_drops", ())))
    except (KeyError, ValueError, TypeError, ArithmeticError):
        return parse_facts(data)
    return facts if _plain(facts) else parse_facts(data)


def _iso(value: Any) -> bool:
    try:
        return type(value) is str and datetime.fromisoformat(value) is not None
    except ValueError:
        return False


def _count(value: Any) -> bool:
    return value is None or (type(value) is int and value >= 0)


def _plain(facts: Facts) -> bool:
    """The cheap checks the fast reader owes: each value of the type parse_facts would have given it."""
    amounts = [facts.paid_amount, *([facts.unit_paid] if facts.unit_paid is not None else []),
               *(d.price for d in facts.price_drops)]
    return (type(facts.quantity) is int and facts.quantity >= 1 and type(facts.shipping_insurance) is bool
            and (facts.claim_mismatch is None or type(facts.claim_mismatch) is bool)
            and all(_count(v) for v in (facts.days_since_delivery, facts.days_since_order, facts.promised_price_days))
            and all(type(d.day) is int and d.day >= 0 and _iso(d.at) and type(d.source) is str
                    for d in facts.price_drops)
            and type(facts.product_category) is str and all(type(t) is str for t in facts.product_tags)
            and all(a.is_finite() and a >= 0 for a in amounts))
