"""A case through its life over HTTP: intake, actions, timeline, progress, survey and callback."""

from __future__ import annotations

from typing import Any

from aftersales.clock import FrozenClock
from tests.conftest import Api
from tests.factories import World, order_payload


def open_case(api: Api, order_id: str = "O-1001", case_type: str = "return_refund",
              text: str = "口红颜色和直播间说的不一样，想退货", who: str = "buyer", **extra: Any) -> dict[str, Any]:
    response = api.as_(who).post("/api/v1/cases", json={"order_id": order_id, "case_type": case_type,
                                                         "text": text, **extra})
    assert response.status_code == 201, response.text
    return response.json()


def act(api: Api, case_id: str, action: str, who: str = "agent", **body: Any) -> Any:
    return api.as_(who).post(f"/api/v1/cases/{case_id}/actions/{action}", json=body)


def test_buyer_gets_an_instant_answer_and_clocks(api: Api) -> None:
    case = open_case(api, text="这衣服太大了，想换小一码", order_id="O-1002", case_type="exchange")
    assert case["state"] == "answered"
    assert case["answer"], "the L1 answer is given at once"
    assert case["first_response_at"] == case["created_at"]
    kinds = {c["kind"]: c for c in case["clocks"]}
    assert kinds["first_response"]["stopped_at"] is not None
    assert kinds["resolution"]["due_at"] is not None and kinds["resolution"]["breached_at"] is None


def test_return_refund_walks_to_refunded_with_progress_and_eta(api: Api, clock: FrozenClock) -> None:
    case = open_case(api, order_id="O-1002", case_type="return_refund", text="不想要了，七天无理由退货，吊牌还在")
    cid = case["id"]
    # an eligible no-reason return is approved and started by the AI alone
    assert case["state"] == "awaiting_return" and case["ai_resolved"] and case["decision"]["outcome"] == "approve"
    assert case["decision"]["reasons"] and case["decision"]["shipping_payer"] in ("buyer", "insurance")
    progress = api.as_("buyer").get(f"/api/v1/cases/{cid}/progress").json()
    assert progress["current_step"] == "return_sent"
    assert "寄回" in progress["eta"]
    shipped = act(api, cid, "record_return_shipment", who="buyer", tracking_no="SF123456789", carrier_code="SF")
    assert shipped.status_code == 200, shipped.text
    clock.advance(days=1)
    event = api.as_("platform_admin").post("/api/v1/logistics/events", json={
        "tracking_no": "SF123456789", "carrier_code": "SF", "status": "collected",
        "occurred_at": clock.now().isoformat(), "location": "杭州"})
    assert event.json()["case_id"] == cid
    assert act(api, cid, "confirm_receipt", who="brand2").status_code == 200
    refunded = act(api, cid, "refund", amount="150.00")
    assert refunded.status_code == 200 and refunded.json()["state"] == "refund_pending"
    progress = api.as_("buyer").get(f"/api/v1/cases/{cid}/progress").json()
    assert progress["current_step"] == "refunded"
    assert progress["eta"].startswith("预计2个工作日退款到账")
    done = [s["key"] for s in progress["steps"] if s["done"]]
    assert done == ["submitted", "answered", "awaiting_return", "return_sent", "return_in_transit", "return_received",
                    "refund_pending"]
    assert act(api, cid, "confirm_refund").json()["state"] == "refunded"
    timeline = api.as_("buyer").get(f"/api/v1/cases/{cid}/timeline").json()
    reasons = " ".join(e["reason"] for e in timeline)
    assert "退货已揽收" in reasons
    assert [e["to_state"] for e in timeline if e["kind"] == "transition"][-1] == "refunded"


def test_where_is_my_parcel_is_settled_by_the_ai(api: Api) -> None:
    case = open_case(api, order_id="O-1002", case_type="complaint", text="快递怎么还没到，物流三天没更新了")
    assert case["category"] == "logistics_delay"
    assert case["state"] == "resolved" and case["ai_resolved"]
    assert all(c["stopped_at"] for c in case["clocks"] if c["kind"] != "human_response")


def test_agent_drives_an_exchange_for_size(api: Api) -> None:
    case = open_case(api, order_id="O-1002", case_type="exchange", text="这衣服太大了，想换小一码")
    assert case["category"] == "size_fit" and not case["ai_resolved"]
    assert "尺码" in case["answer"]
    assert act(api, case["id"], "request_return", message="请寄回换货").json()["state"] == "awaiting_return"
    resolution = next(c for c in api.as_("agent").get(f"/api/v1/cases/{case['id']}").json()["clocks"]
                      if c["kind"] == "resolution")
    assert resolution["paused"], "waiting on the buyer's parcel pauses the resolution clock"


def test_illegal_transition_names_state_and_allowed_actions(api: Api) -> None:
    cid = open_case(api)["id"]
    response = act(api, cid, "confirm_receipt")
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["current_state"] == "answered"
    assert "request_return" in body["allowed_actions"] and "confirm_receipt" not in body["allowed_actions"]


