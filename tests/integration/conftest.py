"""API fixtures: the app on a migrated database with a small world and a token per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher, profiles
from fastapi.testclient import TestClient

from aftersales.app import create_app
from aftersales.runtime import Runtime
from aftersales.security import passwords
from tests.conftest import Api
from tests.factories import World, build_world


@pytest.fixture
def world(runtime: Runtime) -> World:
    return build_world(runtime)


@pytest.fixture
def api(runtime: Runtime, world: World) -> Iterator[Api]:
    app = create_app(runtime, background=False)
    with TestClient(app) as client:
        yield Api(client=client, tokens=world.tokens)


_CHEAP_HASHER = PasswordHasher.from_parameters(profiles.CHEAPEST)
_CHEAP_DUMMY = _CHEAP_HASHER.hash("not-a-real-password")


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with the library's cheapest parameters in this process: the production profile spends ~0.3 s of
    CPU (64 MiB, three passes, four lanes) on every hash and every check, and these tests sign in hundreds of
    times. Still argon2id, still salted and verified the same way (a hash carries its parameters); the servers
    the tests start in subprocesses, and the browser tests, keep the production profile."""
    monkeypatch.setattr(passwords, "_hasher", _CHEAP_HASHER)
    monkeypatch.setattr(passwords, "_DUMMY_HASH", _CHEAP_DUMMY)
