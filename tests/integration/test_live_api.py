"""Anchor promises as evidence, through the API: record, seal, verify, and what intake gets for an order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from aftersales.cli import app as cli_app
from aftersales.live import service as live_service
from aftersales.live.models import LiveClaim
from aftersales.orders.models import Order, OrderItem
from aftersales.runtime import Runtime
from tests.conftest import Api
from tests.factories import World

BASE = "/api/v1/live/sessions"




def _sold(session: Session, order: Order | None) -> live_service.SoldItem:
    """The order's first line, as sold in its live session."""
    assert order is not None
    product = session.scalar(select(OrderItem.product_id).where(OrderItem.order_id == order.id, OrderItem.line_no == 1))
    assert product is not None
    return live_service.SoldItem(order.live_session_id, product)


@pytest.fixture
def sid(api: Api, runtime: Runtime) -> str:
    """A fresh session of the anchor, bound to order O-1002 (the dress), so each test starts from no claims."""
    response = api.as_("anchor").post(BASE, json={"title": "测试专场"})
    assert response.status_code == 201, response.text
    session_id = str(response.json()["id"])
    with runtime.session() as session:
        session.execute(update(Order).where(Order.id == "O-1002").values(live_session_id=session_id))
        session.commit()
    return session_id


def _record(api: Api, sid: str, text: str, offset_ms: int, products: list[str] | None = None,
            who: str = "anchor") -> dict:
    response = api.as_(who).post(f"{BASE}/{sid}/claims", json={
        "text": text, "offset_ms": offset_ms, "product_ids": products if products is not None else ["PR-DRESS"]})
    assert response.status_code == 201, response.text
    return response.json()


def _record_three(api: Api, sid: str) -> None:
    _record(api, sid, "家人们这条裙子过敏包退，假一赔十！", 61_000)
    _record(api, sid, "桑蚕丝含量95%，七天无理由", 125_500)
    _record(api, sid, "这支口红敏感肌放心用", 300_000, ["PR-LIP1"])


def test_recorded_claim_carries_its_hash_link_and_promise_ids(api: Api, sid: str) -> None:
    first = _record(api, sid, "过敏包退，假一赔十", 61_000)
    second = _record(api, sid, "保价30天，含95%玻尿酸", 90_000)
    assert first["seq"] == 1 and second["seq"] == 2
    assert second["prev_hash"] == first["hash"] and len(first["hash"]) == 64
    assert first["promise_ids"] == ["allergy_refund", "fake_pays_ten"]
    assert second["promises"][0]["days"] == 30
    assert second["checkable"][0]["id"] == "hyaluronic_acid"


def test_seal_then_verify_is_ok_and_no_more_claims_are_taken(api: Api, sid: str) -> None:
    _record_three(api, sid)
    sealed = api.as_("anchor").post(f"{BASE}/{sid}/seal")
    assert sealed.status_code == 200 and sealed.json()["entry_count"] == 3
    claims = api.as_("supervisor").get(f"{BASE}/{sid}/claims").json()
    assert sealed.json()["root_hash"] == claims[-1]["hash"]
    report = api.as_("platform_admin").get(f"{BASE}/{sid}/verify").json()
    assert report["ok"] and report["sealed"] and report["issues"] == []
    late = api.as_("anchor").post(f"{BASE}/{sid}/claims", json={"text": "再加一句", "offset_ms": 1, "product_ids": []})
    assert late.status_code == 409
    assert api.as_("anchor").post(f"{BASE}/{sid}/seal").status_code == 409


def test_claims_are_read_page_by_page(api: Api, sid: str) -> None:
    _record_three(api, sid)
    first = api.as_("anchor").get(f"{BASE}/{sid}/claims", params={"limit": 2}).json()
    rest = api.as_("anchor").get(f"{BASE}/{sid}/claims", params={"after_seq": first[-1]["seq"]}).json()
    assert [c["seq"] for c in first] == [1, 2] and [c["seq"] for c in rest] == [3]


def test_altering_a_stored_claim_is_named_by_verify(api: Api, runtime: Runtime, sid: str) -> None:
    _record_three(api, sid)
    api.as_("anchor").post(f"{BASE}/{sid}/seal")
    with runtime.session() as session:
        session.execute(update(LiveClaim).where(LiveClaim.session_id == sid, LiveClaim.seq == 1)
                        .values(text="家人们这条裙子不退不换"))
        session.commit()
    report = api.as_("supervisor").get(f"{BASE}/{sid}/verify").json()
    assert not report["ok"]
    assert [(issue["kind"], issue["seq"]) for issue in report["issues"]] == [("altered", 1)]


def test_deleting_a_stored_claim_is_named_by_verify(api: Api, runtime: Runtime, sid: str) -> None:
    _record_three(api, sid)
    api.as_("anchor").post(f"{BASE}/{sid}/seal")
    with runtime.session() as session:
        session.query(LiveClaim).filter(LiveClaim.session_id == sid, LiveClaim.seq == 2).delete()
        session.commit()
    report = api.as_("supervisor").get(f"{BASE}/{sid}/verify").json()
    assert [(issue["kind"], issue["seq"]) for issue in report["issues"]] == [("deleted", 2)]


