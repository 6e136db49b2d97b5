"""The embedded database (with its -wal and -shm), the PII key and the data folder belong to the service user
alone, whatever the umask the service was started with."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from aftersales.clock import FrozenClock
from aftersales.config import Settings
from aftersales.migrate import upgrade
from aftersales.runtime import build_runtime


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """The common default on a server: files 0644, folders 0755, unless the code says otherwise."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def test_a_fresh_embedded_install_is_private(tmp_path: Path) -> None:
    data = tmp_path / "srv" / "aftersales"
    settings = Settings(environment="test", data_dir=data, run_sweeper_in_process=False)
    upgrade(settings.resolved_database_url())
    runtime = build_runtime(settings, FrozenClock())
    with runtime.engine.begin() as connection:  # a write, so SQLite has its -wal and -shm open
        connection.execute(text("INSERT INTO categories (code, name_zh, name_en) VALUES ('x', '测', 'x')"))
        database = data / "aftersales.db"
        companions = [data / "aftersales.db-wal", data / "aftersales.db-shm"]
        assert all(path.exists() for path in companions)
        assert {path.name: _mode(path) for path in [database, *companions]} == {
            "aftersales.db": 0o600, "aftersales.db-wal": 0o600, "aftersales.db-shm": 0o600}
    assert _mode(data) == 0o700
    assert _mode(data / "pii.key") == 0o600
    runtime.close()


def test_a_database_left_world_readable_by_an_older_version_is_narrowed(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    settings = Settings(environment="test", data_dir=data, run_sweeper_in_process=False)
    upgrade(settings.resolved_database_url())
    database = data / "aftersales.db"
    wal = data / "aftersales.db-wal"
    os.chmod(database, 0o644)
    wal.touch()
    os.chmod(wal, 0o664)
    runtime = build_runtime(settings, FrozenClock())
    assert _mode(database) == 0o600 and _mode(wal) == 0o600
    # a folder that already existed may be one the operator shares on purpose: it is left as it was
    assert _mode(data) == 0o755
    runtime.close()


@pytest.mark.postgres
def test_on_postgresql_the_key_and_its_folder_are_private(tmp_path: Path, postgres_database: str) -> None:
    data = tmp_path / "keys"
    runtime = build_runtime(Settings(environment="test", data_dir=data, database_url=postgres_database,
                                     run_sweeper_in_process=False), FrozenClock())
    assert _mode(data) == 0o700 and _mode(data / "pii.key") == 0o600
    assert not (data / "aftersales.db").exists()
    runtime.close()
