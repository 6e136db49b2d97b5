"""Browser tests: Debian's chromium driven by Playwright against a real console server on 127.0.0.1.

No traffic may leave the machine: chromium resolves every name but localhost to nothing, and every request to
another host is aborted and fails the test. A page error, a failed asset or a refused asset fails it too.
A message that the Content-Security-Policy refused something fails it as well.
Screenshots of every page go to test-artifacts/screenshots (kept after the run, git-ignored).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Response,
    Route,
    expect,
    sync_playwright,
)

from tests.e2e.server import PASSWORD, ConsoleServer, running_server

CHROMIUM = Path("/usr/bin/chromium")
LAUNCH_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1"]
SHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
ASSET_TYPES = {"stylesheet", "script", "image", "font", "media"}
LOCAL_HOSTS = {"127.0.0.1"}

if not CHROMIUM.exists():  # scripts/test installs it; a bare pytest run elsewhere says why it skipped
    if os.environ.get("AFTERSALES_REQUIRE_BROWSER") == "1":  # CI: a missing browser is a failure, not a skip
        raise RuntimeError("chromium is not installed and AFTERSALES_REQUIRE_BROWSER=1")
    pytest.skip("chromium is not installed (scripts/test installs it with apt)", allow_module_level=True)

pytestmark = pytest.mark.e2e
#: CI runs these beside ~800 other tests on two cores: generous waits, so a busy machine is not a failure
expect.set_options(timeout=15_000)


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    with running_server(tmp_path_factory.mktemp("console")) as running:
        yield running


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    # per module, not per session: while the sync driver runs it holds an event loop in this thread, and the
    # other tests an xdist worker runs after these (asyncio.run in benchmarks, live hubs) would find it running
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield launched
        launched.close()


@dataclass
class Watch:
    """What went wrong in the browser: page errors, failed or refused assets, requests off this machine."""

    problems: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext, page: Page) -> None:
        context.route("**/*", self._route)
        page.on("pageerror", lambda error: self.problems.append(f"page error on {page.url}: {error}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        # the pages' Content-Security-Policy must never have to refuse anything the console itself ships
        page.on("console", lambda message: self._console(page, message))

    def _route(self, route: Route, request: Request) -> None:
        if request.url.startswith(("data:", "blob:")) or urlparse(request.url).hostname in LOCAL_HOSTS:
            route.continue_()
            return
        self.problems.append(f"request off the machine: {request.url}")
        route.abort()

    def _failed(self, request: Request) -> None:
        failure = request.failure or ""
        # a page that navigates away cancels what it still loads (its event stream, an icon): not a failure;
        # an asset that is missing answers 404 (caught below) and one that cannot load fails otherwise
        if "ERR_ABORTED" in failure:
            return
        self.problems.append(f"request failed: {request.url} {failure}")

    def _console(self, page: Page, message: ConsoleMessage) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.problems.append(f"refused by the CSP on {page.url}: {message.text}")

    def _response(self, response: Response) -> None:
        if response.request.resource_type in ASSET_TYPES and response.status >= 400:
            self.problems.append(f"asset {response.status}: {response.url}")


def sign_in(page: Page, server: ConsoleServer, username: str, password: str = PASSWORD) -> None:
    page.goto(server.url("/login"))
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


@dataclass
class Browse:
    server: ConsoleServer
    browser: Browser
    watch: Watch
    contexts: list[BrowserContext] = field(default_factory=list)

    def page(self, role: str | None = None, *, width: int = 1440, height: int = 900) -> Page:
        """A fresh browser context (its own cookies), signed in as `role` through the /login form."""
        context = self.browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN",
                                           timezone_id="Asia/Shanghai")
        context.set_default_timeout(30_000)
        self.contexts.append(context)
        page = context.new_page()
        self.watch.attach(context, page)
        if role is not None:
            sign_in(page, self.server, self.server.accounts[role])
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browse(server: ConsoleServer, browser: Browser) -> Iterator[Browse]:
    session = Browse(server, browser, Watch())
    yield session
    session.close()
    assert not session.watch.problems, "\n".join(session.watch.problems)


Shoot = Callable[[Page, str], Path]


@pytest.fixture
def shoot() -> Shoot:
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Page, name: str) -> Path:
        path = SHOTS / f"{re.sub(r'[^a-zA-Z0-9_.-]+', '-', name).strip('-')}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
