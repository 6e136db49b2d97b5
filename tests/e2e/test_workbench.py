"""The agent's tools in the browser: keyboard, command palette, canned replies by pinyin, notes with @mentions,
tags, who else is viewing, a colleague's concurrent change shown plainly, bulk actions and the group view."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, func, select

from aftersales.cases.models import Case, CaseMessage
from aftersales.cases.service import ACTIONABLE
from tests.e2e.conftest import Browse, Shoot
from tests.e2e.server import ConsoleServer

OPEN = [state.value for state in ACTIONABLE]


def _open_cases(server: ConsoleServer, limit: int) -> list[str]:
    engine = create_engine(server.database_url)
    with engine.connect() as connection:
        ids = list(connection.execute(select(Case.id).where(Case.state.in_(["answered", "submitted", "escalated"]))
                                      .order_by(Case.created_at.desc()).limit(limit)).scalars())
    engine.dispose()
    assert len(ids) == limit, "the demo data needs open cases"
    return ids


def _messages(server: ConsoleServer, case_id: str, text: str) -> int:
    engine = create_engine(server.database_url)
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).where(CaseMessage.case_id == case_id,
                                                              CaseMessage.body == text)).scalar()
    engine.dispose()
    return int(count or 0)


def _open_first_with_keys(page: Page) -> str:
    page.keyboard.press("j")
    selected = page.locator("[data-row].selected")
    expect(selected).to_have_count(1)
    href = selected.get_attribute("data-href")
    assert href
    page.keyboard.press("o")
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    page.wait_for_selector("body[data-live=open]")  # the page's scripts run and its live stream is open
    return href.rsplit("/", 1)[1]


def test_keyboard_palette_canned_notes_presence_and_conflicts(browse: Browse, shoot: Shoot) -> None:
    server = browse.server
    agent = browse.page("agent")
    agent.wait_for_selector("body[data-live=open]")
    case_id = _open_first_with_keys(agent)

    agent.keyboard.press("?")
    expect(agent.locator("#help")).to_be_visible()
    agent.keyboard.press("Escape")
    agent.keyboard.press("Control+k")
    palette = agent.locator("#palette")
    expect(palette).to_be_visible()
    palette.locator("input").fill("回复")
    expect(palette.locator("li").first).to_be_visible()
    agent.keyboard.press("Escape")

    agent.fill("#canned-search", "tkdz")  # 退款到账: found by its pinyin initials
    visible = agent.locator("#canned-list li:not(.hidden)")
    expect(visible).to_have_count(1)
    visible.click()
    expect(agent.locator("#reply-body")).to_have_value(re.compile("退款"))

    agent.fill("#case-notes-card textarea[name=body]", f"@{server.accounts['supervisor']} 请复核这单的赔付")
    agent.click("#case-notes-card form button[type=submit]")
    expect(agent.locator("#case-notes [data-note]")).to_contain_text("请复核这单的赔付")
    agent.fill("#case-notes-card input[name=tag]", "重点关注")
    agent.click("#case-notes-card form.row button[type=submit]")
    expect(agent.locator("#case-notes")).to_contain_text("#重点关注")

    supervisor = browse.page("supervisor")
    supervisor.goto(server.url("/agent/queue"))
    expect(supervisor.locator("aside")).to_contain_text(case_id)  # the @mention waits in the supervisor's queue
    supervisor.goto(server.url(f"/agent/cases/{case_id}"))
    expect(supervisor.locator("#presence")).to_contain_text("测试agent")  # who else is looking
    shoot(agent, "agent-case-tools")

    # a stale page (a colleague acted since it loaded): the refusal says so plainly, nothing is changed
    agent.evaluate("document.querySelector('#case-version').value = '1'")
    agent.keyboard.press("e")
    dialog = agent.locator("#dlg-escalate")
    expect(dialog).to_be_visible()
    dialog.locator("input[name=reason]").fill("买家情绪激动")
    dialog.locator("button[type=submit]").click()
    expect(agent.locator("#flash .error")).to_contain_text("另一位同事刚刚处理了这张工单")


def test_bulk_reply_with_progress_and_one_reply_to_a_group(browse: Browse, shoot: Shoot) -> None:
    server = browse.server
    first, second = _open_cases(server, 2)
    agent = browse.page("agent")
    for case_id in (first, second):
        agent.check(f"#row-{case_id} input[name=case]")
    expect(agent.locator("#bulk-count")).to_have_text("2")
    form = agent.locator("#bulk-form")
    form.locator("select[name=action]").select_option("reply")
    text = "您好，您的问题已加急处理，今天内给您答复。"
    form.locator("textarea[name=message]").fill(text)
    form.locator("button[type=submit]").click()
    expect(form.locator(".bulk-status")).to_have_text("2/2")
    assert _messages(server, first, text) == 1 and _messages(server, second, text) == 1
    shoot(agent, "agent-bulk")

    agent.goto(server.url(f"/agent/cases/{first}"))
    link = agent.locator("a[href^='/agent/groups/']")
    if link.count():  # the case has companions on its batch or session
        link.click()
        group = agent.locator("form.bulk")
        group.locator("textarea[name=message]").fill("同批次问题已登记，统一为您处理。")
        group.locator("button[type=submit]").click()
        expect(group.locator(".bulk-status")).to_have_text(re.compile(r"^(\d+)/\1"))
        shoot(agent, "agent-group-reply")
