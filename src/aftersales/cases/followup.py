"""After a case closes: the buyer's survey answer and the supervisors' callbacks (回访), with their timeline."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from aftersales.cases import notices, timeline
from aftersales.cases.visibility import get_visible
from aftersales.security.principals import Principal
from aftersales.surveys import service as survey_service
from aftersales.surveys.models import CallbackTask, Survey


def answer_survey(session: Session, principal: Principal, case_id: str, *, csat: int, nps: int, comment: str,
                  now: datetime) -> tuple[Survey, CallbackTask | None]:
    case = get_visible(session, principal, case_id)
    survey, callback = survey_service.answer_survey(session, case_id=case.id, case_state=case.state, csat=csat,
                                                    nps=nps, comment=comment, now=now)
    if callback is not None:
        timeline.record(session, case.id, "callback_opened", at=now, actor_role="system", reason=callback.reason,
                        data={"csat": csat, "nps": nps}, buyer_visible=False)
        notices.publish(session, [notices.low_score(case, notices.order_of(session, case), now, csat=csat, nps=nps,
                                                    reason=callback.reason)], now)
    return survey, callback


def complete_callback(session: Session, principal: Principal, task_id: int, *, outcome: str,
                      satisfaction: int | None, now: datetime) -> CallbackTask:
    task = survey_service.complete_callback(session, task_id, outcome, satisfaction, principal.actor_id, now)
    timeline.record(session, task.case_id, "callback_done", at=now, actor_role=principal.role.value,
                    actor_id=principal.actor_id, reason=outcome, data={"satisfaction": satisfaction},
                    buyer_visible=False)
    return task
