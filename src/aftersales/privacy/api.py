"""Personal-data routes: the access log for supervisors, a buyer's export, and the administrator's erasure."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, BackgroundTasks, Path, Query, Response

from aftersales.privacy import erasure
from aftersales.privacy.export import export_buyer
from aftersales.privacy.schemas import AuditEntryRead, AuditPage, ErasureRead
from aftersales.problems import InvalidInput, NotFound
from aftersales.security import audit
from aftersales.security.models import AuditEntry
from aftersales.security.principals import Principal, Role
from aftersales.web.deps import (
    MAX_ROW_ID,
    CurrentPrincipal,
    DbSession,
    RuntimeDep,
    Transaction,
    require_roles,
)

router = APIRouter(prefix="/api/v1", tags=["privacy 个人信息保护"])
BuyerId = Annotated[str, Path(min_length=1, max_length=40, description="买家ID / buyer id")]
EXPORT_ACCESS = audit.Access(purpose=audit.DATA_EXPORT, route="GET /api/v1/buyers/{buyer_id}/export")
ERASE_ACCESS = audit.Access(purpose=audit.ERASURE, route="POST /api/v1/buyers/{buyer_id}/erase")
#: personal data must not linger in a browser's or a proxy's cache
NO_STORE = "no-store"


def _aware(moment: datetime | None, field: str) -> datetime | None:
    if moment is not None and moment.tzinfo is None:
        raise InvalidInput("时间须带时区 / timestamps need a time zone", field=field)
    return moment


def entry_read(entry: AuditEntry) -> AuditEntryRead:
    return AuditEntryRead(id=entry.id, at=entry.at, action=entry.action, role=entry.role, actor=entry.actor,
                          token_id=entry.token_id, account_id=entry.account_id, subject_type=entry.subject_type,
                          subject_id=entry.subject_id, fields=list((entry.detail or {}).get("fields", [])),
                          purpose=entry.purpose, route=entry.route)


@router.get("/audit/pii", response_model=AuditPage,
            summary="个人信息访问审计（主管、平台管理员）/ the personal-data access log (supervisors, platform admins)")
def pii_audit(principal: CurrentPrincipal, session: DbSession, response: Response,
              subject_id: Annotated[str | None, Query(max_length=40, description="买家ID / buyer id")] = None,
              role: Annotated[str | None, Query(max_length=20, description="读取者角色 / reader's role")] = None,
              token_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
              account_id: Annotated[int | None, Query(ge=1, le=MAX_ROW_ID)] = None,
              action: Literal["pii.read", "pii.export", "pii.erase"] | None = None,
              purpose: Annotated[str | None, Query(max_length=40, description="用途 / purpose")] = None,
              since: Annotated[datetime | None, Query(description="起（含）/ from (inclusive)")] = None,
              until: Annotated[datetime | None, Query(description="止（不含）/ until (exclusive)")] = None,
              cursor: Annotated[str | None, Query(max_length=200)] = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 100) -> AuditPage:
    require_roles(principal, Role.supervisor, Role.platform_admin)
    filters = audit.AuditFilters(subject_id=subject_id, role=role, token_id=token_id, account_id=account_id,
                                 action=action, purpose=purpose, since=_aware(since, "since"),
                                 until=_aware(until, "until"))
    rows, following = audit.entries(session, filters, cursor=cursor, limit=limit)
    response.headers["Cache-Control"] = NO_STORE
    return AuditPage(items=[entry_read(row) for row in rows], next_cursor=following)


def _may_export(principal: Principal, buyer_id: str) -> None:
    if principal.role is Role.buyer:
        if principal.buyer_id != buyer_id:  # another buyer: as if there were none
            raise NotFound(f"买家 {buyer_id} 不存在 / no buyer {buyer_id}", field="buyer_id")
        return
    require_roles(principal, Role.supervisor, Role.platform_admin)


@router.get("/buyers/{buyer_id}/export",
            summary="个人信息导出（本人、主管、平台管理员；留审计）/ a buyer's data export (the buyer, supervisors, "
                    "platform admins; audited)")
def export(buyer_id: BuyerId, principal: CurrentPrincipal, session: Transaction, runtime: RuntimeDep,
           response: Response) -> dict[str, Any]:
    _may_export(principal, buyer_id)
    buyer = erasure.find_buyer(session, buyer_id)
    response.headers["Cache-Control"] = NO_STORE
    return export_buyer(session, principal, buyer, runtime.pii_key, runtime.clock.now(), EXPORT_ACCESS)


@router.post("/buyers/{buyer_id}/erase", response_model=ErasureRead,
             summary="删除买家个人信息（匿名化，保留工单与台账；平台管理员）/ erase a buyer's personal data "
                     "(anonymised; cases and ledger kept; platform admins)")
def erase(buyer_id: BuyerId, principal: CurrentPrincipal, session: Transaction, runtime: RuntimeDep,
          background: BackgroundTasks,
          force: Annotated[bool, Query(description="有未结工单也删除 / erase even with open cases")] = False,
          ) -> ErasureRead:
    require_roles(principal, Role.platform_admin)
    report = erasure.erase_buyer(session, principal, buyer_id, runtime.pii_key, runtime.clock.now(), ERASE_ACCESS,
                                 force=force)
    # after the unit of work committed (the dependency closes before the answer is sent), never before
    background.add_task(erasure.remove_files, runtime.files, report)
    return ErasureRead(**report.as_dict())
