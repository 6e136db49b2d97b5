"""A buyer's rights under PIPL: their data export (the buyer, supervisors, platform admins) and their erasure
(anonymised in place: the ledger stays balanced and every indicator counts as before)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from aftersales.cases.erasure import REDACTED, SCRUBBED
from aftersales.cases.models import Case, CaseMessage
from aftersales.cli import app
from aftersales.config import get_settings
from aftersales.db import unit_of_work
from aftersales.demo.generator import generate
from aftersales.evaluation import service as evaluation
from aftersales.liability.models import LedgerAccount, LedgerEntry, LedgerPosting
from aftersales.liability.service import trial_balance
from aftersales.parties.models import Buyer
from aftersales.privacy.erasure import erase_buyer
from aftersales.runtime import Runtime
from aftersales.security import audit, pii
from aftersales.security.account_models import ConsoleAccount
from aftersales.security.models import ApiToken, AuditEntry
from aftersales.surveys.models import Survey
from tests.conftest import Api
from tests.factories import World
from tests.integration.console_client import add_account
from tests.integration.test_case_lifecycle_api import act, open_case
from tests.integration.test_evidence import _photo, _upload


def _audit(runtime: Runtime, action: str) -> list[AuditEntry]:
    with runtime.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)))


def _story(api: Api) -> dict[str, Any]:
    """B-1 complains, uploads a photo, is answered by name, and rates a closed case with a remark."""
    case = open_case(api, order_id="O-1001", case_type="refund_only", text="口红断了，我的电话13812345678")
    assert act(api, case["id"], "reply", message="王小美您好，我们会尽快处理").status_code == 200
    photo = _upload(api, case["id"], _photo(), name="王小美的口红.jpg")
    assert photo.status_code == 201, photo.text
    closed = open_case(api, order_id="O-1002", case_type="exchange", text="衣服太大了，想换小一码")
    assert act(api, closed["id"], "resolve", message="已换货").status_code == 200
    assert act(api, closed["id"], "close").status_code == 200
    assert api.as_("buyer").post(f"/api/v1/cases/{closed['id']}/survey",
                                 json={"csat": 2, "nps": 3, "comment": "王小美很失望"}).status_code == 201
    return {"open": case["id"], "closed": closed["id"], "evidence": photo.json()["evidence"]}


def test_a_buyer_exports_everything_held_about_them_and_the_export_is_audited(api: Api, runtime: Runtime) -> None:
    story = _story(api)
    response = api.as_("buyer").get("/api/v1/buyers/B-1/export")
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    document = response.json()
    assert document["format"] == "aftersales.buyer-export/1"
    profile = document["profile"]
    assert (profile["name"], profile["phone"], profile["region"]) == ("王小美", "13812345678", "浙江")
    assert profile["address"].startswith("浙江省杭州市西湖区文三路")
    assert [o["id"] for o in document["orders"]] == ["O-1001", "O-1002"]
    assert document["orders"][0]["items"][0]["product_name"] and document["orders"][0]["shipments"]
    cases = {c["id"]: c for c in document["cases"]}
    assert set(cases) == {story["open"], story["closed"]}
    opened = cases[story["open"]]
    assert "王小美您好，我们会尽快处理" in [m["body"] for m in opened["messages"]]
    assert [e["filename"] for e in opened["evidence"]] == ["王小美的口红.jpg"]
    assert opened["decision"]["policy"] and opened["timeline"]
    assert all(e["kind"] != "note" for e in opened["timeline"]), "internal notes are not the buyer's"
    assert cases[story["closed"]]["survey"]["comment"] == "王小美很失望"
    (entry,) = _audit(runtime, audit.PII_EXPORT)
    assert (entry.role, entry.subject_id, entry.purpose) == ("buyer", "B-1", "data_export")


@pytest.mark.parametrize(("role", "status"), [("buyer2", 404), ("brand", 403), ("anchor", 403), ("agent", 403),
                                              ("emergency", 403), ("supervisor", 200), ("platform_admin", 200)])
def test_only_the_buyer_and_governance_export_it(api: Api, runtime: Runtime, role: str, status: int) -> None:
    response = api.as_(role).get("/api/v1/buyers/B-1/export")
    assert response.status_code == status, response.text
    assert len(_audit(runtime, audit.PII_EXPORT)) == (status == 200)
    if status == 200:
        assert api.as_(role).get("/api/v1/buyers/B-NOPE/export").status_code == 404


def test_erasure_removes_the_person_and_keeps_the_case(api: Api, runtime: Runtime, world: World) -> None:
    story = _story(api)
    add_account(runtime, "buyer", "wang.xiaomei", "B-1")
    assert api.as_("supervisor").post("/api/v1/buyers/B-1/erase").status_code == 403
    refused = api.as_("platform_admin").post("/api/v1/buyers/B-1/erase")
    assert refused.status_code == 409 and refused.json()["open_cases"] == [story["open"]]
    assert _audit(runtime, audit.PII_ERASE) == []

    erased = api.as_("platform_admin").post("/api/v1/buyers/B-1/erase", params={"force": True})
    assert erased.status_code == 200, erased.text
    report = erased.json()
    assert report["already_erased"] is False and report["cases"] == 2 and report["files"] == 1
    assert report["tokens_revoked"] == 1 and report["accounts_closed"] == 1

    staff = api.as_("agent").get(f"/api/v1/cases/{story['open']}").json()
    assert staff["buyer"] == {"buyer_id": "B-1", "name": "已删除 / erased", "phone": "", "address": "",
                              "masked": True}
    assert staff["text"] == REDACTED and staff["state"] == "answered" and staff["claimed_amount"]
    gone = api.as_("agent").get(story["evidence"]["url"])
    assert gone.status_code == 410 and gone.headers["content-type"].startswith("application/problem+json")
    with runtime.session() as session:
        buyer = session.get(Buyer, "B-1")
        assert buyer is not None and buyer.erased_at is not None and buyer.region == "浙江"
        assert {pii.decrypt(v, runtime.pii_key) for v in (buyer.name_enc, buyer.phone_enc, buyer.address_enc)} == {""}
        bodies = {m.author_role: m.body for m in session.scalars(
            select(CaseMessage).where(CaseMessage.case_id == story["open"]))}
        assert bodies["agent"] == f"{SCRUBBED}您好，我们会尽快处理"
        assert session.scalar(select(Survey.comment).where(Survey.case_id == story["closed"])) == ""
        assert session.scalar(select(Survey.csat).where(Survey.case_id == story["closed"])) == 2
        assert session.scalar(select(ApiToken.revoked_at).where(ApiToken.buyer_id == "B-1")) is not None
        account = session.scalar(select(ConsoleAccount).where(ConsoleAccount.buyer_id == "B-1"))
        assert account is not None and account.disabled_at is not None and "wang" not in account.username
        assert session.scalar(select(func.count()).select_from(Case).where(Case.buyer_id == "B-1")) == 2
    store_root = runtime.settings.resolved_files_dir()
    assert not [p for p in store_root.rglob("*") if p.is_file()], "the photo's bytes are gone"
    (entry,) = _audit(runtime, audit.PII_ERASE)
    assert (entry.role, entry.subject_id, entry.purpose) == ("platform_admin", "B-1", "erasure")

    again = api.as_("platform_admin").post("/api/v1/buyers/B-1/erase")
    assert again.status_code == 200 and again.json()["already_erased"] is True
    assert len(_audit(runtime, audit.PII_ERASE)) == 1
    exported = api.as_("supervisor").get("/api/v1/buyers/B-1/export").json()
    assert exported["profile"]["name"] == "" and exported["profile"]["erased_at"]
    assert "王小美" not in json.dumps(exported, ensure_ascii=False)
    assert "13812345678" not in json.dumps(exported, ensure_ascii=False)
    assert api.as_("buyer2").get("/api/v1/cases").status_code == 200, "other buyers are untouched"


@pytest.fixture
def cli_env(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", runtime.settings.resolved_database_url())
    monkeypatch.setenv("AFTERSALES_DATA_DIR", str(runtime.settings.data_dir))
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


def test_the_cli_exports_to_a_private_file_and_erases(api: Api, runtime: Runtime, cli_env: CliRunner,
                                                     tmp_path: Path) -> None:
    story = _story(api)
    out = tmp_path / "b1.json"
    exported = cli_env.invoke(app, ["buyer", "export", "B-1", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    assert json.loads(out.read_text(encoding="utf-8"))["profile"]["phone"] == "13812345678"
    assert out.stat().st_mode & 0o777 == 0o600
    missing = cli_env.invoke(app, ["buyer", "erase", "B-NOPE", "--yes"])
    assert missing.exit_code == 2 and "Traceback" not in missing.output
    refused = cli_env.invoke(app, ["buyer", "erase", "B-1", "--yes"])
    assert refused.exit_code == 2 and story["open"] in refused.output
    erased = cli_env.invoke(app, ["buyer", "erase", "B-1", "--yes", "--force"])
    assert erased.exit_code == 0, erased.output
    assert json.loads(erased.output)["files_removed"] == 1
    (export_row,) = _audit(runtime, audit.PII_EXPORT)
    (erase_row,) = _audit(runtime, audit.PII_ERASE)
    assert export_row.actor.startswith("cli:") and erase_row.route == "cli aftersales buyer erase"


def _books(runtime: Runtime) -> tuple[Any, ...]:
    with runtime.session() as session:
        per_account = session.execute(
            select(LedgerAccount.party_id, LedgerAccount.kind, func.sum(LedgerPosting.amount))
            .join(LedgerPosting, LedgerPosting.account_id == LedgerAccount.id)
            .group_by(LedgerAccount.party_id, LedgerAccount.kind).order_by(LedgerAccount.party_id,
                                                                         LedgerAccount.kind)).all()
        entries = session.scalar(select(func.count()).select_from(LedgerEntry))
        return trial_balance(session), entries, [tuple(row) for row in per_account]


def _evaluation(runtime: Runtime, now: datetime) -> dict[str, Any]:
    """The platform's whole report for October: every case counts in it (nulling the erased buyers' cases would
    move S4, the repeat complaints of one buyer: measured n 46 → 37 on this data)."""
    options = evaluation.Options(subject_type="platform", period="2026-10", history_months=2, validate=False)
    report = evaluation.evaluate("db", options, generated_at=now, database_url=runtime.settings.resolved_database_url())
    return dict(json.loads(json.dumps(report, default=str)))


def test_erasing_buyers_keeps_the_ledger_balanced_and_the_indicators_unchanged(runtime: Runtime) -> None:
    now = runtime.clock.now()
    generate(runtime.engine, orders=600, seed=5, now=now, months=3, pii_key=runtime.pii_key)
    with runtime.session() as session:
        # the buyers with the most cases, ledger entries among them: the erasures that could move the most
        busiest = [b for b, _ in session.execute(
            select(Case.buyer_id, func.count()).where(Case.buyer_id.is_not(None)).group_by(Case.buyer_id)
            .order_by(func.count().desc(), Case.buyer_id).limit(5))]
        on_books = session.scalar(select(func.count()).select_from(LedgerEntry).join(Case, Case.id == LedgerEntry.case_id)
                                  .where(Case.buyer_id.in_(busiest)))
    assert on_books, "the chosen buyers' cases carry ledger entries"
    books, indicators = _books(runtime), _evaluation(runtime, now)
    assert books[0] == 0

    for buyer_id in busiest:
        with unit_of_work(runtime.session_factory) as session:
            report = erase_buyer(session, None, buyer_id, runtime.pii_key, now,
                                 audit.Access(purpose=audit.ERASURE, route="test"), force=True)
        assert report.cases > 0

    assert _books(runtime) == books
    assert _evaluation(runtime, now) == indicators
    with runtime.session() as session:
        texts = set(session.scalars(select(Case.text).where(Case.buyer_id.in_(busiest))))
    assert texts == {REDACTED}


def test_an_erasure_reaches_the_excerpt_of_a_note_waiting_as_a_mention(api: Api, runtime: Runtime) -> None:
    from fastapi.testclient import TestClient

    from aftersales.app import create_app
    from aftersales.console.queries.filters import unread_mentions
    from tests.integration.console_client import csrf_of, sign_in

    case = open_case(api, order_id="O-1001", case_type="refund_only", text="口红断了")
    add_account(runtime, "agent", "agent.zhao")
    add_account(runtime, "supervisor", "sup.li")
    with TestClient(create_app(runtime, background=False)) as client:
        assert sign_in(client, "agent.zhao").status_code == 303
        page = client.get(f"/agent/cases/{case['id']}")
        saved = client.post(f"/agent/cases/{case['id']}/notes", data={
            "csrf_token": csrf_of(page.text), "body": "@sup.li 王小美来电 13812345678 很着急，请看一下"})
        assert saved.status_code == 200, saved.text
    with runtime.session() as session:
        account_id = session.scalar(select(ConsoleAccount.id).where(ConsoleAccount.username == "sup.li"))
        assert account_id is not None
        (waiting,) = unread_mentions(session, account_id)
    assert "王小美" in waiting.excerpt, "before the erasure the colleague reads the note as written"

    assert api.as_("platform_admin").post("/api/v1/buyers/B-1/erase", params={"force": True}).status_code == 200
    with runtime.session() as session:
        (waiting,) = unread_mentions(session, account_id)
    assert "王小美" not in waiting.excerpt and "13812345678" not in waiting.excerpt
    assert waiting.excerpt.startswith(f"@sup.li {SCRUBBED}来电") and "很着急" in waiting.excerpt
