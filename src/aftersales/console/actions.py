"""Acting on a case from a console form: build the API's ActionRequest, call `cases.service.act`, and put its
refusals (a colleague's concurrent change, a state that does not allow the action) in plain words."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from aftersales.cases import service as case_service
from aftersales.cases.errors import IllegalTransition, VersionConflict
from aftersales.cases.models import Case
from aftersales.cases.schemas import ActionRequest
from aftersales.console.i18n import Translator
from aftersales.db import unit_of_work
from aftersales.problems import DomainError, InvalidInput
from aftersales.runtime import Runtime
from aftersales.security.principals import Principal

FIELDS = ("message", "reason", "expected_version", "tracking_no", "carrier_code", "amount", "confirmed_category",
          "outcome")
#: actions whose effect refuses to run without a reason (cases/effects.py); the form marks the field required
NEEDS_REASON = frozenset({"escalate", "reopen", "dispute"})
NEEDS_MESSAGE = frozenset({"reply", "request_info"})


def action_request(form: Mapping[str, Any]) -> ActionRequest:
    values = {name: str(form[name]).strip() for name in FIELDS if str(form.get(name) or "").strip()}
    try:
        return ActionRequest(**values)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "form"
        raise InvalidInput(f"{field}: {first['msg']}", field=field) from error


def _act(runtime: Runtime, principal: Principal, case_id: str, action: str, request: ActionRequest) -> Case:
    with unit_of_work(runtime.session_factory) as session:  # the action and its effects land together
        return case_service.act(session, principal, case_id, action, request, runtime.clock.now(),
                                runtime.calendar)


async def take(runtime: Runtime, principal: Principal, case_id: str, action: str, form: Mapping[str, Any]) -> Case:
    return await run_in_threadpool(_act, runtime, principal, case_id, action, action_request(form))


def refusal(t: Translator, error: DomainError) -> str:
    """What the person at the screen needs to read, with the current state for a 409."""
    state = error.extra.get("current_state")
    if isinstance(error, VersionConflict):
        return t("act.conflict", state=t("state." + state) if state else "?")
    if isinstance(error, IllegalTransition):
        allowed = error.extra.get("allowed_actions") or []
        return t("act.illegal", state=t("state." + state) if state else "?",
                 allowed="、".join(t("action." + a) for a in allowed) or "—")
    zh, _, en = error.detail.partition(" / ")
    return (en or zh) if t.english else zh
