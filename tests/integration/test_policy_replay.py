"""Replaying past cases under a draft rule set (API and CLI), and publishing a draft, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from aftersales.catalog.models import Product
from aftersales.cli import app
from aftersales.config import get_settings
from aftersales.policy.service import RULES_DIR, book_in_force
from aftersales.runtime import Runtime
from aftersales.security.models import AuditEntry
from tests.conftest import Api
from tests.factories import World, order_payload

EXAMPLE = Path(__file__).parents[1] / "fixtures" / "policy" / "2026-07-01.toml"
WINDOW = {"from": "2026-11-01", "to": "2026-11-30"}
runner = CliRunner()


def _phone(runtime: Runtime, api: Api, world: World) -> None:
    with runtime.session() as session:
        session.add(Product(id="PR-PHONE", name="星耀手机", brand_id="P-BRAND1", shop_id="P-SHOP1",
                            category_code="electronics", tags=[], price=Decimal("2999.00"), created_at=world.now))
        session.commit()
    delivered = world.now - timedelta(days=20)
    body = order_payload("O-PHONE", "B-1", "PR-PHONE", world.now, amount="2999.00",
                         placed_at=(delivered - timedelta(days=2)).isoformat(),
                         paid_at=(delivered - timedelta(days=2)).isoformat(),
                         shipped_at=(delivered - timedelta(days=1)).isoformat(), delivered_at=delivered.isoformat())
    assert api.as_("platform_admin").post("/api/v1/orders", json=body).status_code == 201


@pytest.fixture
def decided(api: Api, runtime: Runtime, world: World) -> dict[str, str]:
    """Two cases decided under the shipped rules: a phone defect on day 20 (repair) and a price drop (denied,
    no promise); the example draft exchanges the first and, with its 7-day base, refunds the second."""
    _phone(runtime, api, world)
    price = {"product_id": "PR-LIP1", "price": "159.00", "effective_at": (world.now - timedelta(days=1)).isoformat(),
             "source": "promotion"}
    assert api.as_("brand").post("/api/v1/prices", json=price).status_code == 201
    ids = {}
    for name, order, case_type, text, evidence in (
            ("phone", "O-PHONE", "exchange", "手机用了二十天就经常死机黑屏，质量问题，申请换新", ["photo"]),
            ("price", "O-1001", "price_protection", "刚买完就降价了，申请价保退差价", [])):
        opened = api.as_("buyer").post("/api/v1/cases", json={"order_id": order, "case_type": case_type,
                                                             "text": text, "evidence": evidence})
        assert opened.status_code == 201, opened.text
        ids[name] = opened.json()["id"]
    return ids


def _replay(api: Api, rules: str, who: str = "supervisor", **changes: Any) -> Any:
    return api.as_(who).post("/api/v1/policy/replays", json={"rules": rules, **WINDOW, **changes})


def test_a_supervisor_sees_what_the_draft_would_change(api: Api, decided: dict[str, str]) -> None:
    answer = _replay(api, EXAMPLE.read_text(encoding="utf-8"))
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["cases"], report["changed"], report["draft_version"]) == (2, 2, "2026-07")
    changes = {(c["from"], c["to"]): c for c in report["changes"]}
    repair = changes[("approve/repair", "approve/exchange")]
    assert repair["direction"] == "remedy_changed" and repair["examples"][0]["case_id"] == decided["phone"]
    refund = changes[("deny/none", "approve/refund")]
    assert refund["examples"][0]["case_id"] == decided["price"] and refund["refund_difference"] == "40.00"
    assert "159.00" in refund["examples"][0]["after"]["reason_zh"]
    assert report["refund"] == {"before": "0.00", "after": "40.00", "difference": "40.00"}


def test_the_rules_in_force_replayed_against_themselves_change_nothing(api: Api, decided: dict[str, str]) -> None:
    report = _replay(api, (RULES_DIR / "2025-01-01.toml").read_text(encoding="utf-8")).json()
    assert (report["cases"], report["changed"], report["cost_difference"]) == (2, 0, "0.00")
    empty = _replay(api, EXAMPLE.read_text(encoding="utf-8"), **{"from": "2026-10-01", "to": "2026-10-31"}).json()
    assert (empty["cases"], empty["changed"]) == (0, 0)


def test_replay_refuses_what_it_cannot_judge_by_field(api: Api, decided: dict[str, str]) -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert _replay(api, text, who="agent").status_code == 403
    broken = _replay(api, text.replace('id = "resale.used"\npriority = 20', 'id = "resale.used"\npriority = "x"'))
    assert broken.status_code == 422 and "resale.used" in broken.json()["detail"]
    backwards = _replay(api, text, **{"from": "2026-11-30", "to": "2026-11-01"})
    assert backwards.status_code == 422 and backwards.json()["field"] == "to"
    listed = api.as_("agent").get("/api/v1/policy/rulesets").json()
    assert [(v["version"], v["in_force"]) for v in listed] == [("2025-01", True)]


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", database_url)
    monkeypatch.setenv("AFTERSALES_DATA_DIR", str(tmp_path / "cli"))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_replay_command_prints_the_same_report(decided: dict[str, str], cli_env: None) -> None:
    args = ["policy", "replay", "--rules", str(EXAMPLE), "--from", "2026-11-01", "--to", "2026-11-30"]
    text = runner.invoke(app, args)
    assert text.exit_code == 0, text.output
    assert "changed 2" in text.output and decided["price"] in text.output and "40.00" in text.output
    as_json = runner.invoke(app, [*args, "--json"])
    assert json.loads(as_json.output)["changed"] == 2
    bad_date = runner.invoke(app, [*args[:-1], "2026-13-01"])
    assert bad_date.exit_code == 2 and "Traceback" not in bad_date.output


def test_a_draft_goes_live_only_on_a_future_date_and_the_publication_is_audited(
        runtime: Runtime, tmp_path: Path, cli_env: None) -> None:
    past = runner.invoke(app, ["policy", "publish", str(EXAMPLE), "--by", "政策组 王"])
    assert past.exit_code == 2 and "effective_from" in past.output and "Traceback" not in past.output
    future = tmp_path / "2027-01-01.toml"
    future.write_text(EXAMPLE.read_text(encoding="utf-8").replace('version = "2026-07"', 'version = "2027-01"')
                      .replace("effective_from = 2026-07-01", "effective_from = 2099-01-01"), encoding="utf-8")
    published = runner.invoke(app, ["policy", "publish", str(future), "--by", "政策组 王", "--note", "3C 30天"])
    assert published.exit_code == 0, published.output
    assert "2099-01-01" in published.output
    again = runner.invoke(app, ["policy", "publish", str(future), "--by", "政策组 王"])
    assert again.exit_code == 2 and "2027-01" in again.output
    listed = runner.invoke(app, ["policy", "published"])
    assert "2027-01" in listed.output and "政策组 王" in listed.output
    with runtime.session() as session:
        (audit,) = session.scalars(select(AuditEntry).where(AuditEntry.action == "policy_publish")).all()
        assert (audit.subject_id, audit.detail["by"], audit.detail["effective_from"]) == (
            "2027-01", "政策组 王", "2099-01-01")
        book = book_in_force(session)
    assert [v.version for v in book.versions] == ["2025-01", "2027-01"]
    assert book.for_date(book.versions[1].effective_from).version == "2027-01"
