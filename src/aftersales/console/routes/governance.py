"""Governance dashboard: ranking by subject type with grade and card, radar of the six dimensions, trend with
the forecast band, and the drill-down index → dimension → indicator → the cases behind it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from aftersales.console.access import GOVERNANCE, Csrf, allow
from aftersales.console.queries import charts, drilldown, reports
from aftersales.console.routes.casepage import translator
from aftersales.console.templating import render
from aftersales.evaluation.periods import parse_period
from aftersales.problems import NotFound
from aftersales.runtime import Runtime
from aftersales.security.sessions import ConsoleIdentity
from aftersales.web.deps import DbSession, RuntimeDep

router = APIRouter(prefix="/governance", include_in_schema=False)
Governance = Annotated[ConsoleIdentity, allow(GOVERNANCE)]


def period_or_now(runtime: Runtime, period: str | None) -> str:
    chosen = period or reports.default_period(runtime.clock.now())
    parse_period(chosen)  # InvalidInput (a 422 page) for a malformed period
    return chosen


async def load_report(runtime: Runtime, subject_type: str, period: str, fresh: bool = False) -> dict[str, Any]:
    if subject_type not in reports.SUBJECT_TYPES:
        raise NotFound(f"未知主体类型 / unknown subject type {subject_type}")
    return await run_in_threadpool(reports.report, runtime.settings.resolved_database_url(), subject_type, period,
                                   runtime.clock.now(), fresh=fresh)


@router.get("")
async def dashboard(request: Request, runtime: RuntimeDep, identity: Governance, type: str = "anchor",
                    period: str | None = None) -> Response:
    chosen = period_or_now(runtime, period)
    return render(request, "governance/dashboard.html", identity, subject_type=type, period=chosen,
                  subject_types=reports.SUBJECT_TYPES, periods=reports.recent_periods(runtime.clock.now()))


@router.get("/report")
async def ranking(request: Request, runtime: RuntimeDep, identity: Governance, type: str = "anchor",
                  period: str | None = None) -> Response:
    chosen = period_or_now(runtime, period)
    report = await load_report(runtime, type, chosen)
    ranked = [s for s in report["subjects"] if s["index"] is not None][:5]
    return render(request, "governance/ranking.html", identity, report=report, subject_type=type, period=chosen,
                  radar=charts.radar(translator(request), ranked), base="/governance")


@router.post("/recompute")
async def recompute(request: Request, runtime: RuntimeDep, identity: Csrf, _role: Governance) -> Response:
    form = await request.form()
    subject_type, period = str(form.get("type") or "anchor"), period_or_now(runtime, str(form.get("period") or ""))
    await load_report(runtime, subject_type, period, fresh=True)
    return RedirectResponse(f"/governance?type={subject_type}&period={period}", status_code=303)


async def subject_context(request: Request, runtime: Runtime, subject_type: str, subject_id: str,
                          period: str) -> dict[str, Any]:
    report = await load_report(runtime, subject_type, period)
    entry = reports.subject(report, subject_id)
    if entry is None:
        raise NotFound(f"{period} 没有 {subject_id} 的评估 / no evaluation of {subject_id} in {period}")
    t = translator(request)
    return {"report": report, "entry": entry, "subject_type": subject_type, "period": period,
            "radar": charts.radar(t, [entry]), "trend": charts.trend(t, entry),
            "dimensions": reports.DIMENSIONS}


@router.get("/{subject_type}/{subject_id}")
async def subject_page(request: Request, subject_type: str, subject_id: str, runtime: RuntimeDep,
                       identity: Governance, period: str | None = None) -> Response:
    context = await subject_context(request, runtime, subject_type, subject_id, period_or_now(runtime, period))
    return render(request, "governance/subject.html", identity, **context, base="/governance")


@router.get("/{subject_type}/{subject_id}/indicators/{indicator}")
async def indicator_page(request: Request, subject_type: str, subject_id: str, indicator: str, session: DbSession,
                         runtime: RuntimeDep, identity: Governance, period: str | None = None) -> Response:
    chosen = period_or_now(runtime, period)
    context = await subject_context(request, runtime, subject_type, subject_id, chosen)
    row = next((i for i in context["entry"]["indicators"] if i["id"] == indicator), None)
    if row is None:
        raise NotFound(f"没有指标 {indicator} / no indicator {indicator}")
    cases = drilldown.cases_behind(session, subject_type, subject_id, chosen, indicator)
    return render(request, "governance/indicator.html", identity, **context, indicator=row, cases=cases,
                  has_lens=drilldown.has_lens(indicator), base="/governance", case_links=True)
