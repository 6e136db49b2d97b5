"""Carriers' signed webhooks, traceability rates, flagged buyers, pre-sale delay warnings, agent performance and
the monthly reserves, over HTTP on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import orjson
from openpyxl import load_workbook
from sqlalchemy import select

from aftersales.clock import FrozenClock
from aftersales.notifications import signing
from aftersales.notifications.models import Delivery
from aftersales.runtime import Runtime
from tests.conftest import Api
from tests.factories import World, order_payload


def signed_post(api: Api, body: dict[str, Any], secret: str, clock: FrozenClock, sender: str = "P-SF",
                stamp: int | None = None) -> Any:
    raw = orjson.dumps(body)
    headers = signing.signed_headers(secret, stamp or int(clock.now().timestamp()), raw, sender=sender)
    return api.client.post("/api/v1/logistics/events", content=raw,  # type: ignore[attr-defined]
                           headers={**headers, "Content-Type": "application/json"})


def test_a_carrier_signs_its_events_and_the_pickup_moves_the_return(api: Api, world: World,
                                                                    clock: FrozenClock) -> None:
    secret = api.as_("platform_admin").post("/api/v1/carriers/P-SF/webhook-secret").json()["secret"]
    case = api.as_("buyer").post("/api/v1/cases", json={"order_id": "O-1002", "case_type": "return_refund",
                                                         "text": "不想要了，七天无理由退货，吊牌还在"}).json()
    shipped = api.as_("buyer").post(f"/api/v1/cases/{case['id']}/actions/record_return_shipment",
                                    json={"tracking_no": "SF900001", "carrier_code": "SF"})
    assert shipped.status_code == 200
    progress = api.as_("buyer").get(f"/api/v1/cases/{case['id']}/progress").json()
    assert progress["current_step"] == "return_in_transit", "sent, not yet collected"
    event = {"tracking_no": "SF900001", "carrier_code": "SF", "status": "collected",
             "occurred_at": clock.now().isoformat(), "location": "杭州"}
    answer = signed_post(api, event, secret, clock)
    assert answer.status_code == 200, answer.text
    assert answer.json()["case_id"] == case["id"]
    progress = api.as_("buyer").get(f"/api/v1/cases/{case['id']}/progress").json()
    collected = next(s for s in progress["steps"] if s["key"] == "return_in_transit")
    assert collected["done"] and collected["label"] == "退货已揽收"
    timeline = api.as_("buyer").get(f"/api/v1/cases/{case['id']}/timeline").json()
    assert any(e["action"] == "return_collected" and e["actor_role"] == "carrier" for e in timeline)
    assert signed_post(api, event, secret, clock).json()["duplicate"] is True, "a resent event is harmless"


def test_unsigned_stale_forged_or_foreign_events_are_refused(api: Api, world: World, clock: FrozenClock,
                                                             runtime: Runtime) -> None:
    secret = api.as_("platform_admin").post("/api/v1/carriers/P-SF/webhook-secret").json()["secret"]
    event = {"tracking_no": "SF1001", "carrier_code": "SF", "status": "in_transit",
             "occurred_at": clock.now().isoformat()}
    assert api.as_("carrier").post("/api/v1/logistics/events", json=event).status_code == 401
    stale = signed_post(api, event, secret, clock, stamp=int(clock.now().timestamp()) - 3600)
    assert stale.status_code == 401 and stale.json()["field"] == signing.TIMESTAMP_HEADER
    assert signed_post(api, event, "cwsec_wrong", clock).status_code == 401
    assert signed_post(api, event, secret, clock, sender="P-NOBODY").status_code == 401
    impostor = signed_post(api, {**event, "carrier_code": "ZTO"}, secret, clock)
    assert impostor.status_code == 403 and impostor.json()["field"] == "carrier_code"
    bad = signed_post(api, {**event, "status": "teleported"}, secret, clock)
    assert bad.status_code == 422 and bad.json()["field"] == "status"
    assert signed_post(api, event, secret, clock).status_code == 200, "its own parcel"
    rotated = api.as_("platform_admin").post("/api/v1/carriers/P-SF/webhook-secret").json()["secret"]
    assert signed_post(api, event, secret, clock).status_code == 401, "the old secret stops working"
    assert signed_post(api, {**event, "status": "delivered"}, rotated, clock).status_code == 200
    assert api.as_("platform_admin").post("/api/v1/logistics/events", json={
        **event, "status": "exception"}).status_code == 200, "the platform's own tools still post"


def test_rates_by_batch_count_the_lines_cases_name_and_export(api: Api, world: World) -> None:
    case = api.as_("buyer").post("/api/v1/cases", json={"order_id": "O-1001", "case_type": "return_refund",
                                                         "text": "口红颜色和直播间说的不一样，想退货"}).json()
    window = {"from": (world.now - timedelta(days=30)).isoformat(), "to": (world.now + timedelta(days=1)).isoformat()}
    rows = api.as_("supervisor").get("/api/v1/risk/rates", params={"by": "batch", **window}).json()["items"]
    row = next(r for r in rows if r["key"] == "BA-LIP1-01")
    assert row["orders"] == 1 and row["returns"] == 1 and row["return_rate"] == 1.0
    assert row["case_ids"] == [case["id"]] and "批次" in row["name"]
    sessions = api.as_("supervisor").get("/api/v1/risk/rates", params={"by": "session", **window}).json()["items"]
    assert sessions[0]["key"] == "LS-1" and sessions[0]["orders"] == 2 and sessions[0]["cases"] == 1
    regions = api.as_("supervisor").get("/api/v1/risk/rates", params={"by": "region", **window}).json()["items"]
    assert {r["key"] for r in regions} == {"浙江", "广东"}
    assert api.as_("brand2").get("/api/v1/risk/rates", params={"by": "batch", **window}).json()["items"] == [], \
        "a brand sees its own batches only"
    exported = api.as_("brand").get("/api/v1/risk/rates", params={"by": "product", "format": "csv", **window})
    table = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["key", "name", "orders"] and table[1][0] == "PR-LIP1"
    sheet = api.as_("brand").get("/api/v1/risk/rates", params={"by": "product", "format": "xlsx", **window})
    book = load_workbook(io.BytesIO(sheet.content))
    assert book.active["A2"].value == "PR-LIP1"
    wrong = api.as_("supervisor").get("/api/v1/risk/rates", params={"by": "colour"})
    assert wrong.status_code == 422 and wrong.json()["field"] == "query.by"
    backwards = api.as_("supervisor").get("/api/v1/risk/rates", params={"by": "batch", "from": window["to"],
                                                                        "to": window["from"]})
    assert backwards.status_code == 422 and backwards.json()["field"] == "from"
    assert api.as_("buyer").get("/api/v1/risk/rates", params={"by": "batch"}).status_code == 403


def test_a_flagged_buyer_is_offered_a_channel_and_still_approved(api: Api, world: World, clock: FrozenClock) -> None:
    buyer = {"id": "B-SERIAL", "name": "常退买家", "phone": "13700000000", "address": "北京市朝阳区1号"}
    for n in range(6):
        order = order_payload(f"O-SR{n}", buyer["id"], "PR-DRESS", world.now, buyer=buyer, amount="299.00")
        assert api.as_("platform_admin").post("/api/v1/orders", json=order).status_code == 201
    for n in range(3):
        api.as_("agent").post("/api/v1/cases", json={"order_id": f"O-SR{n}", "case_type": "return_refund",
                                                      "buyer_id": buyer["id"], "text": "不想要了，七天无理由退货"})
    clock.advance(hours=7)  # the earlier returns are history, not a burst of similar cases today
    refreshed = api.as_("supervisor").post("/api/v1/risk/flagged-buyers/refresh").json()
    assert refreshed["flagged"] == 1
    flagged = api.as_("supervisor").get("/api/v1/risk/flagged-buyers").json()
    assert flagged[0]["buyer_id"] == "B-SERIAL" and flagged[0]["return_rate"] == 0.5
    plain = api.as_("buyer").post("/api/v1/cases", json={"order_id": "O-1002", "case_type": "return_refund",
                                                          "text": "不想要了，七天无理由退货，吊牌还在"}).json()
    case = api.as_("agent").post("/api/v1/cases", json={"order_id": "O-SR4", "case_type": "return_refund",
                                                         "buyer_id": buyer["id"],
                                                         "text": "不想要了，七天无理由退货，吊牌还在"}).json()
    assert case["channel"] == "dedicated" and plain["channel"] == "standard"
    assert case["decision"]["outcome"] == plain["decision"]["outcome"] == "approve"
    assert case["state"] == plain["state"] == "awaiting_return", "never silently penalised"
    timeline = api.as_("agent").get(f"/api/v1/cases/{case['id']}/timeline").json()
    assert any(e["kind"] == "dedicated_channel" for e in timeline)
    seen = api.as_("buyer").get(f"/api/v1/cases/{plain['id']}/timeline").json()
    assert not any(e["kind"] == "buyer_flagged" for e in seen)


def test_presale_orders_behind_the_shops_pace_are_warned_three_days_ahead(api: Api, world: World,
                                                                          clock: FrozenClock,
                                                                          runtime: Runtime) -> None:
    due = (clock.now() + timedelta(days=2)).isoformat()
    for shop_product, shipped in (("PR-LIP1", False), ("PR-DRESS", True)):
        for n in range(10):
            oid = f"O-PS-{shop_product}-{n}"
            sent = (clock.now() - timedelta(hours=5)).isoformat() if shipped and n < 8 else None
            order = order_payload(oid, "B-1", shop_product, world.now, presale=True, promised_ship_by=due,
                                  shipped_at=sent, delivered_at=None, amount="199.00")
            assert api.as_("platform_admin").post("/api/v1/orders", json=order).status_code == 201, oid
    scan = api.as_("supervisor").post("/api/v1/risk/scan").json()
    assert scan["presale_warned"] == 10
    warned = api.as_("supervisor").get("/api/v1/risk/presale-warnings").json()
    assert {w["order_id"] for w in warned} == {f"O-PS-PR-LIP1-{n}" for n in range(10)}
    assert warned[0]["risk"] >= 0.5 and "落后" in warned[0]["reasons"][0]
    assert [w["order_id"] for w in api.as_("buyer2").get("/api/v1/risk/presale-warnings").json()] == []
    with runtime.session() as session:
        texts = session.scalars(select(Delivery).where(Delivery.event_type == "presale.delay",
                                                       Delivery.kind == "sms")).all()
    assert len(texts) == 10 and "延期收货提醒" in texts[0].payload["sms"]
    clock.advance(days=3)
    api.as_("supervisor").post("/api/v1/risk/scan")
    precision = api.as_("supervisor").get("/api/v1/risk/presale-warnings/precision").json()
    assert precision == {"warned": 10, "came_true": 10, "precision": 1.0}


def test_agent_performance_marks_the_star(api: Api, world: World) -> None:
    for order_id, who, csat, nps in (("O-1002", "buyer", 5, 10), ("O-2001", "buyer2", 2, 3)):
        case = api.as_(who).post("/api/v1/cases", json={"order_id": order_id, "case_type": "complaint",
                                                         "text": "质量有问题，我要投诉"}).json()
        cid = case["id"]
        api.as_("agent").post(f"/api/v1/cases/{cid}/actions/resolve", json={"message": "已为您处理"})
        api.as_("agent").post(f"/api/v1/cases/{cid}/actions/close", json={})
        assert api.as_(who).post(f"/api/v1/cases/{cid}/survey", json={"csat": csat, "nps": nps}).status_code == 201
    period = world.now.strftime("%Y-%m")
    board = api.as_("supervisor").get("/api/v1/agents/performance", params={"period": period, "min_surveys": 1})
    assert board.status_code == 200, board.text
    agents = board.json()["agents"]
    assert agents and all(a["cases"] >= 1 for a in agents)
    stars = [a for a in agents if a["star"]]
    assert len(stars) == 1 and stars[0]["title"] == "售后之星" and stars[0]["nps"] == max(
        a["nps"] for a in agents if a["nps"] is not None)
    bad = api.as_("supervisor").get("/api/v1/agents/performance", params={"period": "2026-13"})
    assert bad.status_code == 422 and bad.json()["field"] == "period"
    assert api.as_("buyer").get("/api/v1/agents/performance", params={"period": period}).status_code == 403


def test_monthly_reserves_and_deposits_come_from_the_orders_once(api: Api, world: World, clock: FrozenClock) -> None:
    month = (world.now - timedelta(days=5)).strftime("%Y-%m")
    clock.advance(days=40)
    first = api.as_("platform_admin").post("/api/v1/liability/accruals", params={"month": month})
    assert first.status_code == 200, first.text
    reserves = {r["reference"]: r for r in first.json()["reserves"]}
    assert f"reserve:{world.ids['brand']}:{month}" in reserves
    lip_gmv = 199 * 2  # two lipstick orders of brand 1 in the month, both 199.00
    amount = float(reserves[f"reserve:{world.ids['brand']}:{month}"]["amount"])
    assert 0.03 * lip_gmv <= amount <= 0.05 * lip_gmv
    again = api.as_("platform_admin").post("/api/v1/liability/accruals", params={"month": month}).json()
    assert again["reserves"] == [] and again["already_booked"] == len(first.json()["reserves"]) + len(
        first.json()["deposits"])
    early = api.as_("platform_admin").post("/api/v1/liability/accruals", params={"month": "2099-01"})
    assert early.status_code == 422
