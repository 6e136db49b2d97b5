"""HTTP routes for callback tasks (回访) worked by supervisors; their outcome lands on the case timeline."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict

from aftersales.cases import followup
from aftersales.cases.schemas import CallbackOutcome
from aftersales.security.principals import Role
from aftersales.surveys import service as survey_service
from aftersales.web.deps import CurrentPrincipal, DbSession, RowId, RuntimeDep, Transaction, require_roles

router = APIRouter(prefix="/api/v1/callbacks", tags=["surveys 回访"])


class CallbackRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    case_id: str
    reason: str
    state: str
    created_at: datetime
    due_at: datetime
    done_at: datetime | None
    outcome: str
    satisfaction: int | None


@router.get("", response_model=list[CallbackRead], summary="回访任务 / callback tasks")
def list_callbacks(principal: CurrentPrincipal, session: DbSession, state: str | None = "open") -> list[CallbackRead]:
    require_roles(principal, Role.supervisor, Role.platform_admin)
    return [CallbackRead.model_validate(t) for t in survey_service.list_callbacks(session, state)]


@router.post("/{task_id}/complete", response_model=CallbackRead, summary="记录回访结果 / record the outcome")
def complete_callback(task_id: RowId, body: CallbackOutcome, principal: CurrentPrincipal, session: Transaction,
                      runtime: RuntimeDep) -> CallbackRead:
    require_roles(principal, Role.supervisor, Role.platform_admin)
    task = followup.complete_callback(session, principal, task_id, outcome=body.outcome,
                                      satisfaction=body.satisfaction, now=runtime.clock.now())
    return CallbackRead.model_validate(task)
