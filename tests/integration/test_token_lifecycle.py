"""API tokens over their life: they expire, carry scopes, are revoked from the CLI or the admin API and are
refused at once, and record when they were last used — without a write on every request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from aftersales.app import create_app
from aftersales.cli import app as cli
from aftersales.clock import FrozenClock, as_utc
from aftersales.config import Settings, get_settings
from aftersales.migrate import upgrade
from aftersales.problems import InvalidInput
from aftersales.runtime import Runtime, build_runtime
from aftersales.security.models import ApiToken
from aftersales.security.principal_cache import PRINCIPAL_CACHE_SECONDS, PrincipalCache
from aftersales.security.tokens import create_token
from aftersales.security.ttl import parse_ttl
from tests.conftest import Api, throwaway_postgres
from tests.factories import World

runner = CliRunner()


def _token(runtime: Runtime, role: str = "supervisor", *, ttl: timedelta | None = None, scopes: str | None = None,
           name: str = "") -> str:
    with runtime.session() as session:
        token = create_token(session, role=role, now=runtime.clock.now(), ttl=ttl, scopes=scopes, name=name).token
        session.commit()
    return token


def _me(client: TestClient, token: str) -> object:
    return client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})


def _row(runtime: Runtime, token_id: int) -> ApiToken:
    with runtime.session() as session:
        row = session.get(ApiToken, token_id)
        assert row is not None
        return row


def test_a_token_stops_working_the_moment_it_expires_even_while_cached(api: Api, runtime: Runtime,
                                                                       clock: FrozenClock) -> None:
    token = _token(runtime, ttl=timedelta(hours=12))
    client: TestClient = api.client  # type: ignore[assignment]
    assert _me(client, token).status_code == 200  # type: ignore[attr-defined]
    clock.advance(hours=11, minutes=59)
    assert _me(client, token).status_code == 200  # type: ignore[attr-defined]
    clock.advance(minutes=1)
    refused = _me(client, token)
    assert refused.status_code == 401  # type: ignore[attr-defined]
    assert refused.headers["content-type"].startswith("application/problem+json")  # type: ignore[attr-defined]
    assert "expired" in refused.json()["detail"]  # type: ignore[attr-defined]


def test_me_shows_a_tokens_scopes_and_expiry(api: Api, runtime: Runtime) -> None:
    token = _token(runtime, ttl=timedelta(days=30), scopes="read")
    answer = _me(api.client, token).json()  # type: ignore[arg-type, attr-defined]
    assert answer["scopes"] == ["read"]
    assert as_utc(datetime.fromisoformat(answer["expires_at"])) == runtime.clock.now() + timedelta(days=30)
    admin = _me(api.client, api.tokens["platform_admin"]).json()  # type: ignore[arg-type, attr-defined]
    assert admin["scopes"] == ["read", "write", "admin"] and admin["expires_at"] is None


@pytest.fixture
def second_process(settings: Settings, clock: FrozenClock, world: World) -> Iterator[tuple[TestClient, list[float]]]:
    """Another API process on the same database: its own runtime and principal cache, on a hand-moved clock."""
    ticks = [1000.0]
    other = build_runtime(settings, clock)
    other.principals = PrincipalCache(monotonic=lambda: ticks[0])
    with TestClient(create_app(other, background=False)) as client:
        yield client, ticks
    other.close()


def test_a_revoked_token_is_refused_at_once_here_and_within_the_cache_lifetime_elsewhere(
        api: Api, runtime: Runtime, second_process: tuple[TestClient, list[float]]) -> None:
    other, ticks = second_process
    token = _token(runtime, role="agent")
    here: TestClient = api.client  # type: ignore[assignment]
    assert _me(here, token).status_code == 200  # type: ignore[attr-defined]
    assert _me(other, token).status_code == 200  # type: ignore[attr-defined]  # now cached there
    listed = api.as_("platform_admin").get("/api/v1/admin/tokens", params={"role": "agent"}).json()  # type: ignore[attr-defined]
    token_id = next(t["id"] for t in listed["items"] if t["last_used_at"] is not None)

    revoked = api.as_("platform_admin").post(f"/api/v1/admin/tokens/{token_id}/revoke")
    assert revoked.status_code == 200, revoked.text  # type: ignore[attr-defined]
    assert revoked.json()["state"] == "revoked"  # type: ignore[attr-defined]
    refused = _me(here, token)
    assert refused.status_code == 401 and "revoked" in refused.json()["detail"]  # type: ignore[attr-defined]

    # the other process still holds the principal, for at most the cache's lifetime (the issue allows 1 s)
    assert PRINCIPAL_CACHE_SECONDS <= 1.0
    ticks[0] += PRINCIPAL_CACHE_SECONDS + 0.001
    assert _me(other, token).status_code == 401  # type: ignore[attr-defined]


def test_the_admin_api_lists_tokens_without_secrets_and_only_for_platform_admins(api: Api, runtime: Runtime) -> None:
    secret = _token(runtime, name="export-job", scopes="read", ttl=timedelta(days=7))
    page = api.as_("platform_admin").get("/api/v1/admin/tokens", params={"limit": 500})
    assert page.status_code == 200  # type: ignore[attr-defined]
    body = page.text  # type: ignore[attr-defined]
    assert secret not in body and "token_hash" not in body
    job = next(t for t in page.json()["items"] if t["name"] == "export-job")  # type: ignore[attr-defined]
    assert job["scopes"] == ["read"] and job["state"] == "active" and job["revoked_at"] is None
    assert job["expires_at"] is not None

    for role in ("supervisor", "agent", "buyer"):
        assert api.as_(role).get("/api/v1/admin/tokens").status_code == 403  # type: ignore[attr-defined]
    assert api.as_("platform_admin").post("/api/v1/admin/tokens/999999/revoke").status_code == 404  # type: ignore[attr-defined]

    first = api.as_("platform_admin").post(f"/api/v1/admin/tokens/{job['id']}/revoke").json()  # type: ignore[attr-defined]
    again = api.as_("platform_admin").post(f"/api/v1/admin/tokens/{job['id']}/revoke").json()  # type: ignore[attr-defined]
    assert first["revoked_at"] == again["revoked_at"]
    revoked = api.as_("platform_admin").get("/api/v1/admin/tokens", params={"state": "revoked"}).json()  # type: ignore[attr-defined]
    assert [t["id"] for t in revoked["items"]] == [job["id"]]


def test_a_token_used_outside_its_scope_is_refused_naming_the_scope(api: Api, runtime: Runtime) -> None:
    reader = _token(runtime, scopes="read")
    client: TestClient = api.client  # type: ignore[assignment]
    headers = {"Authorization": f"Bearer {reader}"}
    assert client.get("/api/v1/cases", headers=headers).status_code == 200
    refused = client.post("/api/v1/sla/sweep", headers=headers)
    assert refused.status_code == 403
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["type"].endswith("/insufficient-scope")
    assert refused.json()["scope"] == "write" and "write" in refused.json()["detail"]
    assert 'scope="write"' in refused.headers["www-authenticate"]
    writer = _token(runtime, scopes="read,write")
    assert client.post("/api/v1/sla/sweep", headers={"Authorization": f"Bearer {writer}"}).status_code == 200

    # token administration needs the admin scope on top of the platform_admin role
    narrow_admin = _token(runtime, role="platform_admin", scopes="read write")
    no_admin = client.get("/api/v1/admin/tokens", headers={"Authorization": f"Bearer {narrow_admin}"})
    assert no_admin.status_code == 403 and no_admin.json()["scope"] == "admin"
    with runtime.session() as session, pytest.raises(InvalidInput) as error:
        create_token(session, role="supervisor", now=runtime.clock.now(), scopes="admin")
    assert error.value.extra["field"] == "scope"
    with runtime.session() as session, pytest.raises(InvalidInput):
        create_token(session, role="agent", now=runtime.clock.now(), scopes="delete-everything")


def test_last_use_is_recorded_at_most_once_a_minute(api: Api, runtime: Runtime, clock: FrozenClock) -> None:
    with runtime.session() as session:
        issued = create_token(session, role="agent", now=clock.now())
        session.commit()
    client: TestClient = api.client  # type: ignore[assignment]
    assert _row(runtime, issued.token_id).last_used_at is None
    first = clock.now()
    assert _me(client, issued.token).status_code == 200
    assert _row(runtime, issued.token_id).last_used_at == first
    clock.advance(seconds=30)
    for _ in range(5):
        assert _me(client, issued.token).status_code == 200
    assert _row(runtime, issued.token_id).last_used_at == first  # no write for these
    later = clock.advance(seconds=31)
    assert _me(client, issued.token).status_code == 200
    assert _row(runtime, issued.token_id).last_used_at == later


@pytest.fixture
def cli_env(settings: Settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AFTERSALES_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", settings.resolved_database_url())
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_cli_creates_lists_and_revokes_by_secret_or_id(cli_env: None, api: Api, runtime: Runtime) -> None:
    created = runner.invoke(cli, ["token", "create", "--role", "supervisor", "--name", "nightly", "--ttl", "12h",
                                  "--scope", "read"])
    assert created.exit_code == 0, created.output
    secret = created.output.split()[0]
    assert secret.startswith("as_") and "read" in created.output
    client: TestClient = api.client  # type: ignore[assignment]
    assert _me(client, secret).status_code == 200
    listing = runner.invoke(cli, ["token", "list", "--role", "supervisor"])
    assert listing.exit_code == 0 and "nightly" in listing.output and secret not in listing.output

    revoked = runner.invoke(cli, ["token", "revoke", secret])
    assert revoked.exit_code == 0, revoked.output
    runtime.principals = PrincipalCache()  # as another process would be, half a second later
    assert _me(client, secret).status_code == 401

    by_id = runner.invoke(cli, ["token", "create", "--role", "agent", "--ttl", "never"])
    assert by_id.exit_code == 0 and "never" in by_id.output
    token_id = by_id.output.split("#", 1)[1].split()[0]
    assert runner.invoke(cli, ["token", "revoke", token_id]).exit_code == 0
    assert _me(client, by_id.output.split()[0]).status_code == 401

    for bad in (["token", "revoke", "nonsense"], ["token", "revoke", "99999"],
                ["token", "create", "--role", "agent", "--ttl", "3 days"]):
        failed = runner.invoke(cli, bad)
        assert failed.exit_code == 2 and "Traceback" not in failed.output, failed.output


def test_the_default_lifetime_is_configured_and_applies_without_ttl(cli_env: None, runtime: Runtime,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings().token_default_ttl == "90d"
    monkeypatch.setenv("AFTERSALES_TOKEN_DEFAULT_TTL", "2w")
    get_settings.cache_clear()
    created = runner.invoke(cli, ["token", "create", "--role", "agent", "--name", "default-ttl"])
    assert created.exit_code == 0, created.output
    with runtime.session() as session:
        row = session.query(ApiToken).filter_by(name="default-ttl").one()
        assert row.expires_at is not None
        assert timedelta(days=13, hours=23) < as_utc(row.expires_at) - as_utc(row.created_at) <= timedelta(days=14)


@pytest.mark.parametrize(("text", "lifetime"), [("3600s", timedelta(hours=1)), ("45m", timedelta(minutes=45)),
                                               ("12h", timedelta(hours=12)), ("30d", timedelta(days=30)),
                                               ("2W", timedelta(weeks=2)), ("never", None), (" none ", None)])
def test_lifetimes_are_written_as_operators_say_them(text: str, lifetime: timedelta | None) -> None:
    assert parse_ttl(text) == lifetime


@pytest.mark.parametrize("text", ["", "30", "3 days", "0s", "-1d", "99999w", "1y"])
def test_a_lifetime_that_is_not_one_names_the_field(text: str) -> None:
    with pytest.raises(InvalidInput) as error:
        parse_ttl(text)
    assert error.value.extra["field"] == "ttl"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        return
    with throwaway_postgres("aftersales_tokens") as url:
        yield url


def test_tokens_issued_before_the_upgrade_keep_working_with_their_roles_scopes(empty_url: str) -> None:
    upgrade(empty_url, "0102_console_accounts")
    engine = create_engine(empty_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO api_tokens (token_hash, role, name, created_at) VALUES "
                                "('a', 'platform_admin', 'ops', '2026-01-01'), ('b', 'agent', 'desk', '2026-01-01')"))
    upgrade(empty_url)
    with engine.connect() as connection:
        rows = dict(connection.execute(text("SELECT role, scopes FROM api_tokens WHERE expires_at IS NULL")).all())
    engine.dispose()
    assert rows == {"platform_admin": "read write admin", "agent": "read write"}