@pytest.mark.parametrize(("who", "status"), [("anchor2", 404), ("buyer", 403), ("agent", 403), ("brand", 403)])
def test_only_the_sessions_anchor_and_governance_see_its_evidence(api: Api, sid: str, who: str,
                                                                  status: int) -> None:
    _record(api, sid, "正品保证", 1000)
    assert api.as_(who).get(f"{BASE}/{sid}/claims").status_code == status
    assert api.as_(who).post(f"{BASE}/{sid}/claims", json={"text": "假一赔十", "offset_ms": 5}).status_code == status


def test_unknown_product_or_negative_offset_is_refused(api: Api, sid: str) -> None:
    url = f"{BASE}/{sid}/claims"
    bad_product = api.as_("anchor").post(url, json={"text": "正品保证", "offset_ms": 1, "product_ids": ["NOPE"]})
    assert bad_product.status_code == 422 and "NOPE" in bad_product.json()["detail"]
    assert api.as_("anchor").post(url, json={"text": "正品保证", "offset_ms": -1}).status_code == 422


def test_anchor_opens_its_own_session(api: Api, world: World) -> None:
    response = api.as_("anchor").post(BASE, json={"title": "宠粉专场"})
    assert response.status_code == 201
    assert response.json()["anchor_id"] == world.ids["anchor"]
    other = api.as_("anchor").post(BASE, json={"title": "x", "anchor_id": world.ids["anchor2"]})
    assert other.status_code == 403


def test_order_sees_only_the_claims_naming_its_product(api: Api, runtime: Runtime, sid: str) -> None:
    _record_three(api, sid)
    with runtime.session() as session:
        order = session.get(Order, "O-1002")
        views = live_service.claims_for(session, _sold(session, order))
        assert [view.seq for view in views] == [1, 2]
        assert views[0].offset_label == "00:01:01" and views[0].chain_verified
        assert live_service.promise_ids_for(session, _sold(session, order)) == (
            "allergy_refund", "fake_pays_ten", "seven_day_return")
        assert live_service.promise_ids_for(session, live_service.SoldItem(None, "PR-DRESS")) == ()


def test_tampered_chain_is_flagged_on_the_orders_claims(api: Api, runtime: Runtime, sid: str) -> None:
    _record_three(api, sid)
    with runtime.session() as session:
        session.execute(update(LiveClaim).where(LiveClaim.session_id == sid, LiveClaim.seq == 3)
                        .values(offset_ms=1))
        session.commit()
        assert not live_service.claims_for(session, _sold(session, session.get(Order, "O-1002")))[0].chain_verified


def test_cli_verifies_the_database_and_an_exported_file(api: Api, runtime: Runtime, tmp_path: Path, sid: str,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    _record_three(api, sid)
    api.as_("anchor").post(f"{BASE}/{sid}/seal")
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", runtime.settings.resolved_database_url())
    monkeypatch.setenv("AFTERSALES_DATA_DIR", str(runtime.settings.data_dir))
    from aftersales.config import get_settings

    get_settings.cache_clear()
    runner = CliRunner()
    ok = runner.invoke(cli_app, ["live", "verify", sid])
    assert ok.exit_code == 0, ok.output
    exported = tmp_path / "chain.json"
    assert runner.invoke(cli_app, ["live", "export", sid, "--out", str(exported)]).exit_code == 0
    payload = json.loads(exported.read_text(encoding="utf-8"))
    payload["entries"][0], payload["entries"][1] = payload["entries"][1], payload["entries"][0]
    exported.write_text(json.dumps(payload, ensure_ascii=False), encoding="utf-8")
    moved = runner.invoke(cli_app, ["live", "verify", "--file", str(exported)])
    assert moved.exit_code == 1 and "reordered" in moved.output
    missing = runner.invoke(cli_app, ["live", "verify", "LS-NOPE"])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    get_settings.cache_clear()


def test_buyer_complaint_is_judged_against_the_claims_for_the_order(api: Api, runtime: Runtime, sid: str) -> None:
    from decimal import Decimal

    _record(api, sid, "含95%桑蚕丝，七天瘦身", 10_000)
    _record(api, sid, "这支口红七天美白", 20_000, ["PR-LIP1"])
    with runtime.session() as session:
        order = session.get(Order, "O-1002")
        judged = live_service.judge_claims(session, _sold(session, order), "穿了一个月一点效果都没有")
        assert judged.has_mismatch and {f.claim.kind for f in judged.findings} == {"efficacy"}
        assert "瘦身" in judged.findings[0].reason_zh
        lab = live_service.judge_claims(session, _sold(session, order), "送检了", {"mulberry_silk": Decimal("30")})
        assert lab.has_mismatch and "30" in lab.findings[0].reason_zh
