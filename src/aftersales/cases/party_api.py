"""HTTP routes for a case's responsible parties: handing it to another party's queue, and booking liability."""

from __future__ import annotations

from fastapi import APIRouter

from aftersales.cases import handoffs
from aftersales.cases import service as case_service
from aftersales.liability import service as liability_service
from aftersales.liability.schemas import EntryRead, HandoffRead, PostingRequest, RerouteRequest
from aftersales.security.principals import Role
from aftersales.web.deps import CurrentPrincipal, DbSession, RuntimeDep, Transaction, require_roles

router = APIRouter(prefix="/api/v1/liability/cases", tags=["liability"])


@router.post("/{case_id}/reroute", response_model=HandoffRead)
def reroute(case_id: str, body: RerouteRequest, principal: CurrentPrincipal, db: Transaction,
            runtime: RuntimeDep) -> HandoffRead:
    """转交责任方（计入转交次数并写入时间线）/ hand the case to another party: counted and on the timeline."""
    handoff, count = handoffs.reroute(db, principal, case_id, to_party_id=body.to_party_id, reason=body.reason,
                                      now=runtime.clock.now())
    return liability_service.handoff_read(handoff, count)


@router.get("/{case_id}/handoffs", response_model=list[HandoffRead])
def list_handoffs(case_id: str, principal: CurrentPrincipal, db: DbSession) -> list[HandoffRead]:
    case_service.get_visible(db, principal, case_id)
    return [liability_service.handoff_read(row, number) for number, row in
            enumerate(liability_service.handoffs_of(db, case_id), start=1)]


@router.post("/{case_id}/postings", status_code=201, response_model=EntryRead)
def post_case(case_id: str, body: PostingRequest, principal: CurrentPrincipal, db: Transaction,
              runtime: RuntimeDep) -> EntryRead:
    """记一笔工单责任分录（按 splits.toml 分摊）/ book who bears a payment on a case."""
    require_roles(principal, Role.supervisor, Role.platform_admin)
    entry = handoffs.post_liability(db, principal, case_id, kind=body.kind, amount=body.amount, cause=body.cause,
                                    medium=body.medium, reference=body.reference, now=runtime.clock.now())
    return liability_service.entry_read(db, entry)
