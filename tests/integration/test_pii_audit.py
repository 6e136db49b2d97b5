"""Every read of a buyer's data in the clear leaves exactly one audit row, and only supervisors and platform admins
read the log (API and CLI)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from typer.testing import CliRunner

from aftersales.app import create_app
from aftersales.cli import app
from aftersales.config import get_settings
from aftersales.runtime import Runtime
from aftersales.security.models import AuditEntry
from tests.conftest import Api
from tests.factories import World
from tests.integration.console_client import add_account, sign_in
from tests.integration.test_case_lifecycle_api import open_case

AUDIT = "/api/v1/audit/pii"


def _pii_rows(runtime: Runtime) -> list[AuditEntry]:
    with runtime.session() as session:
        return list(session.scalars(select(AuditEntry).where(AuditEntry.action.like("pii.%"))
                                    .order_by(AuditEntry.id)))


def test_a_staff_read_in_the_clear_is_audited_once_and_masked_reads_are_not(api: Api, runtime: Runtime) -> None:
    case = open_case(api, order_id="O-1001", case_type="refund_only", text="口红断了")
    assert _pii_rows(runtime) == [], "opening a case shows nobody's contact"
    mine = api.as_("buyer").get(f"/api/v1/cases/{case['id']}").json()["buyer"]
    assert mine["name"] == "王小美" and not mine["masked"]
    assert _pii_rows(runtime) == [], "the buyer reading their own data is no third-party access"
    brand = api.as_("brand").get(f"/api/v1/cases/{case['id']}").json()["buyer"]
    assert brand["name"] == "王*美" and brand["phone"] == "138****5678" and brand["masked"]
    assert _pii_rows(runtime) == [], "a masked read shows nothing personal"

    staff = api.as_("agent").get(f"/api/v1/cases/{case['id']}").json()["buyer"]
    assert (staff["name"], staff["phone"], staff["masked"]) == ("王小美", "13812345678", False)
    (entry,) = _pii_rows(runtime)
    assert (entry.action, entry.role, entry.actor, entry.subject_type, entry.subject_id) == (
        "pii.read", "agent", "agent", "buyer", "B-1")
    assert entry.token_id is not None and entry.detail["fields"] == ["address", "name", "phone"]
    assert (entry.purpose, entry.route) == ("case_handling", "GET /api/v1/cases/{case_id}")
    api.as_("agent").get(f"/api/v1/cases/{case['id']}")
    assert len(_pii_rows(runtime)) == 2, "each read is one row"


def _reads(api: Api, count: int) -> str:
    case = open_case(api, order_id="O-1001", case_type="refund_only", text="口红断了")
    for _ in range(count):
        assert api.as_("supervisor").get(f"/api/v1/cases/{case['id']}").status_code == 200
    return str(case["id"])


def test_supervisors_page_through_the_log_newest_first_without_gaps(api: Api, runtime: Runtime) -> None:
    _reads(api, 3)
    other = open_case(api, who="buyer2", order_id="O-2001", case_type="complaint", text="虚假宣传")
    api.as_("agent").get(f"/api/v1/cases/{other['id']}")
    for reader in ("supervisor", "platform_admin"):
        first = api.as_(reader).get(AUDIT, params={"limit": 2})
        assert first.status_code == 200, first.text
        assert first.headers["cache-control"] == "no-store"
        page = first.json()
        seen = [e["id"] for e in page["items"]]
        while page["next_cursor"]:
            page = api.as_(reader).get(AUDIT, params={"limit": 2, "cursor": page["next_cursor"]}).json()
            seen += [e["id"] for e in page["items"]]
        assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) == 4
    only_b2 = api.as_("supervisor").get(AUDIT, params={"subject_id": "B-2"}).json()["items"]
    assert [(e["subject_id"], e["role"], e["fields"]) for e in only_b2] == [("B-2", "agent",
                                                                            ["address", "name", "phone"])]
    by_role = api.as_("supervisor").get(AUDIT, params={"role": "supervisor", "action": "pii.read"}).json()["items"]
    assert len(by_role) == 3 and {e["subject_id"] for e in by_role} == {"B-1"}
    newest = by_role[0]["at"]
    assert api.as_("supervisor").get(AUDIT, params={"until": "2000-01-01T00:00:00+00:00"}).json()["items"] == []
    assert api.as_("supervisor").get(AUDIT, params={"since": newest}).json()["items"]


@pytest.mark.parametrize("role", ["buyer", "brand", "anchor", "mcn", "agent", "emergency", "carrier"])
def test_only_supervisors_and_platform_admins_read_the_log(api: Api, role: str) -> None:
    _reads(api, 1)
    response = api.as_(role).get(AUDIT, params={"subject_id": "B-1"})
    assert response.status_code == 403, (role, response.text)
    assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(("params", "field"), [({"cursor": "bm90LWEtY3Vyc29y"}, "cursor"),
                                               ({"since": "2026-11-01T00:00:00"}, "since"),
                                               ({"action": "policy_publish"}, "action"),
                                               ({"limit": 0}, "limit")])
def test_bad_filters_are_422_naming_the_field(api: Api, params: dict[str, Any], field: str) -> None:
    response = api.as_("supervisor").get(AUDIT, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["field"].endswith(field)


@pytest.fixture
def cli_env(runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", runtime.settings.resolved_database_url())
    monkeypatch.setenv("AFTERSALES_DATA_DIR", str(runtime.settings.data_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_cli_lists_the_log_with_filters(api: Api, runtime: Runtime, cli_env: None) -> None:
    _reads(api, 2)
    runner = CliRunner()
    listed = runner.invoke(app, ["audit", "pii", "--subject", "B-1", "--json", "--limit", "1"])
    assert listed.exit_code == 0, listed.output
    lines = [line for line in listed.output.splitlines() if line.startswith("{")]
    assert len(lines) == 1 and '"subject_id": "B-1"' in lines[0] and "--cursor" in listed.output
    table = runner.invoke(app, ["audit", "pii", "--role", "supervisor"])
    assert table.exit_code == 0 and table.output.count("pii.read") == 2
    since = runner.invoke(app, ["audit", "pii", "--since", "2000-01-01T00:00:00+08:00", "--json"])
    assert since.exit_code == 0 and since.output.count('"action": "pii.read"') == 2
    naive = runner.invoke(app, ["audit", "pii", "--since", "2026-11-01T00:00:00"])
    assert naive.exit_code == 2 and "Traceback" not in naive.output
    with runtime.session() as session:
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 2, "reading the log logs nothing"


def test_the_console_case_page_is_audited_once_per_view_and_the_portal_masks(api: Api, runtime: Runtime,
                                                                              world: World) -> None:
    case = open_case(api, order_id="O-1001", case_type="refund_only", text="口红断了")
    add_account(runtime, "agent", "agent.audit", world.ids["agent"])
    add_account(runtime, "brand", "brand.audit", world.ids["brand"])
    with TestClient(create_app(runtime, background=False)) as agent:
        sign_in(agent, "agent.audit")
        page = agent.get(f"/agent/cases/{case['id']}")
        assert page.status_code == 200 and "王小美" in page.text and "13812345678" in page.text
    (entry,) = _pii_rows(runtime)
    assert (entry.token_id, entry.actor, entry.role, entry.subject_id) == (None, "agent.audit", "agent", "B-1")
    assert entry.account_id is not None and entry.route == "console GET /agent/cases/{case_id}"
    with TestClient(create_app(runtime, background=False)) as brand:
        sign_in(brand, "brand.audit")
        portal = brand.get(f"/portal/cases/{case['id']}")
        assert portal.status_code == 200 and "王小美" not in portal.text and "13812345678" not in portal.text
    assert len(_pii_rows(runtime)) == 1, "a masked page logs nothing"
