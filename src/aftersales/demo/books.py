"""The liability ledger for the demo year: who bore each refund and medical payment, monthly brand reserves
(3–5 % of GMV) and supplier deposits (10 % withheld). Postings come from the liability domain's own pure
planners, so balances and splits read exactly as the live service would book them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from aftersales.demo.journey import Story
from aftersales.liability import ledger
from aftersales.liability.routing import ledger_cause
from aftersales.liability.rules import SplitRules, load_rules

Row = dict[str, Any]
PLATFORM = "platform"
HOLDER_KINDS = frozenset({"brand", "anchor", "carrier", "shop", "platform", "supplier"})
# what a brand pays its supplier, as a share of what it sells (the base of the 10 % deposit)
SUPPLIER_SHARE = Decimal("0.6")


@dataclass
class Books:
    """Rows for ledger_accounts, ledger_entries and ledger_postings, with ids assigned here."""

    next_account: int
    next_entry: int
    accounts: dict[tuple[str, str], int] = field(default_factory=dict)
    account_rows: list[Row] = field(default_factory=list)
    entries: list[Row] = field(default_factory=list)
    postings: list[Row] = field(default_factory=list)
    skipped: int = 0

    def book(self, legs: tuple[ledger.Leg, ...], entry: Row) -> None:
        self.next_entry += 1
        entry["id"] = self.next_entry
        self.entries.append(entry)
        for leg in legs:
            self.postings.append({"entry_id": entry["id"], "account_id": self._account(leg.account, entry),
                                  "amount": leg.amount, "memo": leg.memo[:60], "posted_at": entry["posted_at"]})

    def _account(self, key: ledger.AccountKey, entry: Row) -> int:
        pair = (key.party_id, key.kind)
        if pair not in self.accounts:
            self.next_account += 1
            self.accounts[pair] = self.next_account
            self.account_rows.append({"id": self.next_account, "party_id": key.party_id, "kind": key.kind,
                                      "created_at": entry["posted_at"]})
        return self.accounts[pair]


def _parties(story: Story, case: Row, alliance: dict[str, bool]) -> ledger.LiabilityParties:
    sale = story.intake.sale
    supplier = f"supplier-{sale.product.brand_id.split('-')[1]}"
    parties = ledger.LiabilityParties(platform=PLATFORM, brand=sale.product.brand_id, shop=sale.product.shop_id,
                                      anchor=sale.anchor.id if sale.anchor else None,
                                      carrier=sale.carrier[0] if sale.carrier else None, supplier=supplier,
                                      supplier_in_alliance=alliance.get(supplier, False))
    kind, holder = case["responsible_kind"], case["responsible_party_id"]
    if holder is None or kind not in HOLDER_KINDS:
        return parties
    # the party holding the case stands for its kind, as liability.service._with_holder does
    return replace(parties, **{kind: holder})


def case_entries(books: Books, rules: SplitRules, stories: list[Story], cases: list[Row], offers: list[Row],
                 alliance: dict[str, bool]) -> None:
    paid: dict[str, list[tuple[str, Decimal, datetime]]] = defaultdict(list)
    for offer in offers:
        if offer["accepted"] and offer["kind"] in ("medical", "cash") and offer["amount"] > 0:
            kind = "medical" if offer["kind"] == "medical" else "compensation"
            paid[offer["case_id"]].append((kind, offer["amount"], offer["responded_at"]))
    for story, case in zip(stories, cases, strict=True):
        payments = list(paid.get(case["id"], []))
        if case["refunded_at"] is not None and case["refund_amount"]:
            payments.insert(0, ("refund", case["refund_amount"], case["refunded_at"]))
        if not payments:
            continue
        parties = _parties(story, case, alliance)
        cause = ledger_cause(case["confirmed_category"] or case["category"], case["responsible_kind"])
        for number, (kind, amount, at) in enumerate(payments, start=1):
            try:
                plan = ledger.plan_case(rules, kind=kind, amount=amount, cause=cause, parties=parties)
            except ledger.LedgerError:
                books.skipped += 1  # a split that needs a party this order lacks: the service would refuse too
                continue
            books.book(plan.legs, {
                "reference": f"{case['id']}:{kind}:{number}", "case_id": case["id"], "entry_type": "case",
                "kind": kind, "cause": cause, "medium": plan.medium, "amount": ledger.money(amount),
                "rules_version": rules.version, "memo": rules.cause(cause).zh, "actor_id": None, "posted_at": at})


def monthly_entries(books: Books, rules: SplitRules, orders: list[Row], now: datetime) -> None:
    """Each brand tops up its reserve and has its supplier's deposit withheld at every month's end."""
    gmv: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for order in orders:
        gmv[(order["brand_id"], order["placed_at"].strftime("%Y-%m"))] += order["amount"]
    for (brand, month), total in sorted(gmv.items()):
        year, number = int(month[:4]), int(month[5:])
        month_end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=now.tzinfo) - timedelta(seconds=1)
        if month_end >= now or total <= 0:
            continue
        supplier = f"supplier-{brand.split('-')[1]}"
        reserve = ledger.plan_reserve(rules, brand=brand, platform=PLATFORM, gmv=total)
        books.book(reserve, _held_entry(f"reserve:{brand}:{month}", "reserve", reserve, f"GMV {ledger.money(total)}",
                                        rules, month_end))
        payment = total * SUPPLIER_SHARE
        deposit = ledger.plan_deposit(rules, supplier=supplier, platform=PLATFORM, payment=payment)
        books.book(deposit, _held_entry(f"deposit:{supplier}:{month}", "deposit", deposit,
                                        f"payment {ledger.money(payment)}", rules, month_end))


def _held_entry(reference: str, entry_type: str, legs: tuple[ledger.Leg, ...], memo: str, rules: SplitRules,
                at: datetime) -> Row:
    return {"reference": reference, "case_id": None, "entry_type": entry_type, "kind": None, "cause": None,
            "medium": "cash", "amount": -legs[1].amount, "rules_version": rules.version, "memo": memo,
            "actor_id": None, "posted_at": at}


def build_books(stories: list[Story], cases: list[Row], offers: list[Row], orders: list[Row],
                parties: list[Row], now: datetime, *, next_account: int, next_entry: int) -> Books:
    rules = load_rules()
    alliance = {p["id"]: bool(p["attributes"].get("alliance")) for p in parties if p["kind"] == "supplier"}
    books = Books(next_account, next_entry)
    monthly_entries(books, rules, orders, now)
    case_entries(books, rules, stories, cases, offers, alliance)
    return books
