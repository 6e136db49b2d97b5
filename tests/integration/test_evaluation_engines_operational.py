"""The operational database as an evaluation source: the ORM rows of one anchor, read through operational.py.

SQLite is read into Arrow and evaluated by DuckDB; PostgreSQL (when the server is up) is queried directly.
Expected values are worked out by hand from the rows below.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from aftersales.evaluation.indicators import IndicatorResult, compute_indicators
from aftersales.evaluation.sources import open_source
from aftersales.migrate import upgrade
from tests.conftest import throwaway_postgres

PG_ADMIN_URL = os.environ.get("AFTERSALES_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=UTC)


def _fill(url: str) -> None:
    from aftersales.cases.models import Case, CaseMessage, CompensationOffer
    from aftersales.catalog.models import Category, Product
    from aftersales.liability.models import Handoff, ResponsibilityList
    from aftersales.live.models import LiveClaim, LiveSession
    from aftersales.orders.models import Order, OrderItem
    from aftersales.parties.models import Buyer, Party
    from aftersales.surveys.models import CallbackTask, Survey

    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    t0 = at(1, 0)
    with Session(engine) as s:
        s.add_all([Party(id=i, kind=k, name=n, parent_id=p, created_at=datetime(2026, 3, 1, tzinfo=UTC))
                   for i, k, n, p in (("M1", "mcn", "机构", None), ("A1", "anchor", "主播", "M1"),
                                      ("B1", "brand", "品牌", None), ("S1", "shop", "店铺", None))])
        s.add(Buyer(id="U1", name_enc="x", phone_enc="x", address_enc="x", created_at=t0))
        s.add(Category(code="cosmetics", name_zh="美妆", name_en="Cosmetics"))
        s.flush()
        s.add(Product(id="P1", name="面霜", brand_id="B1", shop_id="S1", category_code="cosmetics",
                      tags=["敏感肌"], price=Decimal("99"), created_at=t0))
        s.add(LiveSession(id="L1", anchor_id="A1", title="直播", started_at=at(10, 1), ended_at=at(10, 4),
                          root_hash="ab" * 32))
        s.flush()
        s.add(ResponsibilityList(product_id="P1", version=1, body={}, hash="cd" * 32, published_at=t0))
        s.add_all([LiveClaim(session_id="L1", seq=1, text="过敏包退", offset_ms=1, product_ids=["P1"],
                             recorded_at=at(10, 2), prev_hash="0" * 64, hash="1" * 64),
                   LiveClaim(session_id="L1", seq=2, text="好用", offset_ms=2, product_ids=[],
                             recorded_at=at(10, 3), prev_hash="1" * 64, hash="2" * 64)])
        s.add_all([Order(id=o, buyer_id="U1", shop_id="S1", brand_id="B1", anchor_id="A1",
                         live_session_id=live, amount=Decimal(a), placed_at=at(10, 2), created_at=at(10, 2))
                   for o, live, a in (("O1", "L1", "100"), ("O2", None, "50"))])
        s.flush()
        s.add_all([OrderItem(order_id=o, line_no=1, product_id="P1", quantity=1, unit_price=Decimal(a),
                             paid_amount=Decimal(a)) for o, a in (("O1", "100"), ("O2", "50"))])
        s.flush()
        common = {"buyer_id": "U1", "state": "closed", "text": "…", "updated_at": at(20, 0)}
        s.add(Case(id="K1", order_id="O1", case_type="refund_only", tier="L1", category="refund",
                   confirmed_category="refund", ai_resolved=True, handoff_count=0, emotion="calm",
                   created_at=at(12, 2), first_response_at=at(12, 2, 5), resolved_at=at(13, 2),
                   refunded_at=at(13, 4), **common))
        s.add(Case(id="K2", order_id="O2", case_type="allergy", tier="L2", category="allergy",
                   handoff_count=3, emotion="angry", attachments=["report.jpg"], created_at=at(14, 2),
                   first_response_at=at(14, 2, 1), human_response_at=at(14, 2, 30), resolved_at=at(16, 2),
                   refunded_at=at(16, 3), arbitration_at=at(17, 2), decided_at=at(20, 2), **common))
        s.flush()
        s.add(Handoff(case_id="K2", to_party_id="B1", to_kind="brand", loop=True, actor_role="agent",
                      at=at(14, 3)))
        s.add_all([CompensationOffer(case_id="K2", kind=k, offered_at=at(15, 0), accepted=True)
                   for k in ("coupon", "medical")])
        s.add(CaseMessage(case_id="K2", author_role="agent", body="您好", created_at=at(14, 2, 30),
                          sentiment="neutral", quality_checked=True, quality_flags=["no_next_step"]))
        s.add(CaseMessage(case_id="K2", author_role="agent", body="非常抱歉，已为您安排退款", created_at=at(14, 3),
                          sentiment="empathetic", quality_checked=True))
        s.add(CaseMessage(case_id="K2", author_role="buyer", body="好的", created_at=at(14, 4)))
        s.add_all([Survey(case_id="K1", buyer_id="U1", sent_at=at(13, 3), answered_at=at(13, 5), csat=5, nps=10),
                   Survey(case_id="K2", buyer_id="U1", sent_at=at(16, 3), answered_at=at(16, 5), csat=2, nps=3)])
        s.flush()
        survey_id = s.query(Survey.id).filter(Survey.case_id == "K2").scalar()
        s.add(CallbackTask(case_id="K2", survey_id=survey_id, reason="低分", state="done", created_at=at(16, 6),
                           due_at=at(17, 6), done_at=at(17, 0), satisfaction=5))
        s.commit()
    engine.dispose()


def _values(result: IndicatorResult) -> dict[str, tuple[float, int]]:
    rows = result.values[result.values.subject_id == "A1"]
    return {r.indicator: (r.value, r.n) for r in rows.itertuples()}


def _check(result: IndicatorResult) -> None:
    got = _values(result)
    expected = {
        "R1": (1.0, 2), "E2": (2.0, 1),  # K2: Wed 14 → Fri 16 October = Thu + Fri
        "E3": ((0 + 3) / 2, 2), "E4": (1 / 2, 2),  # K2 refunded after 49 h
        "E5": (1.0, 1), "S1": ((1 - 1) / 2 * 100, 2), "S2": ((5 + 2) / 2, 2), "S5": (1 / 2, 2),
        "C1": (1.0, 1), "C2": (3.0, 1), "C3": (1 / 2, 2), "C4": (1 / 2, 2), "C5": (1 / 2, 2),
        "T2": (1.0, 1), "T4": (1.0, 1), "M2": (1.0, 1), "M3": (1.0, 1), "M4": (0.0, 1),
    }
    for ind, (value, n) in expected.items():
        assert got[ind][1] == n, ind
        assert got[ind][0] == pytest.approx(value), ind
    # K2's two agent replies: one neutral, one empathetic; its conversation was quality-checked; K1 had none
    assert got["M1"][0] == pytest.approx(1 / 2)
    assert got["T3"] == (pytest.approx(1.0), 1)
    subjects = result.subjects.set_index("subject_id")
    assert subjects.loc["A1", "gmv"] == pytest.approx(150.0)
    assert subjects.loc["A1", "sensitive_skin_gmv_share"] == pytest.approx(1.0)


def test_embedded_sqlite_database(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'op.db'}"
    upgrade(url)
    _fill(url)
    source = open_source("db", database_url=url)
    assert source.kind == "sqlite"
    _check(compute_indicators(source, "anchor", "2026-10"))
    mcn = compute_indicators(source, "mcn", "2026-10").values
    assert mcn[(mcn.subject_id == "M1") & (mcn.indicator == "R1")].n.iloc[0] == 2


@pytest.fixture
def postgres_url() -> Iterator[str]:
    with throwaway_postgres("aftersales_evalop") as url:
        yield url


@pytest.mark.postgres
def test_postgresql_database_directly(postgres_url: str) -> None:
    upgrade(postgres_url)
    _fill(postgres_url)
    source = open_source("db", database_url=postgres_url)
    assert source.kind == "postgres"
    _check(compute_indicators(source, "anchor", "2026-10"))
