"""The case page: one screen with the thread, the order, the AI's reading, the policy decision, every SLA clock,
the timeline; actions go through `cases.service.act` and a colleague's concurrent change is shown as it is."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from aftersales.cases import service as case_service
from aftersales.console import actions, canned
from aftersales.console.access import CASE_PAGE, WORKBENCH, Csrf, allow
from aftersales.console.i18n import Translator, language_of
from aftersales.console.queries import casefile
from aftersales.console.queries import filters as saved
from aftersales.console.queries.names import change_cursor
from aftersales.console.templating import render
from aftersales.problems import DomainError
from aftersales.security.sessions import ConsoleIdentity
from aftersales.web.deps import DbSession, RuntimeDep

router = APIRouter(prefix="/agent/cases", include_in_schema=False)
Staff = Annotated[ConsoleIdentity, allow(CASE_PAGE)]
LIVE_PARTS = ("agent/case_status.html", "agent/case_thread.html", "agent/case_notes_list.html",
              "agent/case_side.html")


def translator(request: Request) -> Translator:
    return Translator(language_of(request, request.app.state.runtime.settings.language))


def case_context(session: Any, runtime: Any, identity: ConsoleIdentity, case_id: str) -> dict[str, Any]:
    now = runtime.clock.now()
    file = casefile.load(session, identity.principal, case_id, pii_key=runtime.pii_key, now=now)
    _, progress = case_service.progress(session, identity.principal, case_id, now, runtime.calendar)
    values = casefile.canned_values(file, progress.eta)
    library = canned.library()
    replies = [(r, canned.fill(r.text[0], values)) for r in library.replies]
    return {"file": file, "case": file.case, "progress": progress, "replies": replies, "macros": library.macros,
            "needs_reason": actions.NEEDS_REASON, "cursor": change_cursor(session), "now": now}


@router.get("/{case_id}")
async def case_page(request: Request, case_id: str, session: DbSession, runtime: RuntimeDep,
                    identity: Staff) -> Response:
    context = case_context(session, runtime, identity, case_id)
    saved.mark_read(session, identity.account_id, case_id, runtime.clock.now())
    session.commit()  # the audit entry of the buyer's contact, and the mentions read
    t = translator(request)
    extra = [{"label": f"{t('action.' + a)} · {case_id}", "open": f"dlg-{a}"} for a in context["file"].allowed
             if a != "reply"]
    extra.insert(0, {"label": t("case.focus_reply"), "focus": "#reply-body"})
    return render(request, "agent/case.html", identity, **context, extra_commands=extra)


def live_parts(request: Request, session: Any, runtime: Any, identity: ConsoleIdentity, case_id: str, *,
               status: int = 200, flash: tuple[str, str] | None = None) -> Response:
    context = case_context(session, runtime, identity, case_id)
    session.commit()
    return render(request, "agent/case_live.html", identity, status=status, parts=LIVE_PARTS, flash=flash,
                  **context)


@router.get("/{case_id}/live")
async def case_live(request: Request, case_id: str, session: DbSession, runtime: RuntimeDep,
                    identity: Staff) -> Response:
    """The parts that change when someone acts on the case; the reply being typed is never replaced."""
    return live_parts(request, session, runtime, identity, case_id)


def flash_error(request: Request, error: DomainError) -> Response:
    response = render(request, "partials/flash.html", None, status=error.status, level="error",
                      message=actions.refusal(translator(request), error))
    response.headers.update({"HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
    return response


@router.post("/{case_id}/act/{action}")
async def act(request: Request, case_id: str, action: str, session: DbSession, runtime: RuntimeDep,
              identity: Csrf, _role: Staff) -> Response:
    form = await request.form()
    try:
        case = await actions.take(runtime, identity.principal, case_id, action, form)
    except DomainError as error:
        return flash_error(request, error)
    t = translator(request)
    message = t("act.done", action=t("action." + action), state=t("state." + case.state))
    return live_parts(request, session, runtime, identity, case_id, flash=("success", message))


@router.post("/{case_id}/bulk/{action}")
async def bulk(request: Request, case_id: str, action: str, runtime: RuntimeDep, identity: Csrf,
               _role: Annotated[ConsoleIdentity, allow(WORKBENCH)]) -> JSONResponse:
    """One case of a bulk action (the browser sends one request per case and shows progress)."""
    form = await request.form()
    try:
        case = await actions.take(runtime, identity.principal, case_id, action, form)
    except DomainError as error:
        return JSONResponse({"ok": False, "message": actions.refusal(translator(request), error)},
                            status_code=error.status)
    return JSONResponse({"ok": True, "state": case.state, "version": case.version})
