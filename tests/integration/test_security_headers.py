"""What every answer tells a browser: no sniffing, no caching of personal data, pages that run only our own
scripts and cannot be framed, no CORS unless an origin is allowed, and no server banner."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from aftersales.app import create_app
from aftersales.clock import FrozenClock
from aftersales.config import Settings
from aftersales.console.assets import asset_url
from aftersales.runtime import build_runtime
from tests.conftest import Api
from tests.factories import World
from tests.integration.console_client import add_account, sign_in

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "aftersales" / "console" / "templates"


def _directives(policy: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] if " " in part else ""
            for part in (p.strip() for p in policy.split(";")) if part}


def test_api_answers_are_never_sniffed_or_cached(api: Api, world: World) -> None:
    answers = [api.as_("agent").get("/api/v1/cases"), api.as_("buyer").get("/api/v1/me"),
               api.as_("agent").get("/api/v1/cases/CS-NOPE"), api.as_("agent").get("/api/v1/nowhere"),
               api.client.get("/api/v1/cases"),  # type: ignore[attr-defined]  # no token: 401
               api.as_("agent").post("/api/v1/cases", json={"order_id": ""})]
    assert [a.status_code for a in answers] == [200, 200, 404, 404, 401, 422]  # type: ignore[attr-defined]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff"  # type: ignore[attr-defined]
        assert answer.headers["cache-control"] == "no-store"  # type: ignore[attr-defined]
        assert "server" not in answer.headers  # type: ignore[attr-defined]


def test_console_pages_have_a_strict_policy_and_refuse_framing(api: Api, runtime: object, world: World) -> None:
    client: TestClient = api.client  # type: ignore[assignment]
    add_account(runtime, "agent", "desk-one", party=world.ids["agent"])  # type: ignore[arg-type]
    assert sign_in(client, "desk-one").status_code == 303
    for path in ("/login", "/agent/queue", "/agent/nowhere"):
        page = client.get(path)
        assert page.headers["content-type"].startswith("text/html"), path
        policy = _directives(page.headers["content-security-policy"])
        assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
        assert policy["object-src"] == "'none'" and policy["default-src"] == "'self'"
        assert "unsafe-eval" not in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["cache-control"] == "no-store"


def test_static_assets_may_be_cached_but_are_not_sniffed(api: Api) -> None:
    client: TestClient = api.client  # type: ignore[assignment]
    for name in ("console.css", "console.js"):
        asset = client.get(asset_url(name))
        assert asset.status_code == 200
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert "no-store" not in asset.headers.get("cache-control", "")


def test_the_api_docs_page_allows_exactly_its_own_inline_script(api: Api) -> None:
    page = api.client.get("/docs")  # type: ignore[attr-defined]
    inline = re.findall(r"<script>(.*?)</script>", page.text, re.S)
    assert len(inline) == 1 and "validatorUrl" in inline[0]
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    policy = _directives(page.headers["content-security-policy"])
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert policy["frame-ancestors"] == "'none'"


def test_console_templates_carry_no_inline_script_or_handler_the_policy_would_refuse() -> None:
    offending = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        html = template.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", html):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offending.append(f"{template.name}: inline {tag}")
        for handler in re.findall(r"\s(on[a-z]+|hx-on[:\w-]*)=", html):
            offending.append(f"{template.name}: {handler}=")
        if "javascript:" in html:
            offending.append(f"{template.name}: javascript: URL")
    assert offending == []


def test_cors_is_off_unless_an_origin_is_allowed(settings: Settings, clock: FrozenClock, world: World) -> None:
    preflight = {"Origin": "https://ops.example.com", "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization,content-type"}
    off = build_runtime(settings, clock)
    with TestClient(create_app(off, background=False)) as client:
        answer = client.options("/api/v1/cases", headers=preflight)
        assert "access-control-allow-origin" not in answer.headers
        plain = client.get("/healthz", headers={"Origin": "https://ops.example.com"})
        assert "access-control-allow-origin" not in plain.headers
    off.close()

    allowed = build_runtime(settings.model_copy(update={"cors_allow_origins": "https://ops.example.com/, "
                                                                              "https://bi.example.com"}), clock)
    with TestClient(create_app(allowed, background=False)) as client:
        answer = client.options("/api/v1/cases", headers=preflight)
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "https://ops.example.com"
        assert "authorization" in answer.headers["access-control-allow-headers"].lower()
        assert "access-control-allow-credentials" not in answer.headers
        other = client.options("/api/v1/cases", headers={**preflight, "Origin": "https://evil.example.net"})
        assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
        read = client.get("/api/v1/me", headers={"Origin": "https://bi.example.com",
                                                 "Authorization": f"Bearer {world.tokens['agent']}"})
        assert read.headers["access-control-allow-origin"] == "https://bi.example.com"
        assert "retry-after" in read.headers["access-control-expose-headers"].lower()
    allowed.close()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    """`aftersales serve` as an operator starts it, on a fresh embedded database."""
    port = _free_port()
    env = {**os.environ, "AFTERSALES_DATA_DIR": str(tmp_path / "data"), "AFTERSALES_ENVIRONMENT": "test",
           "AFTERSALES_RUN_SWEEPER_IN_PROCESS": "false"}
    env.pop("AFTERSALES_DATABASE_URL", None)
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "aftersales.cli", "serve", "--port", str(port)], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if httpx.get(base + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        assert process.poll() is None, (tmp_path / "serve.log").read_text(errors="replace")[-2000:]
        yield base
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def test_the_served_app_shows_no_server_banner(served: str) -> None:
    for path in ("/healthz", "/login", "/api/v1/me", "/static/console.css"):
        answer = httpx.get(served + path, timeout=10)
        assert "server" not in answer.headers, path
        assert answer.headers["x-content-type-options"] == "nosniff"
