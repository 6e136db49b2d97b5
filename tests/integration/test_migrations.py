"""Migrations: the schema they build is the models' schema, they carry existing data forward, and a fresh
database can escalate from the start (the default SLA matrix is seeded)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from aftersales.migrate import upgrade
from aftersales.models_registry import load_all_models
from tests.conftest import throwaway_postgres

LEGACY = [
    "INSERT INTO parties (id, kind, name, parent_id, attributes, created_at) VALUES "
    "('S', 'shop', '店铺', NULL, '{}', '2026-01-01'), ('B', 'brand', '品牌', NULL, '{}', '2026-01-01')",
    "INSERT INTO categories (code, name_zh, name_en, parent_code) VALUES ('lipstick', '口红', 'Lipstick', NULL)",
    "INSERT INTO products (id, name, brand_id, shop_id, supplier_id, category_code, tags, price, created_at) "
    "VALUES ('P', '口红', 'B', 'S', NULL, 'lipstick', '[]', 10, '2026-01-01')",
    "INSERT INTO buyers (id, display_name, phone_enc, address_enc, region, created_at) "
    "VALUES ('U', '买家', 'x', 'y', '', '2026-01-01')",
    "INSERT INTO orders (id, buyer_id, product_id, batch_id, shop_id, brand_id, anchor_id, live_session_id, "
    "quantity, amount, region, placed_at, presale, shipping_insurance, created_at) VALUES "
    "('O', 'U', 'P', NULL, 'S', 'B', NULL, NULL, 3, 29.99, '', '2026-01-01', false, false, '2026-01-01')",
    "INSERT INTO cases (id, order_id, buyer_id, case_type, state, tier, priority, version, text, attachments, "
    "category, categories, emotion, confidence, risk_flags, symptoms, triage_model, answer_zh, answer_en, "
    "senior_required, ai_resolved, decision, handoff_count, created_at, updated_at, emotion_intensity) VALUES "
    "('C', 'O', 'U', 'refund_only', 'answered', 'L1', 3, 1, '坏了', '[]', 'quality_defect', '{}', 'calm', 0.9, "
    "'[]', '[]', 'm', '答', 'a', false, false, '{}', 0, '2026-01-02', '2026-01-02', 0)",
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    with throwaway_postgres("aftersales_migrate") as url:
        yield url


def _engine(url: str) -> Engine:
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://"))


def test_the_migrated_schema_is_the_models_schema(empty_url: str) -> None:
    upgrade(empty_url)
    engine = _engine(empty_url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), load_all_models().metadata)
    engine.dispose()
    assert diff == []


def test_orders_become_lines_and_cases_name_them_when_upgrading(empty_url: str) -> None:
    upgrade(empty_url, "0103_triage_fields")
    engine = _engine(empty_url)
    with engine.begin() as connection:
        for statement in LEGACY:
            connection.execute(text(statement))
    upgrade(empty_url)
    with engine.connect() as connection:
        lines = connection.execute(text(
            "SELECT order_id, line_no, product_id, quantity, unit_price, paid_amount FROM order_items")).all()
        named = connection.execute(text("SELECT case_id, quantity, paid_amount FROM case_items")).all()
        claimed = connection.execute(text("SELECT claimed_amount FROM cases")).scalar_one()
        policies = connection.execute(text("SELECT COUNT(*) FROM sla_policies")).scalar_one()
    engine.dispose()
    assert [(o, n, p, q, float(u), float(a)) for o, n, p, q, u, a in lines] == [("O", 1, "P", 3, 10.0, 29.99)]
    assert [(c, q, float(a)) for c, q, a in named] == [("C", 3, 29.99)]
    assert float(claimed) == 29.99
    assert policies == 9


def test_an_edited_matrix_is_never_reseeded(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'edited.db'}"
    upgrade(url, "0002_line_items")
    engine = _engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO sla_policies (tier, first_response_minutes, resolution_minutes, business_hours, "
            "updated_at) VALUES ('L1', 5, 60, false, '2026-01-01')"))
    upgrade(url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT COUNT(*) FROM sla_policies")).scalar_one() == 1
    engine.dispose()
