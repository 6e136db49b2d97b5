"""Spike warnings end to end: allergy cases on one batch raise one warning naming the batch, which opens one L3
group case for the emergency team gathering every case (the first ones too); later similar cases join it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from aftersales.clock import FrozenClock
from aftersales.notifications.models import Delivery
from aftersales.runtime import Runtime
from tests.conftest import Api
from tests.factories import World, order_payload

ALLERGY_TEXTS = ["涂了嘴巴红肿", "用完嘴唇起疹子好痒", "嘴唇过敏肿了", "一涂就刺痛发红", "嘴巴起了很多小红点",
                 "涂完嘴唇又痒又肿", "过敏了，嘴唇脱皮", "嘴巴刺痛起疹", "嘴唇红肿发痒"]


def allergy_case(api: Api, world: World, number: int, clock: FrozenClock, batch: str = "BA-LIP1-01") -> dict[str, Any]:
    buyer = {"id": f"B-AL{number}", "name": "买家", "phone": "13800000000", "address": "上海市浦东新区1号"}
    order = order_payload(f"O-AL{number}", buyer["id"], "PR-LIP1", world.now, buyer=buyer, live_session_id="LS-1",
                          batch_id=batch)
    assert api.as_("platform_admin").post("/api/v1/orders", json=order).status_code == 201
    clock.advance(minutes=1)
    response = api.as_("agent").post("/api/v1/cases", json={
        "order_id": order["id"], "case_type": "allergy_claim", "buyer_id": buyer["id"],
        "text": ALLERGY_TEXTS[number % len(ALLERGY_TEXTS)]})
    assert response.status_code == 201, response.text
    return response.json()


def test_eight_allergy_cases_on_a_batch_raise_one_warning_and_one_group_case(api: Api, world: World,
                                                                            clock: FrozenClock,
                                                                            runtime: Runtime) -> None:
    cases = [allergy_case(api, world, n, clock) for n in range(8)]
    assert {c["tier"] for c in cases[:4]} == {"L2"}, "alone, an allergy claim is L2"
    scan = api.as_("supervisor").post("/api/v1/risk/scan")
    assert scan.status_code == 200, scan.text
    warnings = api.as_("supervisor").get("/api/v1/risk/warnings").json()
    assert len(warnings) == 1, "one spike, one warning (not one per batch, product, session and anchor)"
    warning = warnings[0]
    assert (warning["dimension"], warning["subject_id"]) == ("batch", "BA-LIP1-01")
    assert warning["problem_class"] == "allergy_reaction" and warning["state"] == "open"
    assert warning["evidence"]["count"] >= 3 and warning["evidence"]["p_value"] < 1e-4
    assert set(warning["evidence"]["case_ids"]) == {c["id"] for c in cases}
    group = api.as_("emergency").get(f"/api/v1/cases/{warning['group_case_id']}").json()
    assert group["tier"] == "L3" and group["case_type"] == "group_complaint" and group["order_id"] is None
    assert group["assigned_agent_id"] == world.ids["emergency"]
    assert {c["kind"] for c in group["clocks"]} >= {"resolution"}
    resolution = next(c for c in group["clocks"] if c["kind"] == "resolution")
    assert resolution["due_at"] is not None
    members = api.as_("emergency").get(f"/api/v1/cases/{group['id']}/members").json()["items"]
    assert {m["id"] for m in members} == {c["id"] for c in cases}, "the first cases are gathered too"
    assert {m["tier"] for m in members} == {"L3"} and {m["group_id"] for m in members} == {group["id"]}
    first = api.as_("agent").get(f"/api/v1/cases/{cases[0]['id']}/timeline").json()
    assert any(e["kind"] == "grouped" for e in first) and any(e["kind"] == "escalation" for e in first)
    # a ninth similar case joins the open group case at once, at L3
    ninth = allergy_case(api, world, 8, clock)
    assert ninth["group_id"] == group["id"] and ninth["tier"] == "L3"
    again = api.as_("supervisor").post("/api/v1/risk/scan").json()
    assert again["warnings"] == [], "the open warning is not raised twice"
    assert api.as_("supervisor").get("/api/v1/risk/warnings").json()[0]["case_count"] == 9
    queue = api.as_("emergency").get("/api/v1/cases/queue").json()["items"]
    assert group["id"] in {item["case"]["id"] for item in queue}
    with runtime.session() as session:
        raised = session.scalars(select(Delivery).where(Delivery.event_type == "warning.raised")).all()
        assert raised == [], "no channel subscribed yet: nothing queued for the outside"


def test_the_emergency_team_sees_only_l3_and_group_cases(api: Api, world: World, clock: FrozenClock) -> None:
    calm = api.as_("buyer").post("/api/v1/cases", json={"order_id": "O-1002", "case_type": "exchange",
                                                        "text": "这衣服太大了，想换小一码"}).json()
    assert calm["tier"] == "L1"
    assert api.as_("emergency").get(f"/api/v1/cases/{calm['id']}").status_code == 404
    assert api.as_("emergency").get("/api/v1/cases").json()["items"] == []


def test_warnings_are_worked_to_resolution_and_a_brand_sees_its_own(api: Api, world: World,
                                                                    clock: FrozenClock) -> None:
    for n in range(6):
        allergy_case(api, world, n, clock)
    api.as_("supervisor").post("/api/v1/risk/scan")
    warning = api.as_("supervisor").get("/api/v1/risk/warnings").json()[0]
    assert [w["id"] for w in api.as_("brand").get("/api/v1/risk/warnings").json()] == [warning["id"]]
    assert api.as_("brand2").get("/api/v1/risk/warnings").json() == []
    assert api.as_("buyer").get("/api/v1/risk/warnings").status_code == 403
    path = f"/api/v1/risk/warnings/{warning['id']}"
    assert api.as_("agent").post(f"{path}/acknowledge", json={}).status_code == 403
    assert api.as_("emergency").post(f"{path}/acknowledge", json={}).json()["state"] == "acknowledged"
    refused = api.as_("emergency").post(f"{path}/resolve", json={})
    assert refused.status_code == 422 and refused.json()["field"] == "note"
    done = api.as_("emergency").post(f"{path}/resolve", json={"note": "批次下架，全部退款"})
    assert done.json()["state"] == "resolved"
    assert api.as_("emergency").post(f"{path}/dismiss", json={"note": "x"}).status_code == 409
