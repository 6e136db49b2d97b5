"""Agent performance per period, with 售后之星 (the top 10 % by NPS)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from aftersales.cases import performance as performance_facts
from aftersales.problems import InvalidInput
from aftersales.security.principals import Role
from aftersales.surveys import performance
from aftersales.web.deps import CurrentPrincipal, DbSession, require_roles

router = APIRouter(prefix="/api/v1/agents", tags=["surveys 回访"])


@router.get("/performance", summary="客服绩效：NPS、满意度、首次解决率、处理时长、SLA达成，售后之星 / agent performance")
def agent_performance(principal: CurrentPrincipal, session: DbSession,
                      period: Annotated[str, Query(max_length=7, description="YYYY-MM 或 YYYY-Qn")],
                      min_surveys: Annotated[int, Query(ge=1, le=10_000)] = performance.MIN_SURVEYS,
                      ) -> dict[str, Any]:
    require_roles(principal, Role.agent, Role.supervisor, Role.platform_admin)
    try:
        start, end = performance.period_window(period)
    except performance.PeriodError as error:
        raise InvalidInput(str(error), field="period") from error
    ranked = performance.rank(performance_facts.records(session, start, end), min_surveys=min_surveys)
    names = performance_facts.agent_names(session, [a.agent_id for a in ranked])
    if principal.role is Role.agent:  # an agent sees the board's stars and their own line
        ranked = [a for a in ranked if a.star or a.agent_id == principal.actor_id]
    return {"period": period, "start": start, "end": end, "min_surveys": min_surveys,
            "star_share": performance.STAR_SHARE,
            "agents": [{**a.__dict__, "name": names.get(a.agent_id, a.agent_id),
                        "title": "售后之星" if a.star else None} for a in ranked]}
