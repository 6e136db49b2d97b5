"""Liability API: responsibility lists, case handoffs, ledger postings and statements."""

from __future__ import annotations

from fastapi import APIRouter, Request

from aftersales.liability import accruals
from aftersales.liability import service as liability_service
from aftersales.liability import statement as statements
from aftersales.liability.models import ResponsibilityList
from aftersales.liability.schemas import (
    AccountRead,
    DepositRequest,
    EntryRead,
    ListPublish,
    ListRead,
    ReserveRequest,
    SettleRequest,
    StatementRead,
)
from aftersales.problems import InvalidInput, NotFound
from aftersales.security.principals import Role
from aftersales.web.deps import CurrentPrincipal, DbSession, Transaction, clock_now, require_roles

router = APIRouter(prefix="/api/v1/liability", tags=["liability"])




def _list_read(row: ResponsibilityList, verified: bool) -> ListRead:
    return ListRead(product_id=row.product_id, version=row.version, hash=row.hash, verified=verified,
                    published_at=row.published_at, body=row.body)


@router.post("/products/{product_id}/responsibility-list", status_code=201, response_model=ListRead)
def publish_list(product_id: str, body: ListPublish, principal: CurrentPrincipal, db: Transaction,
                 request: Request) -> ListRead:
    """发布商品责任清单（哈希绑定）/ publish the product's responsibility list, hashed and bound to it."""
    row = liability_service.publish_list(db, principal, product_id, now=clock_now(request), anchor_id=body.anchor_id,
                                         carrier_id=body.carrier_id)
    return _list_read(row, True)


@router.get("/products/{product_id}/responsibility-list", response_model=ListRead)
def get_list(product_id: str, principal: CurrentPrincipal, db: DbSession) -> ListRead:
    """现行责任清单及其哈希校验结果（公开）/ the list in force and whether it matches its hash (public)."""
    published = liability_service.current_list(db, product_id)
    return _list_read(published.row, published.verified)


@router.post("/reserves", status_code=201, response_model=EntryRead)
def fund_reserve(body: ReserveRequest, principal: CurrentPrincipal, db: Transaction, request: Request) -> EntryRead:
    """品牌售后保证金（GMV的3–5%）/ a brand's after-sales reserve top-up."""
    require_roles(principal, Role.platform_admin)
    entry = liability_service.fund_reserve(db, brand_id=body.brand_id, gmv=body.gmv, rate=body.rate,
                                           now=clock_now(request), reference=body.reference,
                                           actor_id=principal.actor_id)
    return liability_service.entry_read(db, entry)


@router.post("/deposits", status_code=201, response_model=EntryRead)
def withhold_deposit(body: DepositRequest, principal: CurrentPrincipal, db: Transaction,
                     request: Request) -> EntryRead:
    """供应商货款预留10%售后押金 / withhold a supplier's after-sales deposit."""
    require_roles(principal, Role.platform_admin)
    entry = liability_service.withhold_deposit(db, supplier_id=body.supplier_id, payment=body.payment,
                                               now=clock_now(request), reference=body.reference,
                                               actor_id=principal.actor_id)
    return liability_service.entry_read(db, entry)


@router.post("/settlements", status_code=201, response_model=EntryRead)
def settle(body: SettleRequest, principal: CurrentPrincipal, db: Transaction, request: Request) -> EntryRead:
    """结清应付（如主播向供应链追偿）/ settle a debt, e.g. the anchor recovering its advance."""
    require_roles(principal, Role.supervisor, Role.platform_admin)
    entry = liability_service.settle(db, debtor_id=body.debtor_id, creditor_id=body.creditor_id,
                                     amount=body.amount, source=body.source, now=clock_now(request),
                                     reference=body.reference, actor_id=principal.actor_id)
    return liability_service.entry_read(db, entry)


@router.get("/parties/{party_id}/statement", response_model=StatementRead)
def statement(party_id: str, month: str, principal: CurrentPrincipal, db: DbSession) -> StatementRead:
    """主体月度责任对账单 / a party's monthly liability statement (its own, or any for governance)."""
    if not liability_service.may_see_party(principal, party_id):
        raise NotFound(f"主体不存在 / no party {party_id}")
    result = liability_service.statement(db, party_id, month)
    return StatementRead(
        party_id=result.party_id, party_name=result.party_name, month=result.month,
        accounts=[AccountRead(account=a.account, label_zh=statements.ACCOUNT_LABELS[a.account][0],
                              label_en=statements.ACCOUNT_LABELS[a.account][1], opening=a.opening,
                              debits=a.debits, credits=a.credits, closing=a.closing) for a in result.accounts],
        lines=[dict(zip(statements.HEADER, line.as_row(), strict=True)) for line in result.lines],
    )


@router.post("/accruals", summary="按订单计提月度保证金与押金 / derive a month's reserves and deposits from orders")
def accrue(principal: CurrentPrincipal, db: Transaction, request: Request,
           month: str | None = None) -> dict[str, object]:
    """品牌按GMV 3–5%（随退货率）计提保证金，供应商货款预留10%押金；同月重复执行不重复记账。"""
    require_roles(principal, Role.platform_admin)
    now = clock_now(request)
    chosen = month or accruals.previous_month(now)
    try:
        statements.month_window(chosen)
    except statements.MonthError as error:
        raise InvalidInput(str(error), field="month") from error
    try:
        report = accruals.accrue_month(db, chosen, now)
    except ValueError as error:
        raise InvalidInput(f"该月尚未结束 / {error}", field="month") from error
    return {"month": report.month, "reserves": report.reserves, "deposits": report.deposits,
            "already_booked": report.already}
