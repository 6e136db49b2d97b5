"""Orders with several lines; cases name the lines they concern; refunds stop at what was paid for them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from aftersales.runtime import Runtime
from tests.conftest import Api
from tests.factories import World, order_payload


def _basket(world: World, order_id: str = "O-BASKET", **changes: Any) -> dict[str, Any]:
    """Two lipsticks and a second shade of the same shop, a 20.00 coupon and 8.00 shipping."""
    body = order_payload(order_id, "B-1", "PR-LIP1", world.now, live_session_id="LS-1")
    for name in ("product_id", "amount", "quantity"):
        body.pop(name, None)
    body.update(items=[{"product_id": "PR-LIP1", "batch_id": "BA-LIP1-01", "quantity": 2, "unit_price": "199.00"},
                       {"product_id": "PR-LIP2", "quantity": 1, "unit_price": "99.00", "sku": "豆沙色"}],
                discount="20.00", shipping_fee="8.00", **changes)
    return body


def _second_product(runtime: Runtime) -> None:
    from aftersales.catalog.models import Product

    with runtime.session() as session:
        session.add(Product(id="PR-LIP2", name="丝绒哑光口红", brand_id="P-BRAND1", shop_id="P-SHOP1",
                            category_code="lipstick", tags=[], price=Decimal("99.00"), created_at=runtime.clock.now()))
        session.commit()


def test_an_order_keeps_its_lines_and_what_each_was_paid(api: Api, runtime: Runtime, world: World) -> None:
    _second_product(runtime)
    created = api.as_("platform_admin").post("/api/v1/orders", json=_basket(world))
    assert created.status_code == 201, created.text
    order = created.json()
    assert Decimal(order["amount"]) == Decimal("485.00")  # 2×199 + 99 − 20 + 8
    lines = order["items"]
    assert [(li["line_no"], li["product_name"], li["quantity"]) for li in lines] == [
        (1, "玻尿酸水润口红", 2), (2, "丝绒哑光口红", 1)]
    assert sum(Decimal(li["paid_amount"]) for li in lines) == Decimal("485.00")
    # the coupon and the shipping are shared in proportion to the lines' prices (398 : 99)
    assert Decimal(lines[0]["paid_amount"]) == Decimal("388.39")
    again = api.as_("platform_admin").post("/api/v1/orders", json=_basket(world))
    assert again.status_code == 200 and again.json()["items"] == lines


def test_a_wrong_total_or_a_line_from_another_shop_is_refused_by_field(api: Api, runtime: Runtime,
                                                                       world: World) -> None:
    _second_product(runtime)
    wrong = api.as_("platform_admin").post("/api/v1/orders", json=_basket(world, amount="400.00"))
    assert wrong.status_code == 422 and wrong.json()["field"] == "amount"
    mixed = _basket(world, "O-MIXED")
    mixed["items"][1]["product_id"] = "PR-DRESS"
    refused = api.as_("platform_admin").post("/api/v1/orders", json=mixed)
    assert refused.status_code == 422 and refused.json()["field"] == "items"
    unknown = _basket(world, "O-UNKNOWN")
    unknown["items"][0]["product_id"] = "PR-NOPE"
    assert api.as_("platform_admin").post("/api/v1/orders", json=unknown).json()["field"] == "items.0.product_id"


def test_buyers_list_their_own_orders_with_product_names(api: Api) -> None:
    mine = api.as_("buyer").get("/api/v1/orders")
    assert mine.status_code == 200
    ids = {o["id"] for o in mine.json()["items"]}
    assert ids == {"O-1001", "O-1002"}
    assert all(line["product_name"] for o in mine.json()["items"] for line in o["items"])
    assert api.as_("buyer2").get("/api/v1/orders/O-1001").status_code == 404
    brand = {o["id"] for o in api.as_("brand").get("/api/v1/orders").json()["items"]}
    assert brand == {"O-1001", "O-2001"}
    page = api.as_("agent").get("/api/v1/orders", params={"limit": 2}).json()
    rest = api.as_("agent").get("/api/v1/orders", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert len(page["items"]) == 2 and {o["id"] for o in page["items"]}.isdisjoint(o["id"] for o in rest["items"])


def test_a_case_on_one_line_refunds_at_most_that_line(api: Api, runtime: Runtime, world: World) -> None:
    _second_product(runtime)
    api.as_("platform_admin").post("/api/v1/orders", json=_basket(world))
    opened = api.as_("buyer").post("/api/v1/cases", json={
        "order_id": "O-BASKET", "case_type": "refund_only", "text": "其中一支口红断了，要求退款",
        "items": [{"line_no": 1, "quantity": 1}]})
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert [(i["line_no"], i["quantity"]) for i in case["items"]] == [(1, 1)]
    assert Decimal(case["claimed_amount"]) == Decimal("194.19")  # half of line 1's 388.39, rounded down
    too_much = api.as_("agent").post(f"/api/v1/cases/{case['id']}/actions/refund",
                                     json={"amount": "300.00", "message": "为您退款"})
    assert too_much.status_code == 422 and too_much.json()["field"] == "amount"
    beyond = api.as_("buyer").post("/api/v1/cases", json={
        "order_id": "O-BASKET", "case_type": "return_refund", "text": "都不想要了",
        "items": [{"line_no": 2, "quantity": 3}]})
    assert beyond.status_code == 422 and beyond.json()["field"] == "items.0.quantity"


def test_one_return_may_cover_two_orders_of_one_buyer_and_shop_only(api: Api, runtime: Runtime,
                                                                    world: World) -> None:
    _second_product(runtime)
    api.as_("platform_admin").post("/api/v1/orders", json=_basket(world))
    both = api.as_("buyer").post("/api/v1/cases", json={
        "order_id": "O-1001", "case_type": "return_refund", "text": "两单口红一起退货，都没拆封",
        "items": [{"line_no": 1}, {"order_id": "O-BASKET", "line_no": 2}]})
    assert both.status_code == 201, both.text
    assert {i["order_id"] for i in both.json()["items"]} == {"O-1001", "O-BASKET"}
    assert Decimal(both.json()["claimed_amount"]) == Decimal("199.00") + Decimal("96.61")
    other_shop = api.as_("buyer").post("/api/v1/cases", json={
        "order_id": "O-1001", "case_type": "exchange", "text": "连衣裙和口红一起换",
        "items": [{"line_no": 1}, {"order_id": "O-1002", "line_no": 1}]})
    assert other_shop.status_code == 422 and other_shop.json()["field"] == "items.1.order_id"
