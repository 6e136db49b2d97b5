"""The agent's work queue: views with live counters, filters (saved per person), bulk actions, group view."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from aftersales.console.access import WORKBENCH, Csrf, allow
from aftersales.console.queries import filters as saved
from aftersales.console.queries import group as groups
from aftersales.console.queries.names import change_cursor, party_names
from aftersales.console.queries.queue import VIEWS, QueueFilter, queue_page
from aftersales.console.state import ConsoleState, console_state
from aftersales.console.templating import render
from aftersales.problems import DomainError
from aftersales.security.sessions import ConsoleIdentity
from aftersales.sla.rules import Tier
from aftersales.triage.taxonomy import CATEGORIES
from aftersales.vocabulary import CaseType
from aftersales.web.deps import DbSession, RuntimeDep

router = APIRouter(prefix="/agent", include_in_schema=False)
State = Annotated[ConsoleState, Depends(console_state)]
BULK_ACTIONS = ("reply", "request_info", "escalate", "resolve", "close")


def _filters(view: str, tier: str | None, case_type: str | None, category: str | None) -> QueueFilter:
    return QueueFilter(view=view if view in VIEWS else "all", tier=tier if tier in set(Tier) else None,
                       case_type=case_type if case_type in set(CaseType) else None,
                       category=category if category in CATEGORIES else None)


def _rows_context(session: Session, identity: ConsoleIdentity, runtime: Any, filters: QueueFilter,
                  after: str | None) -> dict[str, Any]:
    rows, next_marker = queue_page(session, identity.principal, filters, runtime.clock.now(), after=after)
    return {"rows": rows, "next_marker": next_marker, "filters": filters,
            "names": party_names(session, [r.assigned_agent_id for r in rows])}


def _counters(snapshot: Any, identity: ConsoleIdentity) -> dict[str, int]:
    return snapshot.counters(identity.principal.actor_id, sees_all=identity.principal.is_staff)


@router.get("/queue")
async def queue(request: Request, session: DbSession, runtime: RuntimeDep, state: State,
                view: str = "all", tier: str | None = None, type: str | None = None,
                category: str | None = None, identity: ConsoleIdentity = allow(WORKBENCH)) -> Response:
    filters = _filters(view, tier, type, category)
    snapshot = await state.snapshot.get()
    context = _rows_context(session, identity, runtime, filters, None)
    return render(request, "agent/queue.html", identity, **context, counters=_counters(snapshot, identity),
        cursor=change_cursor(session),
        saved=saved.saved_filters(session, identity.account_id),
        mentions=saved.unread_mentions(session, identity.account_id), tiers=list(Tier),
        case_types=list(CaseType), categories=CATEGORIES, bulk_actions=BULK_ACTIONS)


@router.get("/queue/rows")
async def queue_rows(request: Request, session: DbSession, runtime: RuntimeDep, state: State,
                     view: str = "all", tier: str | None = None, type: str | None = None,
                     category: str | None = None, after: Annotated[str | None, Query(max_length=200)] = None,
                     identity: ConsoleIdentity = allow(WORKBENCH)) -> Response:
    """The table again (live refresh, with the view counters out of band), or the next page's rows."""
    filters = _filters(view, tier, type, category)
    context = _rows_context(session, identity, runtime, filters, after)
    if after:
        return render(request, "agent/queue_more.html", identity, **context)
    snapshot = await state.snapshot.get()
    return render(request, "agent/queue_table.html", identity, **context, oob=True,
                  counters=_counters(snapshot, identity))


@router.get("/queue/counters")
async def queue_counters(request: Request, state: State, view: str = "all",
                         identity: ConsoleIdentity = allow(WORKBENCH)) -> Response:
    """The views' badges alone: sent for when this process's counts were recomputed."""
    snapshot = await state.snapshot.get()
    return render(request, "agent/queue_tabs.html", identity, filters=_filters(view, None, None, None),
                  counters=_counters(snapshot, identity))


@router.post("/filters")
async def save_filter(request: Request, session: DbSession, runtime: RuntimeDep, identity: Csrf,
                      name: Annotated[str, Form(max_length=100)], query: Annotated[str, Form(max_length=600)],
                      _role: ConsoleIdentity = allow(WORKBENCH)) -> Response:
    try:
        saved.save_filter(session, identity.account_id, name, query, runtime.clock.now())
        session.commit()
    except DomainError as error:
        session.rollback()
        return render(request, "partials/flash.html", identity, status=error.status, level="error",
                      message=error.detail)
    return RedirectResponse(f"/agent/queue?{saved.clean_query(query)}", status_code=303)


@router.post("/filters/{filter_id}/delete")
async def delete_filter(filter_id: int, session: DbSession, identity: Csrf,
                        _role: ConsoleIdentity = allow(WORKBENCH)) -> Response:
    saved.delete_filter(session, identity.account_id, filter_id)
    session.commit()
    return RedirectResponse("/agent/queue", status_code=303)


@router.get("/groups/{group_key}")
async def group_view(request: Request, group_key: str, session: DbSession, runtime: RuntimeDep,
                     identity: ConsoleIdentity = allow(WORKBENCH)) -> Response:
    """Every open case on one batch, live session or product, and one reply to all of them."""
    group = groups.load_group(session, group_key, runtime.clock.now())
    return render(request, "agent/group.html", identity, group=group, cursor=change_cursor(session),
                  names=party_names(session, [r.assigned_agent_id for r in group.rows]))
