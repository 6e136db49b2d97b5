"""PostgreSQL restarted under load (issue 13): a private server is stopped twice while buyers open and read cases,
once cleanly (`fast`: sessions cut, open transactions rolled back) and once as a crash (`immediate`: recovery
from the WAL on start).

While the database is away the API answers 503 problem+json with Retry-After, never 500; the buyers' retries with
the same Idempotency-Key succeed once it is back; every case answered 201 is in the database, each request landed
exactly once; and `aftersales worker` rides out both outages in the same process, backing off instead of dying.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from rich.console import Console
from sqlalchemy import create_engine, text

from aftersales.bench.intake import INTAKE_APP, Server, intake_env, seed_world
from aftersales.bench.world import BenchBuyer, case_payload
from tests.private_postgres import PrivatePostgres, private_postgres

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

BUYERS = 240
THREADS = 8
#: the database stops after this many cases were acknowledged, with this shutdown mode
OUTAGES = ((60, "fast"), (150, "immediate"))
OUTAGE_SECONDS = 1.5
#: the client waits this long at most between retries (it checks that Retry-After is given, and is impatient)
RETRY_PAUSE_S = 0.2


@dataclass
class Load:
    acknowledged: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> case id
    statuses: Counter[str] = field(default_factory=Counter)
    unavailable_bodies: list[tuple[str, str, dict[str, object]]] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    created: threading.Condition = field(default_factory=threading.Condition)

    def count_created(self) -> int:
        with self.lock:
            return len(self.acknowledged)


@dataclass
class Served:
    postgres: PrivatePostgres
    database: str
    buyers: list[BenchBuyer]
    server: Server
    worker: subprocess.Popen[bytes]
    worker_log: Path


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    work = tmp_path_factory.mktemp("pg-restart")
    with private_postgres() as postgres:
        database = postgres.create_database("aftersales")
        buyers = seed_world(work, BUYERS, Console(quiet=True), database=database)
        env = intake_env(work, database)
        server = Server(INTAKE_APP, env, work / "server.log")
        worker_log = work / "worker.log"
        worker: subprocess.Popen[bytes] | None = None
        try:
            server.start()
            with worker_log.open("ab") as log:
                worker = subprocess.Popen([sys.executable, "-m", "aftersales.cli", "worker", "--interval", "0.2",
                                           "--no-snapshots", "--name", "restart-test"], env={**os.environ, **env},
                                          stdout=log, stderr=subprocess.STDOUT)
            deadline = time.monotonic() + 60
            while "worker restart-test started" not in worker_log.read_text(errors="replace"):  # its imports
                assert worker.poll() is None and time.monotonic() < deadline, worker_log.read_text(errors="replace")
                time.sleep(0.2)
            yield Served(postgres, database, buyers, server, worker, worker_log)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(30)
            server.stop()


def _send(client: httpx.Client, load: Load, method: str, url: str, token: str, *, json: object = None,
          key: str | None = None) -> httpx.Response:
    """One request, retried until the database answers: the client a buyer's app should be."""
    headers = {"Authorization": f"Bearer {token}", **({"Idempotency-Key": key} if key else {})}
    for _ in range(400):
        try:
            answer = client.request(method, url, headers=headers, json=json)
        except httpx.TransportError as error:
            with load.lock:
                load.statuses[f"no answer ({type(error).__name__})"] += 1
            time.sleep(RETRY_PAUSE_S)
            continue
        with load.lock:
            load.statuses[str(answer.status_code)] += 1
        if answer.status_code != 503:
            return answer
        with load.lock:
            load.unavailable_bodies.append((answer.headers.get("retry-after", ""),
                                            answer.headers.get("content-type", ""), answer.json()))
        time.sleep(min(RETRY_PAUSE_S, float(answer.headers.get("retry-after", "1"))))
    raise AssertionError(f"{method} {url} never succeeded")


