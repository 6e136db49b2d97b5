"""Buyer pages (phone width first): orders and what can be claimed, opening a case with the instant AI answer,
progress with the ETA, the thread, dispute, and the survey after closing."""

from __future__ import annotations

import secrets
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from aftersales.cases import evidence as evidence_service
from aftersales.cases import followup, intake, overrides
from aftersales.cases import service as case_service
from aftersales.cases.evidence_rules import KINDS as EVIDENCE_FILE_KINDS
from aftersales.cases.evidence_rules import MAX_FILE_BYTES, MAX_FILES_PER_CASE
from aftersales.cases.group_commit import GroupCommitter
from aftersales.cases.lifecycle import State, allowed_actions
from aftersales.cases.models import CaseMessage, CompensationOffer
from aftersales.cases.schemas import CaseCreate, CaseItemIn
from aftersales.console import actions
from aftersales.console.access import BUYER, Csrf, allow
from aftersales.console.queries import buyer as buyer_queries
from aftersales.console.queries.names import change_cursor
from aftersales.console.routes.casepage import flash_error, translator
from aftersales.console.templating import render
from aftersales.db import unit_of_work
from aftersales.problems import DomainError, InvalidInput, NotFound
from aftersales.security.sessions import ConsoleIdentity
from aftersales.surveys.models import Survey
from aftersales.vocabulary import CaseType
from aftersales.web.deps import DbSession, RuntimeDep

router = APIRouter(prefix="/buyer", include_in_schema=False)
Buyer = Annotated[ConsoleIdentity, allow(BUYER)]
ITEM_STATES = ("unopened", "opened_unused", "used")
EVIDENCE_KINDS = ("photo", "video", "medical_report", "test_report")
#: what an uploaded file is, as `cases.evidence` files it
UPLOAD_KINDS = EVIDENCE_FILE_KINDS


@router.get("")
async def home(request: Request, session: DbSession, runtime: RuntimeDep, identity: Buyer,
               page: int = 0) -> Response:
    now = runtime.clock.now()
    cases = buyer_queries.cases_of(session, identity.principal)
    progress = {c.id: buyer_queries.progress_of(c, now, runtime.calendar, None) for c in cases}
    orders = buyer_queries.orders_of(session, identity.principal, now, page=max(0, page))
    return render(request, "buyer/home.html", identity, cases=cases, progress=progress, orders=orders,
                  page=max(0, page), more=len(orders) == buyer_queries.ORDERS_PER_PAGE)


def _claim_form(request: Request, session: Session, identity: ConsoleIdentity, order_id: str, *,
                status: int = 200, error: str | None = None, values: dict[str, Any] | None = None) -> Response:
    rows = buyer_queries.orders_of(session, identity.principal, request.app.state.runtime.clock.now(),
                                   order_id=order_id)
    if not rows:
        raise NotFound(f"订单 {order_id} 不存在 / order {order_id} not found")
    chosen = {int(v) for v in (values or {}).get("lines", []) if str(v).isdigit()} if values else set()
    return render(request, "buyer/claim.html", identity, status=status, order=rows[0].order, row=rows[0],
                  chosen=chosen or {line.line.line_no for line in rows[0].lines},
                  upload_kinds=UPLOAD_KINDS, max_files=MAX_FILES_PER_CASE,
                  case_types=list(CaseType), item_states=ITEM_STATES, evidence_kinds=EVIDENCE_KINDS, error=error,
                  values=values or {"case_type": request.query_params.get("type", "")},
                  idempotency_key=secrets.token_urlsafe(16))


@router.get("/orders/{order_id}/claim")
async def claim_form(request: Request, order_id: str, session: DbSession, identity: Buyer) -> Response:
    return _claim_form(request, session, identity, order_id)


def _amount(raw: str) -> Decimal | None:
    try:
        return Decimal(raw) if raw.strip() else None
    except InvalidOperation as error:
        raise InvalidInput("金额格式不对 / not an amount", field="requested_amount") from error