def test_unknown_action_and_bad_body_are_422_naming_the_field(api: Api) -> None:
    cid = open_case(api)["id"]
    assert act(api, cid, "teleport").json()["field"] == "action"
    response = act(api, cid, "reply")
    assert response.status_code == 422 and response.json()["field"] == "message"
    bad = api.as_("buyer").post("/api/v1/cases", json={"order_id": "O-1001", "case_type": "nonsense", "text": "x"})
    assert bad.status_code == 422 and bad.json()["field"] == "case_type"


def test_stale_version_loses(api: Api) -> None:
    case = open_case(api)
    first = act(api, case["id"], "reply", message="您好，马上为您处理", expected_version=case["version"])
    assert first.status_code == 200
    second = act(api, case["id"], "request_return", who="supervisor", expected_version=case["version"])
    assert second.status_code == 409
    assert second.json()["current_version"] == first.json()["version"]


def test_close_sends_survey_and_low_score_opens_callback(api: Api) -> None:
    cid = open_case(api)["id"]
    assert api.as_("buyer").post(f"/api/v1/cases/{cid}/survey", json={"csat": 5, "nps": 9}).status_code == 409
    assert act(api, cid, "resolve", message="已补发赠品").status_code == 200
    assert act(api, cid, "close").status_code == 200
    answer = api.as_("buyer").post(f"/api/v1/cases/{cid}/survey", json={"csat": 2, "nps": 8, "comment": "太慢"})
    assert answer.status_code == 201 and answer.json()["callback_task_id"] is not None
    again = api.as_("buyer").post(f"/api/v1/cases/{cid}/survey", json={"csat": 5, "nps": 10})
    assert again.status_code == 409
    tasks = api.as_("supervisor").get("/api/v1/callbacks").json()
    assert [t["case_id"] for t in tasks] == [cid]
    done = api.as_("supervisor").post(f"/api/v1/callbacks/{tasks[0]['id']}/complete",
                                      json={"outcome": "已致歉并补偿10元券", "satisfaction": 4})
    assert done.status_code == 200 and done.json()["state"] == "done"
    assert api.as_("supervisor").get("/api/v1/callbacks").json() == []


def test_good_score_opens_no_callback(api: Api) -> None:
    cid = open_case(api)["id"]
    act(api, cid, "resolve", message="ok")
    act(api, cid, "close")
    answer = api.as_("buyer").post(f"/api/v1/cases/{cid}/survey", json={"csat": 4, "nps": 9})
    assert answer.json()["callback_task_id"] is None


def test_refund_never_exceeds_amount_paid(api: Api) -> None:
    cid = open_case(api, case_type="refund_only", text="少发了赠品，申请部分退款")["id"]
    response = act(api, cid, "refund", amount="999.00")
    assert response.status_code == 422 and response.json()["field"] == "amount"


def test_reopen_and_dispute_to_arbitration_decision(api: Api) -> None:
    cid = open_case(api)["id"]
    act(api, cid, "resolve", message="已处理")
    act(api, cid, "close")
    assert act(api, cid, "reopen", who="buyer").status_code == 422  # a reason is required
    reopened = act(api, cid, "reopen", who="buyer", reason="问题没有解决")
    assert reopened.json()["state"] == "reopened"
    assert act(api, cid, "dispute", who="buyer", reason="商家拒绝退款").json()["state"] == "disputed"
    assert act(api, cid, "arbitrate").status_code == 403  # agents may never arbitrate: forbidden, not a conflict
    assert act(api, cid, "arbitrate", who="supervisor").json()["state"] == "in_arbitration"
    decided = act(api, cid, "decide", who="supervisor", outcome="buyer_wins", reason="主播承诺过敏包退")
    assert decided.json()["state"] == "decided"
    assert decided.json()["decision"]["arbitration"]["outcome"] == "buyer_wins"


def test_escalation_by_agent_raises_tier_and_is_on_timeline(api: Api) -> None:
    case = open_case(api, order_id="O-1002", case_type="exchange", text="尺码偏大想换小一号")
    escalated = act(api, case["id"], "escalate", reason="买家要求主管处理")
    assert escalated.status_code == 200
    body = escalated.json()
    assert body["state"] == "escalated"
    assert int(body["tier"][1]) == int(case["tier"][1]) + 1
    kinds = [e["kind"] for e in api.as_("agent").get(f"/api/v1/cases/{case['id']}/timeline").json()]
    assert "escalation" in kinds


def test_case_shows_the_anchors_recorded_claims_with_offsets(api: Api) -> None:
    case = open_case(api, order_id="O-1001", case_type="allergy_claim", text="用了嘴巴过敏起疹子")
    claims = api.as_("agent").get(f"/api/v1/cases/{case['id']}").json()["claims"]
    assert [c["offset"] for c in claims] == ["00:10:10", "00:20:50"]
    assert "allergy_refund" in claims[1]["promise_ids"] and all(c["chain_verified"] for c in claims)
    # the promise 过敏包退 extends the policy: an allergy refund without a medical report
    assert "allergy_refund" in case["decision"]["facts"]["promises"]
    assert case["decision"]["outcome"] == "approve"


