"""The case page's other writes, each through its owner: notes and tags (`cases.notes`), macros
(`cases.service.act`), decision overrides and care packages (`cases.overrides`), handoffs (`liability`), and
who else is looking (the console's own presence table)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from aftersales.cases import handoffs, notes, overrides
from aftersales.cases import service as case_service
from aftersales.console import actions, canned
from aftersales.console.access import CASE_PAGE, Csrf, allow
from aftersales.console.models import CasePresence, Mention
from aftersales.console.queries import casefile
from aftersales.console.routes.casepage import flash_error, live_parts, translator
from aftersales.console.templating import render
from aftersales.problems import DomainError, InvalidInput, NotFound
from aftersales.security.account_models import ConsoleAccount
from aftersales.security.principals import STAFF_ROLES
from aftersales.security.sessions import ConsoleIdentity
from aftersales.web.deps import DbSession, RuntimeDep

router = APIRouter(prefix="/agent/cases", include_in_schema=False)
Staff = Annotated[ConsoleIdentity, allow(CASE_PAGE)]
PRESENCE_SECONDS = 40


def _notify_mentions(session: DbSession, identity: ConsoleIdentity, case_id: str, event_id: int,
                     handles: list[str], now: object) -> None:
    if not handles:
        return
    staff = [r.value for r in STAFF_ROLES]
    for account_id in session.scalars(select(ConsoleAccount.id).where(
            ConsoleAccount.username.in_(handles), ConsoleAccount.role.in_(staff),
            ConsoleAccount.id != identity.account_id)):
        session.add(Mention(account_id=account_id, case_id=case_id, note_event_id=event_id,
                            author=identity.display_name, excerpt="", created_at=now))


def _write(request: Request, session: DbSession, runtime: RuntimeDep, identity: ConsoleIdentity, case_id: str,
           change: Callable[[], object], *, saved: str | None = None,
           unknown_party: DomainError | None = None) -> Response:
    """One write of the case page in its own unit of work, then the page's live parts; a refusal rolls back and is
    shown in the page (an integrity error only where the form names a row that may not exist)."""
    try:
        change()
        session.commit()
    except IntegrityError:
        session.rollback()
        if unknown_party is None:
            raise
        return flash_error(request, unknown_party)
    except DomainError as error:
        session.rollback()
        return flash_error(request, error)
    flash = ("success", translator(request)(saved)) if saved else None
    return live_parts(request, session, runtime, identity, case_id, flash=flash)


@router.post("/{case_id}/notes")
async def add_note(request: Request, case_id: str, session: DbSession, runtime: RuntimeDep, identity: Csrf,
                   _role: Staff, body: Annotated[str, Form(max_length=4000)] = "") -> Response:
    def change() -> None:
        now = runtime.clock.now()
        case = case_service.get_visible(session, identity.principal, case_id)
        event = notes.add_note(session, identity.principal, case, body, now)
        _notify_mentions(session, identity, case_id, event.id, notes.mentions_in(body), now)

    return _write(request, session, runtime, identity, case_id, change, saved="note.saved")


@router.post("/{case_id}/tags")
async def add_tag(request: Request, case_id: str, session: DbSession, runtime: RuntimeDep, identity: Csrf,
                  _role: Staff, tag: Annotated[str, Form(max_length=60)] = "") -> Response:
    return _write(request, session, runtime, identity, case_id, lambda: notes.add_tag(
        session, identity.principal, case_service.get_visible(session, identity.principal, case_id), tag,
        runtime.clock.now()))


@router.post("/{case_id}/macros/{macro_id}")
async def run_macro(request: Request, case_id: str, macro_id: str, session: DbSession, runtime: RuntimeDep,
                    identity: Csrf, _role: Staff) -> Response:
    """Reply + action in one unit of work (the action carries the message), then the tag."""
    macro = canned.library().macro(macro_id)
    if macro is None:
        return flash_error(request, NotFound(f"没有这个宏 / no macro {macro_id}"))
    form = dict(await request.form())
    try:
        file = casefile.load(session, identity.principal, case_id, pii_key=runtime.pii_key,
                             now=runtime.clock.now())
        _, progress = case_service.progress(session, identity.principal, case_id, runtime.clock.now(),
                                            runtime.calendar)
        reply = canned.library().reply(macro.reply)
        assert reply is not None  # checked when the library loaded
        text = canned.fill(reply.text[0], casefile.canned_values(file, progress.eta))
        session.rollback()  # nothing of this read is kept: the audit entry belongs to the page view
        case = await actions.take(runtime, identity.principal, case_id, macro.action.value, {
            "message": text, "reason": form.get("reason") or macro.title[0],
            "expected_version": form.get("expected_version")})
        notes.add_tag(session, identity.principal, case_service.get_visible(session, identity.principal, case.id),
                      macro.tag, runtime.clock.now())
        session.commit()
    except DomainError as error:
        session.rollback()
        return flash_error(request, error)
    t = translator(request)
    return live_parts(request, session, runtime, identity, case_id, flash=(
        "success", t("macro.done", macro=t.pick(*macro.title), state=t("state." + case.state))))


def _amount(value: str, field: str) -> Decimal | None:
    if not value.strip():
        return None
    try:
        return Decimal(value.strip())
    except InvalidOperation as error:
        raise InvalidInput(f"{field}: 金额格式不对 / not an amount", field=field) from error


@router.post("/{case_id}/decision")
async def override_decision(request: Request, case_id: str, session: DbSession, runtime: RuntimeDep,
                            identity: Csrf, _role: Staff, outcome: Annotated[str, Form(max_length=30)] = "",
                            remedy: Annotated[str, Form(max_length=30)] = "",
                            refund_amount: Annotated[str, Form(max_length=20)] = "",
                            reason: Annotated[str, Form(max_length=1000)] = "") -> Response:
    def change() -> None:
        if len(reason.strip()) < 2:
            raise InvalidInput("推翻规则结论须说明理由 / overriding the decision needs a reason", field="reason")
        case = case_service.get_visible(session, identity.principal, case_id)
        overrides.override_decision(session, case, identity.principal, outcome=outcome, remedy=remedy or None,
                                    refund_amount=_amount(refund_amount, "refund_amount"), reason=reason.strip(),
                                    now=runtime.clock.now())

    return _write(request, session, runtime, identity, case_id, change, saved="decision.saved")


@router.post("/{case_id}/offers")
async def make_offer(request: Request, case_id: str, session: DbSession, runtime: RuntimeDep, identity: Csrf,
                     _role: Staff, kind: Annotated[str, Form(max_length=20)] = "",
                     amount: Annotated[str, Form(max_length=20)] = "") -> Response:
    def change() -> None:
        case = case_service.get_visible(session, identity.principal, case_id)
        overrides.offer(session, case, identity.principal, kind=kind, amount=_amount(amount, "amount") or Decimal(0),
                        now=runtime.clock.now())

    return _write(request, session, runtime, identity, case_id, change, saved="offer.saved")


@router.post("/{case_id}/reroute")
async def reroute(request: Request, case_id: str, session: DbSession, runtime: RuntimeDep, identity: Csrf,
                  _role: Staff, to_party_id: Annotated[str, Form(max_length=40)] = "",
                  reason: Annotated[str, Form(max_length=500)] = "") -> Response:
    def change() -> None:
        if not reason.strip():
            raise InvalidInput("转交须说明原因 / a handoff needs a reason", field="reason")
        handoffs.reroute(session, identity.principal, case_id, to_party_id=to_party_id, reason=reason.strip(),
                         now=runtime.clock.now())

    return _write(request, session, runtime, identity, case_id, change, saved="reroute.saved",
                  unknown_party=InvalidInput("没有这个责任方 / no such party", field="to_party_id"))


@router.post("/{case_id}/presence")
async def presence(request: Request, case_id: str, session: DbSession, runtime: RuntimeDep, identity: Csrf,
                   _role: Staff) -> Response:
    """A heartbeat: I am looking at this case; who else is (on any worker process)."""
    now = runtime.clock.now()
    mine = {"case_id": case_id, "account_id": identity.account_id}
    touched = session.execute(update(CasePresence).filter_by(**mine).values(seen_at=now)).rowcount  # type: ignore[attr-defined]
    if not touched:
        session.add(CasePresence(**mine, display_name=identity.display_name, seen_at=now))
    session.execute(delete(CasePresence).where(CasePresence.seen_at < now - timedelta(hours=1)))
    try:
        session.commit()
    except IntegrityError:  # the same person's other tab inserted first
        session.rollback()
    others = list(session.scalars(select(CasePresence.display_name).where(
        CasePresence.case_id == case_id, CasePresence.account_id != identity.account_id,
        CasePresence.seen_at >= now - timedelta(seconds=PRESENCE_SECONDS))))
    return render(request, "agent/presence.html", identity, others=others)
