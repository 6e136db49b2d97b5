"""`aftersales worker` processes on PostgreSQL share one backlog: every due clock handled once, none missed."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from aftersales.cases.intake import open_cases, prepare
from aftersales.cases.models import TimelineEvent
from aftersales.cases.schemas import CaseCreate
from aftersales.clock import FrozenClock
from aftersales.orders import service as order_service
from aftersales.runtime import Runtime
from aftersales.sla.models import SlaBreach, SlaClock
from aftersales.vocabulary import CaseType
from tests.factories import World, order_payload

TEXTS = ["用了这个口红嘴唇红肿刺痛，要求退款", "涂完过敏了，起疹子", "嘴巴肿了还很痒，怎么处理"]


@pytest.mark.postgres
def test_two_workers_share_a_backlog_without_doubles(runtime: Runtime, world: World, database_url: str,
                                                     clock: FrozenClock) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("FOR UPDATE SKIP LOCKED sharing is a PostgreSQL feature; SQLite runs one in-process sweeper")
    clock.current = datetime.now(UTC) - timedelta(hours=3)  # the workers use the real clock: all these are due
    with runtime.session() as session:  # one order a case: a second open case on one line is refused
        report = order_service.upsert_orders(session, [
            order_payload(f"O-W{i}", "B-1", "PR-LIP1", world.now, live_session_id="LS-1") for i in range(240)],
            runtime.pii_key, world.now)
        assert not report.errors, report.errors
        session.commit()
    requests = [prepare(CaseCreate(order_id=f"O-W{i}", case_type=CaseType.ALLERGY_CLAIM, text=TEXTS[i % 3]),
                        buyer_id="B-1", idempotency_key=f"k{i}", actor_role="buyer") for i in range(240)]
    for start in range(0, len(requests), 60):
        open_cases(runtime.session_factory, requests[start:start + 60], clock.now(), runtime.calendar)
    with runtime.session() as session:
        due = session.scalar(select(func.count()).select_from(SlaClock).where(
            SlaClock.due_at <= datetime.now(UTC), SlaClock.stopped_at.is_(None), SlaClock.paused_at.is_(None)))
    assert due and due >= 120, due
    env = {**os.environ, "AFTERSALES_DATABASE_URL": database_url,
           "AFTERSALES_DATA_DIR": str(runtime.settings.data_dir)}
    workers = [subprocess.Popen([sys.executable, "-m", "aftersales.cli", "worker", "--once", "--name", f"w{n}"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
               for n in (1, 2)]
    outputs = [w.communicate(timeout=120)[0] for w in workers]
    assert all(w.returncode == 0 for w in workers), outputs
    with runtime.session() as session:
        breaches = session.execute(select(SlaBreach.clock_id, SlaBreach.worker)).all()
        escalations = session.scalar(select(func.count()).select_from(TimelineEvent)
                                     .where(TimelineEvent.kind == "escalation"))
        still_due = session.scalar(select(func.count()).select_from(SlaClock).where(
            SlaClock.due_at <= clock.now(), SlaClock.breached_at.is_(None), SlaClock.stopped_at.is_(None),
            SlaClock.paused_at.is_(None)))
    clock_ids = [b.clock_id for b in breaches]
    assert len(clock_ids) == len(set(clock_ids)), "no clock handled twice"
    assert len(clock_ids) == due, "none missed"
    assert escalations == len(clock_ids)
    assert still_due == 0
    assert {b.worker for b in breaches} <= {"w1", "w2"}
