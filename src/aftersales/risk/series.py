"""Reading case series for the spike monitor: one grouped query per dimension for every series a scan touches.

A series is (dimension, subject id, problem class). Batch and product series go through the order lines the
cases name (`case_items` → `order_items`); session and anchor series through the case's order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Date, cast, func, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from aftersales.cases.models import Case, CaseItem
from aftersales.catalog.models import Product
from aftersales.orders.models import Order, OrderItem
from aftersales.risk import detection

DIMENSIONS = ("batch", "session", "product", "anchor")
Key = tuple[str, str, str]  # (dimension, subject id, class)


def class_of() -> ColumnElement[Any]:
    """The class a case counts under: the agent's confirmed class, else the AI's."""
    return func.coalesce(Case.confirmed_category, Case.category)


def subject_column(dimension: str) -> Any:
    return {"batch": OrderItem.batch_id, "product": OrderItem.product_id, "session": Order.live_session_id,
            "anchor": Order.anchor_id}[dimension]


def _case_join(dimension: str, query: Any) -> Any:
    if dimension in ("batch", "product"):
        return query.join(CaseItem, CaseItem.case_id == Case.id).join(OrderItem, OrderItem.id == CaseItem.order_item_id)
    return query.join(Order, Order.id == Case.order_id)


@dataclass
class SeriesFacts:
    arrivals: dict[Key, list[tuple[str, datetime]]] = field(default_factory=lambda: defaultdict(list))
    own_cases: dict[Key, int] = field(default_factory=dict)
    daily_units: dict[tuple[str, str], dict[int, float]] = field(default_factory=lambda: defaultdict(dict))
    category: dict[tuple[str, str], str] = field(default_factory=dict)


def touched(session: Session, since: datetime, until: datetime) -> set[Key]:
    """The series that got a case in (since, until]."""
    keys: set[Key] = set()
    for dimension in DIMENSIONS:
        column = subject_column(dimension)
        query = _case_join(dimension, select(column, class_of()).distinct().where(
            Case.created_at > since, Case.created_at <= until, Case.order_id.is_not(None), column.is_not(None)))
        keys.update((dimension, subject, klass) for subject, klass in session.execute(query))
    return keys


def load(session: Session, keys: Iterable[Key], now: datetime) -> SeriesFacts:
    facts = SeriesFacts()
    by_dimension: dict[str, set[str]] = defaultdict(set)
    for dimension, subject, _klass in keys:
        by_dimension[dimension].add(subject)
    lo, hi = detection.BASELINE_DAYS
    recent = now - timedelta(hours=max(detection.WINDOW_HOURS))
    for dimension, subjects in by_dimension.items():
        column = subject_column(dimension)
        rows = session.execute(_case_join(dimension, select(column, class_of(), Case.id, Case.created_at).distinct())
                               .where(column.in_(subjects), Case.created_at >= recent, Case.created_at <= now,
                                      Case.order_id.is_not(None)))
        for subject, klass, case_id, created in rows:
            facts.arrivals[(dimension, subject, klass)].append((case_id, created))
        counted = session.execute(_case_join(dimension, select(column, class_of(), func.count(func.distinct(Case.id))))
                                  .where(column.in_(subjects), Case.created_at >= now - timedelta(days=hi),
                                         Case.created_at < now - timedelta(days=lo)).group_by(column, class_of()))
        for subject, klass, count in counted:
            facts.own_cases[(dimension, subject, klass)] = int(count)
        _units(session, dimension, subjects, now, facts)
    return facts


def _units(session: Session, dimension: str, subjects: set[str], now: datetime, facts: SeriesFacts) -> None:
    """Units sold per day (0 = today) for the last ~100 days, and each subject's product category."""
    column = subject_column(dimension)
    start = now - timedelta(days=detection.BASELINE_DAYS[1] + detection.UNITS_LEAD_DAYS + 1)
    day = utc_day(session, Order.placed_at)
    rows = session.execute(select(column, day, func.sum(OrderItem.quantity))
                           .join(Order, Order.id == OrderItem.order_id)
                           .where(column.in_(subjects), Order.placed_at >= start, Order.placed_at <= now)
                           .group_by(column, day))
    today = now.date()
    for subject, sold_on, units in rows:
        sold = sold_on if not isinstance(sold_on, str) else datetime.fromisoformat(sold_on).date()
        facts.daily_units[(dimension, subject)][(today - sold).days] = float(units or 0)
    if dimension in ("batch", "product"):
        for subject, category in session.execute(
                select(column, Product.category_code).join(Product, Product.id == OrderItem.product_id)
                .where(column.in_(subjects)).distinct()):
            facts.category[(dimension, subject)] = category


def utc_day(session: Session, column: Any) -> ColumnElement[Any]:
    """The UTC calendar day of a timestamp, on both databases (SQLite keeps UTC text, PostgreSQL timestamptz)."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column)


def platform_rates(session: Session, now: datetime) -> tuple[dict[tuple[str, str], float], dict[str, float]]:
    """Cases of each class per unit sold in the baseline period: by (category, class), and over all categories."""
    lo, hi = detection.BASELINE_DAYS
    lead = detection.UNITS_LEAD_DAYS
    units = dict(session.execute(
        select(Product.category_code, func.sum(OrderItem.quantity)).join(Product, Product.id == OrderItem.product_id)
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.placed_at >= now - timedelta(days=hi + lead), Order.placed_at < now - timedelta(days=lo + lead))
        .group_by(Product.category_code)).all())
    cases = session.execute(
        select(Product.category_code, class_of(), func.count(func.distinct(Case.id)))
        .join(CaseItem, CaseItem.case_id == Case.id).join(OrderItem, OrderItem.id == CaseItem.order_item_id)
        .join(Product, Product.id == OrderItem.product_id)
        .where(Case.created_at >= now - timedelta(days=hi), Case.created_at < now - timedelta(days=lo))
        .group_by(Product.category_code, class_of()))
    by_category: dict[tuple[str, str], float] = {}
    overall_cases: dict[str, float] = defaultdict(float)
    for category, klass, count in cases:
        if units.get(category):
            by_category[(category, klass)] = float(count) / float(units[category])
        overall_cases[klass] += float(count)
    total_units = float(sum(float(u or 0) for u in units.values()))
    overall = {klass: count / total_units for klass, count in overall_cases.items()} if total_units else {}
    return by_category, overall


def days_ago(profile: dict[int, float], span: int) -> list[float]:
    return [profile.get(ago, 0.0) for ago in range(span)]
