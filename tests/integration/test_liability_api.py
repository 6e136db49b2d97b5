"""Responsibility lists, routing with counted handoffs, and the liability ledger, through the API and CLI."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from aftersales.cases.models import Case, TimelineEvent
from aftersales.catalog.models import Product
from aftersales.cli import app as cli_app
from aftersales.liability import service as liability_service
from aftersales.liability.models import ResponsibilityList
from aftersales.parties.models import Party
from aftersales.runtime import Runtime
from tests.conftest import Api
from tests.factories import World

LIST = "/api/v1/liability/products/PR-LIP1/responsibility-list"




def _open_case(api: Api, order_id: str = "O-1001", text: str = "主播说七天美白，用了两周一点效果都没有") -> str:
    response = api.as_("buyer").post("/api/v1/cases", json={"order_id": order_id, "case_type": "return_refund",
                                                            "text": text})
    assert response.status_code in (200, 201), response.text
    return str(response.json()["id"])


def _holder(runtime: Runtime, case_id: str) -> str:
    with runtime.session() as session:
        holder = session.get(Case, case_id).responsible_party_id
    assert holder is not None, "intake routes every case"
    return holder


def test_brand_publishes_a_hashed_list_anyone_can_verify(api: Api, runtime: Runtime, world: World) -> None:
    published = api.as_("brand").post(LIST, json={})
    assert published.status_code == 201, published.text
    read = api.as_("buyer").get(LIST).json()
    assert read["verified"] and read["hash"] == published.json()["hash"]
    duties = {duty["party_kind"]: duty["party_id"] for duty in read["body"]["duties"]}
    assert duties["brand"] == world.ids["brand"] and duties["platform"] == world.ids["platform"]
    with runtime.session() as session:
        row = session.scalar(select(ResponsibilityList))
        tampered = dict(row.body, duties=[dict(d, party_id="P-BRAND2") for d in row.body["duties"]])
        session.execute(update(ResponsibilityList).values(body=tampered))
        session.commit()
    assert api.as_("buyer").get(LIST).json()["verified"] is False


def test_republishing_makes_a_new_version(api: Api) -> None:
    api.as_("brand").post(LIST, json={})
    again = api.as_("platform_admin").post(LIST, json={"carrier_id": "P-SF"})
    assert again.json()["version"] == 2 and api.as_("agent").get(LIST).json()["version"] == 2


def test_another_brand_cannot_publish_and_missing_list_is_404(api: Api) -> None:
    assert api.as_("brand2").post(LIST, json={}).status_code == 403
    assert api.as_("buyer").post(LIST, json={}).status_code == 403
    assert api.as_("buyer").get(LIST).status_code == 404


def test_intake_routes_a_complaint_about_the_anchors_claim_to_the_anchor(api: Api, runtime: Runtime,
                                                                       world: World) -> None:
    case_id = _open_case(api, text="口红里根本不含玻尿酸，和主播直播间说的不一样")
    with runtime.session() as session:
        case = session.get(Case, case_id)
        assert (case.responsible_kind, case.responsible_party_id) == ("anchor", world.ids["anchor"])
        assert case.handoff_count == 0
        routed = session.scalars(select(TimelineEvent).where(TimelineEvent.case_id == case_id,
                                                             TimelineEvent.kind == "routed")).one()
        assert "主播" in routed.reason and routed.data["party_id"] == world.ids["anchor"]


def test_handoffs_are_counted_on_the_case_and_a_return_is_a_loop(api: Api, runtime: Runtime,
                                                                 world: World) -> None:
    case_id = _open_case(api)
    first_holder = _holder(runtime, case_id)
    others = [p for p in (world.ids["anchor"], world.ids["carrier"], world.ids["shop"]) if p != first_holder]
    url = f"/api/v1/liability/cases/{case_id}/reroute"
    steps = [(others[0], False), (others[1], False), (first_holder, True)]
    for count, (target, loop) in enumerate(steps, start=1):
        response = api.as_("agent").post(url, json={"to_party_id": target, "reason": f"第{count}次转交"})
        assert response.status_code == 200, response.text
        assert (response.json()["handoff_count"], response.json()["loop"]) == (count, loop)
    with runtime.session() as session:
        case = session.get(Case, case_id)
        assert case.handoff_count == 3 and case.responsible_party_id == first_holder
        kinds = list(session.scalars(select(TimelineEvent.kind).where(TimelineEvent.case_id == case_id)))
        assert kinds.count("handoff") == 3
    listed = api.as_("supervisor").get(f"/api/v1/liability/cases/{case_id}/handoffs").json()
    assert [h["to_party_id"] for h in listed] == [target for target, _ in steps]


def test_a_party_passes_on_only_a_case_in_its_own_queue(api: Api, runtime: Runtime, world: World) -> None:
    case_id = _open_case(api)
    url = f"/api/v1/liability/cases/{case_id}/reroute"
    if _holder(runtime, case_id) != world.ids["anchor"]:
        api.as_("agent").post(url, json={"to_party_id": world.ids["anchor"], "reason": "主播宣称问题"})
    body = {"to_party_id": world.ids["brand"], "reason": "成分问题属于品牌"}
    assert api.as_("buyer").post(url, json=body).status_code == 403
    assert api.as_("anchor2").post(url, json=body).status_code == 404  # not in its queue: not visible
    assert api.as_("agent").post(url, json={"to_party_id": world.ids["anchor"], "reason": "x"}).status_code == 409
    to_agent = api.as_("agent").post(url, json={"to_party_id": world.ids["agent"], "reason": "x"})
    assert to_agent.status_code == 422
    passed = api.as_("anchor").post(url, json=body)
    assert passed.status_code == 200 and passed.json()["to_kind"] == "brand"
    assert api.as_("anchor").post(url, json={"to_party_id": world.ids["carrier"], "reason": "x"}).status_code == 404


def test_exaggerated_claim_refund_is_split_and_shows_on_statements(api: Api, runtime: Runtime,
                                                                   world: World) -> None:
    case_id = _open_case(api)
    posted = api.as_("supervisor").post(f"/api/v1/liability/cases/{case_id}/postings", json={
        "kind": "refund", "cause": "exaggerated_claim", "amount": "199.00", "reference": f"{case_id}:refund"})
    assert posted.status_code == 201, posted.text
    legs = {(leg["party_id"], leg["account"]): Decimal(leg["amount"]) for leg in posted.json()["legs"]}
    assert legs[(world.ids["brand"], "liability")] == Decimal("159.20")
    assert legs[(world.ids["anchor"], "liability")] == Decimal("39.80")
    assert sum(Decimal(leg["amount"]) for leg in posted.json()["legs"]) == 0
    retried = api.as_("supervisor").post(f"/api/v1/liability/cases/{case_id}/postings", json={
        "kind": "refund", "cause": "exaggerated_claim", "amount": "199.00", "reference": f"{case_id}:refund"})
    assert retried.json()["id"] == posted.json()["id"]
    month = runtime.clock.now().strftime("%Y-%m")
    brand = api.as_("brand").get(f"/api/v1/liability/parties/{world.ids['brand']}/statement",
                                 params={"month": month}).json()
    closing = {a["account"]: Decimal(a["closing"]) for a in brand["accounts"]}
    assert closing == {"liability": Decimal("159.20"), "payable": Decimal("-159.20")}
    hidden = api.as_("brand").get(f"/api/v1/liability/parties/{world.ids['anchor']}/statement",
                                  params={"month": month})
    assert hidden.status_code == 404
    with runtime.session() as session:
        assert liability_service.trial_balance(session) == 0
        year, number = (int(part) for part in month.split("-"))
        following = f"{year + number // 12}-{number % 12 + 1:02d}"
        previous = f"{year - (number == 1)}-{(number - 2) % 12 + 1:02d}"
        later = liability_service.statement(session, world.ids["brand"], following)
        assert later.lines == ()
        assert {a.account: a.opening for a in later.accounts}["liability"] == Decimal("159.20")
        assert liability_service.statement(session, world.ids["brand"], previous).accounts == ()


def test_without_a_cause_the_split_follows_the_party_holding_the_case(api: Api, runtime: Runtime,
                                                                     world: World) -> None:
    case_id = _open_case(api, text="快递压坏了，盒子都碎了")
    api.as_("agent").post(f"/api/v1/liability/cases/{case_id}/reroute",
                          json={"to_party_id": world.ids["carrier"], "reason": "运输破损"})
    posted = api.as_("supervisor").post(f"/api/v1/liability/cases/{case_id}/postings", json={
        "kind": "compensation", "amount": "30.00"})
    assert posted.status_code == 201, posted.text
    assert posted.json()["cause"] == "transit"
    borne = {leg["party_id"] for leg in posted.json()["legs"] if leg["account"] == "liability"}
    assert borne == {world.ids["carrier"]}


def test_alliance_factory_bears_half_of_quality_compensation(api: Api, runtime: Runtime, world: World) -> None:
    with runtime.session() as session:
        session.add(Party(id="P-FAC1", kind="supplier", name="联盟工厂", attributes={"alliance": True},
                          created_at=runtime.clock.now()))
        session.flush()
        session.execute(update(Product).where(Product.id == "PR-LIP1").values(supplier_id="P-FAC1"))
        session.commit()
    case_id = _open_case(api, text="口红断了，质量太差")
    posted = api.as_("platform_admin").post(f"/api/v1/liability/cases/{case_id}/postings", json={
        "kind": "compensation", "cause": "quality", "amount": "50.00"}).json()
    borne = {leg["party_id"]: Decimal(leg["amount"]) for leg in posted["legs"] if leg["account"] == "liability"}
    assert borne == {"P-FAC1": Decimal("25.00"), world.ids["brand"]: Decimal("25.00")}


def test_reserve_and_deposit_are_accounts_within_their_rules(api: Api, runtime: Runtime, world: World) -> None:
    reserve = api.as_("platform_admin").post("/api/v1/liability/reserves", json={
        "brand_id": world.ids["brand"], "gmv": "1000000", "rate": "0.03"})
    assert reserve.status_code == 201 and Decimal(reserve.json()["amount"]) == Decimal("30000.00")
    too_high = api.as_("platform_admin").post("/api/v1/liability/reserves", json={
        "brand_id": world.ids["brand"], "gmv": "1000000", "rate": "0.08"})
    assert too_high.status_code == 422
    assert api.as_("brand").post("/api/v1/liability/reserves", json={
        "brand_id": world.ids["brand"], "gmv": "1"}).status_code == 403
    with runtime.session() as session:
        session.add(Party(id="P-SUP9", kind="supplier", name="供应商", attributes={}, created_at=runtime.clock.now()))
        session.commit()
    deposit = api.as_("platform_admin").post("/api/v1/liability/deposits", json={
        "supplier_id": "P-SUP9", "payment": "20000"})
    assert Decimal(deposit.json()["amount"]) == Decimal("2000.00")
    with runtime.session() as session:
        assert liability_service.balance(session, world.ids["brand"], "reserve") == Decimal("-30000.00")
        assert liability_service.trial_balance(session) == 0


def test_anchor_recovers_a_false_advertising_advance(api: Api, runtime: Runtime, world: World) -> None:
    case_id = _open_case(api)
    api.as_("supervisor").post(f"/api/v1/liability/cases/{case_id}/postings", json={
        "kind": "refund", "cause": "false_advertising", "amount": "100.00"})
    with runtime.session() as session:
        assert liability_service.balance(session, world.ids["anchor"], "receivable") == Decimal("80.00")
    too_much = api.as_("supervisor").post("/api/v1/liability/settlements", json={
        "debtor_id": world.ids["brand"], "creditor_id": world.ids["anchor"], "amount": "81.00"})
    assert too_much.status_code == 422
    settled = api.as_("supervisor").post("/api/v1/liability/settlements", json={
        "debtor_id": world.ids["brand"], "creditor_id": world.ids["anchor"], "amount": "80.00"})
    assert settled.status_code == 201
    with runtime.session() as session:
        assert liability_service.balance(session, world.ids["anchor"], "receivable") == 0


def test_cli_exports_the_statement_as_csv_and_excel(api: Api, runtime: Runtime, world: World, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from openpyxl import load_workbook

    from aftersales.config import get_settings

    case_id = _open_case(api)
    api.as_("supervisor").post(f"/api/v1/liability/cases/{case_id}/postings", json={
        "kind": "refund", "cause": "exaggerated_claim", "amount": "199.00"})
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", runtime.settings.resolved_database_url())
    monkeypatch.setenv("AFTERSALES_DATA_DIR", str(runtime.settings.data_dir))
    get_settings.cache_clear()
    month = runtime.clock.now().strftime("%Y-%m")
    result = CliRunner().invoke(cli_app, ["ledger", "statement", "--party", world.ids["anchor"], "--month", month,
                                          "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / f"statement-{world.ids['anchor']}-{month}.csv").open(
        encoding="utf-8-sig")))
    assert {row["account"]: row["debit"] for row in rows}["liability"] == "39.80"
    book = load_workbook(tmp_path / f"statement-{world.ids['anchor']}-{month}.xlsx")
    assert book.worksheets[1].max_row == len(rows) + 1
    bad = CliRunner().invoke(cli_app, ["ledger", "statement", "--party", "NOPE", "--month", month])
    assert bad.exit_code == 2 and "Traceback" not in bad.output
    assert CliRunner().invoke(cli_app, ["ledger", "check"]).exit_code == 0
    get_settings.cache_clear()
