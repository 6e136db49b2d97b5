"""Migrations: the schema they build is the models' schema, they carry existing data forward, and a fresh
database can escalate from the start (the default SLA matrix is seeded)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import Engine

from aftersales.keyring import Keyring
from aftersales.migrate import alembic_config, downgrade, upgrade
from aftersales.models_registry import load_all_models
from tests.conftest import throwaway_postgres

#: the revision that encrypts buyers' names, and the one before it (wherever the chain puts it)
NAMES = "0109_pii_names"
BEFORE_NAMES = ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(NAMES).down_revision

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
    upgrade(empty_url, pii_keys=Keyring([Fernet.generate_key()]))
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


def _names_before_encryption(url: str) -> Engine:
    upgrade(url, str(BEFORE_NAMES))
    engine = _engine(url)
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO buyers (id, display_name, phone_enc, address_enc, region, created_at) VALUES "
            "('U1', '王小美', 'p1', 'a1', '浙江', '2026-01-01'), ('U2', '欧阳小明', 'p2', 'a2', '', '2026-01-01'), "
            "('U3', '', 'p3', 'a3', '', '2026-01-01')"))
        connection.execute(text(
            "INSERT INTO audit_log (at, token_id, role, action, subject_type, subject_id, detail) VALUES "
            "('2026-01-02', 7, 'agent', 'pii.read', 'buyer', 'U1', '{\"fields\": [\"phone\"]}')"))
    return engine


def test_existing_names_are_encrypted_and_nothing_else_changes(empty_url: str) -> None:
    engine = _names_before_encryption(empty_url)
    keys = Keyring([Fernet.generate_key()])
    upgrade(empty_url, pii_keys=keys)
    with engine.connect() as connection:
        buyers = connection.execute(text(
            "SELECT id, name_enc, phone_enc, address_enc, region, erased_at FROM buyers ORDER BY id")).all()
        audit = connection.execute(text("SELECT token_id, subject_id, actor, purpose, route, account_id "
                                        "FROM audit_log")).one()
    columns = {c["name"] for c in inspect(engine).get_columns("buyers")}
    engine.dispose()
    assert "display_name" not in columns
    assert [keys.decrypt(name_enc) for _, name_enc, *_ in buyers] == ["王小美", "欧阳小明", ""]
    assert all("王" not in name_enc for _, name_enc, *_ in buyers)
    assert [(b, p, a, r, e) for b, _, p, a, r, e in buyers] == [
        ("U1", "p1", "a1", "浙江", None), ("U2", "p2", "a2", "", None), ("U3", "p3", "a3", "", None)]
    assert tuple(audit) == (7, "U1", "", "", "", None)


def test_downgrading_decrypts_the_names_again(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'down.db'}"
    engine = _names_before_encryption(url)
    keys = Keyring([Fernet.generate_key()])
    upgrade(url, pii_keys=keys)
    downgrade(url, str(BEFORE_NAMES), pii_keys=keys)
    with engine.connect() as connection:
        names = connection.execute(text("SELECT id, display_name FROM buyers ORDER BY id")).all()
    engine.dispose()
    assert [tuple(row) for row in names] == [("U1", "王小美"), ("U2", "欧阳小明"), ("U3", "")]


def test_an_empty_database_migrates_without_any_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # no buyer to encrypt: no key is loaded, so no key file appears wherever the command happens to run
    monkeypatch.chdir(tmp_path)
    upgrade(f"sqlite:///{tmp_path / 'fresh.db'}")
    assert not (tmp_path / "var").exists()
