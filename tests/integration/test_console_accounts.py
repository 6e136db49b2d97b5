"""Console accounts and sessions: `user create`, sign-in with throttling, logout, and which routes take a cookie."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from typer.testing import CliRunner

from aftersales.app import create_app
from aftersales.cli import app as cli
from aftersales.clock import FrozenClock
from aftersales.config import get_settings
from aftersales.runtime import Runtime, build_runtime
from aftersales.security import accounts, sessions
from aftersales.security.account_models import ConsoleAccount
from aftersales.security.principals import Role
from tests.factories import World, build_world
from tests.integration.console_client import PASSWORD, add_account, csrf_of, sign_in

runner = CliRunner()


@pytest.fixture
def embedded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("AFTERSALES_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("AFTERSALES_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    runner.invoke(cli, ["db", "upgrade"])
    runtime = build_runtime()
    build_world(runtime)
    runtime.close()
    yield tmp_path
    get_settings.cache_clear()


def test_user_create_reads_the_password_from_stdin_and_stores_only_a_hash(embedded: Path) -> None:
    made = runner.invoke(cli, ["user", "create", "--role", "buyer", "--username", "Wang.Xiaomei",
                               "--party", "B-1", "--password-stdin"], input="Mei-2026-secret\n")
    assert made.exit_code == 0, made.output
    assert "Mei-2026-secret" not in made.output and "wang.xiaomei" in made.output
    runtime = build_runtime()
    with runtime.session() as session:
        account = session.scalar(select(ConsoleAccount).where(ConsoleAccount.username == "wang.xiaomei"))
        assert account is not None and account.buyer_id == "B-1" and account.party_id is None
        assert account.password_hash.startswith("$argon2id$")
    signed = accounts.sign_in(runtime.session_factory, "wang.xiaomei", "Mei-2026-secret", "127.0.0.1",
                              runtime.clock.now())
    assert signed.role == "buyer"
    runtime.close()


@pytest.mark.parametrize(("arguments", "stdin", "field"), [
    (["--role", "buyer", "--username", "nobody"], "Long-enough-1\n", "party"),
    (["--role", "brand", "--username", "brandless", "--party", "P-AGENT1"], "Long-enough-1\n", "party"),
    (["--role", "wizard", "--username", "merlin"], "Long-enough-1\n", "role"),
    (["--role", "agent", "--username", "x", "--party", "P-AGENT1"], "Long-enough-1\n", "username"),
    (["--role", "agent", "--username", "shortpw", "--party", "P-AGENT1"], "abc\n", "password"),
])
def test_user_create_refuses_bad_input_without_a_traceback(embedded: Path, arguments: list[str], stdin: str,
                                                           field: str) -> None:
    result = runner.invoke(cli, ["user", "create", *arguments, "--password-stdin"], input=stdin)
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert field in result.output


def test_a_username_is_taken_once(embedded: Path) -> None:
    first = ["user", "create", "--role", "agent", "--username", "zhang", "--party", "P-AGENT1", "--password-stdin"]
    assert runner.invoke(cli, first, input="Long-enough-1\n").exit_code == 0
    again = runner.invoke(cli, first, input="Other-pass-22\n")
    assert again.exit_code == 2 and "zhang" in again.output


def test_demo_prints_a_console_account_for_every_role_that_signs_in(embedded: Path) -> None:
    result = runner.invoke(cli, ["demo", "--orders", "300", "--no-serve"])
    assert result.exit_code == 0, result.output
    runtime = build_runtime()
    for role in Role:
        username = f"demo-{role.value.replace('_', '-')}"
        line = next(line for line in result.output.splitlines() if f" {username} " in line)
        password = line.split("│")[3].strip()
        assert accounts.sign_in(runtime.session_factory, username, password, "127.0.0.1",
                                runtime.clock.now()).role == role.value
    runtime.close()


@pytest.fixture
def console(runtime: Runtime, world: World) -> Iterator[TestClient]:
    with TestClient(create_app(runtime, background=False)) as client:
        yield client


def test_sign_in_sets_a_signed_http_only_lax_cookie_and_lands_on_the_home(runtime: Runtime, world: World,
                                                                           console: TestClient) -> None:
    add_account(runtime, "agent", "agent.zhang", world.ids["agent"])
    answer = sign_in(console, "agent.zhang")
    assert answer.status_code == 303 and answer.headers["location"] == "/agent/queue"
    cookie = next(h for h in answer.headers.get_list("set-cookie") if h.startswith(f"{sessions.COOKIE}="))
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert console.get("/agent/queue").status_code == 200


def test_the_json_api_ignores_the_session_cookie_but_takes_bearer_tokens(runtime: Runtime, world: World,
                                                                         console: TestClient) -> None:
    add_account(runtime, "agent", "agent.li", world.ids["agent"])
    sign_in(console, "agent.li")
    assert console.get("/api/v1/me").status_code == 401  # a cookie is no credential for integrators
    bearer = console.get("/api/v1/me", headers={"Authorization": f"Bearer {world.tokens['agent']}"})
    assert bearer.status_code == 200 and bearer.json()["role"] == "agent"


def test_repeated_failures_lock_the_name_even_for_the_right_password(runtime: Runtime, world: World,
                                                                     console: TestClient) -> None:
    add_account(runtime, "agent", "agent.wu", world.ids["agent"])
    statuses = [sign_in(console, "agent.wu", "wrong-password").status_code for _ in range(5)]
    assert statuses == [401] * 5
    locked = sign_in(console, "agent.wu")
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0


def test_the_lock_opens_again_after_its_time(runtime: Runtime, world: World, clock: FrozenClock) -> None:
    add_account(runtime, "agent", "agent.qian", world.ids["agent"])
    for _ in range(5):
        with pytest.raises(accounts.Unauthorized):
            accounts.sign_in(runtime.session_factory, "agent.qian", "nope-nope", "10.0.0.1", clock.now())
    with pytest.raises(accounts.TooManyAttempts):
        accounts.sign_in(runtime.session_factory, "agent.qian", PASSWORD, "10.0.0.1", clock.now())
    clock.advance(seconds=31)
    assert accounts.sign_in(runtime.session_factory, "agent.qian", PASSWORD, "10.0.0.1", clock.now())


def test_logout_revokes_the_session_and_a_form_without_csrf_is_refused(runtime: Runtime, world: World,
                                                                       console: TestClient) -> None:
    add_account(runtime, "supervisor", "lead.li", world.ids["supervisor"])
    sign_in(console, "lead.li")
    page = console.get("/supervisor/sla")
    assert console.post("/supervisor/sla/1", data={"first_response_minutes": "10"}).status_code == 403
    stolen = console.cookies.get(sessions.COOKIE)
    assert console.post("/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False).status_code == 303
    runtime.console_sessions = sessions.SessionCache()  # another worker process: no cached copy of the session
    console.cookies.set(sessions.COOKIE, stolen or "")
    assert console.get("/supervisor", follow_redirects=False).headers["location"].startswith("/login")


def test_an_mcn_session_speaks_for_its_anchors_and_expires(runtime: Runtime, world: World,
                                                           clock: FrozenClock) -> None:
    add_account(runtime, "mcn", "star.mcn", world.ids["mcn"])
    with runtime.session() as session:
        account = session.scalar(select(ConsoleAccount).where(ConsoleAccount.username == "star.mcn"))
        assert account is not None
        secret = sessions.open_session(session, account, clock.now(), hours=1)
        session.commit()
        identity = sessions.load_identity(session, secret, clock.now())
        assert identity is not None and world.ids["anchor"] in identity.principal.party_ids
        assert sessions.load_identity(session, secret, clock.now() + timedelta(hours=1, seconds=1)) is None
