"""The case page's own writes from the console (decision override, care package, handoff, tag): each is saved
and said so, or refused with the reason in the page and nothing written."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from aftersales.app import create_app
from aftersales.cases.models import Case, CompensationOffer, TimelineEvent
from aftersales.runtime import Runtime
from tests.conftest import Api
from tests.integration.console_client import add_account, csrf_of, sign_in
from tests.integration.test_case_lifecycle_api import open_case


@pytest.fixture
def agent(runtime: Runtime) -> Iterator[TestClient]:
    add_account(runtime, "agent", "agent.zhao", "P-AGENT1")
    with TestClient(create_app(runtime, background=False)) as client:
        assert sign_in(client, "agent.zhao").status_code == 303
        yield client


def _post(client: TestClient, case_id: str, what: str, **form: str) -> Any:
    page = client.get(f"/agent/cases/{case_id}")
    assert page.status_code == 200
    return client.post(f"/agent/cases/{case_id}/{what}", data={"csrf_token": csrf_of(page.text), **form})


def _kinds(runtime: Runtime, case_id: str) -> list[str]:
    with runtime.session() as session:
        return list(session.scalars(select(TimelineEvent.kind).where(TimelineEvent.case_id == case_id)))


def test_an_override_needs_a_reason_and_then_is_recorded(api: Api, runtime: Runtime, agent: TestClient) -> None:
    case_id = open_case(api)["id"]
    refused = _post(agent, case_id, "decision", outcome="approve", reason=" ")
    assert refused.status_code == 422 and "理由" in refused.text
    assert refused.headers["HX-Retarget"] == "#flash"
    saved = _post(agent, case_id, "decision", outcome="approve", remedy="refund", refund_amount="12.50",
                  reason="主播承诺过无理由退")
    assert saved.status_code == 200 and "已改判" in saved.text
    assert _kinds(runtime, case_id).count("policy_override") == 1


def test_a_care_package_is_offered_and_a_bad_amount_refused(api: Api, runtime: Runtime, agent: TestClient) -> None:
    case_id = open_case(api)["id"]
    bad = _post(agent, case_id, "offers", kind="coupon", amount="十块")
    assert bad.status_code == 422 and "金额" in bad.text
    good = _post(agent, case_id, "offers", kind="coupon", amount="10")
    assert good.status_code == 200 and "补偿已提供" in good.text
    with runtime.session() as session:
        offers = list(session.scalars(select(CompensationOffer).where(CompensationOffer.case_id == case_id)))
    assert [(o.kind, str(o.amount)) for o in offers] == [("coupon", "10.00")]


def test_a_handoff_to_an_unknown_party_is_refused_and_to_the_brand_saved(api: Api, runtime: Runtime,
                                                                          agent: TestClient) -> None:
    case_id = open_case(api)["id"]
    with runtime.session() as session:
        before = session.get(Case, case_id)
        assert before is not None
        holder = before.responsible_party_id
    no_reason = _post(agent, case_id, "reroute", to_party_id="P-BRAND1", reason="")
    assert no_reason.status_code == 422 and "原因" in no_reason.text
    unknown = _post(agent, case_id, "reroute", to_party_id="P-NOBODY", reason="转给品牌方")
    assert unknown.status_code == 422 and unknown.headers["HX-Retarget"] == "#flash"
    assert "只能转交给与该订单相关的主体" in unknown.text
    target = "P-SHOP1" if holder == "P-BRAND1" else "P-BRAND1"
    saved = _post(agent, case_id, "reroute", to_party_id=target, reason="质量问题归品牌")
    assert saved.status_code == 200 and "已转交" in saved.text
    with runtime.session() as session:
        after = session.get(Case, case_id)
        assert after is not None and after.responsible_party_id == target and after.handoff_count == 1
    assert _kinds(runtime, case_id).count("handoff") == 1


def test_a_tag_is_added_once(api: Api, runtime: Runtime, agent: TestClient) -> None:
    case_id = open_case(api)["id"]
    first = _post(agent, case_id, "tags", tag="重点关注")
    assert first.status_code == 200 and "重点关注" in first.text
    assert _post(agent, case_id, "tags", tag="重点关注").status_code == 200
    assert _kinds(runtime, case_id).count("tag") == 1