def _items(form: Any) -> list[CaseItemIn] | None:
    """The lines ticked on the form, each with the units claimed (the whole line when the field is left alone)."""
    items = []
    for raw in form.getlist("lines"):
        if not str(raw).isdigit():
            raise InvalidInput("商品行无效 / invalid order line", field="lines")
        quantity = str(form.get(f"quantity_{raw}") or "").strip()
        items.append(CaseItemIn(line_no=int(raw), quantity=int(quantity) if quantity.isdigit() else None))
    if not items:
        raise InvalidInput("请至少选择一件商品 / choose at least one item", field="lines")
    return items


def _payload(order_id: str, form: Any) -> CaseCreate:
    try:
        return CaseCreate(order_id=order_id, items=_items(form), case_type=form.get("case_type") or "",
                          text=(form.get("text") or "").strip(),
                          item_state=form.get("item_state") or None,
                          evidence=[e for e in form.getlist("evidence") if e in EVIDENCE_KINDS],
                          requested_amount=_amount(str(form.get("requested_amount") or "")))
    except ValidationError as error:
        first = error.errors()[0]
        raise InvalidInput(f"{first['loc'][0]}: {first['msg']}", field=str(first["loc"][0])) from error


@router.post("/orders/{order_id}/claim")
async def open_case(request: Request, order_id: str, session: DbSession, identity: Csrf,
                    _role: Buyer) -> Response:
    """Through the group committer, as the API does; the form's idempotency key makes a double submit one case."""
    form = await request.form()
    committer: GroupCommitter = request.app.state.intake
    try:
        if buyer_queries.order_of(session, identity.principal, order_id) is None:
            raise NotFound(f"订单 {order_id} 不存在 / order {order_id} not found")
        key = str(form.get("idempotency_key") or "")[:100] or None
        prepared = intake.prepare(_payload(order_id, form), buyer_id=identity.principal.buyer_id or "",
                                  idempotency_key=key, actor_role="buyer")
        outcome = await committer.submit(prepared)
        if outcome.error is not None:
            raise outcome.error
    except DomainError as error:
        values = {key: form.get(key) for key in form} | {"lines": form.getlist("lines")}
        return _claim_form(request, session, identity, order_id, status=error.status,
                           error=actions.refusal(translator(request), error), values=values)
    assert outcome.case is not None  # a committed intake names its case
    refused = await _attach_files(request, identity, outcome.case.id, form)
    suffix = "&upload=failed" if refused else ""
    return RedirectResponse(f"/buyer/cases/{outcome.case.id}?new=1{suffix}", status_code=303)


async def _attach_files(request: Request, identity: ConsoleIdentity, case_id: str, form: Any) -> list[str]:
    """Each uploaded file through `cases.evidence` (content checked, photos stripped of location), one unit of work
    per file, so one refused file does not undo the others. Returns the refusals, in the reader's words."""
    runtime = request.app.state.runtime
    kind = str(form.get("evidence_kind") or "photo")
    refused = []
    for upload in form.getlist("files"):
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        content = await upload.read(MAX_FILE_BYTES + 1)
        try:
            await run_in_threadpool(_attach_one, runtime, identity, case_id, content, upload.filename, kind)
        except DomainError as error:
            refused.append(f"{upload.filename}: {actions.refusal(translator(request), error)}")
    return refused


def _attach_one(runtime: Any, identity: ConsoleIdentity, case_id: str, content: bytes, filename: str,
                kind: str) -> None:
    with unit_of_work(runtime.session_factory) as session:
        evidence_service.attach(session, runtime.files, identity.principal, case_id, content=content,
                                filename=filename, kind=kind, now=runtime.clock.now())


@router.post("/cases/{case_id}/evidence")
async def upload_evidence(request: Request, case_id: str, session: DbSession, runtime: RuntimeDep,
                          identity: Csrf, _role: Buyer) -> Response:
    form = await request.form()
    refused = await _attach_files(request, identity, case_id, form)
    t = translator(request)
    flash = ("error", "；".join(refused)) if refused else ("success", t("evidence.uploaded"))
    return _live(request, session, runtime, identity, case_id, flash=flash)


