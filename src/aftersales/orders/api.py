"""HTTP routes for orders and the carriers' logistics webhook."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response
from sqlalchemy.orm import Session

from aftersales.orders import service as order_service
from aftersales.orders.models import Order
from aftersales.orders.schemas import (
    BulkResult,
    OrderIn,
    OrderOut,
    OrderPage,
    RowError,
)
from aftersales.orders.views import order_views
from aftersales.problems import InvalidInput
from aftersales.security.principals import Role
from aftersales.web.deps import CurrentPrincipal, DbSession, RuntimeDep, Transaction, require_roles

router = APIRouter(prefix="/api/v1", tags=["orders 订单"])
MAX_BULK = 5000


def _out(session: Session, order: Order) -> OrderOut:
    return order_views(session, [order])[0]


@router.post("/orders", status_code=201, response_model=OrderOut, summary="导入订单 / create an order")
def create_order(body: OrderIn, principal: CurrentPrincipal, session: Transaction, runtime: RuntimeDep,
                 response: Response) -> OrderOut:
    require_roles(principal, Role.platform_admin, Role.agent, Role.supervisor)
    report = order_service.upsert_orders(session, [body], runtime.pii_key, runtime.clock.now())
    if report.errors:
        _row, field, reason = report.errors[0]
        raise InvalidInput(reason, field=field)
    if report.created == 0:
        response.status_code = 200
    return _out(session, order_service.get_order(session, body.id))


@router.post("/orders/bulk", response_model=BulkResult,
             summary="批量导入订单 / many orders: good rows land, bad rows are reported")
def create_orders_bulk(principal: CurrentPrincipal, session: Transaction, runtime: RuntimeDep,
                       rows: list[dict[str, Any]] = Body(..., max_length=MAX_BULK)) -> BulkResult:
    require_roles(principal, Role.platform_admin)
    report = order_service.upsert_orders(session, rows, runtime.pii_key, runtime.clock.now())
    return BulkResult(created=report.created, updated=report.updated, unchanged=report.unchanged,
                      errors=[RowError(row=r, field=f, reason=m) for r, f, m in report.errors])


@router.get("/orders", response_model=OrderPage, summary="订单列表 / orders you may see, newest first")
def list_orders(principal: CurrentPrincipal, session: DbSession, buyer_id: str | None = None,
                cursor: str | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> OrderPage:
    orders, following = order_service.list_orders(session, principal, cursor=cursor, limit=limit,
                                                  buyer_id=buyer_id)
    return OrderPage(items=order_views(session, orders), next_cursor=following)


@router.get("/orders/{order_id}", response_model=OrderOut, summary="订单 / one order with its lines")
def get_order(order_id: str, principal: CurrentPrincipal, session: DbSession) -> OrderOut:
    return _out(session, order_service.get_visible_order(session, principal, order_id))
