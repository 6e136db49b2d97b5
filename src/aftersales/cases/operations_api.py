"""HTTP routes where another domain's event acts on cases: carriers' logistics webhook, a manual SLA sweep."""

from __future__ import annotations

from fastapi import APIRouter

from aftersales.cases import escalation, logistics
from aftersales.orders.schemas import LogisticsEventIn, LogisticsEventOut
from aftersales.security.principals import Role
from aftersales.web.deps import CurrentPrincipal, RuntimeDep, Transaction, require_roles

router = APIRouter(prefix="/api/v1")


@router.post("/logistics/events", response_model=LogisticsEventOut, tags=["orders 订单"],
             summary="物流事件回调 / carrier webhook (resending the same event is harmless)")
def logistics_event(body: LogisticsEventIn, principal: CurrentPrincipal, session: Transaction,
                    runtime: RuntimeDep) -> LogisticsEventOut:
    require_roles(principal, Role.platform_admin)
    outcome = logistics.receive_event(session, body, runtime.clock.now())
    return LogisticsEventOut(accepted=True, duplicate=outcome.duplicate, case_id=outcome.case_id,
                             order_id=outcome.order_id)


@router.post("/sla/sweep", tags=["sla 时效"], summary="立即检查超时 / run the SLA sweeper now")
def sweep_now(principal: CurrentPrincipal, runtime: RuntimeDep) -> dict[str, int]:
    require_roles(principal, Role.supervisor, Role.platform_admin)
    report = escalation.sweep(runtime.session_factory, runtime.clock.now(), runtime.calendar, worker="api")
    return {"breaches": report.breaches, "escalations": report.escalations}
