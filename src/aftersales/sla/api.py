"""HTTP routes for the SLA matrix (operators edit it) and a manual sweep."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from aftersales.security.principals import Role
from aftersales.sla import service as sla_service
from aftersales.sla.rules import MAX_BUDGET_MINUTES
from aftersales.web.deps import CurrentPrincipal, DbSession, RowId, RuntimeDep, Transaction, require_roles

router = APIRouter(prefix="/api/v1/sla", tags=["sla 时效"])


class PolicyRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    tier: str
    case_type: str | None
    priority: int | None
    first_response_minutes: int
    human_response_minutes: int | None
    resolution_minutes: int
    business_hours: bool
    escalate_to: str | None


class PolicyChange(BaseModel):
    """A field left out keeps its value; null clears only the human-response budget or the escalation target."""

    model_config = ConfigDict(extra="forbid")

    first_response_minutes: int | None = Field(None, ge=1, le=MAX_BUDGET_MINUTES)
    human_response_minutes: int | None = Field(None, ge=1, le=MAX_BUDGET_MINUTES)
    resolution_minutes: int | None = Field(None, ge=1, le=MAX_BUDGET_MINUTES)
    business_hours: bool | None = None
    escalate_to: str | None = Field(None, pattern="^L[123]$")

    @model_validator(mode="after")
    def _null_only_where_a_row_may_hold_none(self) -> PolicyChange:
        for name in _ALWAYS_SET:
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name}: 不能为空 / may not be null")
        return self


#: columns every policy row holds a value in
_ALWAYS_SET = ("first_response_minutes", "resolution_minutes", "business_hours")


@router.get("/policies", response_model=list[PolicyRead], summary="升级矩阵 / the escalation matrix")
def list_policies(principal: CurrentPrincipal, session: DbSession) -> list[PolicyRead]:
    require_roles(principal, Role.agent, Role.supervisor, Role.platform_admin)
    from aftersales.sla.models import SlaPolicy

    return [PolicyRead.model_validate(p) for p in session.query(SlaPolicy).order_by(SlaPolicy.id)]


@router.patch("/policies/{policy_id}", response_model=PolicyRead, summary="修改时效策略 / edit a policy row")
def edit_policy(policy_id: RowId, body: PolicyChange, principal: CurrentPrincipal, session: Transaction,
                runtime: RuntimeDep) -> PolicyRead:
    require_roles(principal, Role.supervisor, Role.platform_admin)
    changes = body.model_dump(exclude_unset=True)
    return PolicyRead.model_validate(sla_service.update_policy(session, policy_id, changes, runtime.clock.now()))

