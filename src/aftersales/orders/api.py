"""HTTP routes for orders and the carriers' logistics webhook."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Response

from aftersales.orders import service as order_service
from aftersales.orders.schemas import (
    BulkResult,
    OrderIn,
    OrderOut,
    RowError,
)
from aftersales.problems import InvalidInput, NotFound
from aftersales.security.principals import Role
from aftersales.web.deps import CurrentPrincipal, DbSession, RuntimeDep, Transaction, require_roles

router = APIRouter(prefix="/api/v1", tags=["orders 订单"])
MAX_BULK = 5000


def _out(order: Any) -> OrderOut:
    return OrderOut.model_validate(order, from_attributes=True)


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
    return _out(order_service.get_order(session, body.id))


@router.post("/orders/bulk", response_model=BulkResult,
             summary="批量导入订单 / many orders: good rows land, bad rows are reported")
def create_orders_bulk(principal: CurrentPrincipal, session: Transaction, runtime: RuntimeDep,
                       rows: list[dict[str, Any]] = Body(..., max_length=MAX_BULK)) -> BulkResult:
    require_roles(principal, Role.platform_admin)
    report = order_service.upsert_orders(session, rows, runtime.pii_key, runtime.clock.now())
    return BulkResult(created=report.created, updated=report.updated, unchanged=report.unchanged,
                      errors=[RowError(row=r, field=f, reason=m) for r, f, m in report.errors])


@router.get("/orders/{order_id}", response_model=OrderOut, summary="订单 / one order")
def get_order(order_id: str, principal: CurrentPrincipal, session: DbSession) -> OrderOut:
    order = order_service.get_order(session, order_id)
    mine = (principal.is_staff or (principal.role is Role.buyer and order.buyer_id == principal.buyer_id)
            or principal.party_ids & {order.brand_id, order.anchor_id, order.shop_id})
    if not mine:
        raise NotFound(f"订单 {order_id} 不存在 / order {order_id} not found")
    return _out(order)