def _case_context(session: Session, runtime: Any, identity: ConsoleIdentity, case_id: str) -> dict[str, Any]:
    now = runtime.clock.now()
    case, progress = case_service.progress(session, identity.principal, case_id, now, runtime.calendar)
    messages = list(session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id)
                                    .order_by(CaseMessage.created_at, CaseMessage.id)))
    offers = list(session.scalars(select(CompensationOffer).where(CompensationOffer.case_id == case.id)
                                  .order_by(CompensationOffer.id)))
    survey = session.scalar(select(Survey).where(Survey.case_id == case.id))
    evidence = evidence_service.list_evidence(session, identity.principal, case.id)
    return {"case": case, "progress": progress, "messages": messages, "offers": offers, "survey": survey,
            "allowed": list(allowed_actions(State(case.state), identity.role)),
            "timeline": case_service.timeline(session, identity.principal, case.id),
            "claims": case_service.claims_of(session, case), "cursor": change_cursor(session),
            "evidence": evidence, "upload_kinds": UPLOAD_KINDS,
            "can_upload": len(evidence) < MAX_FILES_PER_CASE and case.closed_at is None}


@router.get("/cases/{case_id}")
async def case_page(request: Request, case_id: str, session: DbSession, runtime: RuntimeDep,
                    identity: Buyer) -> Response:
    return render(request, "buyer/case.html", identity, **_case_context(session, runtime, identity, case_id),
                  new=request.query_params.get("new") == "1",
                  upload_failed=request.query_params.get("upload") == "failed")


def _live(request: Request, session: Session, runtime: Any, identity: ConsoleIdentity, case_id: str,
          flash: tuple[str, str] | None = None) -> Response:
    return render(request, "buyer/case_live.html", identity, flash=flash,
                  **_case_context(session, runtime, identity, case_id))


@router.get("/cases/{case_id}/live")
async def case_live(request: Request, case_id: str, session: DbSession, runtime: RuntimeDep,
                    identity: Buyer) -> Response:
    return _live(request, session, runtime, identity, case_id)


@router.post("/cases/{case_id}/act/{action}")
async def act(request: Request, case_id: str, action: str, session: DbSession, runtime: RuntimeDep,
              identity: Csrf, _role: Buyer) -> Response:
    try:
        case = await actions.take(runtime, identity.principal, case_id, action, await request.form())
    except DomainError as error:
        return flash_error(request, error)
    t = translator(request)
    return _live(request, session, runtime, identity, case_id,
                 flash=("success", t("buyer.done", action=t("action." + action), state=t("state." + case.state))))


@router.post("/cases/{case_id}/survey")
async def answer_survey(request: Request, case_id: str, session: DbSession, runtime: RuntimeDep, identity: Csrf,
                        _role: Buyer) -> Response:
    form = await request.form()
    try:
        csat, nps = int(str(form.get("csat") or "0")), int(str(form.get("nps") or "-1"))
        if not (1 <= csat <= 5 and 0 <= nps <= 10):
            raise InvalidInput("请选择满意度（1–5）和推荐意愿（0–10） / choose CSAT 1–5 and NPS 0–10", field="csat")
        followup.answer_survey(session, identity.principal, case_id, csat=csat, nps=nps,
                               comment=str(form.get("comment") or "")[:2000], now=runtime.clock.now())
        session.commit()
    except ValueError:
        return flash_error(request, InvalidInput("评分须为数字 / scores must be numbers", field="csat"))
    except DomainError as error:
        session.rollback()
        return flash_error(request, error)
    return _live(request, session, runtime, identity, case_id, flash=("success", translator(request)(
        "survey.thanks")))


@router.post("/cases/{case_id}/offers/{offer_id}")
async def answer_offer(request: Request, case_id: str, offer_id: int, session: DbSession, runtime: RuntimeDep,
                       identity: Csrf, _role: Buyer) -> Response:
    form = await request.form()
    try:
        case = case_service.get_visible(session, identity.principal, case_id)
        overrides.respond(session, case, offer_id, accepted=form.get("accepted") == "yes", now=runtime.clock.now())
        session.commit()
    except DomainError as error:
        session.rollback()
        return flash_error(request, error)
    return _live(request, session, runtime, identity, case_id, flash=("success", translator(request)(
        "offer.answered")))
