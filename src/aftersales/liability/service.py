"""Liability use cases: responsibility lists, routing and handoffs of cases, and the liability ledger."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.catalog.models import Product
from aftersales.liability import ledger, responsibility, routing
from aftersales.liability import statement as statements
from aftersales.liability.models import Handoff, LedgerAccount, LedgerEntry, LedgerPosting, ResponsibilityList
from aftersales.liability.rules import SplitRules, load_rules
from aftersales.liability.schemas import EntryRead, HandoffRead
from aftersales.orders.models import Order, OrderItem, Shipment
from aftersales.parties.models import Party
from aftersales.problems import Conflict, Forbidden, InvalidInput, NotFound
from aftersales.security.principals import Principal, Role

PUBLISHER_ROLES = frozenset({Role.brand, Role.supervisor, Role.platform_admin})
#: parties a case can be routed to; an agent works a queue but does not answer for a case
RESPONSIBLE_KINDS = frozenset({"platform", "shop", "brand", "anchor", "mcn", "carrier", "supplier"})


@dataclass(frozen=True)
class PublishedList:
    row: ResponsibilityList
    verified: bool


# ---------------------------------------------------------------- responsibility lists

def _product(session: Session, product_id: str) -> Product:
    product = session.get(Product, product_id)
    if product is None:
        raise NotFound(f"商品不存在 / no product {product_id}")
    return product


def platform_id(session: Session) -> str:
    found = session.scalar(select(Party.id).where(Party.kind == "platform").order_by(Party.id).limit(1))
    if found is None:
        raise Conflict("未配置平台主体 / no platform party is configured")
    return found


def publish_list(session: Session, principal: Principal, product_id: str, *, now: datetime,
                 anchor_id: str | None = None, carrier_id: str | None = None) -> ResponsibilityList:
    """Publish a new version of the product's list; a brand publishes only for its own products."""
    product = _product(session, product_id)
    if principal.role not in PUBLISHER_ROLES or (principal.role is Role.brand
                                                  and not principal.speaks_for(product.brand_id)):
        raise Forbidden("只有该商品的品牌方或平台可发布责任清单 / only the product's brand or the platform "
                        "may publish its responsibility list")
    for field, party_id in (("anchor_id", anchor_id), ("carrier_id", carrier_id)):
        if party_id is not None and session.get(Party, party_id) is None:
            raise InvalidInput(f"主体不存在 / no party {party_id}", field=field)
    version = (session.scalar(select(func.max(ResponsibilityList.version))
                              .where(ResponsibilityList.product_id == product_id)) or 0) + 1
    body = responsibility.build_list(product_id=product_id, version=version, published_at=now, parties={
        "brand": product.brand_id, "shop": product.shop_id, "platform": platform_id(session),
        "anchor": anchor_id, "carrier": carrier_id,
    })
    row = ResponsibilityList(product_id=product_id, version=version, body=body, hash=responsibility.list_hash(body),
                             published_at=now, published_by=principal.name or principal.role.value)
    session.add(row)
    session.flush()
    return row


def current_list(session: Session, product_id: str) -> PublishedList:
    """The list in force (newest version) and whether it still matches its published hash."""
    _product(session, product_id)
    row = session.scalar(select(ResponsibilityList).where(ResponsibilityList.product_id == product_id)
                         .order_by(ResponsibilityList.version.desc()).limit(1))
    if row is None:
        raise NotFound(f"商品 {product_id} 尚未发布责任清单 / product {product_id} has no responsibility list")
    return PublishedList(row, responsibility.verify_list(row.body, row.hash, product_id))


# ---------------------------------------------------------------- routing and handoffs

def parties_for_orders(session: Session, orders: Iterable[Order]) -> dict[str, routing.OrderParties]:
    """Who stands behind each order (one read per table for a whole intake batch): the one routing input."""
    orders = list(orders)
    if not orders:
        return {}
    suppliers: dict[str, str | None] = {}
    for order_id, supplier_id in session.execute(
            select(OrderItem.order_id, Product.supplier_id).join(Product, Product.id == OrderItem.product_id)
            .where(OrderItem.order_id.in_([o.id for o in orders])).order_by(OrderItem.line_no)):
        suppliers.setdefault(order_id, supplier_id)  # the first line's supplier stands for the order
    carriers: dict[str, str] = {}
    for order_id, carrier_id in session.execute(
            select(Shipment.order_id, Shipment.carrier_id)
            .where(Shipment.order_id.in_([o.id for o in orders]), Shipment.direction == "outbound",
                   Shipment.carrier_id.is_not(None)).order_by(Shipment.created_at)):
        if carrier_id is not None:
            carriers.setdefault(order_id, carrier_id)
    platform = session.scalar(select(Party.id).where(Party.kind == "platform").order_by(Party.id).limit(1))
    return {o.id: routing.OrderParties(platform_id=platform or o.shop_id, brand_id=o.brand_id, shop_id=o.shop_id,
                                       anchor_id=o.anchor_id, carrier_id=carriers.get(o.id),
                                       supplier_id=suppliers.get(o.id))
            for o in orders}


