"""Health-index snapshots: computed once per closed period, read by the API, recomputed only on request."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from aftersales.app import create_app
from aftersales.cases.models import Case
from aftersales.demo.generator import generate
from aftersales.evaluation import snapshots
from aftersales.evaluation.models import EvaluationSnapshot
from aftersales.orders.models import Order
from aftersales.runtime import Runtime
from aftersales.security.tokens import create_token

URL = "/api/v1/evaluation"
PERIOD = {"period": "2026-10"}


@pytest.fixture
def demo(runtime: Runtime) -> Iterator[tuple[TestClient, Runtime]]:
    generate(runtime.engine, orders=1_500, seed=5, now=runtime.clock.now(), months=3, pii_key=runtime.pii_key)
    with TestClient(create_app(runtime, background=False)) as client:
        yield client, runtime


def _token(runtime: Runtime, role: str, party_id: str | None = None) -> dict[str, str]:
    with runtime.session() as session:
        token = create_token(session, role=role, party_id=party_id, now=runtime.clock.now()).token
        session.commit()
    return {"Authorization": f"Bearer {token}"}


def _rows(runtime: Runtime) -> list[tuple[str, str, str, int]]:
    with runtime.session() as session:
        return [tuple(r) for r in session.execute(select(
            EvaluationSnapshot.subject_type, EvaluationSnapshot.period, EvaluationSnapshot.status,
            EvaluationSnapshot.version)).all()]


def test_the_first_read_stores_a_snapshot_that_later_reads_reuse(demo: tuple[TestClient, Runtime]) -> None:
    client, runtime = demo
    admin = _token(runtime, "platform_admin")
    first = client.get(f"{URL}/ranking/anchor", params=PERIOD, headers=admin).json()
    assert _rows(runtime) == [("anchor", "2026-10", "ready", 1)]
    again = client.get(f"{URL}/ranking/anchor", params=PERIOD, headers=admin).json()
    assert again["snapshot"] == first["snapshot"] and again["leaderboard"] == first["leaderboard"]
    assert first["method"]["min_sample"]["rate"] == 30


def test_recomputation_is_a_supervisor_action(demo: tuple[TestClient, Runtime]) -> None:
    client, runtime = demo
    client.get(f"{URL}/ranking/anchor", params=PERIOD, headers=_token(runtime, "supervisor"))
    anchor = client.get(f"{URL}/ranking/anchor", params=PERIOD,
                        headers=_token(runtime, "platform_admin")).json()["leaderboard"][0]["subject_id"]
    denied = client.post(f"{URL}/snapshots/anchor", params=PERIOD, headers=_token(runtime, "anchor", anchor))
    assert denied.status_code == 403
    done = client.post(f"{URL}/snapshots/anchor", params=PERIOD, headers=_token(runtime, "supervisor"))
    assert done.status_code == 200, done.text
    assert done.json()["snapshot"]["version"] == 2
    assert _rows(runtime) == [("anchor", "2026-10", "ready", 2)]


def test_an_open_period_is_refused(demo: tuple[TestClient, Runtime]) -> None:
    client, runtime = demo   # the frozen clock stands in November 2026
    r = client.get(f"{URL}/ranking/anchor", params={"period": "2026-11"}, headers=_token(runtime, "supervisor"))
    assert r.status_code == 422
    assert _rows(runtime) == []


def test_dashboard_reads_dimensions_trend_and_the_cases_behind_an_indicator(
        demo: tuple[TestClient, Runtime]) -> None:
    client, runtime = demo
    admin = _token(runtime, "platform_admin")
    board = client.get(f"{URL}/ranking/anchor", params=PERIOD, headers=admin).json()["leaderboard"]
    sid = next(r["subject_id"] for r in board if r["index"] is not None)
    dims = client.get(f"{URL}/anchor/{sid}/dimensions", params=PERIOD, headers=admin).json()
    assert [d["id"] for d in dims["dimensions"]] == ["response", "resolution", "satisfaction", "responsibility",
                                                      "technology", "empathy"]
    trend = client.get(f"{URL}/anchor/{sid}/trend", params=PERIOD, headers=admin).json()
    assert trend["trend"][-1]["period"] == "2026-10" and "points" in trend["forecast"]
    measured = [client.get(f"{URL}/anchor/{r['subject_id']}/indicators/R1", params=PERIOD, headers=admin).json()
                for r in board]
    r1 = next(m for m in measured if m["n"] > 0)
    sid = r1["subject_id"]
    ids = r1["drilldown"]["ids"]
    assert r1["drilldown"]["rows"] == r1["n"] > 0 and ids
    with runtime.session() as session:
        owners = set(session.scalars(select(Order.anchor_id).join(Case, Case.order_id == Order.id)
                                     .where(Case.id.in_(ids))).all())
        assert session.scalar(select(func.count()).select_from(Case).where(Case.id.in_(ids))) == len(ids)
    assert owners == {sid}
    other = next(r["subject_id"] for r in board if r["subject_id"] != sid)
    own = _token(runtime, "anchor", other)
    assert client.get(f"{URL}/anchor/{sid}/indicators/R1", params=PERIOD, headers=own).status_code == 404


def test_workers_compute_each_closed_period_once(runtime: Runtime) -> None:
    calls: list[tuple[str, str]] = []
    gate = threading.Event()

    def build(subject_type: str, period: str) -> dict[str, Any]:
        calls.append((subject_type, period))
        gate.wait(5)
        return {"subject_type": subject_type, "period": period, "subjects": [], "leaderboard": []}

    now = datetime(2026, 11, 11, tzinfo=UTC)
    results: list[dict[tuple[str, str], str]] = []
    workers = [threading.Thread(target=lambda w=w: results.append(snapshots.ensure_closed(
        runtime.session_factory, now, build=build, worker=f"w{w}", subject_types=("anchor",))))
        for w in range(2)]
    for t in workers:
        t.start()
    gate.set()
    for t in workers:
        t.join()
    assert sorted(calls) == [("anchor", "2026-10"), ("anchor", "2026-Q3")]
    assert snapshots.ensure_closed(runtime.session_factory, now, build=build, worker="w3",
                                   subject_types=("anchor",)) == {("anchor", "2026-10"): "skipped",
                                                                  ("anchor", "2026-Q3"): "skipped"}
