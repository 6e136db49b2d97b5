"""`aftersales db backup` / `db restore` round trips (issue 13).

SQLite: the backup is taken by a separate `aftersales db backup` process while the real server is answering a
stream of intake requests; it must be one consistent moment (every case in it whole) and restore into a new data
folder that serves. PostgreSQL: pg_dump/pg_restore between two databases the test creates (and drops) on the
shared server. Both: files 0600, a restore over a non-empty database refused without --force, a file that is no
backup refused with a clear message.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rich.console import Console
from sqlalchemy import create_engine, func, select
from typer.testing import CliRunner, Result

from aftersales.app import create_app
from aftersales.bench.intake import INTAKE_APP, Server, intake_env, intake_requests, seed_world
from aftersales.bench.loadgen import Answer, run_blocking
from aftersales.cli import app as cli
from aftersales.config import Settings, get_settings
from aftersales.migrate import upgrade
from aftersales.models_registry import load_all_models
from aftersales.runtime import build_runtime
from tests.conftest import throwaway_postgres
from tests.factories import build_world

pytestmark = pytest.mark.slow

BUYERS = 1_200
BACKUP_AFTER_201S = 200


def _invoke(args: list[str], env: dict[str, str]) -> Result:
    get_settings.cache_clear()
    try:
        return CliRunner().invoke(cli, args, env=env)
    finally:
        get_settings.cache_clear()


def _said(result: Result) -> str:
    """The command's words with the terminal's line wrapping undone."""
    return " ".join(result.output.split())


def _row_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return {table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                    for table in load_all_models().metadata.sorted_tables}
    finally:
        engine.dispose()


def _whole_cases(path: Path) -> tuple[int, list[str]]:
    """How many cases the file holds, and which of them lack a part written in the same transaction."""
    with sqlite3.connect(path) as connection:
        cases = [case_id for (case_id,) in connection.execute("SELECT id FROM cases WHERE order_id IS NOT NULL")]
        opened = {c for (c,) in connection.execute("SELECT case_id FROM timeline_events WHERE kind = 'opened'")}
        clocks = {c for (c,) in connection.execute("SELECT DISTINCT case_id FROM sla_clocks")}
        said = {c for (c,) in connection.execute("SELECT case_id FROM case_messages WHERE author_role = 'buyer'")}
    return len(cases), [c for c in cases if c not in opened or c not in clocks or c not in said]


@pytest.fixture
def live_sqlite(tmp_path: Path) -> Iterator[tuple[Path, list[bytes], Server]]:
    live = tmp_path / "live"
    buyers = seed_world(live, BUYERS, Console(quiet=True))
    server = Server(INTAKE_APP, intake_env(live), live / "server.log").start()
    try:
        yield live, intake_requests(buyers, server.port), server
    finally:
        server.stop()


def test_sqlite_backup_while_the_server_writes_is_one_whole_moment_and_restores(
        live_sqlite: tuple[Path, list[bytes], Server], tmp_path: Path) -> None:
    live, requests, server = live_sqlite
    acknowledged: list[int] = [0]
    reached = threading.Event()

    def count(answer: Answer) -> None:
        acknowledged[0] += answer.status == 201
        if acknowledged[0] >= BACKUP_AFTER_201S:
            reached.set()

    # two connections: slow enough that cases keep arriving for the whole backup on a busy machine
    load = threading.Thread(target=run_blocking, args=("127.0.0.1", server.port, requests),
                            kwargs={"concurrency": 2, "duration_cap_s": 300, "on_answer": count})
    load.start()
    assert reached.wait(300), "the load never got going"
    before = acknowledged[0]
    out = tmp_path / "backups" / "aftersales-backup.db"
    backup = subprocess.run([sys.executable, "-m", "aftersales.cli", "db", "backup", str(out)], capture_output=True,
                            text=True, timeout=300, check=False, env={**os.environ, **intake_env(live)})
    during = acknowledged[0]
    load.join(300)
    total = acknowledged[0]
    assert backup.returncode == 0, backup.stdout + backup.stderr
    assert "PII" in backup.stdout, "the backup warns that the key is not in it"

    assert out.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(out) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    in_backup, torn = _whole_cases(out)
    assert not torn, f"cases in the backup without their timeline, clock or message: {torn[:5]}"
    assert before <= in_backup < total, (before, in_backup, during, total)
    assert during > before, "no case arrived while the backup ran: the test did not test a live backup"

    fresh = tmp_path / "restored"
    fresh.mkdir()
    shutil.copy(live / "pii.key", fresh / "pii.key")  # the key travels apart from the backup, as it should
    env = {"AFTERSALES_DATA_DIR": str(fresh), "AFTERSALES_DATABASE_URL": f"sqlite:///{fresh / 'aftersales.db'}"}
    restored = _invoke(["db", "restore", str(out)], env)
    assert restored.exit_code == 0, restored.output
    database = fresh / "aftersales.db"
    assert database.stat().st_mode & 0o777 == 0o600
    assert _row_counts(env["AFTERSALES_DATABASE_URL"]) == _row_counts(f"sqlite:///{out}")

    # the restored database serves: a buyer reads a case that was in the backup
    with sqlite3.connect(database) as connection:
        case_id, buyer_id = connection.execute("SELECT id, buyer_id FROM cases LIMIT 1").fetchone()
    runtime = build_runtime(Settings(environment="test", data_dir=fresh, database_url=env["AFTERSALES_DATABASE_URL"],
                                     run_sweeper_in_process=False))
    try:
        from aftersales.security.tokens import create_token

        with runtime.session() as session:
            token = create_token(session, role="buyer", buyer_id=buyer_id, now=runtime.clock.now()).token
            session.commit()
        with TestClient(create_app(runtime, background=False)) as client:
            answer = client.get(f"/api/v1/cases/{case_id}", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200, answer.text
    finally:
        runtime.close()

    again = _invoke(["db", "restore", str(out)], env)
    assert again.exit_code == 2 and "--force" in again.output and "Traceback" not in again.output
    forced = _invoke(["db", "restore", "--force", str(out)], env)
    assert forced.exit_code == 0, forced.output
    assert _row_counts(env["AFTERSALES_DATABASE_URL"]) == _row_counts(f"sqlite:///{out}")


def test_sqlite_refusals_are_clear(tmp_path: Path, sqlite_url: str) -> None:
    env = {"AFTERSALES_DATA_DIR": str(tmp_path), "AFTERSALES_DATABASE_URL": sqlite_url}
    out = tmp_path / "b.db"
    assert _invoke(["db", "backup", str(out)], env).exit_code == 0
    exists = _invoke(["db", "backup", str(out)], env)
    assert exists.exit_code == 2 and "--force" in exists.output
    assert _invoke(["db", "backup", "--force", str(out)], env).exit_code == 0
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("这不是备份 / not a backup\n" * 100, encoding="utf-8")
    target = {**env, "AFTERSALES_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    refused = _invoke(["db", "restore", str(not_a_backup)], target)
    assert refused.exit_code == 2 and "not an SQLite backup" in _said(refused)
    assert "Traceback" not in refused.output
    assert not (tmp_path / "empty.db").exists(), "a refused restore created nothing"
    missing = _invoke(["db", "backup", str(tmp_path / "x.db")],
                      {**env, "AFTERSALES_DATABASE_URL": f"sqlite:///{tmp_path / 'nothing.db'}"})
    assert missing.exit_code == 2 and "no database file" in _said(missing)


@pytest.mark.postgres
def test_postgresql_round_trip_through_pg_dump_and_pg_restore(tmp_path: Path) -> None:
    with throwaway_postgres("test_backup") as source, throwaway_postgres("test_backup") as target:
        upgrade(source)
        runtime = build_runtime(Settings(environment="test", data_dir=tmp_path / "data", database_url=source,
                                         run_sweeper_in_process=False))
        try:
            world = build_world(runtime)
            with TestClient(create_app(runtime, background=False)) as client:
                opened = client.post("/api/v1/cases", headers={"Authorization": f"Bearer {world.tokens['buyer']}"},
                                     json={"order_id": "O-1001", "case_type": "refund_only",
                                           "text": "口红用了过敏，嘴唇红肿，要求退款"})
            assert opened.status_code == 201, opened.text
        finally:
            runtime.close()
        data = {"AFTERSALES_DATA_DIR": str(tmp_path / "data")}
        out = tmp_path / "aftersales.dump"
        made = _invoke(["db", "backup", str(out)], {**data, "AFTERSALES_DATABASE_URL": source})
        assert made.exit_code == 0, made.output
        assert out.stat().st_mode & 0o777 == 0o600
        assert out.read_bytes()[:5] == b"PGDMP", "pg_dump's custom format"

        into = {**data, "AFTERSALES_DATABASE_URL": target}
        restored = _invoke(["db", "restore", str(out)], into)
        assert restored.exit_code == 0, restored.output
        expected = _row_counts(source)
        assert expected["cases"] == 1 and _row_counts(target) == expected

        refused = _invoke(["db", "restore", str(out)], into)
        assert refused.exit_code == 2 and "--force" in refused.output and "Traceback" not in refused.output
        forced = _invoke(["db", "restore", "--force", str(out)], into)
        assert forced.exit_code == 0, forced.output
        assert _row_counts(target) == expected, "a forced restore replaces, never adds"

        sqlite_file = tmp_path / "b.db"
        sqlite3.connect(sqlite_file).close()
        wrong = _invoke(["db", "restore", "--force", str(sqlite_file)], into)
        assert wrong.exit_code == 2 and "pg_dump" in _said(wrong) and "Traceback" not in wrong.output
