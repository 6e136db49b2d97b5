"""What the schema fuzzer (test_fuzz_api.py) found, each pinned by the request that met a server error, and
the input no route may see: NUL characters anywhere, duplicate keys in a JSON object."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from aftersales.runtime import Runtime
from tests.conftest import Api
from tests.factories import World
from tests.integration.console_client import add_account, csrf_of, sign_in

CASE = {"order_id": "O-1001", "case_type": "refund_only", "text": "口红断了，要求退款"}


def _refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["field"] == field, body
    assert body["errors"][0]["field"] == field and body["detail"].startswith(f"{field}: ")


def _raw(api: Api, who: str, url: str, text: str, method: str = "post") -> Any:
    return getattr(api.as_(who), method)(url, content=text.encode(), headers={"Content-Type": "application/json"})


@pytest.mark.parametrize(("body", "field"), [
    ({**CASE, "text": "断了\u0000"}, "text"),
    ({**CASE, "items": [{"order_id": "O-1\u00000", "line_no": 1}]}, "items.0.order_id"),
    ({**CASE, "attachments": ["ok", "a\u0000b"]}, "attachments.1"),
    ({**CASE, "te\u0000xt": "x"}, "te\\u0000xt"),
])
def test_a_nul_in_a_json_string_is_refused_naming_the_field(api: Api, body: dict[str, Any], field: str) -> None:
    _refused(api.as_("buyer").post("/api/v1/cases", json=body), field)
    assert api.as_("buyer").get("/api/v1/cases").json()["items"] == [], "nothing was stored"


def test_an_escaped_backslash_before_u0000_is_text_not_a_nul(api: Api) -> None:
    opened = _raw(api, "buyer", "/api/v1/cases", json.dumps({**CASE, "text": "路径 C:\\u0000 不是空字符"}))
    assert opened.status_code == 201, opened.text
    assert opened.json()["text"] == "路径 C:\\u0000 不是空字符"


@pytest.mark.parametrize(("url", "field"), [
    ("/api/v1/cases?state=%00", "state"),
    ("/api/v1/cases?tier=L1&party=P-%00BRAND1", "party"),
    ("/api/v1/orders?buyer_id=B-1%00", "buyer_id"),
    ("/api/v1/cases/CS-%00", "case_id"),
    ("/api/v1/orders/O-1001%00", "order_id"),
    ("/api/v1/evaluation/anchor/P-ANCHOR1%00/trend", "subject_id"),
])
def test_a_nul_in_a_query_or_path_parameter_is_refused_naming_it(api: Api, url: str, field: str) -> None:
    _refused(api.as_("platform_admin").get(url), field)


def test_a_nul_in_a_form_field_is_refused(api: Api) -> None:
    response = api.client.post("/login", data={"username": "admin\u0000", "password": "x"})  # type: ignore[attr-defined]
    _refused(response, "username")


def test_a_nul_in_a_multipart_form_field_is_refused_and_no_case_opened(api: Api, runtime: Runtime) -> None:
    # the buyer's claim form with a photo is multipart: PostgreSQL met the NUL in the case text (a 500)
    client: Any = api.client
    add_account(runtime, "buyer", "buyer-one", party="B-1")
    assert sign_in(client, "buyer-one").status_code == 303
    token = csrf_of(client.get("/buyer/orders/O-1001/claim").text)
    form = {"csrf_token": token, "case_type": "refund_only", "text": "口红断了\u0000", "lines": "1"}
    _refused(client.post("/buyer/orders/O-1001/claim", data=form, files={"files": ("a.jpg", b"\x00\x01")},
                         follow_redirects=False), "text")
    assert api.as_("buyer").get("/api/v1/cases").json()["items"] == []
    clean = client.post("/buyer/orders/O-1001/claim", data={**form, "text": "口红断了"},
                        files={"files": ("a.jpg", b"\x00\x01")}, follow_redirects=False)
    assert clean.status_code == 303, "a file's bytes may hold NUL"


@pytest.mark.parametrize(("text", "field"), [
    ('{"order_id": "O-1001", "order_id": "O-1002", "case_type": "refund_only", "text": "断了"}', "order_id"),
    ('{"order_id": "O-1001", "case_type": "refund_only", "text": "断了", '
     '"items": [{"line_no": 1}, {"line_no": 1, "line_no": 2}]}', "items.1.line_no"),
])
def test_a_duplicate_key_is_refused_naming_it(api: Api, text: str, field: str) -> None:
    _refused(_raw(api, "buyer", "/api/v1/cases", text), field)


def test_a_duplicate_key_deep_in_an_order_is_refused(api: Api) -> None:
    text = ('{"id": "O-9", "product_id": "PR-LIP1", "amount": "1.00", "quantity": 1, '
            '"buyer": {"id": "B-9", "name": "甲", "name": "乙", "phone": "13800000000", "address": "上海"}}')
    _refused(_raw(api, "platform_admin", "/api/v1/orders", text), "buyer.name")


def test_malformed_json_is_still_the_parsers_to_answer(api: Api) -> None:
    response = _raw(api, "buyer", "/api/v1/cases", '{"order_id": "O-1001",')
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize("field", ["business_hours", "first_response_minutes", "resolution_minutes"])
def test_null_for_a_policy_column_that_always_holds_a_value_is_refused(api: Api, field: str) -> None:
    policy = api.as_("supervisor").get("/api/v1/sla/policies").json()[0]
    _refused(api.as_("supervisor").patch(f"/api/v1/sla/policies/{policy['id']}", json={field: None}), field)
    cleared = api.as_("supervisor").patch(f"/api/v1/sla/policies/{policy['id']}", json={"escalate_to": None})
    assert cleared.status_code == 200 and cleared.json()["escalate_to"] is None


@pytest.mark.parametrize(("by", "key"), [("batch", "BA-LIP1-01"), ("product", "PR-LIP1"), ("session", "LS-1"),
                                         ("anchor", "P-ANCHOR1"), ("shop", "P-SHOP1"), ("region", "浙江"),
                                         ("carrier", "P-SF")])
def test_the_rates_drill_down_to_one_key_on_every_dimension(api: Api, world: World, by: str, key: str) -> None:
    # PostgreSQL refused the one-key query (a column beside aggregates without GROUP BY): a 500 there
    case = api.as_("buyer").post("/api/v1/cases", json={**CASE, "case_type": "return_refund"}).json()
    window = {"from": (world.now - timedelta(days=30)).isoformat(), "to": (world.now + timedelta(days=1)).isoformat()}
    one = api.as_("supervisor").get("/api/v1/risk/rates", params={"by": by, "key": key, **window})
    assert one.status_code == 200, one.text
    assert [row["key"] for row in one.json()["items"]] == [key]
    assert one.json()["items"][0]["case_ids"] == [case["id"]]
    none = api.as_("supervisor").get("/api/v1/risk/rates", params={"by": by, "key": "no-such-key", **window})
    assert none.status_code == 200 and none.json()["items"] == []


def test_the_document_describes_every_error_as_a_problem(api: Api) -> None:
    # the fuzzer checks each answer against the document; FastAPI's own 422 shape was never what the API sent
    document = api.client.get("/openapi.json").json()  # type: ignore[attr-defined]
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance"} <= set(problem["required"])
    for path, item in document["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            assert "application/problem+json" in responses["default"]["content"], (method, path)
            if "422" in responses:
                assert list(responses["422"]["content"]) == ["application/problem+json"], (method, path)
    refused = api.as_("buyer").post("/api/v1/cases", json={"order_id": ""})
    assert refused.status_code == 422 and set(problem["required"]) <= set(refused.json())


def test_a_claim_offset_beyond_a_week_is_refused_not_overflowed(api: Api) -> None:
    # PostgreSQL's 32-bit column overflowed on a generated 68,719,476,735 ms (a 500)
    url = "/api/v1/live/sessions/LS-1/claims"
    far = api.as_("platform_admin").post(url, json={"text": "全场包邮", "offset_ms": 68_719_476_735})
    assert far.status_code == 422 and far.json()["field"] == "offset_ms"
    week = api.as_("platform_admin").post(url, json={"text": "全场包邮", "offset_ms": 7 * 24 * 3600 * 1000})
    assert week.status_code == 201, week.text


def test_a_nul_in_a_carriers_event_is_refused_before_the_raw_body_is_read(api: Api, world: World) -> None:
    # the logistics webhook reads its own raw body (the carrier signed those bytes); PostgreSQL met the NUL (a 500)
    event = {"tracking_no": "SF1001", "carrier_code": "SF", "status": "in_transit",
             "occurred_at": world.now.isoformat(), "location": "杭州\u0000转运中心"}
    _refused(api.as_("platform_admin").post("/api/v1/logistics/events", json=event), "location")
    clean = api.as_("platform_admin").post("/api/v1/logistics/events", json={**event, "location": "杭州转运中心"})
    assert clean.status_code == 200, clean.text


def test_a_nul_in_an_upload_form_field_of_the_api_names_the_field(api: Api) -> None:
    case = api.as_("buyer").post("/api/v1/cases", json=CASE).json()
    refused = api.as_("buyer").post(f"/api/v1/cases/{case['id']}/evidence", data={"kind": "photo\u0000"},
                                    files={"file": ("a.jpg", b"\x00\xff")})
    _refused(refused, "kind")
