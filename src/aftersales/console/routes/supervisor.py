"""The supervisor's live board, the SLA matrix (edited with validation), callbacks (回访) and case exports."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse
from sqlalchemy.orm import Session

from aftersales.cases import followup
from aftersales.clock import SHANGHAI
from aftersales.console.access import BOARD, Csrf, allow
from aftersales.console.queries import board as boards
from aftersales.console.queries import export
from aftersales.console.queries.names import change_cursor
from aftersales.console.routes.casepage import translator
from aftersales.console.sla_form import parse_policy_form
from aftersales.console.state import ConsoleState, console_state
from aftersales.console.templating import render
from aftersales.parties.models import Party
from aftersales.problems import DomainError, InvalidInput
from aftersales.security.sessions import ConsoleIdentity
from aftersales.sla import service as sla_service
from aftersales.surveys import service as survey_service
from aftersales.web.deps import DbSession, RuntimeDep

router = APIRouter(prefix="/supervisor", include_in_schema=False)
Supervisor = Annotated[ConsoleIdentity, allow(BOARD)]
State = Annotated[ConsoleState, Depends(console_state)]


def _chart(board: boards.Board, t: Any) -> str:
    top = board.agents[:15]
    option = {"tooltip": {"trigger": "axis"}, "legend": {"data": [t("board.open"), t("board.overdue")]},
              "grid": {"left": 110, "right": 20, "top": 30, "bottom": 20},
              "xAxis": {"type": "value", "minInterval": 1},
              "yAxis": {"type": "category", "data": [a.name for a in reversed(top)]},
              "series": [{"name": t("board.open"), "type": "bar", "data": [a.load.open for a in reversed(top)],
                          "itemStyle": {"color": "#3370ff"}},
                         {"name": t("board.overdue"), "type": "bar",
                          "data": [a.load.overdue for a in reversed(top)], "itemStyle": {"color": "#e4393c"}}]}
    return json.dumps(option, ensure_ascii=False).replace("</", "<\\/")


async def _board_context(request: Request, session: Session, state: ConsoleState) -> dict[str, Any]:
    board = boards.load_board(session, await state.snapshot.get())
    return {"board": board, "tiers": boards.TIERS, "chart": _chart(board, translator(request)),
            "cursor": change_cursor(session)}


@router.get("")
async def board_page(request: Request, session: DbSession, state: State, identity: Supervisor) -> Response:
    return render(request, "supervisor/board.html", identity, **await _board_context(request, session, state))


@router.get("/live")
async def board_live(request: Request, session: DbSession, state: State, identity: Supervisor) -> Response:
    return render(request, "supervisor/board_live.html", identity, **await _board_context(request, session, state))


@router.get("/sla")
async def sla_page(request: Request, session: DbSession, identity: Supervisor) -> Response:
    return render(request, "supervisor/sla.html", identity, policies=boards.policies(session), errors={},
                  saved=request.query_params.get("saved"))


@router.post("/sla/{policy_id}")
async def sla_edit(request: Request, policy_id: int, session: DbSession, runtime: RuntimeDep, identity: Csrf,
                   _role: Supervisor) -> Response:
    form = await request.form()
    try:
        changes = parse_policy_form(form)
        sla_service.update_policy(session, policy_id, changes, runtime.clock.now())
        session.commit()
    except DomainError as error:
        session.rollback()
        t = translator(request)
        field = str(error.extra.get("field") or "")
        zh, _, en = error.detail.partition(" / ")
        return render(request, "supervisor/sla.html", identity, status=error.status,
                      policies=boards.policies(session), saved=None,
                      errors={policy_id: (field, (en or zh) if t.english else zh)})
    return RedirectResponse(f"/supervisor/sla?saved={policy_id}", status_code=303)


@router.get("/callbacks")
async def callbacks(request: Request, session: DbSession, identity: Supervisor, state: str = "open") -> Response:
    tasks = survey_service.list_callbacks(session, state if state in ("open", "done") else "open")
    return render(request, "supervisor/callbacks.html", identity, tasks=tasks, agents=boards.agent_options(session),
                  names=dict(boards.agent_options(session)), state=state)


@router.post("/callbacks/{task_id}/assign")
async def assign(request: Request, task_id: int, session: DbSession, identity: Csrf, _role: Supervisor) -> Response:
    form = await request.form()
    agent = str(form.get("agent_id") or "") or None
    try:
        party = session.get(Party, agent) if agent else None
        if agent and (party is None or party.kind != "agent"):
            raise InvalidInput("请选择一位客服 / choose an agent", field="agent_id")
        survey_service.assign_callback(session, task_id, agent)
        session.commit()
    except DomainError as error:
        session.rollback()
        return render(request, "partials/flash.html", identity, status=error.status, level="error",
                      message=error.detail)
    return RedirectResponse("/supervisor/callbacks", status_code=303)


@router.post("/callbacks/{task_id}/complete")
async def complete(request: Request, task_id: int, session: DbSession, runtime: RuntimeDep, identity: Csrf,
                   _role: Supervisor) -> Response:
    form = await request.form()
    outcome = str(form.get("outcome") or "").strip()
    raw = str(form.get("satisfaction") or "")
    try:
        if not outcome:
            raise InvalidInput("请填写回访结果 / the outcome is required", field="outcome")
        satisfaction = int(raw) if raw else None
        if satisfaction is not None and not 1 <= satisfaction <= 5:
            raise InvalidInput("满意度须为1–5 / satisfaction is 1–5", field="satisfaction")
        followup.complete_callback(session, identity.principal, task_id, outcome=outcome[:2000],
                                   satisfaction=satisfaction, now=runtime.clock.now())
        session.commit()
    except (DomainError, ValueError) as error:
        session.rollback()
        message = error.detail if isinstance(error, DomainError) else "满意度须为数字 / satisfaction is a number"
        return render(request, "partials/flash.html", identity, status=422, level="error", message=message)
    return RedirectResponse("/supervisor/callbacks", status_code=303)


def _period(start: str | None, end: str | None, now: datetime) -> tuple[datetime, datetime]:
    """Shanghai calendar days [start, end]; the last 30 days by default."""
    try:
        local_end = datetime.fromisoformat(end).date() if end else now.astimezone(SHANGHAI).date()
        local_start = datetime.fromisoformat(start).date() if start else local_end - timedelta(days=29)
    except ValueError as error:
        raise InvalidInput("日期格式应为 YYYY-MM-DD / dates are YYYY-MM-DD", field="from") from error
    if local_start > local_end:
        raise InvalidInput("开始日期晚于结束日期 / the start is after the end", field="from")
    begin = datetime(local_start.year, local_start.month, local_start.day, tzinfo=SHANGHAI)
    finish = datetime(local_end.year, local_end.month, local_end.day, tzinfo=SHANGHAI) + timedelta(days=1)
    return begin, finish


def _csv(runtime: Any, start: datetime, end: datetime, state: str | None) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # Excel opens UTF-8 CSV with Chinese text correctly only with the BOM
    writer.writerow(export.HEADER)
    with runtime.session() as session:
        for number, row in enumerate(export.rows(session, start, end, state), start=1):
            writer.writerow(row)
            if number % 1000 == 0:
                yield buffer.getvalue().encode("utf-8")
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


@router.get("/export.csv")
async def export_csv(runtime: RuntimeDep, identity: Supervisor, start: str | None = None, end: str | None = None,
                     state: str | None = None) -> Response:
    begin, finish = _period(start, end, runtime.clock.now())
    name = f"cases-{begin:%Y%m%d}-{(finish - timedelta(days=1)):%Y%m%d}.csv"
    return StreamingResponse(_csv(runtime, begin, finish, state), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _xlsx(session: Session, begin: datetime, finish: datetime, state: str | None) -> bytes:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("cases")
    sheet.append(list(export.HEADER))
    for number, row in enumerate(export.rows(session, begin, finish, state), start=1):
        if number > export.EXCEL_LIMIT:
            raise InvalidInput(f"超过 {export.EXCEL_LIMIT} 行，请缩短时间段或下载 CSV / more than "
                               f"{export.EXCEL_LIMIT} rows: shorten the period or use CSV", field="end")
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


@router.get("/export.xlsx")
async def export_xlsx(session: DbSession, runtime: RuntimeDep, identity: Supervisor, start: str | None = None,
                      end: str | None = None, state: str | None = None) -> Response:
    from starlette.concurrency import run_in_threadpool

    begin, finish = _period(start, end, runtime.clock.now())
    body = await run_in_threadpool(_xlsx, session, begin, finish, state)
    name = f"cases-{begin:%Y%m%d}-{(finish - timedelta(days=1)):%Y%m%d}.xlsx"
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
