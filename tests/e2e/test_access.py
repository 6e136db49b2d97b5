"""Every page opens for each role it is meant for (screenshot kept) and is refused to every other role; buyer
pages fit a 390 px phone without sideways scrolling; signed-out visitors are sent to /login."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Browse, Shoot
from tests.e2e.pages import PageSpec, pages
from tests.e2e.server import ROLES

PHONE = 390


def _no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"{page.url} is {width}px wide on a {PHONE}px phone"


def _refused(page: Page, base: str, role: str, spec: PageSpec) -> None:
    response = page.goto(base + spec.path)
    assert response is not None
    # a page for other roles is 403; a record of the right kind the role may not see is 404, as if it did not exist
    assert response.status == spec.refusal(role), f"{role} got {response.status} for {spec.path}"
    expect(page.locator("main h1")).to_be_visible()


@pytest.mark.parametrize("role", ROLES)
def test_every_page_for_its_roles_and_refused_to_others(role: str, browse: Browse, shoot: Shoot) -> None:
    width = PHONE if role == "buyer" else 1440
    page = browse.page(role, width=width)
    for spec in pages(browse.server):
        if role not in spec.roles:
            _refused(page, browse.server.base_url, role, spec)
            continue
        response = page.goto(browse.server.url(spec.path))
        assert response is not None and response.status == 200, f"{role} could not open {spec.path}"
        page.wait_for_selector(spec.wait_for, timeout=30_000)
        if role == "buyer":
            _no_sideways_scroll(page)
        shoot(page, f"{role}-{spec.name}")


def test_signed_out_visitors_are_sent_to_sign_in(browse: Browse) -> None:
    page = browse.page()
    for spec in pages(browse.server):
        page.goto(browse.server.url(spec.path))
        assert "/login" in page.url, spec.path
        expect(page.locator("input[name=username]")).to_be_visible()
    root = page.goto(browse.server.url("/"))
    assert root is not None and root.ok and page.url.endswith("/login")
