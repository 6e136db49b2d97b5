"""Surveys sent at closing, the buyer's answer, and callback tasks for supervisors.

These are the surveys domain's own records; what they mean for the case (its timeline) is written by `cases`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.problems import Conflict, NotFound
from aftersales.surveys.models import CallbackTask, Survey
from aftersales.surveys.rules import CALLBACK_WITHIN_HOURS, callback_reason, needs_callback


def send_survey(session: Session, *, case_id: str, buyer_id: str, agent_id: str | None,
                now: datetime) -> Survey | None:
    """Once per case: a reopened and re-closed case keeps its first survey (None: already sent)."""
    if session.scalar(select(Survey.id).where(Survey.case_id == case_id)) is not None:
        return None
    survey = Survey(case_id=case_id, buyer_id=buyer_id, agent_id=agent_id, sent_at=now)
    session.add(survey)
    return survey


def answer_survey(session: Session, *, case_id: str, case_state: str, csat: int, nps: int, comment: str,
                  now: datetime) -> tuple[Survey, CallbackTask | None]:
    """Store the buyer's answer; a low score opens a callback task due within a day."""
    survey = session.scalar(select(Survey).where(Survey.case_id == case_id))
    if survey is None:
        raise Conflict("该工单尚未结案，没有待填写的评价 / no survey yet: the case is not closed",
                       current_state=case_state)
    if survey.answered_at is not None:
        raise Conflict("评价已提交 / the survey was already answered", answered_at=survey.answered_at.isoformat())
    survey.csat, survey.nps, survey.comment, survey.answered_at = csat, nps, comment, now
    callback = None
    if needs_callback(csat, nps):
        session.flush()
        callback = CallbackTask(case_id=case_id, survey_id=survey.id, reason=callback_reason(csat, nps),
                                state="open", created_at=now, due_at=now + timedelta(hours=CALLBACK_WITHIN_HOURS))
        session.add(callback)
        session.flush()
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


def redact_buyer(session: Session, buyer_id: str, scrub: Callable[[str], str]) -> int:
    """An erasure: the buyer's survey remarks go; the scores stay (CSAT and NPS feed the indicators and name no one).
    What an agent noted on a callback keeps its words without the buyer's name, phone or address."""
    changed = 0
    surveys = list(session.scalars(select(Survey).where(Survey.buyer_id == buyer_id)))
    for survey in surveys:
        if survey.comment:
            survey.comment = ""
            changed += 1
    if surveys:
        for task in session.scalars(select(CallbackTask).where(CallbackTask.survey_id.in_([s.id for s in surveys]))):
            outcome = scrub(task.outcome)
            if outcome != task.outcome:
                task.outcome = outcome
                changed += 1
    return changed
