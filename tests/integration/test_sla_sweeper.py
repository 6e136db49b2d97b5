"""The SLA sweeper: breaches recorded once, cases escalated tier by tier, paused clocks left alone."""

from __future__ import annotations

from sqlalchemy import func, select

from aftersales.cases.escalation import sweep
from aftersales.cases.models import Case, TimelineEvent
from aftersales.clock import FrozenClock
from aftersales.runtime import Runtime
from aftersales.sla.models import SlaBreach
from tests.conftest import Api
from tests.integration.test_case_lifecycle_api import act, open_case


def _sweep(runtime: Runtime) -> int:
    return sweep(runtime.session_factory, runtime.clock.now(), runtime.calendar).breaches


def test_unanswered_l2_case_escalates_to_l3_after_an_hour_once(api: Api, runtime: Runtime,
                                                                clock: FrozenClock) -> None:
    case = open_case(api, case_type="allergy_claim", text="用了口红嘴巴又红又肿还刺痛，要求退款")
    assert case["tier"] == "L2"
    human = next(c for c in case["clocks"] if c["kind"] == "human_response")
    clock.advance(minutes=59)
    assert _sweep(runtime) == 0
    clock.advance(minutes=2)
    assert _sweep(runtime) == 1
    assert _sweep(runtime) == 0, "a breach is recorded and escalated once"
    after = api.as_("agent").get(f"/api/v1/cases/{case['id']}").json()
    assert after["tier"] == "L3" and after["state"] == "escalated" and after["priority"] == 1
    breached = next(c for c in after["clocks"] if c["kind"] == "human_response" and c["started_at"] ==
                    human["started_at"])
    assert breached["breached_at"] is not None
    kinds = [e["kind"] for e in api.as_("agent").get(f"/api/v1/cases/{case['id']}/timeline").json()]
    assert kinds.count("sla_breach") == 1 and kinds.count("escalation") == 1


def test_human_reply_in_time_stops_the_clock(api: Api, runtime: Runtime, clock: FrozenClock) -> None:
    case = open_case(api, case_type="allergy_claim", text="用了口红过敏了，嘴唇起疹")
    clock.advance(minutes=30)
    assert act(api, case["id"], "reply", message="非常抱歉，请提供就医记录，我们马上处理").status_code == 200
    clock.advance(hours=2)
    assert _sweep(runtime) == 0
    after = api.as_("agent").get(f"/api/v1/cases/{case['id']}").json()
    assert after["tier"] == "L2" and after["human_response_at"] is not None


def test_waiting_on_the_buyer_pauses_resolution(api: Api, runtime: Runtime, clock: FrozenClock) -> None:
    case = open_case(api, order_id="O-1002", case_type="exchange", text="这衣服太大了，想换小一码")
    act(api, case["id"], "request_return", message="请寄回")
    clock.advance(days=10)
    assert _sweep(runtime) == 0, "no breach while the parcel is with the buyer"
    act(api, case["id"], "record_return_shipment", who="buyer", tracking_no="YT0001", carrier_code="YTO")
    clock.advance(days=3, hours=1)
    assert _sweep(runtime) == 1
    after = api.as_("agent").get(f"/api/v1/cases/{case['id']}").json()
    assert after["tier"] == "L2"


def test_resolution_breach_at_l3_is_recorded_but_stays_l3(api: Api, runtime: Runtime,
                                                          clock: FrozenClock) -> None:
    case = open_case(api, text="我要向12315投诉，还要找媒体曝光你们")
    assert case["tier"] == "L3"
    act(api, case["id"], "reply", message="您好，应急小组已接手")
    clock.advance(hours=25)
    assert _sweep(runtime) == 1
    with runtime.session() as session:
        stored = session.get(Case, case["id"])
        assert stored is not None and stored.tier == "L3"
        breaches = session.scalar(select(func.count()).select_from(SlaBreach))
        escalations = session.scalar(select(func.count()).select_from(TimelineEvent)
                                     .where(TimelineEvent.kind == "escalation"))
    assert breaches == 1 and escalations == 1


def test_operator_edits_the_matrix(api: Api, runtime: Runtime, clock: FrozenClock) -> None:
    policies = api.as_("supervisor").get("/api/v1/sla/policies").json()
    l2 = next(p for p in policies if p["tier"] == "L2" and p["case_type"] == "allergy_claim")
    changed = api.as_("supervisor").patch(f"/api/v1/sla/policies/{l2['id']}", json={"human_response_minutes": 20})
    assert changed.status_code == 200 and changed.json()["human_response_minutes"] == 20
    assert api.as_("agent").patch(f"/api/v1/sla/policies/{l2['id']}", json={"human_response_minutes": 5}) \
        .status_code == 403
    bad = api.as_("supervisor").patch(f"/api/v1/sla/policies/{l2['id']}", json={"human_response_minutes": 0})
    assert bad.status_code == 422 and bad.json()["field"] == "human_response_minutes"
    case = open_case(api, case_type="allergy_claim", text="涂完口红嘴巴肿了")
    human = next(c for c in case["clocks"] if c["kind"] == "human_response")
    clock.advance(minutes=21)
    assert _sweep(runtime) == 1, human
