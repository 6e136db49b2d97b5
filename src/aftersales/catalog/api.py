"""HTTP routes for product price history (价格记录): recorded one by one or in bulk, read per product."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from aftersales.catalog import prices
from aftersales.catalog.models import Product, ProductPrice
from aftersales.catalog.price_schemas import PriceBulkResult, PriceIn, PriceOut, PriceRowError
from aftersales.problems import Forbidden, InvalidInput, NotFound
from aftersales.security.principals import Principal, Role
from aftersales.web.deps import CurrentPrincipal, DbSession, RuntimeDep, Transaction

router = APIRouter(prefix="/api/v1", tags=["catalog 商品价格"])
MAX_BULK = 5000
#: besides platform staff, a brand prices its own products (a shop's token speaks for the shop)
PRICING_ROLES = frozenset({Role.agent, Role.supervisor, Role.platform_admin, Role.brand})


def _pricer(principal: Principal) -> Callable[[Product], bool]:
    if principal.role not in PRICING_ROLES:
        raise Forbidden(f"角色 {principal.role.value} 无权记录价格 / role {principal.role.value} may not record "
                        "prices", role=principal.role.value)

    def may_price(product: Product) -> bool:
        return principal.is_staff or bool(principal.party_ids & {product.brand_id, product.shop_id})

    return may_price


def _out(row: ProductPrice) -> PriceOut:
    return PriceOut.model_validate(row, from_attributes=True)


@router.post("/prices", status_code=201, response_model=PriceOut,
             summary="记录一次价格变动 / record one price change (the same change again: 200, unchanged)")
def record_price(body: PriceIn, principal: CurrentPrincipal, session: Transaction, runtime: RuntimeDep,
                 response: Response) -> PriceOut:
    report = prices.record_prices(session, [body], now=runtime.clock.now(), actor=principal.actor_id,
                                  may_price=_pricer(principal))
    if report.errors:
        _row, field, reason = report.errors[0]
        if field == "product_id":
            raise NotFound(reason, field=field)
        raise InvalidInput(reason, field=field)
    if report.created == 0:
        response.status_code = 200
    found = prices.history(session, body.product_id, sku=body.sku)
    return _out(next(row for row in reversed(found) if row.sku == body.sku and row.source == body.source.value
                     and row.audience == body.audience.value and row.effective_at == body.effective_at))


@router.post("/prices/bulk", response_model=PriceBulkResult,
             summary="批量记录价格 / many price changes: good rows land, bad rows are reported")
def record_prices_bulk(principal: CurrentPrincipal, session: Transaction, runtime: RuntimeDep,
                       rows: list[dict[str, Any]] = Body(..., max_length=MAX_BULK)) -> PriceBulkResult:
    report = prices.record_prices(session, rows, now=runtime.clock.now(), actor=principal.actor_id,
                                  may_price=_pricer(principal))
    return PriceBulkResult(created=report.created, updated=report.updated, unchanged=report.unchanged,
                           errors=[PriceRowError(row=r, field=f, reason=m) for r, f, m in report.errors])


@router.get("/products/{product_id}/prices", response_model=list[PriceOut],
            summary="商品价格记录 / a product's price history, oldest first")
def price_history(product_id: str, principal: CurrentPrincipal, session: DbSession,
                  sku: Annotated[str | None, Query(max_length=60)] = None,
                  limit: Annotated[int, Query(ge=1, le=2000)] = 500) -> list[PriceOut]:
    may_price = _pricer(principal)
    product = session.get(Product, product_id)
    if product is None or not may_price(product):
        raise NotFound(f"商品 {product_id} 不存在 / no such product", field="product_id")
    return [_out(row) for row in prices.history(session, product_id, sku=sku, limit=limit)]