def _buyer_thread(served: Served, load: Load, buyers: list[tuple[int, BenchBuyer]]) -> None:
    with httpx.Client(base_url=f"http://127.0.0.1:{served.server.port}", timeout=20) as client:
        for index, buyer in buyers:
            key = f"restart-{buyer.order_id}"
            opened = _send(client, load, "POST", "/api/v1/cases", buyer.token, json=case_payload(buyer, index),
                           key=key)
            if opened.status_code not in (200, 201):
                with load.lock:
                    load.unexpected.append(f"POST {opened.status_code}: {opened.text[:300]}")
                continue
            case_id = opened.json()["id"]
            with load.created:
                with load.lock:
                    load.acknowledged[key] = case_id
                load.created.notify_all()
            read = _send(client, load, "GET", f"/api/v1/cases/{case_id}", buyer.token)
            if read.status_code != 200 or read.json()["order_id"] != buyer.order_id:
                with load.lock:
                    load.unexpected.append(f"GET {read.status_code}: {read.text[:300]}")


def _reached(load: Load, count: int, done: threading.Event) -> Callable[[], bool]:
    return lambda: load.count_created() >= count or done.is_set()


def _outages(served: Served, load: Load, done: threading.Event) -> None:
    for after, mode in OUTAGES:
        with load.created:
            load.created.wait_for(_reached(load, after, done))
        if done.is_set():
            return
        served.postgres.stop(mode)
        time.sleep(OUTAGE_SECONDS)  # the database stays away for a while: requests keep arriving meanwhile
        served.postgres.start()


@pytest.fixture(scope="module")
def loaded(served: Served) -> Load:
    load = Load()
    done = threading.Event()
    restarts = threading.Thread(target=_outages, args=(served, load, done), daemon=True)
    restarts.start()
    shares = [list(enumerate(served.buyers))[n::THREADS] for n in range(THREADS)]
    threads = [threading.Thread(target=_buyer_thread, args=(served, load, share)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    done.set()
    with load.created:
        load.created.notify_all()
    restarts.join(120)
    return load


def test_the_database_really_went_away_under_load(served: Served, loaded: Load) -> None:
    assert loaded.statuses["503"] >= len(OUTAGES), (loaded.statuses, served.postgres.log_tail())
    assert "database system is shut down" in (served.postgres.root / "server.log").read_text(errors="replace")


def test_while_it_is_away_the_api_answers_503_with_retry_after_never_500(served: Served, loaded: Load) -> None:
    assert set(loaded.statuses) <= {"200", "201", "503"}, (loaded.statuses, served.server.log_tail(40))
    assert not loaded.unexpected, loaded.unexpected[:5]
    for retry_after, content_type, body in loaded.unavailable_bodies:
        assert retry_after.isdigit() and int(retry_after) >= 1
        assert content_type.startswith("application/problem+json")
        assert body["status"] == 503 and body["retry_after"] == int(retry_after)
        assert str(body["type"]).endswith("/unavailable")
        assert "Idempotency-Key" in str(body["detail"])


def test_every_request_landed_exactly_once_and_every_201_is_there(served: Served, loaded: Load) -> None:
    assert len(loaded.acknowledged) == BUYERS, "some buyer's retries never succeeded"
    engine = create_engine(served.database)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id, idempotency_key FROM cases WHERE order_id IS NOT NULL")).all()
        opened = {case_id for (case_id,) in connection.execute(
            text("SELECT case_id FROM timeline_events WHERE kind = 'opened'"))}
    engine.dispose()
    in_db = {r.id for r in rows}
    assert set(loaded.acknowledged.values()) <= in_db, "a case answered 201 is missing after the restarts"
    per_key = Counter(r.idempotency_key for r in rows)
    assert len(rows) == BUYERS and max(per_key.values()) == 1, "a retried request landed twice"
    assert in_db <= opened, "a case was written without its timeline"


def test_the_worker_backs_off_while_the_database_is_away_and_carries_on(served: Served, loaded: Load) -> None:
    deadline = time.monotonic() + 60
    log = ""
    while time.monotonic() < deadline:  # the worker's next round after its back-off; not a timing assertion
        log = served.worker_log.read_text(errors="replace")
        recovered = log.rfind("database reachable again") > log.rfind("database unavailable") >= 0
        if recovered or served.worker.poll() is not None:
            break
        time.sleep(0.5)
    assert served.worker.poll() is None, f"the worker died:\n{log[-3000:]}"
    # on a loaded machine a short outage can fall entirely inside one of the worker's rounds (sending a burst
    # of notifications), which it then never sees; what it saw, it must have come back from
    assert log.rfind("database reachable again") > log.rfind("database unavailable") >= 0, log[-3000:]
    assert "database unavailable" in log
    assert "Traceback" not in log, log[-3000:]
