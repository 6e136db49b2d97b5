"""Rate limits as a caller meets them: a guesser with random tokens is cut off after a few refusals, a busy
token or address gets 429 with Retry-After, the defaults leave ordinary heavy use alone, and the counters live in
Redis when configured (shared by every process) and in memory otherwise."""

from __future__ import annotations

import secrets
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from fastapi.testclient import TestClient

from aftersales.app import create_app
from aftersales.clock import FrozenClock
from aftersales.config import Settings
from aftersales.runtime import build_runtime
from aftersales.security.tokens import TOKEN_PREFIX
from tests.factories import World

REDIS = ("127.0.0.1", 6379)
GUESSER = ("203.0.113.7", 40000)
NEIGHBOUR = ("203.0.113.8", 40000)

AppFactory = Callable[..., Any]


def _redis_available() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=0.5) as probe:
            probe.sendall(b"PING\r\n")
            return probe.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def serve(settings: Settings, clock: FrozenClock, world: World) -> Iterator[AppFactory]:
    """`serve(**settings)` → a context manager giving a client factory for an app with those settings."""
    runtimes = []

    @contextmanager
    def started(**overrides: Any) -> Iterator[Callable[[tuple[str, int]], TestClient]]:
        runtime = build_runtime(settings.model_copy(update=overrides), clock)
        runtimes.append(runtime)
        app = create_app(runtime, background=False)
        clients: list[TestClient] = []

        def client(address: tuple[str, int] = GUESSER) -> TestClient:
            opened = TestClient(app, client=address)
            opened.__enter__()
            clients.append(opened)
            return opened

        try:
            yield client
        finally:
            for opened in clients:
                opened.__exit__(None, None, None)

    yield started
    for runtime in runtimes:
        runtime.close()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _guess(client: TestClient, attempts: int) -> tuple[Counter[int], list[Any]]:
    answers = [client.get("/api/v1/me", headers=_bearer(TOKEN_PREFIX + secrets.token_urlsafe(24)))
               for _ in range(attempts)]
    return Counter(a.status_code for a in answers), [a for a in answers if a.status_code == 429]


def _assert_429(answer: Any) -> None:
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert int(answer.headers["retry-after"]) >= 1
    assert answer.json()["status"] == 429 and answer.json()["retry_after"] >= 1


def test_a_thousand_random_tokens_from_one_address_end_in_429_after_a_few_refusals(
        serve: AppFactory, world: World) -> None:
    with serve() as client:
        guesser = client(GUESSER)
        # a token that worked from this address before the guessing started (a colleague behind the same NAT)
        assert guesser.get("/api/v1/me", headers=_bearer(world.tokens["agent"])).status_code == 200
        counts, throttled = _guess(guesser, 1000)
        assert counts[401] <= 25, counts  # the default: 20 refused tokens a minute per address
        assert counts[429] >= 975, counts
        for answer in throttled[:5] + throttled[-5:]:
            _assert_429(answer)
            assert answer.json()["limit"] == "auth-failures"
        # the colleague is still let in, a token never seen from here waits, and another address is unaffected
        assert guesser.get("/api/v1/me", headers=_bearer(world.tokens["agent"])).status_code == 200
        assert guesser.get("/api/v1/me", headers=_bearer(world.tokens["brand"])).status_code == 429
        assert client(NEIGHBOUR).get("/api/v1/me", headers=_bearer(world.tokens["brand"])).status_code == 200


def test_a_busy_token_gets_429_with_retry_after_and_other_tokens_carry_on(serve: AppFactory, world: World) -> None:
    with serve(rate_limit_per_token="5/minute") as client:
        caller = client(GUESSER)
        answers = [caller.get("/api/v1/me", headers=_bearer(world.tokens["agent"])) for _ in range(7)]
        assert [a.status_code for a in answers] == [200] * 5 + [429] * 2
        _assert_429(answers[-1])
        assert answers[-1].json()["limit"] == "per-token"
        assert caller.get("/api/v1/me", headers=_bearer(world.tokens["supervisor"])).status_code == 200


def test_a_busy_address_gets_429_on_every_path(serve: AppFactory, world: World) -> None:
    with serve(rate_limit_per_address="10/minute") as client:
        caller = client(GUESSER)
        answers = [caller.get("/healthz") for _ in range(10)]
        assert all(a.status_code == 200 for a in answers)
        for path in ("/healthz", "/api/v1/me", "/login"):
            refused = caller.get(path, headers=_bearer(world.tokens["agent"]))
            assert refused.status_code == 429, path
            _assert_429(refused)
        assert client(NEIGHBOUR).get("/healthz").status_code == 200


def test_the_defaults_leave_one_busy_token_and_the_test_suite_alone(serve: AppFactory, world: World) -> None:
    defaults = Settings()
    assert defaults.rate_limits_enabled and defaults.rate_limit_storage == "memory://"
    with serve() as client:
        caller = client(GUESSER)
        statuses = Counter(caller.get("/api/v1/me", headers=_bearer(world.tokens["buyer"])).status_code
                           for _ in range(600))
        assert statuses == Counter({200: 600})


def test_limits_can_be_switched_off_for_load_tests_and_fuzzing(serve: AppFactory) -> None:
    with serve(rate_limits_enabled=False, rate_limit_auth_failures="1/hour") as client:
        counts, _ = _guess(client(GUESSER), 50)
        assert counts == Counter({401: 50})


def test_a_rate_limit_that_is_not_one_is_refused_at_startup() -> None:
    with pytest.raises(ValueError, match="rate limit"):
        Settings(rate_limit_per_token="lots")
    with pytest.raises(ValueError, match="storage"):
        Settings(rate_limit_storage="memcached://127.0.0.1")


@pytest.fixture
def redis_url() -> str:
    if not _redis_available():
        pytest.skip("Redis not reachable on 127.0.0.1:6379")
    return "redis://127.0.0.1:6379/15"


def test_in_redis_the_counters_are_shared_by_every_process(serve: AppFactory, redis_url: str, world: World) -> None:
    prefix = f"aftersales-test-{uuid.uuid4().hex}"
    shared = {"rate_limit_storage": redis_url, "rate_limit_key_prefix": prefix,
              "rate_limit_auth_failures": "6/minute"}
    with serve(**shared) as first, serve(**shared) as second:
        counts, _ = _guess(first(GUESSER), 4)
        assert counts == Counter({401: 4})
        # the other process has its own memory but the same Redis: two more refusals and the address is out
        counts, throttled = _guess(second(GUESSER), 10)
        assert counts == Counter({401: 2, 429: 8}), counts
        _assert_429(throttled[0])
        assert second(GUESSER).get("/api/v1/me", headers=_bearer(world.tokens["agent"])).status_code == 429
        assert second(NEIGHBOUR).get("/api/v1/me", headers=_bearer(world.tokens["agent"])).status_code == 200


def test_when_redis_is_away_requests_are_served_unlimited_not_failed(serve: AppFactory, world: World) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    with serve(rate_limit_storage=f"redis://127.0.0.1:{port}/0", rate_limit_per_token="1/minute") as client:
        caller = client(GUESSER)
        for _ in range(3):
            assert caller.get("/api/v1/me", headers=_bearer(world.tokens["agent"])).status_code == 200
        counts, _ = _guess(caller, 3)
        assert counts == Counter({401: 3})
