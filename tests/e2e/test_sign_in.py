"""Sign-in as the acceptance contract states it: the /login form, each role's home, a signed HttpOnly SameSite=Lax
cookie, CSRF on posts, throttling, logout that ends the session everywhere, API tokens unchanged, language switch."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import expect
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from aftersales.clock import SystemClock
from aftersales.console.access import HOME
from aftersales.security.accounts import create_account
from aftersales.security.principals import Role
from aftersales.security.tokens import create_token
from tests.e2e.conftest import Browse, sign_in
from tests.e2e.server import PASSWORD, ROLES, ConsoleServer


def _new_account(server: ConsoleServer, role: str = "agent") -> str:
    username = f"t-{uuid.uuid4().hex[:10]}"
    engine = create_engine(server.database_url)
    with Session(engine) as session:
        create_account(session, role=role, username=username, password=PASSWORD,
                       party=server.parties[role] or None, now=SystemClock().now())
        session.commit()
    engine.dispose()
    return username


def test_each_role_lands_on_its_own_home(browse: Browse) -> None:
    for role in ROLES:
        page = browse.page(role)
        assert page.url == browse.server.url(HOME[Role(role)]), role
        page.goto(browse.server.url("/"))
        assert page.url == browse.server.url(HOME[Role(role)]), f"/ for {role}"


def test_the_session_cookie_is_signed_http_only_and_lax(browse: Browse) -> None:
    page = browse.page("agent")
    cookie = next(c for c in page.context.cookies() if c["name"] == "as_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert page.evaluate("document.cookie").find("as_session") == -1
    tampered = cookie["value"][:-2] + ("AA" if not cookie["value"].endswith("AA") else "BB")
    page.context.clear_cookies()
    page.context.add_cookies([{**cookie, "value": tampered}])
    page.goto(browse.server.url("/agent/queue"))
    assert "/login" in page.url


def test_a_wrong_password_is_refused_and_repeated_failures_lock_the_name(browse: Browse) -> None:
    username = _new_account(browse.server)
    page = browse.page()
    for _ in range(4):
        sign_in(page, browse.server, username, "not-the-password")
        expect(page.locator(".error")).to_contain_text("用户名或密码错误")
    sign_in(page, browse.server, username, "still-wrong")
    sign_in(page, browse.server, username, PASSWORD)  # locked now, even with the right password
    expect(page.locator(".error")).to_contain_text("尝试次数过多")
    assert "/login" in page.url


def test_logout_ends_the_session_on_the_server(browse: Browse) -> None:
    page = browse.page("agent")
    cookie = next(c for c in page.context.cookies() if c["name"] == "as_session")
    page.click("header form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/login$"))
    replay = browse.page()
    replay.context.add_cookies([cookie])  # the old cookie, kept by someone: refused after logout
    replay.goto(browse.server.url("/agent/queue"))
    assert "/login" in replay.url


def test_a_form_post_without_the_csrf_token_is_refused(browse: Browse) -> None:
    page = browse.page("supervisor")
    response = page.request.post(browse.server.url("/supervisor/sla/1"), form={"first_response_minutes": "1",
                                                                               "resolution_minutes": "2"})
    assert response.status == 403
    assert "表单校验失败" in response.text()


def test_api_tokens_keep_working_and_the_api_ignores_the_cookie(browse: Browse) -> None:
    page = browse.page("agent")
    cookie_only = page.request.get(browse.server.url("/api/v1/me"))
    assert cookie_only.status == 401
    engine = create_engine(browse.server.database_url)
    with Session(engine) as session:
        token = create_token(session, role="agent", party_id=browse.server.parties["agent"], now=SystemClock().now())
        session.commit()
    engine.dispose()
    answer = httpx.get(browse.server.url("/api/v1/me"), headers={"Authorization": f"Bearer {token.token}"})
    assert answer.status_code == 200 and answer.json()["role"] == "agent"


def test_every_page_switches_to_english_and_back(browse: Browse) -> None:
    page = browse.page("supervisor")
    for path, english in (("/supervisor", "Live board"), ("/agent/queue", "Work queue"),
                          ("/supervisor/sla", "SLA matrix")):
        page.goto(browse.server.url(path))
        page.click("header .lang-switch a")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("main h1")).to_contain_text(english)
        assert page.url.split("?")[0] == browse.server.url(path)
        page.click("header .lang-switch a")
        expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
