"""The supervisor's tools and the partner's downloads: the SLA matrix refuses a bad row and keeps a good one,
callbacks are assigned, cases export as CSV and Excel with every clock, a brand downloads its statement."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from openpyxl import load_workbook
from playwright.sync_api import expect
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from aftersales.cases import followup
from aftersales.cases.models import Case
from aftersales.clock import SystemClock
from aftersales.security.principals import Principal, Role
from aftersales.surveys import service as survey_service
from aftersales.surveys.models import CallbackTask
from tests.e2e.conftest import Browse, Shoot
from tests.e2e.server import ConsoleServer


def test_the_sla_matrix_refuses_a_bad_row_and_saves_a_good_one(browse: Browse, shoot: Shoot) -> None:
    page = browse.page("supervisor")
    page.goto(browse.server.url("/supervisor/sla"))
    row = page.locator("tbody tr[id^=policy-]").first
    policy = (row.get_attribute("id") or "").removeprefix("policy-")
    row.locator("input[name=first_response_minutes]").fill("5000")
    row.locator("input[name=resolution_minutes]").fill("60")
    row.locator("button[type=submit]").click()
    error = page.locator(".error[data-field=first_response_minutes]")
    expect(error).to_contain_text("首次响应时限不能长于解决时限")
    shoot(page, "supervisor-sla-refused")
    row = page.locator(f"#policy-{policy}")
    row.locator("input[name=first_response_minutes]").fill("20")
    row.locator("input[name=resolution_minutes]").fill("4320")
    row.locator("button[type=submit]").click()
    expect(page.locator(".success")).to_contain_text(f"第 {policy} 行已保存")
    expect(page.locator(f"#policy-{policy} input[name=first_response_minutes]")).to_have_value("20")


def _ensure_open_callback(server: ConsoleServer) -> None:
    """A low score on a closed case, answered through the domain as a buyer would, so a callback is waiting."""
    engine = create_engine(server.database_url)
    with Session(engine) as session:
        if session.scalar(select(CallbackTask.id).where(CallbackTask.state == "open").limit(1)) is None:
            case = session.scalar(select(Case).where(Case.state == "closed").order_by(Case.created_at.desc())
                                  .limit(1))
            assert case is not None, "the demo data has closed cases"
            survey_service.send_survey(session, case_id=case.id, buyer_id=case.buyer_id, agent_id=None,
                                       now=SystemClock().now())
            buyer = Principal(role=Role.buyer, buyer_id=case.buyer_id)
            followup.answer_survey(session, buyer, case.id, csat=1, nps=2, comment="太慢了", now=SystemClock().now())
            session.commit()
    engine.dispose()


def test_a_callback_is_assigned_to_an_agent(browse: Browse) -> None:
    _ensure_open_callback(browse.server)
    page = browse.page("supervisor")
    page.goto(browse.server.url("/supervisor/callbacks"))
    card = page.locator("[data-callback]").first
    expect(card).to_be_visible()
    callback = card.get_attribute("data-callback")
    card.locator("select[name=agent_id]").select_option(index=1)
    name = card.locator("select[name=agent_id] option").nth(1).inner_text()
    card.locator("form[action$='/assign'] button[type=submit]").click()
    expect(page.locator(f"[data-callback='{callback}']")).to_contain_text(f"已分配给 {name}")


def test_cases_export_as_csv_and_excel_with_every_clock(browse: Browse, tmp_path: Path) -> None:
    page = browse.page("supervisor")
    with page.expect_download() as csv_download:
        page.click("#export-form button:text('CSV')")
    text = open(csv_download.value.path(), encoding="utf-8-sig").read()  # noqa: SIM115
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows, "the last 30 days have cases"
    assert {"first_response_due", "human_response_breached", "resolution_minutes_used"} <= set(rows[0])
    assert re.match(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}$", rows[0]["created_at"])  # Shanghai wall time
    with page.expect_download() as xlsx_download:
        page.click("#export-form button:text('Excel')")
    saved = tmp_path / xlsx_download.value.suggested_filename
    xlsx_download.value.save_as(saved)
    assert saved.suffix == ".xlsx"
    sheet = load_workbook(saved, read_only=True)["cases"]
    table = list(sheet.iter_rows(values_only=True))
    assert table[0][0] == "case_id" and len(table) == len(rows) + 1


def test_a_brand_downloads_its_own_statement(browse: Browse) -> None:
    page = browse.page("brand")
    with page.expect_download() as download:
        page.click("main form[action$='statement.csv'] button:text('CSV')")
    assert download.value.suggested_filename.startswith(f"statement-{browse.server.parties['brand']}-")
    refused = page.request.get(browse.server.url(f"/portal/statement.csv?month=2026-11&party="
                                                 f"{browse.server.parties['anchor']}"))
    assert refused.status == 404  # another party's ledger does not exist for this brand
