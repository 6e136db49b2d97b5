"""Schemathesis over the app's whole OpenAPI document, in-process, as staff and as a buyer, on SQLite and on
PostgreSQL: no answer may be a server error, and every answer must be what the document says (status, content
type, body schema). Each generated request is sent once per role, against a database seeded with cases, orders
and parties that the generated ids sometimes name.

Bounded for CI: a fixed number of examples per operation (`AFTERSALES_FUZZ_EXAMPLES` raises it for a deeper local
run), Hypothesis derandomised with a fixed seed (`AFTERSALES_FUZZ_SEED` for other inputs), no example database,
no deadline. A failure prints a curl command that reproduces it; its fix gets a regression test in
test_fuzz_regressions.py or next to the owning domain's tests."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.python import asgi

from aftersales.app import create_app
from aftersales.clock import FrozenClock
from aftersales.config import Settings
from aftersales.migrate import upgrade
from aftersales.runtime import build_runtime
from tests.conftest import throwaway_postgres
from tests.factories import World, build_world
from tests.integration.fuzz_world import seed

pytestmark = [pytest.mark.fuzz, pytest.mark.slow]

#: who sends each generated request: staff who may do nearly everything, and a buyer who may do little
ROLES = ("platform_admin", "buyer")
EXAMPLES = int(os.environ.get("AFTERSALES_FUZZ_EXAMPLES", "25"))
#: fixed so that CI is repeatable; another seed explores other inputs
SEED = int(os.environ.get("AFTERSALES_FUZZ_SEED", "13"))


def _document() -> dict[str, Any]:
    """The app's own OpenAPI document; building it touches no database, so any throwaway runtime will do."""
    with tempfile.TemporaryDirectory() as tmp:
        runtime = build_runtime(Settings(environment="test", data_dir=Path(tmp),
                                         database_url=f"sqlite:///{tmp}/schema.db", run_sweeper_in_process=False))
        try:
            return create_app(runtime, background=False).openapi()
        finally:
            runtime.close()


schema = schemathesis.openapi.from_dict(_document(), config=schemathesis.Config.from_dict({
    "seed": SEED,
    # positive and negative cases; the coverage phase adds the boundary values of every parameter
    "generation": {"mode": "all", "max-examples": EXAMPLES, "deterministic": True, "database": "none"},
    "phases": {"stateful": {"enabled": False}},
}))

#: no server error, and every answer as documented: its status, its content type and its body's schema
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: ids that exist in the database under test, by parameter or body field name; filled by the `fuzzed` fixture
KNOWN: dict[str, list[Any]] = {}


def _known(values: Any) -> st.SearchStrategy[Any]:
    """Half the time the values as generated; else each one that names a record maybe swapped for one that
    exists, so that requests get past the 404 into the code that works on a real case, order or party."""
    if not isinstance(values, dict):
        return st.just(values)
    swaps = {name: st.sampled_from(KNOWN[name]) for name in values if KNOWN.get(name)}
    if not swaps:
        return st.just(values)
    mixed = st.fixed_dictionaries({name: st.one_of(st.just(value), swaps[name]) if name in swaps else st.just(value)
                                   for name, value in values.items()})
    return st.one_of(st.just(values), mixed)


@schema.hook
def flatmap_path_parameters(context: Any, path_parameters: dict[str, Any]) -> st.SearchStrategy[Any]:
    return _known(path_parameters)


@schema.hook
def flatmap_query(context: Any, query: dict[str, Any]) -> st.SearchStrategy[Any]:
    return _known(query)


@schema.hook
def flatmap_body(context: Any, body: Any) -> st.SearchStrategy[Any]:
    return _known(body)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def fuzzed(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[FastAPI, World]]:
    """One seeded database per backend for the whole module: a fresh one per example would cost more than the
    requests, and a fuzzer's writes piling up is itself a useful thing to survive."""
    folder = tmp_path_factory.mktemp(f"fuzz-{request.param}")
    database: AbstractContextManager[str] = (throwaway_postgres("aftersales_fuzz") if request.param == "postgresql"
                                             else nullcontext(f"sqlite:///{folder}/fuzz.db"))
    with database as url:
        upgrade(url)
        runtime = build_runtime(Settings(environment="test", data_dir=folder / "data", database_url=url,
                                         run_sweeper_in_process=False), FrozenClock())
        try:
            world = build_world(runtime)
            KNOWN.clear()
            KNOWN.update(seed(runtime, world))
            app = create_app(runtime, background=False)
            yield app, world
        finally:
            # schemathesis keeps each app's lifespan running until told otherwise
            asgi.shutdown_lifespans()
            KNOWN.clear()
            runtime.close()


@schema.parametrize()
def test_no_request_is_answered_with_a_server_error(case: Any, fuzzed: tuple[FastAPI, World]) -> None:
    app, world = fuzzed
    for role in ROLES:
        case.call_and_validate(app=app, headers={"Authorization": f"Bearer {world.tokens[role]}"},
                               checks=CHECKS)
