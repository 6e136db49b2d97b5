"""Defects a new user and a probe met (issue 8 §4): each test failed before its fix."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from aftersales.catalog.models import Product
from aftersales.runtime import Runtime
from tests.conftest import Api
from tests.factories import World, order_payload

HUGE = "99999999999999999999999"


def _open(api: Api, who: str = "buyer", **body: Any) -> Any:
    return api.as_(who).post("/api/v1/cases", json={"order_id": "O-1001", "case_type": "refund_only",
                                                    "text": "口红断了，要求退款", **body})


def test_a_refund_without_an_amount_takes_the_decisions_never_a_500(api: Api) -> None:
    # the anchor promised 过敏包退 in the live session: the policy approves the refund without a report
    case = _open(api, case_type="allergy_claim", text="涂了嘴唇过敏红肿").json()
    assert case["decision"]["outcome"] == "approve"
    refunded = api.as_("agent").post(f"/api/v1/cases/{case['id']}/actions/refund", json={"message": "已退款"})
    assert refunded.status_code == 200, refunded.text
    assert Decimal(refunded.json()["refund_amount"]) == Decimal(case["decision"]["refund_amount"]) > 0
    # a decision that names no refund (evidence still missing) asks for the amount instead of refunding 0.00
    pending = _open(api, case_type="complaint", text="口红断了，要求退款").json()
    asked = api.as_("agent").post(f"/api/v1/cases/{pending['id']}/actions/refund", json={"message": "退款"})
    assert asked.status_code == 422 and asked.json()["field"] == "amount"


def test_a_fresh_database_has_the_escalation_matrix_and_its_bounds_hold(api: Api) -> None:
    policies = api.as_("supervisor").get("/api/v1/sla/policies").json()
    assert len(policies) >= 9
    first = policies[0]["id"]
    absurd = api.as_("supervisor").patch(f"/api/v1/sla/policies/{first}",
                                         json={"first_response_minutes": 100000000000})
    assert absurd.status_code == 422 and absurd.json()["field"] == "first_response_minutes"
    assert _open(api).status_code == 201, "intake still works"


@pytest.mark.parametrize(("who", "method", "url", "body"), [
    ("buyer", "post", f"/api/v1/cases/CS-X/offers/{HUGE}/answer", {"accepted": True}),
    ("supervisor", "patch", f"/api/v1/sla/policies/{HUGE}", {"resolution_minutes": 60}),
    ("supervisor", "post", f"/api/v1/callbacks/{HUGE}/complete", {"outcome": "已回访"}),
    ("platform_admin", "get", f"/api/v1/live/sessions/LS-1/claims?after_seq={HUGE}", None),
    ("platform_admin", "get", "/api/v1/evaluation/ranking/anchor?period=0001-01", None),
    ("platform_admin", "get", "/api/v1/evaluation/ranking/anchor?period=9999-Q4", None),
    ("platform_admin", "get", "/api/v1/liability/parties/P-BRAND1/statement?month=9999-12", None),
    ("platform_admin", "get", "/api/v1/liability/parties/P-BRAND1/statement?month=2026-13", None),
    ("platform_admin", "post", "/api/v1/liability/reserves", {"brand_id": "P-BRAND1", "gmv": 1e308}),
    ("platform_admin", "post", "/api/v1/liability/deposits", {"supplier_id": "P-X", "payment": "NaN"}),
])
def test_out_of_range_ids_periods_and_amounts_are_4xx_problems(api: Api, who: str, method: str, url: str,
                                                               body: Any) -> None:
    speaker = api.as_(who)
    response = getattr(speaker, method)(url, json=body) if body is not None else getattr(speaker, method)(url)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_postings_are_decimal_and_bounded_by_what_the_case_can_cost(api: Api) -> None:
    case = _open(api).json()
    url = f"/api/v1/liability/cases/{case['id']}/postings"
    assert api.as_("supervisor").post(url, json={"kind": "refund", "amount": 1e20}).status_code == 422
    over = api.as_("supervisor").post(url, json={"kind": "refund", "amount": "199.01"})
    assert over.status_code == 422 and over.json()["field"] == "amount"
    ten_fold = api.as_("supervisor").post(url, json={"kind": "compensation", "cause": "quality",
                                                     "amount": "1990.00"})
    assert ten_fold.status_code == 201 and ten_fold.json()["amount"] == "1990.00"


def test_a_role_that_may_never_act_gets_403_not_409(api: Api) -> None:
    case = _open(api).json()
    refused = api.as_("buyer").post(f"/api/v1/cases/{case['id']}/actions/refund", json={})
    assert refused.status_code == 403 and refused.json()["action"] == "refund"


def test_a_reused_key_with_another_body_is_422_and_a_second_open_case_409(api: Api) -> None:
    key = {"Idempotency-Key": "probe-1"}
    first = api.as_("buyer").post("/api/v1/cases", headers=key, json={
        "order_id": "O-1001", "case_type": "refund_only", "text": "口红断了"})
    assert first.status_code == 201
    other = api.as_("buyer").post("/api/v1/cases", headers=key, json={
        "order_id": "O-1001", "case_type": "refund_only", "text": "另一件事"})
    assert other.status_code == 422 and other.json()["field"] == "Idempotency-Key"
    twice = _open(api)
    assert twice.status_code == 409 and twice.json()["case_id"] == first.json()["id"]
    assert _open(api, case_type="complaint", text="客服态度差").status_code == 201, "another type is another case"


def test_a_json_body_over_a_megabyte_is_refused_with_413(api: Api) -> None:
    huge = _open(api, text="口" * 10, attachments=["x" * 1_100_000])
    assert huge.status_code == 413 and huge.json()["field"] == "body"
    assert api.as_("agent").get("/api/v1/cases").status_code == 200


def test_an_unexpected_error_is_a_problem_answer_that_does_not_escape(api: Api, monkeypatch: Any) -> None:
    from aftersales.cases import service as case_service

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(case_service, "list_cases", broken)
    # the test client re-raises any exception that leaves the app (as uvicorn would then drop the connection)
    answer = api.as_("agent").get("/api/v1/cases")
    assert answer.status_code == 500 and answer.json()["type"].endswith("internal-error")


def test_only_staff_or_the_holder_reroute_an_open_case_to_a_party_of_its_order(api: Api, runtime: Runtime,
                                                                              world: World) -> None:
    case = _open(api).json()
    url = f"/api/v1/liability/cases/{case['id']}/reroute"
    unrelated = api.as_("agent").post(url, json={"to_party_id": world.ids["brand2"], "reason": "试试"})
    assert unrelated.status_code == 422 and unrelated.json()["field"] == "to_party_id"
    holder_role = {"brand": "brand", "anchor": "anchor"}.get(case["responsible_kind"], "agent")
    api.as_("agent").post(f"/api/v1/cases/{case['id']}/actions/resolve", json={"message": "已处理"})
    api.as_("agent").post(f"/api/v1/cases/{case['id']}/actions/close", json={})
    closed = api.as_(holder_role).post(url, json={"to_party_id": world.ids["shop"], "reason": "转给店铺"})
    assert closed.status_code == 409


def test_the_api_documents_its_bearer_scheme_and_root_is_not_404(api: Api) -> None:
    client: Any = api.client
    schema = client.get("/openapi.json").json()
    assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
    assert client.get("/", follow_redirects=False).status_code in (200, 302, 303, 307)


def test_a_phone_of_separators_only_is_refused(api: Api, world: World) -> None:
    body = order_payload("O-PHONE", "B-9", "PR-LIP1", world.now,
                         buyer={"id": "B-9", "name": "买家", "phone": "      -     -       ", "address": "上海市1号"})
    refused = api.as_("platform_admin").post("/api/v1/orders", json=body)
    assert refused.status_code == 422 and refused.json()["field"] == "buyer.phone"


def test_answers_follow_the_decision_and_the_category(api: Api, runtime: Runtime, world: World) -> None:
    with runtime.session() as session:
        session.add_all([
            Product(id="PR-SNACK", name="手工牛轧糖", brand_id="P-BRAND1", shop_id="P-SHOP1", category_code="food",
                    tags=[], price=Decimal("39.00"), created_at=world.now),
            Product(id="PR-WASH", name="氨基酸洁面乳", brand_id="P-BRAND1", shop_id="P-SHOP1",
                    category_code="cosmetics", tags=[], price=Decimal("89.00"), created_at=world.now)])
        session.commit()
    for order_id, product in (("O-SNACK", "PR-SNACK"), ("O-WASH", "PR-WASH")):
        api.as_("platform_admin").post("/api/v1/orders", json=order_payload(order_id, "B-1", product, world.now))
    snack = api.as_("buyer").post("/api/v1/cases", json={"order_id": "O-SNACK", "case_type": "return_refund",
                                                         "text": "不想要了，七天无理由退货"}).json()
    assert snack["decision"]["outcome"] == "deny"
    assert "可以按七天无理由" not in snack["answer"] and "退货地址" not in snack["answer"]
    wash = api.as_("buyer").post("/api/v1/cases", json={"order_id": "O-WASH", "case_type": "exchange",
                                                        "text": "买大了一号，想换个小的"}).json()
    assert "尺码表" not in wash["answer"]


def test_an_integrity_error_is_never_answered_as_a_created_case(runtime: Runtime, world: World,
                                                                monkeypatch: Any) -> None:
    from sqlalchemy.exc import IntegrityError

    from aftersales.cases import intake
    from aftersales.cases.models import Case
    from aftersales.cases.schemas import CaseCreate
    from aftersales.vocabulary import CaseType

    real = intake.commit_batch
    failures = {"left": 1}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        outcomes = real(*args, **kwargs)
        if failures["left"]:
            failures["left"] -= 1
            raise IntegrityError("INSERT", {}, Exception("a uniqueness race"))
        return outcomes

    monkeypatch.setattr(intake, "commit_batch", flaky)
    request = intake.prepare(CaseCreate(order_id="O-1001", case_type=CaseType.REFUND_ONLY, text="口红断了"),
                             buyer_id="B-1", idempotency_key=None, actor_role="buyer")
    [outcome] = intake.open_cases(runtime.session_factory, [request], runtime.clock.now(), runtime.calendar)
    with runtime.session() as session:
        stored = session.scalar(select(Case).where(Case.id == outcome.case.id))
    assert stored is not None, "the retry committed the case it answers with"
    failures["left"] = 2
    with pytest.raises(IntegrityError):
        intake.open_cases(runtime.session_factory, [request], runtime.clock.now(), runtime.calendar)
