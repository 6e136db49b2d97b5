"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, a runtime with a frozen clock, an API client."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Connection, create_engine, text

from aftersales.clock import FrozenClock
from aftersales.config import Settings
from aftersales.migrate import upgrade
from aftersales.models_registry import load_all_models
from aftersales.runtime import Runtime, build_runtime

# Hypothesis's default 200 ms deadline is a timing assertion: on a shared 2-core machine it fails sound code
hypothesis_settings.register_profile("aftersales", deadline=None)
hypothesis_settings.load_profile("aftersales")

PG_ADMIN_URL = os.environ.get("AFTERSALES_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
#: CI sets this to 1 so that a missing PostgreSQL fails the run instead of silently skipping half the suite
REQUIRE_POSTGRES = os.environ.get("AFTERSALES_REQUIRE_POSTGRES", "0") == "1"
_pg_problem: list[str] = []


def _postgres_available() -> bool:
    try:
        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
        return True
    except Exception as error:  # any failure to connect means: no PostgreSQL here
        _pg_problem.append(f"{type(error).__name__}: {error}".splitlines()[0])
        return False


PG_AVAILABLE = _postgres_available()


def pytest_sessionstart(session: pytest.Session) -> None:
    if not PG_AVAILABLE and REQUIRE_POSTGRES:
        pytest.exit(f"PostgreSQL is required (AFTERSALES_REQUIRE_POSTGRES=1) but unreachable at {PG_ADMIN_URL}: "
                    f"{_pg_problem[0] if _pg_problem else ''}", returncode=3)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not PG_AVAILABLE:
        terminalreporter.write_sep("!", "POSTGRESQL NOT AVAILABLE", red=True, bold=True)
        terminalreporter.write_line(f"  PostgreSQL at {PG_ADMIN_URL} is unreachable; every PostgreSQL-parametrised "
                                    "test was SKIPPED. Only SQLite was tested.", red=True, bold=True)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@contextmanager
def throwaway_postgres(prefix: str = "aftersales_test") -> Iterator[str]:
    """A new, empty PostgreSQL database for the duration of the block; skips the test where there is none."""
    if not PG_AVAILABLE:
        pytest.skip(f"PostgreSQL not available at {PG_ADMIN_URL}")
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            _terminate(connection, name)
        admin.dispose()
        _UNDROPPED.append(name)


#: throwaway databases not dropped yet: each DROP DATABASE makes the server checkpoint and waits for it, which on a
#: shared server busy with other writes took up to 55 s inside one test's teardown; dropped one after the other
#: when the session ends, the first drop's checkpoint leaves the next ones next to nothing to write
_UNDROPPED: list[str] = []


def _terminate(connection: Connection, name: str) -> None:
    connection.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))


def pytest_sessionfinish(session: pytest.Session) -> None:
    if not _UNDROPPED:
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        while _UNDROPPED:
            name = _UNDROPPED.pop()
            _terminate(connection, name)  # a pool a test left behind may have reconnected
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    with throwaway_postgres() as url:
        upgrade(url)
        yield url


def _truncate_postgres(url: str) -> None:
    tables = ", ".join(f'"{t.name}"' for t in load_all_models().metadata.sorted_tables)
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: each test gets its own SQLite file, or a truncated PostgreSQL database."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "aftersales.db"
        shutil.copyfile(template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    _truncate_postgres(url)
    return url


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """Only SQLite, for tests about the embedded default itself."""
    path = tmp_path / "aftersales.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return Settings(environment="test", data_dir=tmp_path / "data", database_url=database_url,
                    run_sweeper_in_process=False)


@pytest.fixture
def runtime(settings: Settings, clock: FrozenClock) -> Iterator[Runtime]:
    built = build_runtime(settings, clock)
    yield built
    built.close()


@dataclass
class Api:
    """A test client that speaks as one role at a time: `api.as_("agent").post(...)`."""

    client: object
    tokens: dict[str, str]

    def as_(self, who: str) -> _Speaker:
        return _Speaker(self.client, self.tokens[who])


@dataclass
class _Speaker:
    client: object
    token: str

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, url: str, headers: dict[str, str] | None = None, **kw: object) -> object:
        return self.client.get(url, headers=self._headers(headers), **kw)  # type: ignore[attr-defined]

    def post(self, url: str, headers: dict[str, str] | None = None, **kw: object) -> object:
        return self.client.post(url, headers=self._headers(headers), **kw)  # type: ignore[attr-defined]

    def patch(self, url: str, headers: dict[str, str] | None = None, **kw: object) -> object:
        return self.client.patch(url, headers=self._headers(headers), **kw)  # type: ignore[attr-defined]
