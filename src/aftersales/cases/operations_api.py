"""HTTP routes where another domain's event acts on cases: carriers' logistics webhook, a manual SLA sweep."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request
from fastapi.exceptions import RequestValidationError
from fastapi.security import HTTPAuthorizationCredentials
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.cases import escalation, logistics
from aftersales.notifications import service as notification_service
from aftersales.notifications import signing
from aftersales.orders.models import Shipment
from aftersales.orders.schemas import LogisticsEventIn, LogisticsEventOut
from aftersales.parties.models import Party
from aftersales.problems import Forbidden, NotFound, Unauthorized
from aftersales.runtime import Runtime
from aftersales.security import scopes
from aftersales.security.principals import Role
from aftersales.security.tokens import authenticate
from aftersales.web.deps import BEARER, CurrentPrincipal, RuntimeDep, Transaction, bearer_token, require_roles

router = APIRouter(prefix="/api/v1")


async def raw_body(request: Request) -> bytes:
    """The exact bytes the carrier signed: a parsed-and-reserialised body would not match its signature."""
    return await request.body()


_EVENT_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": LogisticsEventIn.model_json_schema()}}}}


@router.post("/logistics/events", response_model=LogisticsEventOut, tags=["orders 订单"], openapi_extra=_EVENT_BODY,
             summary="物流事件回调：承运商以自己的密钥签名（HMAC-SHA256），或平台管理员令牌 / carrier webhook, "
                     "signed with the carrier's own secret (resending an event is harmless)")
def logistics_event(body: Annotated[bytes, Depends(raw_body)], session: Transaction, runtime: RuntimeDep,
                    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
                    sender: Annotated[str | None, Header(alias=signing.SENDER_HEADER, max_length=40)] = None,
                    timestamp: Annotated[str | None, Header(alias=signing.TIMESTAMP_HEADER, max_length=20)] = None,
                    signature: Annotated[str | None, Header(alias=signing.SIGNATURE_HEADER, max_length=400)] = None,
                    ) -> LogisticsEventOut:
    carrier: Party | None = None
    if sender or signature:
        carrier = _signed_carrier(session, runtime, body, sender, timestamp, signature)
    else:
        _admin(session, runtime, credentials)
    event = _parse(body)
    if carrier is not None:
        _check_carrier(session, carrier, event)
    outcome = logistics.receive_event(session, event, runtime.clock.now(), runtime.calendar,
                                      carrier_id=carrier.id if carrier else None)
    return LogisticsEventOut(accepted=True, duplicate=outcome.duplicate, case_id=outcome.case_id,
                             order_id=outcome.order_id)


def _signed_carrier(session: Session, runtime: Runtime, body: bytes, sender: str | None, timestamp: str | None,
                    signature: str | None) -> Party:
    if not sender:
        raise Unauthorized("缺少发送方 / missing sender header", field=signing.SENDER_HEADER)
    party = session.get(Party, sender)
    secret = notification_service.secret_of(session, sender, runtime.pii_key) \
        if party is not None and party.kind == "carrier" else None
    if party is None or secret is None:
        raise Unauthorized("签名无效 / invalid signature: unknown sender", field=signing.SENDER_HEADER)
    verdict = signing.verify(secret, timestamp=timestamp, signed=signature, body=body,
                             now_seconds=runtime.clock.now().timestamp())
    if not verdict.ok:
        raise Unauthorized(verdict.reason, field=verdict.field)
    return party


def _admin(session: Session, runtime: Runtime, credentials: HTTPAuthorizationCredentials | None) -> None:
    principal = authenticate(session, bearer_token(credentials), runtime.clock.now())
    scopes.require(principal, scopes.WRITE)
    if principal.role is Role.carrier:
        raise Unauthorized("承运商回调须以其密钥签名 / a carrier's events must be signed with its webhook secret",
                           field=signing.SIGNATURE_HEADER)
    require_roles(principal, Role.platform_admin)


def _parse(body: bytes) -> LogisticsEventIn:
    try:
        return LogisticsEventIn.model_validate_json(body)
    except ValidationError as error:
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in error.errors()]) from error


def _check_carrier(session: Session, carrier: Party, event: LogisticsEventIn) -> None:
    """A carrier speaks for its own parcels only: its code, and a tracking number that is not another's."""
    code = str((carrier.attributes or {}).get("code", "")).upper()
    if code and event.carrier_code.upper() != code:
        raise Forbidden(f"承运商代码须为 {code} / carrier_code must be your own ({code})", field="carrier_code")
    owner = session.scalar(select(Shipment.carrier_id).where(Shipment.tracking_no == event.tracking_no))
    if owner is not None and owner != carrier.id:
        raise NotFound(f"运单 {event.tracking_no} 不存在 / no such tracking number", field="tracking_no")


@router.post("/sla/sweep", tags=["sla 时效"], summary="立即检查超时 / run the SLA sweeper now")
def sweep_now(principal: CurrentPrincipal, runtime: RuntimeDep) -> dict[str, int]:
    require_roles(principal, Role.supervisor, Role.platform_admin)
    report = escalation.sweep(runtime.session_factory, runtime.clock.now(), runtime.calendar, worker="api")
    return {"breaches": report.breaches, "escalations": report.escalations}
