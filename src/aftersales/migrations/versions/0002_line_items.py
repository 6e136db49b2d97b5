"""orders with line items; cases name the lines they concern, what was paid for them, and the request's fingerprint

Existing databases are carried forward: every order becomes one line (its product, batch and quantity, the whole
amount paid), and every case names that line whole.

Revision ID: 0002_line_items
Revises: 0103_triage_fields
Create Date: 2026-12-01 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_line_items"
down_revision: str | None = "0103_triage_fields"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "order_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("line_no", sa.Integer(), nullable=False),
        sa.Column("product_id", sa.String(length=40), nullable=False),
        sa.Column("batch_id", sa.String(length=40), nullable=True),
        sa.Column("sku", sa.String(length=60), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.Column("paid_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["batch_id"], ["batches.id"], name=op.f("fk_order_items_batch_id_batches")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_order_items_order_id_orders")),
        sa.ForeignKeyConstraint(["product_id"], ["products.id"], name=op.f("fk_order_items_product_id_products")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_items")),
        sa.UniqueConstraint("order_id", "line_no", name="uq_order_items_line"),
    )
    with op.batch_alter_table("order_items") as batch:
        batch.create_index(batch.f("ix_order_items_order_id"), ["order_id"], unique=False)
        batch.create_index(batch.f("ix_order_items_product_id"), ["product_id"], unique=False)
        batch.create_index(batch.f("ix_order_items_batch_id"), ["batch_id"], unique=False)
    op.execute("""
        INSERT INTO order_items (order_id, line_no, product_id, batch_id, sku, quantity, unit_price, paid_amount)
        SELECT id, 1, product_id, batch_id, NULL, quantity, ROUND(amount / quantity, 2), amount FROM orders
    """)
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("discount", sa.Numeric(precision=12, scale=2), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("shipping_fee", sa.Numeric(precision=12, scale=2), nullable=False,
                                   server_default="0"))
        batch.drop_index(batch.f("ix_orders_product_id"))
        batch.drop_constraint("fk_orders_product_id_products", type_="foreignkey")
        batch.drop_constraint("fk_orders_batch_id_batches", type_="foreignkey")
        batch.drop_column("product_id")
        batch.drop_column("batch_id")
        batch.drop_column("quantity")

    op.create_table(
        "case_items",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("order_item_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=40), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("paid_amount", sa.Numeric(precision=12, scale=2), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_items_case_id_cases")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_case_items_order_id_orders")),
        sa.ForeignKeyConstraint(["order_item_id"], ["order_items.id"],
                                name=op.f("fk_case_items_order_item_id_order_items")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_items")),
        sa.UniqueConstraint("case_id", "order_item_id", name="uq_case_items_line"),
    )
    with op.batch_alter_table("case_items") as batch:
        batch.create_index(batch.f("ix_case_items_case_id"), ["case_id"], unique=False)
        batch.create_index(batch.f("ix_case_items_order_item_id"), ["order_item_id"], unique=False)
    op.execute("""
        INSERT INTO case_items (case_id, order_item_id, order_id, quantity, paid_amount)
        SELECT c.id, i.id, i.order_id, i.quantity, i.paid_amount
        FROM cases c JOIN order_items i ON i.order_id = c.order_id AND i.line_no = 1
    """)
    with op.batch_alter_table("cases") as batch:
        batch.add_column(sa.Column("claimed_amount", sa.Numeric(precision=12, scale=2), nullable=False,
                                   server_default="0"))
        batch.add_column(sa.Column("request_fingerprint", sa.String(length=64), nullable=True))
    op.execute("UPDATE cases SET claimed_amount = (SELECT o.amount FROM orders o WHERE o.id = cases.order_id)")


def downgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.drop_column("request_fingerprint")
        batch.drop_column("claimed_amount")
    op.drop_table("case_items")
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("product_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("batch_id", sa.String(length=40), nullable=True))
        batch.add_column(sa.Column("quantity", sa.Integer(), nullable=False, server_default="1"))
    op.execute("""
        UPDATE orders SET
          product_id = (SELECT i.product_id FROM order_items i WHERE i.order_id = orders.id AND i.line_no = 1),
          batch_id = (SELECT i.batch_id FROM order_items i WHERE i.order_id = orders.id AND i.line_no = 1),
          quantity = (SELECT i.quantity FROM order_items i WHERE i.order_id = orders.id AND i.line_no = 1)
    """)
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("shipping_fee")
        batch.drop_column("discount")
        batch.create_index(batch.f("ix_orders_product_id"), ["product_id"], unique=False)
    op.drop_table("order_items")