def test_agent_overrides_the_decision_with_a_reason_on_record(api: Api) -> None:
    case = open_case(api, order_id="O-1002", case_type="return_refund", text="衣服穿过一次了，不想要了")
    assert case["decision"]["outcome"] == "deny"
    missing = api.as_("agent").post(f"/api/v1/cases/{case['id']}/decision", json={"outcome": "approve"})
    assert missing.status_code == 422 and missing.json()["field"] == "reason"
    assert api.as_("buyer").post(f"/api/v1/cases/{case['id']}/decision",
                                 json={"outcome": "approve", "reason": "我说行"}).status_code == 403
    done = api.as_("agent").post(f"/api/v1/cases/{case['id']}/decision",
                                 json={"outcome": "approve", "remedy": "return_refund",
                                       "reason": "老客户，面料起球属实，特批退货"})
    decision = done.json()["decision"]
    assert decision["outcome"] == "approve" and decision["machine"]["outcome"] == "deny"
    assert decision["override"]["reason"].startswith("老客户")
    kinds = [e["kind"] for e in api.as_("buyer").get(f"/api/v1/cases/{case['id']}/timeline").json()]
    assert "policy_override" in kinds


def test_accepted_cash_compensation_is_booked_and_refund_posts_liability(api: Api) -> None:
    case = open_case(api, order_id="O-1001", case_type="refund_only", text="口红断了，质量太差")
    offer = api.as_("agent").post(f"/api/v1/cases/{case['id']}/offers", json={"kind": "cash", "amount": "20.00"})
    assert offer.status_code == 201
    answered = api.as_("buyer").post(f"/api/v1/cases/{case['id']}/offers/{offer.json()['id']}/answer",
                                     json={"accepted": True})
    assert answered.json()["accepted"] is True
    assert api.as_("buyer").post(f"/api/v1/cases/{case['id']}/offers/{offer.json()['id']}/answer",
                                 json={"accepted": False}).status_code == 409
    act(api, case["id"], "refund", amount="199.00")
    act(api, case["id"], "confirm_refund")
    statement = api.as_("platform_admin").get("/api/v1/liability/parties/P-BRAND1/statement",
                                               params={"month": "2026-11"})
    assert statement.status_code == 200, statement.text
    assert "199" in statement.text and "20" in statement.text


def test_queue_puts_angry_and_l3_first_and_seniors_take_them(api: Api, runtime: Any) -> None:
    calm = open_case(api, order_id="O-1002", case_type="exchange", text="您好，衣服尺码偏大，麻烦帮我换小一码，谢谢")
    angry = open_case(api, order_id="O-1001", case_type="refund_only",
                      text="气死我了！！口红断成两截，什么垃圾质量，赶紧退钱！")
    assert angry["priority"] < calm["priority"]
    assert angry["assigned_agent_id"] == "P-SUP1", "the only senior agent takes the angry buyer"
    queue = api.as_("agent").get("/api/v1/cases/queue").json()["items"]
    ids = [item["case"]["id"] for item in queue]
    assert ids.index(angry["id"]) < ids.index(calm["id"])
    assert queue[0]["next_due_at"] is not None
    assert {c["kind"] for c in queue[0]["case"]["clocks"]} >= {"resolution"}, "each item shows its clocks"
    mine = api.as_("supervisor").get("/api/v1/cases/queue", params={"mine": True}).json()["items"]
    assert [item["case"]["id"] for item in mine] == [angry["id"]]
    first = api.as_("agent").get("/api/v1/cases/queue", params={"limit": 1}).json()
    second = api.as_("agent").get("/api/v1/cases/queue", params={"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [first["items"][0]["case"]["id"], second["items"][0]["case"]["id"]] == ids[:2]
    assert api.as_("buyer").get("/api/v1/cases/queue").status_code == 403


def test_similar_cases_on_one_batch_become_a_group_complaint_at_l3(api: Api, world: World) -> None:
    texts = ["涂了嘴巴红肿", "用完嘴唇起疹子好痒", "嘴唇过敏肿了", "一涂就刺痛发红", "嘴巴起了很多小红点"]
    ids = []
    for number, text in enumerate(texts):
        buyer = {"id": f"B-GC{number}", "name": "买家", "phone": "13800000000", "address": "上海市浦东新区1号"}
        order = order_payload(f"O-GC{number}", buyer["id"], "PR-LIP1", world.now, buyer=buyer,
                              live_session_id="LS-1", batch_id="BA-LIP1-01")
        assert api.as_("platform_admin").post("/api/v1/orders", json=order).status_code == 201
        ids.append(open_case(api, order_id=f"O-GC{number}", case_type="allergy_claim", text=text, who="agent",
                             buyer_id=buyer["id"])["id"])
    # the risk monitor, not a fixed count, decides; when it does, every one of them (the first four too) is L3
    assert api.as_("supervisor").post("/api/v1/risk/scan").json()["warnings"]
    cases = {c["id"]: c for c in api.as_("agent").get("/api/v1/cases", params={"tier": "L3"}).json()["items"]}
    assert set(ids) <= set(cases)
    timeline = api.as_("agent").get(f"/api/v1/cases/{ids[0]}/timeline").json()
    assert any("群体工单" in e["reason"] for e in timeline if e["kind"] == "grouped")
