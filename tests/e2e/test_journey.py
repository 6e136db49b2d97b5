"""The journey end to end, in Chinese: the buyer opens a case, the agent sees it arrive without reloading and
replies, the buyer sees the reply, the agent resolves and closes, the buyer answers the survey, and the
supervisor's board and the governance dashboard show the case."""

from __future__ import annotations

import io
import re
from datetime import datetime

from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, select

from aftersales.cases.models import Case
from aftersales.clock import SHANGHAI
from aftersales.orders.models import Order
from tests.e2e.conftest import Browse, Shoot
from tests.e2e.server import ConsoleServer

BUYER_WORDS = "直播间主播说这款是正品还过敏包退，收到的颜色和描述完全不一样，太失望了，我要退款！"


def _order_to_claim(server: ConsoleServer) -> tuple[str, str]:
    """An order of the test buyer sold live (so an anchor answers for it) with no case yet."""
    engine = create_engine(server.database_url)
    with engine.connect() as connection:
        claimed = select(Case.order_id)
        row = connection.execute(
            select(Order.id, Order.anchor_id).where(Order.buyer_id == server.parties["buyer"],
                                                    Order.anchor_id.is_not(None), Order.id.not_in(claimed))
            .order_by(Order.placed_at.desc()).limit(1)).one()
    engine.dispose()
    return str(row.id), str(row.anchor_id)


def _photo() -> bytes:
    """A small real PNG, as a phone would upload (the evidence service checks the bytes, not the name)."""
    picture = Image.new("RGB", (64, 48), (200, 40, 60))
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def _mark_loaded(page: Page) -> None:
    page.evaluate("window.__notReloaded = true")


def _still_same_page(page: Page) -> bool:
    return bool(page.evaluate("window.__notReloaded === true"))


def test_buyer_agent_supervisor_governance_journey(browse: Browse, shoot: Shoot) -> None:
    server = browse.server
    order_id, anchor_id = _order_to_claim(server)

    # governance computes this month's index on first view (seconds): start it now, read it at the end
    period = datetime.now(SHANGHAI).strftime("%Y-%m")
    supervisor = browse.page("supervisor")
    supervisor.goto(server.url(f"/governance?type=anchor&period={period}"))

    agent = browse.page("agent")
    expect(agent).to_have_url(re.compile(r"/agent/queue$"))
    agent.wait_for_selector("body[data-live=open]")
    _mark_loaded(agent)
    open_before = int(agent.locator("[data-view-count=all]").inner_text())

    buyer = browse.page("buyer", width=390, height=844)
    expect(buyer).to_have_url(re.compile(r"/buyer$"))
    buyer.locator(f"[data-order='{order_id}'] a", has_text="申请售后").click()
    buyer.select_option("select[name=case_type]", "refund_only")
    buyer.fill("textarea[name=text]", BUYER_WORDS)
    buyer.set_input_files("input[name=files]", files=[{"name": "颜色不符.png", "mimeType": "image/png",
                                                       "buffer": _photo()}])
    shoot(buyer, "buyer-claim-form")
    buyer.click("main form button[type=submit]")
    expect(buyer).to_have_url(re.compile(r"/buyer/cases/CS-[0-9A-Z]+\?new=1$"))
    case_id = re.search(r"(CS-[0-9A-Z]+)", buyer.url).group(1)  # type: ignore[union-attr]
    expect(buyer.locator(".msg.ai").first).to_be_visible()  # the instant AI answer
    expect(buyer.locator("#buyer-progress .steps li").first).to_contain_text("申请已提交")
    photo = buyer.locator("#buyer-evidence [data-evidence] img")
    expect(photo).to_be_visible()  # uploaded with the claim, served back only to those who may see the case
    photo.evaluate("img => img.decode()")  # the file itself, served back from the evidence store
    assert photo.evaluate("img => img.naturalWidth") == 64
    buyer.wait_for_selector("body[data-live=open]")
    shoot(buyer, "buyer-case-new")

    # the agent's queue shows the new case on its own: the live stream, no reload
    expect(agent.locator(f"#row-{case_id}")).to_be_visible(timeout=10_000)
    # the counters follow when this process has recounted (the SLA sweeper may move other cases meanwhile)
    agent.wait_for_function("n => Number(document.querySelector('[data-view-count=all]').textContent) > n",
                            arg=open_before, timeout=10_000)
    assert _still_same_page(agent)
    shoot(agent, "agent-queue-live")

    agent.locator(f"#row-{case_id} a", has_text=case_id).click()
    expect(agent.locator("h1")).to_contain_text(case_id)
    expect(agent.locator("#case-side [data-evidence] img")).to_be_visible()  # the evidence viewer
    reply = agent.locator("#reply-body")
    expect(reply).not_to_be_empty()  # prefilled with the suggested answer and the soothing script
    _mark_loaded(buyer)
    reply.fill("您好，已核实直播间承诺，马上为您办理退款，给您添麻烦了。")
    agent.click("#case-reply button[type=submit]")
    expect(agent.locator("#flash .success")).to_be_visible()
    shoot(agent, "agent-case")

    # the buyer sees the reply without reloading
    expect(buyer.locator(".msg.staff", has_text="马上为您办理退款")).to_be_visible(timeout=10_000)
    assert _still_same_page(buyer)

    for action in ("resolve", "close"):
        agent.click(f"#case-status [data-action={action}]")
        agent.locator(f"#dlg-{action} button[type=submit]").click()
        expect(agent.locator("#flash .success")).to_be_visible()
        expect(agent.locator("#case-status [data-state]")).to_have_attribute(
            "data-state", "resolved" if action == "resolve" else "closed")

    # the survey appears on the buyer's page by itself; a low score opens a callback (回访)
    survey = buyer.locator("#survey")
    expect(survey).to_be_visible(timeout=10_000)
    shoot(buyer, "buyer-survey")
    survey.locator("input[name=csat][value='2']").check()
    survey.locator("input[name=nps][value='3']").check()
    survey.locator("textarea[name=comment]").fill("处理太慢")
    survey.locator("button[type=submit]").click()
    expect(buyer.locator("#buyer-actions")).to_contain_text("满意度 2")

    supervisor.goto(server.url("/supervisor"))
    expect(supervisor.locator("#board-live")).to_contain_text(case_id)  # the board's latest activity
    supervisor.goto(server.url("/supervisor/callbacks"))
    expect(supervisor.locator("[data-callback] a", has_text=case_id)).to_be_visible()
    shoot(supervisor, "supervisor-callbacks")

    supervisor.goto(server.url(f"/governance/anchor/{anchor_id}/indicators/S2?period={period}"))
    row = supervisor.locator(f"tr[data-case='{case_id}']")
    expect(row).to_be_visible(timeout=60_000)
    expect(row).to_contain_text("2")
    shoot(supervisor, "governance-drilldown")
