"""Every endpoint with every role: no token is 401, another party's case is 404, PII masked where not needed."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.integration.test_case_lifecycle_api import open_case

ROLES = ["buyer", "buyer2", "agent", "supervisor", "platform_admin", "brand", "brand2", "anchor", "anchor2", "mcn"]


def _endpoints(case_id: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", f"/api/v1/cases/{case_id}", None),
        ("GET", f"/api/v1/cases/{case_id}/timeline", None),
        ("GET", f"/api/v1/cases/{case_id}/progress", None),
        ("POST", f"/api/v1/cases/{case_id}/actions/reply", {"message": "你好"}),
        ("POST", f"/api/v1/cases/{case_id}/survey", {"csat": 5, "nps": 10}),
    ]


def test_no_token_is_401_everywhere(api: Api) -> None:
    client = api.client
    for method, url in [("GET", "/api/v1/cases"), ("POST", "/api/v1/cases"), ("GET", "/api/v1/cases/x"),
                        ("POST", "/api/v1/orders"), ("POST", "/api/v1/logistics/events"),
                        ("GET", "/api/v1/callbacks"), ("GET", "/api/v1/sla/policies"), ("GET", "/api/v1/me")]:
        response = client.request(method, url, json={})  # type: ignore[attr-defined]
        assert response.status_code == 401, (method, url)
        assert response.headers["content-type"].startswith("application/problem+json")
    bad = client.get("/api/v1/cases", headers={"Authorization": "Bearer as_forged"})  # type: ignore[attr-defined]
    assert bad.status_code == 401


@pytest.mark.parametrize("role", ROLES)
def test_each_role_sees_exactly_its_own(api: Api, role: str) -> None:
    # buyer B-1's lipstick case is routed to the brand; B-2's "not as described" case to the anchor
    own = open_case(api, order_id="O-1001", case_type="refund_only", text="口红断了，质量太差")
    other = open_case(api, who="buyer2", order_id="O-2001", case_type="complaint",
                      text="主播说含95%玻尿酸，成分表里根本没有玻尿酸，虚假宣传")
    assert own["responsible_party_id"] == "P-BRAND1" and other["responsible_kind"] == "anchor"
    entitled = {
        "buyer": {own["id"]}, "buyer2": {other["id"]}, "agent": {own["id"], other["id"]},
        "supervisor": {own["id"], other["id"]}, "platform_admin": {own["id"], other["id"]},
        "brand": {own["id"]}, "brand2": set(), "anchor": {other["id"]}, "anchor2": set(), "mcn": {other["id"]},
    }[role]
    listed = {c["id"] for c in api.as_(role).get("/api/v1/cases").json()["items"]}
    assert listed == entitled
    for case in (own, other):
        for method, url, body in _endpoints(case["id"]):
            response = api.as_(role).get(url) if method == "GET" else api.as_(role).post(url, json=body)
            if url.endswith("/survey") and not role.startswith("buyer"):
                # only buyers answer surveys: refused for the role, whatever the case, so nothing leaks
                assert response.status_code == 403
                continue
            if case["id"] not in entitled:
                assert response.status_code == 404, (role, url, response.text)
            else:
                assert response.status_code != 404, (role, url, response.text)


def test_pii_clear_for_owner_and_staff_masked_for_brand(api: Api) -> None:
    case = open_case(api, order_id="O-1001", case_type="refund_only", text="口红断了")
    mine = api.as_("buyer").get(f"/api/v1/cases/{case['id']}").json()["buyer"]
    assert mine["phone"] == "13812345678" and not mine["masked"]
    staff = api.as_("agent").get(f"/api/v1/cases/{case['id']}").json()["buyer"]
    assert staff["phone"] == "13812345678"
    brand = api.as_("brand").get(f"/api/v1/cases/{case['id']}").json()["buyer"]
    assert brand["masked"] and brand["phone"] == "138****5678"
    assert "文三路" not in brand["address"] and brand["address"].startswith("浙江省杭州市")


def test_buyer_cannot_file_on_another_buyers_order(api: Api) -> None:
    response = api.as_("buyer").post("/api/v1/cases", json={"order_id": "O-2001", "case_type": "refund_only",
                                                             "text": "退款"})
    assert response.status_code == 422 and response.json()["field"] == "order_id"


def test_parties_cannot_open_cases_or_post_orders(api: Api) -> None:
    body = {"order_id": "O-1001", "case_type": "refund_only", "text": "退款"}
    assert api.as_("brand").post("/api/v1/cases", json=body).status_code == 403
    assert api.as_("buyer").post("/api/v1/orders", json={}).status_code in (403, 422)
    assert api.as_("anchor").get("/api/v1/callbacks").status_code == 403


def test_soothing_script_is_for_staff_not_the_buyer(api: Api) -> None:
    case = open_case(api, text="气死我了！！口红断成两截，什么垃圾质量，赶紧退钱！")
    assert case["soothing_script"] is None
    staff_view = api.as_("agent").get(f"/api/v1/cases/{case['id']}").json()
    assert staff_view["emotion"] == "angry" and staff_view["soothing_script"]


ADMIN_ONLY_WRITES = [
    ("POST", "/api/v1/orders/bulk", []),
    ("POST", "/api/v1/logistics/events", {"tracking_no": "SF000", "carrier_code": "SF", "status": "collected",
                                          "occurred_at": "2026-11-11T10:00:00+08:00"}),
]
SUPERVISION = [("GET", "/api/v1/callbacks", None), ("POST", "/api/v1/sla/sweep", None),
               ("PATCH", "/api/v1/sla/policies/1", {"resolution_minutes": 100})]


@pytest.mark.parametrize("role", ROLES)
def test_operational_endpoints_by_role(api: Api, role: str) -> None:
    speaker = api.as_(role)
    for _method, url, body in ADMIN_ONLY_WRITES:
        response = speaker.post(url, json=body)
        assert (response.status_code < 400) == (role == "platform_admin"), (role, url, response.text)
        if role != "platform_admin":
            assert response.status_code == 403
    for method, url, body in SUPERVISION:
        response = speaker.get(url) if method == "GET" else (
            speaker.post(url, json=body) if method == "POST" else speaker.patch(url, json=body))
        assert (response.status_code < 400) == (role in ("supervisor", "platform_admin")), (role, url)
    order = speaker.get("/api/v1/orders/O-1001")
    may_see_order = role in ("buyer", "agent", "supervisor", "platform_admin", "brand", "anchor", "mcn")
    assert order.status_code == (200 if may_see_order else 404), role
    me = speaker.get("/api/v1/me").json()
    assert me["role"] == role.rstrip("2")
