"""The partner portal (brand, anchor, MCN): its own cases, its own health index, batch-level rates and its
ledger statement — nothing of anyone else (every read is scoped by the principal, another party's is a 404)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from aftersales.console import actions
from aftersales.console.access import PORTAL, Csrf, allow
from aftersales.console.queries import casefile, portal, reports
from aftersales.console.queries.names import change_cursor, party_names
from aftersales.console.routes.casepage import flash_error, translator
from aftersales.console.routes.governance import indicator_context, period_or_now, subject_context
from aftersales.console.templating import render
from aftersales.liability import service as liability_service
from aftersales.liability import statement as statements
from aftersales.problems import DomainError, InvalidInput, NotFound
from aftersales.security.sessions import ConsoleIdentity
from aftersales.web.deps import DbSession, RuntimeDep

router = APIRouter(prefix="/portal", include_in_schema=False)
Partner = Annotated[ConsoleIdentity, allow(PORTAL)]


@router.get("")
async def home(request: Request, session: DbSession, runtime: RuntimeDep, identity: Partner) -> Response:
    now = runtime.clock.now()
    subjects = portal.own_subjects(session, identity.principal)
    return render(request, "portal/home.html", identity, cases=portal.routed_cases(session, identity.principal),
                  rates=portal.rates(session, identity.principal, now), subjects=subjects,
                  names=party_names(session, [s for _, s in subjects]), period=reports.default_period(now),
                  month=reports.current_period(now), window=portal.WINDOW_DAYS)


def _own(identity: ConsoleIdentity, subject_id: str) -> None:
    if not identity.principal.speaks_for(subject_id):
        raise NotFound(f"没有 {subject_id} 的评估 / no evaluation of {subject_id}")


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str, session: DbSession, runtime: RuntimeDep,
                    identity: Partner) -> Response:
    file = casefile.load(session, identity.principal, case_id, pii_key=runtime.pii_key, now=runtime.clock.now())
    return render(request, "portal/case.html", identity, file=file, case=file.case, cursor=change_cursor(session),
                  needs_reason=actions.NEEDS_REASON)


@router.post("/cases/{case_id}/act/{action}")
async def act(request: Request, case_id: str, action: str, session: DbSession, runtime: RuntimeDep,
              identity: Csrf, _role: Partner) -> Response:
    try:
        case = await actions.take(runtime, identity.principal, case_id, action, await request.form())
    except DomainError as error:
        return flash_error(request, error)
    t = translator(request)
    response = render(request, "partials/flash.html", identity, level="success",
                      message=t("act.done", action=t("action." + action), state=t("state." + case.state)))
    response.headers["HX-Refresh"] = "true"
    return response


def _statement_file(runtime: object, party_id: str, month: str, kind: str) -> tuple[bytes, str]:
    from aftersales.runtime import Runtime

    assert isinstance(runtime, Runtime)
    with runtime.session() as session:
        result = liability_service.statement(session, party_id, month)
    with tempfile.TemporaryDirectory() as folder:
        path = (statements.write_csv if kind == "csv" else statements.write_excel)(result, Path(folder))
        return path.read_bytes(), path.name


@router.get("/statement.{kind}")
async def statement(kind: str, runtime: RuntimeDep, identity: Partner, month: str, party: str | None = None) -> Response:
    if kind not in ("csv", "xlsx"):
        raise NotFound("只能下载 CSV 或 Excel / CSV or Excel only")
    party_id = party or next(iter(sorted(identity.principal.party_ids)), None)
    if party_id is None or not liability_service.may_see_party(identity.principal, party_id):
        raise NotFound(f"主体不存在 / no party {party_id}")
    try:
        body, name = await run_in_threadpool(_statement_file, runtime, party_id, month, kind)
    except ValueError as error:
        raise InvalidInput(str(error), field="month") from error
    media = "text/csv; charset=utf-8" if kind == "csv" else \
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


# declared last: /{subject_type}/{subject_id} would otherwise swallow /cases/{case_id}
@router.get("/{subject_type}/{subject_id}")
async def subject_page(request: Request, subject_type: str, subject_id: str, runtime: RuntimeDep,
                       identity: Partner, period: str | None = None) -> Response:
    _own(identity, subject_id)
    context = await subject_context(request, runtime, subject_type, subject_id, period_or_now(runtime, period))
    return render(request, "governance/subject.html", identity, **context, base="/portal")


@router.get("/{subject_type}/{subject_id}/indicators/{indicator}")
async def indicator_page(request: Request, subject_type: str, subject_id: str, indicator: str, session: DbSession,
                         runtime: RuntimeDep, identity: Partner, period: str | None = None) -> Response:
    _own(identity, subject_id)
    # only the cases routed to this party, even among its orders' cases
    context = await indicator_context(request, session, runtime, subject_type, subject_id, indicator, period,
                                      keep=lambda row: identity.principal.speaks_for(
                                          row.facts.case.responsible_party_id))
    return render(request, "governance/indicator.html", identity, **context, base="/portal", case_links=False)