def order_parties(session: Session, order: Order) -> routing.OrderParties:
    return parties_for_orders(session, [order])[order.id]


def tied_party_ids(parties: routing.OrderParties, session: Session) -> frozenset[str]:
    """Every party tied to the order (and the MCN behind its anchor): the only ones a case may be handed to."""
    tied = {parties.platform_id, parties.brand_id, parties.shop_id, parties.anchor_id, parties.carrier_id,
            parties.supplier_id}
    if parties.anchor_id:
        tied.add(session.scalar(select(Party.parent_id).where(Party.id == parties.anchor_id)))
    return frozenset(p for p in tied if p)


@dataclass(frozen=True)
class CaseHolder:
    """What liability needs to know of a case: its class and the party whose queue holds it."""

    case_id: str
    problem_class: str
    party_id: str | None
    party_kind: str | None


def holders(session: Session, case: CaseHolder) -> list[str]:
    """Every party that has held the case, first-routed included, oldest first."""
    handoffs = list(session.execute(select(Handoff.from_party_id, Handoff.to_party_id)
                                    .where(Handoff.case_id == case.case_id).order_by(Handoff.id)))
    if not handoffs:
        return [case.party_id] if case.party_id else []
    first = [handoffs[0][0]] if handoffs[0][0] else []
    return first + [to for _, to in handoffs]


def hand_off(session: Session, case: CaseHolder, *, to_party_id: str, tied: frozenset[str], reason: str,
             actor_role: str, actor_id: str | None, now: datetime) -> Handoff:
    """Record a handoff to another party's queue; the caller moves the case itself."""
    target = session.get(Party, to_party_id)
    if target is None or target.kind not in RESPONSIBLE_KINDS or to_party_id not in tied:
        raise InvalidInput(f"只能转交给与该订单相关的主体 / {to_party_id} is not a party tied to this order",
                           field="to_party_id")
    if not reason.strip():
        raise InvalidInput("转交须说明原因 / a handoff needs a reason", field="reason")
    if case.party_id == to_party_id:
        raise Conflict("工单已在该主体队列中 / the case is already in that party's queue")
    history = holders(session, case)
    handoff = Handoff(case_id=case.case_id, from_party_id=case.party_id, to_party_id=to_party_id,
                      to_kind=target.kind, reason=reason, loop=routing.is_loop(history, to_party_id),
                      actor_role=actor_role, actor_id=actor_id, at=now)
    session.add(handoff)
    session.flush()
    return handoff


def handoffs_of(session: Session, case_id: str) -> list[Handoff]:
    return list(session.scalars(select(Handoff).where(Handoff.case_id == case_id).order_by(Handoff.id)))


# ---------------------------------------------------------------- ledger

def _account(session: Session, key: ledger.AccountKey, now: datetime, cache: dict[ledger.AccountKey, int]) -> int:
    if key in cache:
        return cache[key]
    found = session.scalar(select(LedgerAccount.id).where(LedgerAccount.party_id == key.party_id,
                                                          LedgerAccount.kind == key.kind))
    if found is None:
        row = LedgerAccount(party_id=key.party_id, kind=key.kind, created_at=now)
        session.add(row)
        session.flush()
        found = row.id
    cache[key] = found
    return found


def _book(session: Session, legs: tuple[ledger.Leg, ...], entry: LedgerEntry) -> LedgerEntry:
    if not ledger.is_balanced(legs):  # the pure planners never do this; the guard keeps the books honest
        raise Conflict("分录不平衡 / unbalanced posting set")
    if entry.reference is not None:
        existing = session.scalar(select(LedgerEntry).where(LedgerEntry.reference == entry.reference))
        if existing is not None:
            return existing
    session.add(entry)
    session.flush()
    cache: dict[ledger.AccountKey, int] = {}
    for leg in legs:
        session.add(LedgerPosting(entry_id=entry.id, account_id=_account(session, leg.account, entry.posted_at,
                                                                           cache),
                                  amount=leg.amount, memo=leg.memo[:60], posted_at=entry.posted_at))
    session.flush()
    return entry


