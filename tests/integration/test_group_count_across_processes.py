"""On PostgreSQL two intake batches of one group (say, two API processes) count each other's similar cases:
the second waits until the first commits, then sees it, so the fifth similar case is still the fifth."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from aftersales.cases.intake import commit_batch, open_cases, prepare
from aftersales.cases.schemas import CaseCreate
from aftersales.orders import service as order_service
from aftersales.runtime import Runtime
from aftersales.vocabulary import CaseType
from tests.factories import World, order_payload

TEXTS = ["涂了嘴巴红肿", "用完嘴唇起疹子好痒", "嘴唇过敏肿了", "一涂就刺痛发红", "嘴巴起了很多小红点", "嘴唇又痒又肿"]


@pytest.mark.postgres
def test_a_concurrent_batch_of_the_same_group_waits_and_counts_the_first(runtime: Runtime, world: World,
                                                                         database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("concurrent writers are a PostgreSQL matter; SQLite has one writer")
    with runtime.session() as session:
        order_service.upsert_orders(session, [order_payload(f"O-G{i}", "B-1", "PR-LIP1", world.now,
                                                            live_session_id="LS-1", batch_id="BA-LIP1-01")
                                              for i in range(6)], runtime.pii_key, world.now)
        session.commit()

    def request(i: int) -> Any:
        return prepare(CaseCreate(order_id=f"O-G{i}", case_type=CaseType.ALLERGY_CLAIM, text=TEXTS[i]),
                       buyer_id="B-1", idempotency_key=None, actor_role="buyer")

    first = runtime.session()
    first_outcomes = commit_batch(first, [request(i) for i in range(3)], runtime.clock.now(), runtime.calendar)
    second: list[Any] = []
    worker = threading.Thread(target=lambda: second.extend(open_cases(
        runtime.session_factory, [request(i) for i in range(3, 6)], runtime.clock.now(), runtime.calendar)))
    worker.start()
    worker.join(timeout=1.0)
    assert worker.is_alive(), "the second batch waits for the first batch's group lock"
    first.commit()
    first.close()
    worker.join(timeout=30)
    assert [o.case.tier for o in first_outcomes] == ["L2", "L2", "L2"]
    assert [o.case.tier for o in second] == ["L2", "L3", "L3"], "the 5th and 6th similar cases are a group"
