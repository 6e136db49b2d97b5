"""Surveys sent at closing, the buyer's answer, and callback tasks for supervisors."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.cases.models import Case, TimelineEvent
from aftersales.problems import Conflict, NotFound
from aftersales.surveys.models import CallbackTask, Survey
from aftersales.surveys.rules import CALLBACK_WITHIN_HOURS, callback_reason, needs_callback


def send_survey(session: Session, case: Case, now: datetime) -> Survey:
    """Once per case: a reopened and re-closed case keeps its first survey."""
    existing = session.scalar(select(Survey).where(Survey.case_id == case.id))
    if existing is not None:
        return existing
    survey = Survey(case_id=case.id, buyer_id=case.buyer_id, agent_id=case.assigned_agent_id, sent_at=now)
    session.add(survey)
    session.add(TimelineEvent(case_id=case.id, at=now, kind="survey_sent", actor_role="system", actor_id=None,
                              reason="已邀请您评价本次服务 / you are invited to rate the service",
                              data={}, buyer_visible=True))
    return survey


def answer_survey(session: Session, case: Case, csat: int, nps: int, comment: str,
                  now: datetime) -> tuple[Survey, CallbackTask | None]:
    survey = session.scalar(select(Survey).where(Survey.case_id == case.id))
    if survey is None:
        raise Conflict("该工单尚未结案，没有待填写的评价 / no survey yet: the case is not closed",
                       current_state=case.state)
    if survey.answered_at is not None:
        raise Conflict("评价已提交 / the survey was already answered", answered_at=survey.answered_at.isoformat())
    survey.csat, survey.nps, survey.comment, survey.answered_at = csat, nps, comment, now
    callback = None
    if needs_callback(csat, nps):
        session.flush()
        callback = CallbackTask(case_id=case.id, survey_id=survey.id, reason=callback_reason(csat, nps),
                                state="open", created_at=now, due_at=now + timedelta(hours=CALLBACK_WITHIN_HOURS))
        session.add(callback)
        session.add(TimelineEvent(case_id=case.id, at=now, kind="callback_opened", actor_role="system",
                                  actor_id=None, reason=callback.reason, data={"csat": csat, "nps": nps},
                                  buyer_visible=False))
    session.commit()
    return survey, callback


def list_callbacks(session: Session, state: str | None = "open") -> list[CallbackTask]:
    query = select(CallbackTask).order_by(CallbackTask.due_at)
    if state:
        query = query.where(CallbackTask.state == state)
    return list(session.scalars(query.limit(500)))


def complete_callback(session: Session, task_id: int, outcome: str, satisfaction: int | None, actor: str | None,
                      now: datetime) -> CallbackTask:
    task = session.get(CallbackTask, task_id)
    if task is None:
        raise NotFound(f"回访任务 {task_id} 不存在 / no callback task {task_id}")
    if task.state == "done":
        raise Conflict("回访已完成 / the callback is already done")
    task.state, task.outcome, task.satisfaction, task.done_at, task.assigned_to = "done", outcome, satisfaction, now, actor
    session.add(TimelineEvent(case_id=task.case_id, at=now, kind="callback_done", actor_role="supervisor",
                              actor_id=actor, reason=outcome, data={"satisfaction": satisfaction},
                              buyer_visible=False))
    session.commit()
    return task


def assign_callback(session: Session, task_id: int, agent_id: str | None) -> CallbackTask:
    """Give an open callback to an agent (None: back to the pool); the caller commits."""
    task = session.get(CallbackTask, task_id)
    if task is None:
        raise NotFound(f"回访任务 {task_id} 不存在 / no callback task {task_id}")
    if task.state == "done":
        raise Conflict("回访已完成 / the callback is already done")
    task.assigned_to = agent_id
    return task
