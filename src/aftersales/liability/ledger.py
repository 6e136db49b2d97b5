"""Double-entry liability postings: who bears what of each payment, and who owes whom. Pure.

Sign convention: a debit is positive, a credit negative; every posting set sums to exactly zero, so the
balances of all accounts together are always zero. Accounts are (party, kind):
  liability   what the party bears (debit balance)
  payout      what the party paid buyers in cash (credit balance)
  coupon      coupons or points the party issued to buyers (credit balance)
  receivable  what others owe the party after it paid for them
  payable     what the party owes the one who paid for it
  reserve     a brand's after-sales reserve held by the platform (credit balance: owed back to the brand)
  deposit     a supplier's withheld after-sales deposit (credit balance)
  custody     the platform's holding of reserves and deposits (debit balance)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from aftersales.liability.rules import KINDS, MEDIA, RuleError, SplitRules
from aftersales.money import allocate, money

ACCOUNT_KINDS = ("liability", "payout", "coupon", "receivable", "payable", "reserve", "deposit", "custody")


class LedgerError(ValueError):
    """A posting request that cannot be booked (negative amount, a role with no party, ...)."""


@dataclass(frozen=True, order=True)
class AccountKey:
    party_id: str
    kind: str


@dataclass(frozen=True)
class Leg:
    account: AccountKey
    amount: Decimal
    memo: str = ""


@dataclass(frozen=True)
class LiabilityParties:
    """The order's parties that a split role can resolve to."""

    platform: str
    brand: str
    shop: str
    anchor: str | None = None
    carrier: str | None = None
    supplier: str | None = None
    supplier_in_alliance: bool = False

    def resolve(self, role: str) -> str | None:
        if role == "supply":
            return self.supplier or self.brand
        value: str | None = getattr(self, role)
        return value


@dataclass(frozen=True)
class CasePlan:
    legs: tuple[Leg, ...]
    #: party id → what it bears, summing exactly to the amount
    borne: tuple[tuple[str, Decimal], ...]
    payer_id: str
    medium: str
    cause: str


def _merge(pairs: Iterable[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    # one party can fill two roles (no supplier → supply is the brand): it bears the sum, listed once
    merged: dict[str, Decimal] = {}
    for party, value in pairs:
        merged[party] = merged.get(party, Decimal(0)) + value
    return list(merged.items())


def plan_case(rules: SplitRules, *, kind: str, amount: Decimal, cause: str, parties: LiabilityParties,
              medium: str | None = None) -> CasePlan:
    """The legs that book one payment to a buyer: the bearers' shares, the payer's outflow, the debts."""
    if kind not in KINDS:
        raise LedgerError(f"unknown kind {kind!r}; known: {list(KINDS)}")
    if money(amount) <= 0:
        raise LedgerError("amount must be positive")
    try:
        rule = rules.cause(cause)
    except RuleError as error:
        raise LedgerError(str(error)) from error
    paid_in = medium or rule.medium
    if paid_in not in MEDIA:
        raise LedgerError(f"unknown medium {paid_in!r}; known: {list(MEDIA)}")
    shares = rule.shares_for(kind, parties.supplier_in_alliance and parties.supplier is not None)
    resolved: list[tuple[str, Decimal]] = []
    for role, share in shares:
        party = parties.resolve(role)
        if party is None:
            raise LedgerError(f"cause {cause!r} needs a {role} party but the order has none")
        resolved.append((party, share))
    payer = parties.resolve(rule.payer)
    if payer is None:
        raise LedgerError(f"cause {cause!r} is paid by the {rule.payer}, which the order lacks")
    borne = _merge(allocate(amount, resolved))
    total = money(amount)
    memo = f"{kind}:{cause}"
    legs = [Leg(AccountKey(party, "liability"), value, memo) for party, value in borne if value]
    legs.append(Leg(AccountKey(payer, "payout" if paid_in == "cash" else "coupon"), -total, memo))
    for party, value in borne:
        if party != payer and value:
            legs.append(Leg(AccountKey(payer, "receivable"), value, memo))
            legs.append(Leg(AccountKey(party, "payable"), -value, memo))
    return CasePlan(tuple(legs), tuple(borne), payer, paid_in, cause)


def plan_settlement(*, debtor: str, creditor: str, amount: Decimal, source: str,
                    platform: str) -> tuple[Leg, ...]:
    """The debtor pays what it owes: directly, from its reserve, or from its withheld deposit."""
    if source not in ("direct", "reserve", "deposit"):
        raise LedgerError("source must be direct, reserve or deposit")
    value = money(amount)
    if value <= 0:
        raise LedgerError("amount must be positive")
    memo = f"settle:{source}"
    legs = [Leg(AccountKey(debtor, "payable"), value, memo),
            Leg(AccountKey(creditor, "receivable"), -value, memo)]
    if source != "direct":
        # the money leaves the platform's custody on the debtor's behalf
        legs += [Leg(AccountKey(debtor, source), value, memo),
                 Leg(AccountKey(platform, "custody"), -value, memo)]
    return tuple(legs)


def plan_reserve(rules: SplitRules, *, brand: str, platform: str, gmv: Decimal,
                 rate: Decimal | None = None) -> tuple[Leg, ...]:
    """A brand tops up its after-sales reserve: a share of its GMV within the configured band."""
    chosen = rules.reserve_default if rate is None else rate
    if not rules.reserve_min <= chosen <= rules.reserve_max:
        raise LedgerError(f"reserve rate must lie between {rules.reserve_min} and {rules.reserve_max}")
    return _held(money(gmv) * chosen, party=brand, kind="reserve", platform=platform)


def reserve_rate(rules: SplitRules, return_rate: float) -> Decimal:
    """The month's reserve rate for a brand: 3 % when few of its orders come back, up to 5 % when many do."""
    low, high = rules.reserve_low_return, rules.reserve_high_return
    position = min(max((Decimal(str(return_rate)) - low) / (high - low), Decimal(0)), Decimal(1))
    rate = rules.reserve_min + (rules.reserve_max - rules.reserve_min) * position
    return rate.quantize(Decimal("0.0001"))


def plan_deposit(rules: SplitRules, *, supplier: str, platform: str, payment: Decimal) -> tuple[Leg, ...]:
    """Withhold the configured share of a supplier payment as its after-sales deposit."""
    return _held(money(payment) * rules.deposit_rate, party=supplier, kind="deposit", platform=platform)


def _held(amount: Decimal, *, party: str, kind: str, platform: str) -> tuple[Leg, ...]:
    value = money(amount)
    if value <= 0:
        raise LedgerError("amount must be positive")
    return (Leg(AccountKey(platform, "custody"), value, kind), Leg(AccountKey(party, kind), -value, kind))


def balances(legs: Iterable[Leg]) -> dict[AccountKey, Decimal]:
    totals: dict[AccountKey, Decimal] = {}
    for leg in legs:
        totals[leg.account] = totals.get(leg.account, Decimal(0)) + leg.amount
    return totals


def is_balanced(legs: Iterable[Leg]) -> bool:
    return sum((leg.amount for leg in legs), Decimal(0)) == 0


def borne_by(legs: Iterable[Leg]) -> Mapping[str, Decimal]:
    """What each party bears (its liability balance)."""
    return {key.party_id: value for key, value in balances(legs).items() if key.kind == "liability"}
