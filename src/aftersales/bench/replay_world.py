"""A database of past cases for `aftersales bench replay`: orders with lines, and cases decided by the shipped
rules the way intake decides them (the same line facts, the same snapshot on the decision), in bulk."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from aftersales.cases.adjudication import LineInput, line_facts, snapshot
from aftersales.cases.models import Case, CaseItem
from aftersales.catalog.models import Category, Product
from aftersales.orders.models import Order, OrderItem
from aftersales.parties.models import Buyer, Party
from aftersales.policy.lines import decide_lines
from aftersales.policy.price_rules import PricePoint
from aftersales.policy.service import RuleBook, decide_for

#: (category, problem, case type, share of cases): the mix of a month of a live-commerce shop
SCENARIOS = (
    ("apparel", "no_reason_return", "return_refund", 18), ("lipstick", "no_reason_return", "return_refund", 8),
    ("food", "no_reason_return", "refund_only", 4), ("underwear", "size_fit", "exchange", 4),
    ("phone", "quality_defect", "exchange", 10), ("electronics", "quality_defect", "repair", 5),
    ("skincare", "allergy_reaction", "allergy_claim", 8), ("lipstick", "price_protection", "price_protection", 6),
    ("apparel", "price_protection", "price_protection", 4), ("home", "damaged_in_transit", "return_refund", 8),
    ("shoes", "logistics_delay", "refund_only", 8), ("course", "virtual_goods", "refund_only", 3),
    ("skincare", "counterfeit", "return_refund", 3), ("apparel", "not_as_described", "return_refund", 6),
    ("home", "missing_item", "complaint", 5),
)
STATES = ("unopened", "opened_unused", "used")
EVIDENCE = ((), ("photo",), ("photo", "video"), ("medical_report",), ("test_report",))
START = datetime(2026, 9, 30, 16, 0, tzinfo=UTC)  # 2026-10-01 00:00 in Asia/Shanghai
CHUNK = 5000


@dataclass
class Seeded:
    cases: int
    lines: int
    first_day: str
    last_day: str


def seed(session_factory: Any, book: RuleBook, cases: int, seed_value: int = 2026) -> Seeded:
    """Insert `cases` cases filed across October 2026 (and their orders) into an empty migrated database."""
    rng = random.Random(seed_value)
    with session_factory() as session:
        _catalog(session, book)
        session.commit()
    lines = 0
    weights = [w for *_, w in SCENARIOS]
    for start in range(0, cases, CHUNK):
        rows: dict[str, list[dict[str, Any]]] = {"orders": [], "order_items": [], "cases": [], "case_items": []}
        for number in range(start, min(cases, start + CHUNK)):
            lines += _one_case(rows, rng, number, rng.choices(SCENARIOS, weights)[0], book)
        with session_factory() as session:
            for model in (Order, OrderItem, Case, CaseItem):
                session.execute(insert(model), rows[model.__tablename__])
            session.commit()
    return Seeded(cases, lines, "2026-10-01", "2026-10-31")


def _catalog(session: Session, book: RuleBook) -> None:
    now = START - timedelta(days=90)
    session.add_all([Party(id="BR", kind="brand", name="品牌", attributes={}, created_at=now),
                     Party(id="SH", kind="shop", name="店铺", parent_id="BR", attributes={}, created_at=now),
                     Party(id="AN", kind="anchor", name="主播", attributes={}, created_at=now)])
    session.flush()
    rules = book.newest
    for code in _tree_order(rules.categories):
        category = rules.categories[code]
        session.add(Category(code=code, name_zh=category.zh, name_en=category.en, parent_code=category.parent))
        session.flush()
    session.add_all(Product(id=f"P-{code}", name=code, brand_id="BR", shop_id="SH", category_code=code, tags=[],
                            price=Decimal("199.00"), created_at=now) for code in rules.categories)
    session.add_all(Buyer(id=f"U{n}", name_enc="-", phone_enc="-", address_enc="-", created_at=now)
                    for n in range(1000))


def _tree_order(tree: Any) -> Iterator[str]:
    done: set[str] = set()
    while len(done) < len(tree):
        for code, category in tree.items():
            if code not in done and (category.parent is None or category.parent in done):
                done.add(code)
                yield code


def _one_case(rows: dict[str, list[dict[str, Any]]], rng: random.Random, number: int, scenario: tuple[Any, ...],
              book: RuleBook) -> int:
    category, problem, case_type, _ = scenario
    filed = START + timedelta(seconds=rng.randrange(31 * 86400))
    placed = filed - timedelta(days=rng.randrange(2, 45))
    delivered = placed + timedelta(days=2) if rng.random() > 0.05 else None
    order_id, buyer = f"O{number}", f"U{rng.randrange(1000)}"
    count = 2 if rng.random() < 0.2 else 1
    inputs = [_line(rng, number * 2 + n, order_id, n + 1, category if n == 0 else rng.choice(SCENARIOS)[0],
                    placed, delivered, problem) for n in range(count)]
    amount = sum((line.paid for line in inputs), Decimal(0))
    rows["orders"].append({"id": order_id, "buyer_id": buyer, "shop_id": "SH", "brand_id": "BR", "amount": amount,
                           "placed_at": placed, "delivered_at": delivered, "created_at": placed,
                           "shipping_insurance": rng.random() < 0.4})
    for line in inputs:
        rows["order_items"].append({"id": line.item_id, "order_id": order_id, "line_no": line.line_no,
                                    "product_id": line.product_id, "quantity": line.quantity,
                                    "unit_price": line.unit_price, "paid_amount": line.paid, "sku": line.sku})
    state, evidence = rng.choice(STATES), rng.choice(EVIDENCE)
    facts = [line_facts(line, case_type=case_type, category=problem, item_state=state, evidence=evidence,
                        now=filed, claim_mismatch=rng.choice((None, True, False))) for line in inputs]
    judged = decide_lines(facts, lambda f: decide_for(f, book))
    decision = {**judged.as_dict(), "facts": {"item_state": state, "evidence": list(evidence),
                                              **snapshot(facts[0].facts, facts)}}
    case_id = f"CS{number:08d}"
    rows["cases"].append({"id": case_id, "order_id": order_id, "buyer_id": buyer, "case_type": case_type,
                          "state": "answered", "tier": "L1", "text": "-", "category": problem, "created_at": filed,
                          "updated_at": filed, "decision": decision, "claimed_amount": amount})
    rows["case_items"].extend({"case_id": case_id, "order_item_id": line.item_id, "order_id": order_id,
                               "quantity": line.quantity, "paid_amount": line.paid} for line in inputs)
    return count


def _line(rng: random.Random, item_id: int, order_id: str, line_no: int, category: str, placed: datetime,
          delivered: datetime | None, problem: str) -> LineInput:
    quantity = rng.choice((1, 1, 1, 2, 3))
    unit = Decimal(rng.randrange(1990, 59990)) / 100
    prices: tuple[PricePoint, ...] = ()
    if problem == "price_protection":
        prices = tuple(PricePoint(price=(unit * Decimal(rng.randrange(60, 105)) / 100).quantize(Decimal("0.01")),
                                  at=placed + timedelta(days=rng.randrange(0, 20), hours=rng.randrange(1, 23)),
                                  source=rng.choice(("promotion", "live", "coupon")),
                                  audience=rng.choice(("all", "all", "fans", "new_buyer")))
                       for _ in range(rng.randrange(0, 4)))
    return LineInput(order_id=order_id, line_no=line_no, item_id=item_id, product_id=f"P-{category}",
                     category=category, tags=(), quantity=quantity, paid=unit * quantity, unit_price=unit, sku=None,
                     placed_at=placed, delivered_at=delivered, shipping_insurance=False,
                     promised_price_days=rng.choice((None, 7, 15, 30)) if problem == "price_protection" else None,
                     prices=prices)
