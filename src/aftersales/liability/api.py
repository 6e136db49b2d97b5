"""Liability API: responsibility lists, case handoffs, ledger postings and statements."""

from __future__ import annotations

from fastapi import APIRouter, Request
from sqlalchemy import select

from aftersales.cases import service as case_service
from aftersales.liability import service as liability_service
from aftersales.liability import statement as statements
from aftersales.liability.models import Handoff, LedgerAccount, LedgerEntry, LedgerPosting, ResponsibilityList
from aftersales.liability.schemas import (
    AccountRead,
    DepositRequest,
    EntryRead,
    HandoffRead,
    ListPublish,
    ListRead,
    PostingRequest,
    RerouteRequest,
    ReserveRequest,
    SettleRequest,
    StatementRead,
)
from aftersales.orders.models import Order
from aftersales.problems import Forbidden, NotFound
from aftersales.security.principals import Role
from aftersales.web.deps import CurrentPrincipal, DbSession, clock_now, require_roles

router = APIRouter(prefix="/api/v1/liability", tags=["liability"])




def _list_read(row: ResponsibilityList, verified: bool) -> ListRead:
    return ListRead(product_id=row.product_id, version=row.version, hash=row.hash, verified=verified,
                    published_at=row.published_at, body=row.body)


def _entry_read(db: DbSession, entry: LedgerEntry) -> EntryRead:
    legs = db.execute(select(LedgerAccount.party_id, LedgerAccount.kind, LedgerPosting.amount)
                      .join(LedgerAccount, LedgerAccount.id == LedgerPosting.account_id)
                      .where(LedgerPosting.entry_id == entry.id).order_by(LedgerPosting.id))
    return EntryRead(id=entry.id, entry_type=entry.entry_type, case_id=entry.case_id, kind=entry.kind,
                     cause=entry.cause, medium=entry.medium, amount=entry.amount, rules_version=entry.rules_version,
                     posted_at=entry.posted_at,
                     legs=[{"party_id": party, "account": kind, "amount": str(amount)} for party, kind, amount in legs])


@router.post("/products/{product_id}/responsibility-list", status_code=201, response_model=ListRead)
def publish_list(product_id: str, body: ListPublish, principal: CurrentPrincipal, db: DbSession,
                 request: Request) -> ListRead:
    """发布商品责任清单（哈希绑定）/ publish the product's responsibility list, hashed and bound to it."""
    row = liability_service.publish_list(db, principal, product_id, now=clock_now(request), anchor_id=body.anchor_id,
                                         carrier_id=body.carrier_id)
    db.commit()
    return _list_read(row, True)


@router.get("/products/{product_id}/responsibility-list", response_model=ListRead)
def get_list(product_id: str, principal: CurrentPrincipal, db: DbSession) -> ListRead:
    """现行责任清单及其哈希校验结果（公开）/ the list in force and whether it matches its hash (public)."""
    published = liability_service.current_list(db, product_id)
    return _list_read(published.row, published.verified)


@router.post("/cases/{case_id}/reroute", response_model=HandoffRead)
def reroute(case_id: str, body: RerouteRequest, principal: CurrentPrincipal, db: DbSession,
            request: Request) -> HandoffRead:
    """转交责任方（计入转交次数并写入时间线）/ hand the case to another party: counted and on the timeline."""
    if principal.role is Role.buyer:
        raise Forbidden("买家不能转交工单 / buyers cannot hand off cases")
    case = case_service.get_visible(db, principal, case_id)  # the version column guards a concurrent re-route
    if not liability_service.may_reroute(principal, case):
        raise Forbidden("只能转交自己队列中的工单 / only a case in your own queue can be handed off")
    handoff = liability_service.reroute(db, case, to_party_id=body.to_party_id, reason=body.reason,
                                        actor_role=principal.role.value, actor_id=principal.actor_id,
                                        now=clock_now(request))
    count = case.handoff_count
    db.commit()
    return _handoff_read(handoff, count)


def _handoff_read(row: Handoff, count: int) -> HandoffRead:
    return HandoffRead(case_id=row.case_id, from_party_id=row.from_party_id, to_party_id=row.to_party_id,
                       to_kind=row.to_kind, reason=row.reason, loop=row.loop, actor_role=row.actor_role, at=row.at,
                       handoff_count=count)


@router.get("/cases/{case_id}/handoffs", response_model=list[HandoffRead])
def handoffs(case_id: str, principal: CurrentPrincipal, db: DbSession) -> list[HandoffRead]:
    case_service.get_visible(db, principal, case_id)
    return [_handoff_read(row, number) for number, row in
            enumerate(liability_service.handoffs_of(db, case_id), start=1)]


@router.post("/cases/{case_id}/postings", status_code=201, response_model=EntryRead)
def post_case(case_id: str, body: PostingRequest, principal: CurrentPrincipal, db: DbSession,
              request: Request) -> EntryRead:
    """记一笔工单责任分录（按 splits.toml 分摊）/ book who bears a payment on a case."""
    require_roles(principal, Role.supervisor, Role.platform_admin)
    case = case_service.get_visible(db, principal, case_id)
    order = db.get(Order, case.order_id)
    if order is None:
        raise NotFound(f"订单不存在 / no order {case.order_id}")
    entry = liability_service.post_case_liability(db, case, order, body.kind, body.amount, body.cause,
                                                  now=clock_now(request), medium=body.medium, reference=body.reference,
                                                  actor_id=principal.actor_id)
    db.commit()
    return _entry_read(db, entry)


@router.post("/reserves", status_code=201, response_model=EntryRead)
def fund_reserve(body: ReserveRequest, principal: CurrentPrincipal, db: DbSession, request: Request) -> EntryRead:
    """品牌售后保证金（GMV的3–5%）/ a brand's after-sales reserve top-up."""
    require_roles(principal, Role.platform_admin)
    entry = liability_service.fund_reserve(db, brand_id=body.brand_id, gmv=body.gmv, rate=body.rate,
                                           now=clock_now(request), reference=body.reference,
                                           actor_id=principal.actor_id)
    db.commit()
    return _entry_read(db, entry)


@router.post("/deposits", status_code=201, response_model=EntryRead)
def withhold_deposit(body: DepositRequest, principal: CurrentPrincipal, db: DbSession,
                     request: Request) -> EntryRead:
    """供应商货款预留10%售后押金 / withhold a supplier's after-sales deposit."""
    require_roles(principal, Role.platform_admin)
    entry = liability_service.withhold_deposit(db, supplier_id=body.supplier_id, payment=body.payment,
                                               now=clock_now(request), reference=body.reference,
                                               actor_id=principal.actor_id)
    db.commit()
    return _entry_read(db, entry)


@router.post("/settlements", status_code=201, response_model=EntryRead)
def settle(body: SettleRequest, principal: CurrentPrincipal, db: DbSession, request: Request) -> EntryRead:
    """结清应付（如主播向供应链追偿）/ settle a debt, e.g. the anchor recovering its advance."""
    require_roles(principal, Role.supervisor, Role.platform_admin)
    entry = liability_service.settle(db, debtor_id=body.debtor_id, creditor_id=body.creditor_id,
                                     amount=body.amount, source=body.source, now=clock_now(request),
                                     reference=body.reference, actor_id=principal.actor_id)
    db.commit()
    return _entry_read(db, entry)


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
