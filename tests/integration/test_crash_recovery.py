"""Nothing lost (issue 2, item 9): SIGKILL the real server mid-load, restart it on the same SQLite file.

Every case answered 201 must be there whole; a retry with the same Idempotency-Key must return that case;
a request that never got an answer, retried, must land exactly once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from rich.console import Console
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from aftersales.bench.intake import Server, intake_env, intake_requests, retarget, seed_world
from aftersales.bench.loadgen import NO_ANSWER, Answer, run_blocking
from aftersales.bench.world import BenchBuyer, case_payload
from aftersales.cases.models import Case, CaseMessage, TimelineEvent
from aftersales.sla.models import SlaClock

pytestmark = pytest.mark.slow

REQUESTS = 300
CONCURRENCY = 16
KILL_AFTER_201S = 100


def _replayed(answer: Answer) -> bool:
    return b"\r\nidempotent-replayed: true\r\n" in answer.head.lower()


def _case_id(answer: Answer) -> str:
    case_id: str = orjson.loads(answer.body)["id"]
    return case_id


Crashed = tuple[Path, list[BenchBuyer], list[bytes], list[Answer], Server]


@pytest.fixture(scope="module")
def crashed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crashed]:
    """Load the server, SIGKILL it once 100 cases were acknowledged, restart it on the same database."""
    tmp_path = tmp_path_factory.mktemp("crash")
    buyers = seed_world(tmp_path, REQUESTS, Console(quiet=True))
    first = Server("aftersales.serving:app_from_env", intake_env(tmp_path), tmp_path / "first.log").start()
    requests = intake_requests(buyers, first.port)
    created = 0

    def kill_mid_load(answer: Answer) -> None:
        nonlocal created
        created += answer.status == 201
        if created == KILL_AFTER_201S:
            first.kill()

    try:
        load = run_blocking("127.0.0.1", first.port, requests, concurrency=CONCURRENCY, duration_cap_s=60,
                            timeout_s=15, on_answer=kill_mid_load)
    finally:
        first.kill()
    second = Server("aftersales.serving:app_from_env", intake_env(tmp_path), tmp_path / "second.log").start()
    try:
        yield tmp_path, buyers, retarget(requests, first.port, second.port), sorted(load.answers,
                                                                                    key=lambda a: a.index), second
    finally:
        second.stop()


def test_the_kill_really_cut_the_load_short(crashed: Crashed) -> None:
    data_dir, _, _, answers, _ = crashed
    statuses = Counter(a.status for a in answers)
    log = (data_dir / "first.log").read_text(encoding="utf-8", errors="replace")[-3000:]
    assert set(statuses) <= {201, NO_ANSWER}, f"{statuses}; server log ends with:\n{log}"
    assert statuses[201] >= KILL_AFTER_201S
    assert statuses[NO_ANSWER] > 0, "the server died after every request was answered: nothing was tested"


def test_every_acknowledged_case_survives_whole(crashed: Crashed) -> None:
    data_dir, buyers, _, answers, server = crashed
    acknowledged = {_case_id(a): a.index for a in answers if a.status == 201}
    engine = create_engine(intake_env(data_dir)["AFTERSALES_DATABASE_URL"])
    with Session(engine) as session:
        cases = {c.id: c for c in session.scalars(select(Case).where(Case.id.in_(acknowledged)))}
        kinds: dict[str, set[str]] = {}
        for case_id, kind in session.execute(select(TimelineEvent.case_id, TimelineEvent.kind)
                                             .where(TimelineEvent.case_id.in_(acknowledged))):
            kinds.setdefault(case_id, set()).add(kind)
        clocks = dict(session.execute(select(SlaClock.case_id, func.count()).where(
            SlaClock.case_id.in_(acknowledged)).group_by(SlaClock.case_id)).all())
        messages: dict[str, dict[str, str]] = {}
        for case_id, role, body in session.execute(select(CaseMessage.case_id, CaseMessage.author_role,
                                                          CaseMessage.body)
                                                   .where(CaseMessage.case_id.in_(acknowledged))):
            messages.setdefault(case_id, {})[role] = body
    engine.dispose()
    assert set(cases) == set(acknowledged), "cases answered 201 are missing after the crash"
    for case_id, index in acknowledged.items():
        buyer = buyers[index]
        assert cases[case_id].order_id == buyer.order_id
        assert {"opened", "triage", "ai_answer"} <= kinds.get(case_id, set()), case_id
        assert clocks.get(case_id, 0) >= 1, f"{case_id} lost its SLA clocks"
        assert messages[case_id].get("buyer") == case_payload(buyer, index)["text"]
        assert messages[case_id].get("ai"), f"{case_id} lost the AI answer"
    # and the buyer sees it through the API of the restarted server
    sample = list(acknowledged.items())[:20]
    with httpx.Client(base_url=f"http://127.0.0.1:{server.port}", timeout=10) as client:
        for case_id, index in sample:
            answer = client.get(f"/api/v1/cases/{case_id}",
                                headers={"Authorization": f"Bearer {buyers[index].token}"})
            assert answer.status_code == 200, answer.text
            assert answer.json()["order_id"] == buyers[index].order_id


def test_retries_return_the_same_case_and_unanswered_ones_land_once(crashed: Crashed) -> None:
    data_dir, _, requests, answers, server = crashed
    acknowledged = {a.index: _case_id(a) for a in answers if a.status == 201}
    unanswered = [i for i in range(len(requests)) if i not in acknowledged]

    replay = run_blocking("127.0.0.1", server.port, [requests[i] for i in acknowledged], concurrency=CONCURRENCY,
                          duration_cap_s=30)
    indices = list(acknowledged)
    for answer in replay.answers:
        assert answer.status == 200 and _replayed(answer), answer.head
        assert _case_id(answer) == acknowledged[indices[answer.index]]

    retried = run_blocking("127.0.0.1", server.port, [requests[i] for i in unanswered], concurrency=CONCURRENCY,
                           duration_cap_s=30)
    assert sorted(a.status for a in retried.answers if a.status not in (200, 201)) == []
    again = run_blocking("127.0.0.1", server.port, [requests[i] for i in unanswered], concurrency=CONCURRENCY,
                         duration_cap_s=30)
    first_ids = {unanswered[a.index]: _case_id(a) for a in retried.answers}
    assert all(a.status == 200 and _replayed(a) and _case_id(a) == first_ids[unanswered[a.index]]
               for a in again.answers)

    engine = create_engine(intake_env(data_dir)["AFTERSALES_DATABASE_URL"])
    with engine.connect() as connection:
        # group cases the risk monitor opens (on its own clock, any time during the test) are no buyer's request:
        # they name no order and carry no key
        per_key = Counter(k for (k,) in connection.execute(select(Case.idempotency_key)
                                                           .where(Case.order_id.is_not(None))))
    engine.dispose()
    assert len(per_key) == len(requests), "some request never landed, even after its retry"
    assert max(per_key.values()) == 1, "a retried request landed twice"