def liability_parties(session: Session, order: Order) -> ledger.LiabilityParties:
    parties = order_parties(session, order)
    supplier = session.get(Party, parties.supplier_id) if parties.supplier_id else None
    return ledger.LiabilityParties(platform=parties.platform_id, brand=parties.brand_id, shop=parties.shop_id,
                                   anchor=parties.anchor_id, carrier=parties.carrier_id, supplier=parties.supplier_id,
                                   supplier_in_alliance=bool(supplier and supplier.attributes.get("alliance")))


def _with_holder(parties: ledger.LiabilityParties, case: CaseHolder) -> ledger.LiabilityParties:
    """The party holding the case stands for its kind: a case handed to a named carrier charges that carrier."""
    kind, holder = case.party_kind, case.party_id
    if holder is None or kind not in ("brand", "anchor", "carrier", "shop", "platform", "supplier"):
        return parties
    fields: dict[str, Any] = {kind: holder}
    return replace(parties, **fields)


def post_case_liability(session: Session, case: CaseHolder, order: Order, kind: str, amount: Decimal,
                        cause: str | None = None, *, now: datetime, medium: str | None = None,
                        reference: str | None = None, actor_id: str | None = None,
                        rules: SplitRules | None = None) -> LedgerEntry:
    """Book who bears a refund, shipping, compensation or medical cost paid on a case (call when it is paid).

    Without a `cause`, it follows from the party holding the case and its class (`routing.ledger_cause`).
    `reference` makes a retried call book nothing twice (e.g. f"{case.id}:refund:1").
    """
    split = rules or load_rules()
    cause = cause or routing.ledger_cause(case.problem_class, case.party_kind)
    try:
        plan = ledger.plan_case(split, kind=kind, amount=amount, cause=cause,
                                parties=_with_holder(liability_parties(session, order), case), medium=medium)
    except ledger.LedgerError as error:
        raise InvalidInput(str(error), field="cause") from error
    entry = LedgerEntry(reference=reference, case_id=case.case_id, entry_type="case", kind=kind, cause=cause,
                        medium=plan.medium, amount=ledger.money(amount), rules_version=split.version,
                        memo=split.cause(cause).zh, actor_id=actor_id, posted_at=now)
    return _book(session, plan.legs, entry)


def _require_party(session: Session, party_id: str, kind: str | None = None) -> Party:
    party = session.get(Party, party_id)
    if party is None or (kind is not None and party.kind != kind):
        raise InvalidInput(f"需要{kind or ''}主体 / no {kind or 'such'} party {party_id}", field="party_id")
    return party


def fund_reserve(session: Session, *, brand_id: str, gmv: Decimal, now: datetime, rate: Decimal | None = None,
                 reference: str | None = None, actor_id: str | None = None) -> LedgerEntry:
    _require_party(session, brand_id, "brand")
    rules = load_rules()
    try:
        legs = ledger.plan_reserve(rules, brand=brand_id, platform=platform_id(session), gmv=gmv, rate=rate)
    except ledger.LedgerError as error:
        raise InvalidInput(str(error), field="rate") from error
    entry = LedgerEntry(reference=reference, entry_type="reserve", amount=-legs[1].amount,
                        rules_version=rules.version, memo=f"GMV {ledger.money(gmv)}", actor_id=actor_id,
                        posted_at=now)
    return _book(session, legs, entry)


def withhold_deposit(session: Session, *, supplier_id: str, payment: Decimal, now: datetime,
                     reference: str | None = None, actor_id: str | None = None) -> LedgerEntry:
    _require_party(session, supplier_id, "supplier")
    rules = load_rules()
    try:
        legs = ledger.plan_deposit(rules, supplier=supplier_id, platform=platform_id(session), payment=payment)
    except ledger.LedgerError as error:
        raise InvalidInput(str(error), field="payment") from error
    entry = LedgerEntry(reference=reference, entry_type="deposit", amount=-legs[1].amount,
                        rules_version=rules.version, memo=f"payment {ledger.money(payment)}", actor_id=actor_id,
                        posted_at=now)
    return _book(session, legs, entry)


