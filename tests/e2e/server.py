"""A real console server for the browser tests: a demo database, one account per role, uvicorn on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlalchemy import func, select

from aftersales.cases.models import Case
from aftersales.config import Settings
from aftersales.console.queries import reports
from aftersales.demo.generator import generate
from aftersales.migrate import upgrade
from aftersales.orders.models import Order
from aftersales.parties.models import Party
from aftersales.runtime import build_runtime
from aftersales.security.accounts import create_account
from aftersales.security.pii import encrypt

ORDERS = 400
PASSWORD = "e2e-Passw0rd!"
#: the subject types whose index a page shows: the governance dashboard and subject pages, the portal's index pages
INDEXED_TYPES = ("anchor", "brand", "mcn")
ROLES = ("buyer", "agent", "supervisor", "brand", "anchor", "mcn", "platform_admin", "emergency", "carrier")


@dataclass
class ConsoleServer:
    base_url: str
    database_url: str
    accounts: dict[str, str] = field(default_factory=dict)  # role → username
    parties: dict[str, str] = field(default_factory=dict)  # role → buyer or party id
    process: subprocess.Popen[bytes] | None = None

    def url(self, path: str) -> str:
        return self.base_url + path


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _busiest(session: object, kind: str) -> str:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    found = session.scalar(select(Case.responsible_party_id).where(Case.responsible_kind == kind)
                           .group_by(Case.responsible_party_id)
                           .order_by(func.count().desc(), Case.responsible_party_id).limit(1))
    assert found, f"the demo data has no case routed to a {kind}"
    return found


def _seed(settings: Settings) -> dict[str, str]:
    upgrade(settings.resolved_database_url())
    runtime = build_runtime(settings)
    with runtime.session() as session:
        generate(session, orders=ORDERS, seed=11, now=runtime.clock.now(),
                 encrypt=lambda text: encrypt(text, runtime.pii_key))
        session.commit()
        # a buyer with a case and the most live orders: the buyer pages show a case, the journey claims another
        # live order that has none yet
        buyer = session.scalar(select(Order.buyer_id).where(Order.anchor_id.is_not(None),
                                                            Order.buyer_id.in_(select(Case.buyer_id)))
                               .group_by(Order.buyer_id).order_by(func.count().desc(), Order.buyer_id).limit(1))
        anchor = _busiest(session, "anchor")
        agents = list(session.scalars(select(Party.id).where(Party.kind == "agent").order_by(Party.id).limit(2)))
        parties = {"buyer": buyer or "", "agent": agents[0], "supervisor": agents[1],
                   "brand": _busiest(session, "brand"), "anchor": anchor,
                   "mcn": session.scalar(select(Party.parent_id).where(Party.id == anchor)) or "",
                   "platform_admin": "", "emergency": "", "carrier": _busiest(session, "carrier")}
        for role in ROLES:
            create_account(session, role=role, username=f"e2e-{role.replace('_', '-')}", password=PASSWORD,
                           party=parties[role] or None, now=runtime.clock.now(), display_name=f"测试{role}")
        session.commit()
    # as `aftersales worker` would in a deployment, the health index the pages read is computed ahead of them (a
    # cold evaluation on the first page visit took > 30 s on a loaded CI machine); only the last closed month of
    # the three subject types a page shows: the worker's other seven snapshots (shop, platform, the quarter) were
    # two thirds of this server's start-up and no page reads them
    for subject_type in INDEXED_TYPES:
        reports.report(runtime, subject_type, reports.default_period(runtime.clock.now()), worker="e2e-seed")
    runtime.close()
    return parties


def _wait_ready(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"console server exited: {log.read_text(errors='replace')[-3000:]}")
        try:
            if httpx.get(url + "/healthz", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("console server did not start within 60 s")


@contextmanager
def running_server(folder: Path) -> Iterator[ConsoleServer]:
    settings = Settings(environment="test", data_dir=folder / "data",
                        database_url=f"sqlite:///{(folder / 'console.db').as_posix()}")
    parties = _seed(settings)
    port = _free_port()
    env = {**os.environ, "AFTERSALES_DATA_DIR": str(settings.data_dir),
           "AFTERSALES_DATABASE_URL": settings.resolved_database_url(), "AFTERSALES_ENVIRONMENT": "test"}
    log = folder / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "aftersales.serving:app_from_env", "--factory", "--host", "127.0.0.1",
             "--port", str(port), "--log-level", "warning", "--no-server-header"], env=env, stdout=out, stderr=subprocess.STDOUT)
    server = ConsoleServer(f"http://127.0.0.1:{port}", settings.resolved_database_url(),
                           {role: f"e2e-{role.replace('_', '-')}" for role in ROLES}, parties, process)
    try:
        _wait_ready(server.base_url, process, log)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
