"""Price protection (价保) decided on its own: the anchor's recorded promise sets the period, the price history
recorded through the API sets the refund, and the reason names the price, when and where it was offered."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from aftersales.clock import SHANGHAI, FrozenClock
from aftersales.live import service as live_service
from aftersales.live.models import LiveSession
from aftersales.runtime import Runtime
from tests.conftest import Api
from tests.factories import World

ASK = "买完第二天直播间就降价了，申请价保退差价"


def _promise(runtime: Runtime, text: str = "这支口红价保30天，放心拍") -> None:
    with runtime.session() as session:
        live = session.get(LiveSession, "LS-1")
        assert live is not None
        live_service.record_claim(session, live, text=text, offset_ms=1_800_000, product_ids=["PR-LIP1"],
                                  now=runtime.clock.now() - timedelta(days=6))
        session.commit()


def _price(world: World, days_ago: float, price: str, **changes: Any) -> dict[str, Any]:
    at = world.now - timedelta(days=days_ago)
    return {"product_id": "PR-LIP1", "price": price, "effective_at": at.isoformat(), "source": "live",
            "live_session_id": "LS-1", **changes}


def _opened(api: Api, order_id: str = "O-1001", text: str = ASK, who: str = "buyer") -> dict[str, Any]:
    opened = api.as_(who).post("/api/v1/cases", json={"order_id": order_id, "case_type": "price_protection",
                                                         "text": text})
    assert opened.status_code == 201, opened.text
    case: dict[str, Any] = opened.json()
    return case


def _case(api: Api, order_id: str = "O-1001", text: str = ASK, who: str = "buyer") -> dict[str, Any]:
    decision: dict[str, Any] = _opened(api, order_id, text, who)["decision"]
    return decision


def test_a_promised_price_drop_is_refunded_at_once_naming_price_time_and_source(api: Api, runtime: Runtime,
                                                                                world: World) -> None:
    _promise(runtime)
    # O-1001 was placed five days ago at 199.00; later prices the buyer could not have paid do not count
    bulk = api.as_("brand").post("/api/v1/prices/bulk", json=[
        _price(world, 3, "159.00"),
        _price(world, 2, "99.00", source="coupon", audience="new_buyer", live_session_id=None),
        _price(world, 2, "129.00", source="promotion", audience="member", live_session_id=None),
        _price(world, 1, "149.00", source="coupon", min_spend="300.00", live_session_id=None),
        _price(world, 8, "120.00", source="promotion", live_session_id=None),  # before the order
    ])
    assert bulk.status_code == 200 and bulk.json()["created"] == 5, bulk.text
    case = _opened(api)
    decision = case["decision"]
    assert (decision["outcome"], decision["remedy"]) == ("approve", "refund")
    assert Decimal(decision["refund_amount"]) == Decimal("40.00")  # 199.00 paid − 159.00 in the live session
    reason = decision["reasons"][0]
    assert reason["rule_id"] == "price.difference_refund"
    assert "159.00" in reason["zh"] and "直播间价" in reason["zh"] and "LS-1" in reason["zh"]
    shown = (world.now - timedelta(days=3)).astimezone(SHANGHAI)
    assert shown.strftime("%Y-%m-%d %H:%M") in reason["zh"] and "30" in reason["zh"]
    assert decision["deadline"] == {"hours": 48, "party": "seller", "action": "refund"}
    (order,) = decision["orders"]
    assert order["order_id"] == "O-1001" and order["lines"][0]["refund_amount"] == "40.00"
    # refunded as platforms do it, unasked: the refund is requested at intake; finance confirms the payment
    assert (case["state"], case["refund_amount"]) == ("refund_pending", "40.00")
    paid = api.as_("agent").post(f"/api/v1/cases/{case['id']}/actions/confirm_refund", json={})
    assert paid.status_code == 200 and paid.json()["state"] == "refunded"


def test_without_a_promise_or_after_the_period_it_is_denied_with_the_reason(api: Api, runtime: Runtime,
                                                                          world: World, clock: FrozenClock) -> None:
    assert api.as_("brand").post("/api/v1/prices", json=_price(world, 1, "159.00")).status_code == 201
    unpromised = _case(api)
    assert (unpromised["outcome"], unpromised["reasons"][0]["rule_id"]) == ("deny", "price.not_offered")
    _promise(runtime, "价保7天，放心拍")
    clock.advance(days=5)  # O-2001 is now ten days old: past the promised seven
    late = _case(api, "O-2001", who="buyer2")
    reason = late["reasons"][0]
    assert (late["outcome"], reason["rule_id"]) == ("deny", "price.period_over")
    assert "7天" in reason["zh"] and "第10天" in reason["zh"] and Decimal(late["refund_amount"]) == 0


def test_price_history_is_idempotent_checked_and_only_for_the_products_owner(api: Api, world: World) -> None:
    body = _price(world, 1, "159.00")
    first = api.as_("brand").post("/api/v1/prices", json=body)
    again = api.as_("brand").post("/api/v1/prices", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    other_brand = api.as_("brand2").post("/api/v1/prices", json=body)
    assert other_brand.status_code == 404
    buyer = api.as_("buyer").post("/api/v1/prices", json=body)
    assert buyer.status_code == 403
    bad = api.as_("agent").post("/api/v1/prices", json={**body, "effective_at": "2026-11-01T10:00:00"})
    assert bad.status_code == 422 and bad.json()["field"] == "effective_at"
    for field, value in (("effective_at", "0001-01-01T00:00:00+08:00"), ("price", "0.00"), ("audience", "vip")):
        refused = api.as_("agent").post("/api/v1/prices", json={**body, field: value})
        assert refused.status_code == 422 and refused.json()["field"] == field, refused.text
    unknown_session = api.as_("agent").post("/api/v1/prices", json={**body, "live_session_id": "LS-NOPE"})
    assert unknown_session.status_code == 422 and unknown_session.json()["field"] == "live_session_id"
    history = api.as_("agent").get("/api/v1/products/PR-LIP1/prices")
    assert [row["price"] for row in history.json()] == ["159.00"]