def settle(session: Session, *, debtor_id: str, creditor_id: str, amount: Decimal, source: str, now: datetime,
           reference: str | None = None, actor_id: str | None = None) -> LedgerEntry:
    """A debtor pays a creditor what it owes (an anchor recovering its advance from the supplier, say)."""
    _require_party(session, debtor_id)
    _require_party(session, creditor_id)
    owed = -balance(session, debtor_id, "payable")
    if ledger.money(amount) > owed:
        raise InvalidInput(f"结算金额超过应付余额 {owed} / amount exceeds what is owed ({owed})", field="amount")
    try:
        legs = ledger.plan_settlement(debtor=debtor_id, creditor=creditor_id, amount=amount, source=source,
                                      platform=platform_id(session))
    except ledger.LedgerError as error:
        raise InvalidInput(str(error), field="source") from error
    entry = LedgerEntry(reference=reference, entry_type="settlement", medium="cash", amount=ledger.money(amount),
                        memo=f"{debtor_id} → {creditor_id} ({source})", actor_id=actor_id, posted_at=now)
    return _book(session, legs, entry)


def balance(session: Session, party_id: str, kind: str) -> Decimal:
    total = session.scalar(select(func.coalesce(func.sum(LedgerPosting.amount), 0))
                           .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
                           .where(LedgerAccount.party_id == party_id, LedgerAccount.kind == kind))
    return ledger.money(Decimal(str(total)))


def trial_balance(session: Session) -> Decimal:
    """The sum of every posting ever made: zero, or the books are broken."""
    total = session.scalar(select(func.coalesce(func.sum(LedgerPosting.amount), 0)))
    return ledger.money(Decimal(str(total)))


def may_see_party(principal: Principal, party_id: str) -> bool:
    return principal.is_governance or principal.speaks_for(party_id)


def statement(session: Session, party_id: str, month: str) -> statements.Statement:
    """The party's postings in the month (Shanghai calendar) with opening and closing balances per account."""
    party = session.get(Party, party_id)
    if party is None:
        raise NotFound(f"主体不存在 / no party {party_id}")
    try:
        start, end = statements.month_window(month)
    except statements.MonthError as error:
        raise InvalidInput(str(error), field="month") from error
    opening_rows = session.execute(
        select(LedgerAccount.kind, func.sum(LedgerPosting.amount))
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .where(LedgerAccount.party_id == party_id, LedgerPosting.posted_at < start)
        .group_by(LedgerAccount.kind))
    opening = {kind: ledger.money(Decimal(str(total))) for kind, total in opening_rows}
    rows = session.execute(
        select(LedgerPosting, LedgerEntry, LedgerAccount.kind)
        .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
        .join(LedgerEntry, LedgerEntry.id == LedgerPosting.entry_id)
        .where(LedgerAccount.party_id == party_id, LedgerPosting.posted_at >= start, LedgerPosting.posted_at < end)
        .order_by(LedgerPosting.posted_at, LedgerPosting.id))
    lines = [statements.Line(posting.posted_at, entry.id, entry.entry_type, entry.case_id, entry.kind, entry.cause,
                             kind, ledger.money(posting.amount), entry.memo)
             for posting, entry, kind in rows]
    return statements.build(party.id, party.name, month, lines, opening)


def entry_read(db: Session, entry: LedgerEntry) -> EntryRead:
    """An entry with its legs, as the API shows it."""
    legs = db.execute(select(LedgerAccount.party_id, LedgerAccount.kind, LedgerPosting.amount)
                      .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
                      .where(LedgerPosting.entry_id == entry.id).order_by(LedgerPosting.id))
    return EntryRead(id=entry.id, entry_type=entry.entry_type, case_id=entry.case_id, kind=entry.kind,
                     cause=entry.cause, medium=entry.medium, amount=entry.amount, rules_version=entry.rules_version,
                     posted_at=entry.posted_at,
                     legs=[{"party_id": party, "account": kind, "amount": str(amount)} for party, kind, amount in legs])


def handoff_read(row: Handoff, count: int) -> HandoffRead:
    return HandoffRead(case_id=row.case_id, from_party_id=row.from_party_id, to_party_id=row.to_party_id,
                       to_kind=row.to_kind, reason=row.reason, loop=row.loop, actor_role=row.actor_role, at=row.at,
                       handoff_count=count)
