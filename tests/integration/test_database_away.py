"""A PostgreSQL that does not answer at all (nothing listens on its port): the API says 503 with Retry-After on
every route that needs it, the CLI one line, and the background loop backs off instead of logging tracebacks.

The restart under load, and the recovery, are in test_postgres_restart.py; this one needs no server at all.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from aftersales.app import create_app
from aftersales.bench.intake import free_port
from aftersales.cli import app as cli
from aftersales.commands.background import Background
from aftersales.config import Settings, get_settings
from aftersales.runtime import Runtime, build_runtime


@pytest.fixture
def nowhere() -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/aftersales"


@pytest.fixture
def away(tmp_path: Path, nowhere: str) -> Iterator[Runtime]:
    runtime = build_runtime(Settings(environment="test", data_dir=tmp_path, database_url=nowhere,
                                     run_sweeper_in_process=False))
    yield runtime
    runtime.close()


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/cases"), ("GET", "/api/v1/cases/CS-1"), ("POST", "/api/v1/cases"),
    ("GET", "/api/v1/cases/queue"),
])
def test_the_api_answers_503_with_retry_after(away: Runtime, method: str, path: str) -> None:
    body = {"order_id": "O-1", "case_type": "complaint", "text": "质量太差了，要求退款"}
    with TestClient(create_app(away, background=False)) as client:
        answer = client.request(method, path, headers={"Authorization": "Bearer as_whoever",
                                                       "Idempotency-Key": "k-1"},
                                json=body if method == "POST" else None)
    assert answer.status_code == 503, answer.text
    assert answer.headers["retry-after"] == "2"
    assert answer.headers["content-type"].startswith("application/problem+json")
    problem = answer.json()
    assert problem["type"].endswith("/unavailable") and problem["retry_after"] == 2
    assert "数据库暂不可用" in problem["detail"] and "the database is unavailable" in problem["detail"]


def test_a_console_page_says_so_as_a_page(away: Runtime) -> None:
    with TestClient(create_app(away, background=False)) as client:
        form = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
        assert form.status_code == 200 and token is not None
        answer = client.post("/login", data={"username": "zhang", "password": "secret", "csrf_token": token[1]})
    assert answer.status_code == 503
    assert answer.headers["content-type"].startswith("text/html") and answer.headers["retry-after"] == "2"
    assert "数据库暂不可用" in answer.text


def test_the_background_loop_backs_off_doubling_up_to_its_cap(away: Runtime,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    work = Background(away, interval=1.0)
    pauses = []
    with caplog.at_level(logging.WARNING):
        for _ in range(7):
            assert work.tick() == {}
            pauses.append(work.pause())
    assert pauses == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    skipped = [r for r in caplog.records if "database unavailable" in r.getMessage()]
    assert len(skipped) == 7, "one line per skipped round"
    assert all(r.exc_info is None for r in caplog.records), "an outage is no traceback"


def test_the_command_line_says_so_in_one_line(nowhere: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AFTERSALES_DATABASE_URL", nowhere)
    monkeypatch.setenv("AFTERSALES_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        upgraded = CliRunner().invoke(cli, ["db", "upgrade"])
    finally:
        get_settings.cache_clear()
    assert upgraded.exit_code == 2, upgraded.output
    assert "数据库暂不可用" in upgraded.output and "Traceback" not in upgraded.output
    # a cron run of the worker, through the real entry point
    once = subprocess.run([sys.executable, "-m", "aftersales.cli", "worker", "--once"], capture_output=True,
                          text=True, timeout=120, check=False,
                          env={**os.environ, "AFTERSALES_DATABASE_URL": nowhere, "AFTERSALES_DATA_DIR": str(tmp_path)})
    assert once.returncode == 2, once.stdout + once.stderr
    assert "数据库暂不可用" in once.stderr and "the database is unavailable" in once.stderr
    assert "Traceback" not in once.stderr + once.stdout
