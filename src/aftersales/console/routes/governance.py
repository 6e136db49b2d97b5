"""Governance dashboard: ranking by subject type with grade and card, radar of the six dimensions, trend with
the forecast band, and the drill-down index → dimension → indicator → the cases behind it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session
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


async def load_report(runtime: Runtime, subject_type: str, period: str, fresh: bool = False,
                      worker: str = "console") -> reports.Report:
    if subject_type not in reports.SUBJECT_TYPES:
        raise NotFound(f"未知主体类型 / unknown subject type {subject_type}")
    return await run_in_threadpool(reports.report, runtime, subject_type, period, fresh=fresh, worker=worker)


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
    found = await load_report(runtime, type, chosen)
    top = []
    if found.board is not None:
        ranked = [r for r in found.board["leaderboard"] if r.get("rank")][:5]
        top = [await run_in_threadpool(reports.subject, runtime, found, r["subject_id"]) for r in ranked]
    return render(request, "governance/ranking.html", identity, found=found, board=found.board,
                  subject_type=type, period=chosen, radar=charts.radar(translator(request), top),
                  base="/governance", last_closed=reports.default_period(runtime.clock.now()))


@router.post("/recompute")
async def recompute(request: Request, runtime: RuntimeDep, identity: Csrf, _role: Governance) -> Response:
    form = await request.form()
    subject_type, period = str(form.get("type") or "anchor"), period_or_now(runtime, str(form.get("period") or ""))
    await load_report(runtime, subject_type, period, fresh=True, worker=f"console:{identity.username}")
    return RedirectResponse(f"/governance?type={subject_type}&period={period}", status_code=303)


async def subject_context(request: Request, runtime: Runtime, subject_type: str, subject_id: str,
                          period: str) -> dict[str, Any]:
    """The subject's entry of a closed period, or for the running month no entry (its cases are still listed)."""
    found = await load_report(runtime, subject_type, period)
    t = translator(request)
    entry = None if found.running else await run_in_threadpool(reports.subject, runtime, found, subject_id)
    return {"found": found, "entry": entry, "subject_type": subject_type, "subject_id": subject_id,
            "period": found.period, "radar": charts.radar(t, [entry]) if entry else "",
            "trend": charts.trend(t, entry) if entry else "", "dimensions": reports.DIMENSIONS,
            "last_closed": reports.default_period(runtime.clock.now()),
            "indicator_codes": sorted(drilldown.INDICATOR_IDS)}


@router.get("/{subject_type}/{subject_id}")
async def subject_page(request: Request, subject_type: str, subject_id: str, runtime: RuntimeDep,
                       identity: Governance, period: str | None = None) -> Response:
    context = await subject_context(request, runtime, subject_type, subject_id, period_or_now(runtime, period))
    return render(request, "governance/subject.html", identity, **context, base="/governance")


@router.get("/{subject_type}/{subject_id}/indicators/{indicator}")
async def indicator_page(request: Request, subject_type: str, subject_id: str, indicator: str, session: DbSession,
                         runtime: RuntimeDep, identity: Governance, period: str | None = None) -> Response:
    context = await indicator_context(request, session, runtime, subject_type, subject_id, indicator, period)
    return render(request, "governance/indicator.html", identity, **context, base="/governance", case_links=True)


async def indicator_context(request: Request, session: Session, runtime: Runtime, subject_type: str,
                            subject_id: str, indicator: str, period: str | None,
                            keep: Callable[[Any], bool] = lambda row: True) -> dict[str, Any]:
    """A closed period: the indicator's value, interval and the very cases it counted (the snapshot's
    drill-down ids); the running month: the cases so far, read live."""
    context = await subject_context(request, runtime, subject_type, subject_id, period_or_now(runtime, period))
    code = indicator.upper()
    if code not in drilldown.INDICATOR_IDS:
        raise NotFound(f"没有指标 {indicator} / no indicator {indicator}")
    entry = context["entry"]
    row = next((i for i in entry["indicators"] if i["id"] == code), None) if entry else None
    behind = (row or {}).get("drilldown") or {}
    if entry is not None and behind.get("id_kind") not in (None, "case_id"):
        cases: list[Any] = []
    elif entry is not None:
        cases = drilldown.cases_by_id(session, list(behind.get("ids") or []), code)
    else:
        cases = drilldown.cases_behind(session, subject_type, subject_id, context["period"], code)
    return {**context, "indicator": row, "code": code, "name": drilldown.indicator_name(code),
            "cases": [c for c in cases if keep(c)], "behind": behind, "has_lens": drilldown.has_lens(code)}
