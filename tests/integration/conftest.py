"""API fixtures: the app on a migrated database with a small world and a token per role."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from aftersales.app import create_app
from aftersales.runtime import Runtime
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
