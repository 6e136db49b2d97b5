"""Notification channels, the outbox (deliveries, dead letters, retry) and carriers' webhook secrets."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from aftersales.notifications import delivery, signing
from aftersales.notifications import service as notification_service
from aftersales.notifications.schemas import (
    ChannelCreate,
    ChannelCreated,
    ChannelRead,
    DeliveryRead,
    SecretIssued,
)
from aftersales.problems import NotFound
from aftersales.security.principals import Role
from aftersales.web.deps import CurrentPrincipal, DbSession, RowId, RuntimeDep, Transaction, require_roles

router = APIRouter(prefix="/api/v1", tags=["notifications 通知"])


@router.post("/notifications/channels", status_code=201, response_model=ChannelCreated,
             summary="新增通知通道（webhook/企业微信/钉钉/邮件）/ add a channel; a webhook's secret is shown once")
def create_channel(body: ChannelCreate, principal: CurrentPrincipal, session: Transaction,
                   runtime: RuntimeDep) -> ChannelCreated:
    channel, secret = notification_service.create_channel(
        session, principal, name=body.name, kind=body.kind, target=body.target, events=body.events,
        party_id=body.party_id, secret=body.secret, key=runtime.pii_key, now=runtime.clock.now())
    return ChannelCreated(**ChannelRead.model_validate(channel).model_dump(), secret=secret)


@router.get("/notifications/channels", response_model=list[ChannelRead], summary="通知通道 / channels")
def list_channels(principal: CurrentPrincipal, session: DbSession) -> list[ChannelRead]:
    return [ChannelRead.model_validate(c) for c in notification_service.visible_channels(session, principal)]


@router.delete("/notifications/channels/{channel_id}", response_model=ChannelRead,
               summary="停用通知通道 / deactivate a channel")
def deactivate_channel(channel_id: RowId, principal: CurrentPrincipal, session: Transaction) -> ChannelRead:
    return ChannelRead.model_validate(notification_service.deactivate(session, principal, channel_id))


@router.get("/notifications/deliveries", response_model=list[DeliveryRead],
            summary="发件箱：待发、已送达、死信 / the outbox: pending, delivered, dead letters")
def list_deliveries(principal: CurrentPrincipal, session: DbSession,
                    state: Literal["pending", "delivered", "dead"] | None = None, event_type: str | None = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeliveryRead]:
    require_roles(principal, Role.supervisor, Role.platform_admin)
    rows = notification_service.deliveries(session, state=state, event_type=event_type, limit=limit)
    return [DeliveryRead.model_validate(r) for r in rows]


@router.get("/notifications/dead-letters", response_model=list[DeliveryRead],
            summary="死信：重试用尽的通知 / deliveries that used up their retries")
def dead_letters(principal: CurrentPrincipal, session: DbSession,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[DeliveryRead]:
    require_roles(principal, Role.supervisor, Role.platform_admin)
    rows = notification_service.deliveries(session, state="dead", event_type=None, limit=limit)
    return [DeliveryRead.model_validate(r) for r in rows]


@router.post("/notifications/deliveries/{delivery_id}/retry", response_model=DeliveryRead,
             summary="重新投递死信 / send a dead letter again")
def retry_delivery(delivery_id: RowId, principal: CurrentPrincipal, session: Transaction,
                   runtime: RuntimeDep) -> DeliveryRead:
    require_roles(principal, Role.supervisor, Role.platform_admin)
    row = delivery.requeue(session, delivery_id, runtime.clock.now())
    if row is None:
        raise NotFound(f"投递 {delivery_id} 不存在 / no delivery {delivery_id}")
    return DeliveryRead.model_validate(row)


@router.post("/carriers/{party_id}/webhook-secret", status_code=201, response_model=SecretIssued,
             summary="签发承运商回调签名密钥（仅显示一次）/ issue a carrier's webhook signing secret (shown once)")
def issue_carrier_secret(party_id: Annotated[str, Path(max_length=40)], principal: CurrentPrincipal,
                         session: Transaction, runtime: RuntimeDep) -> SecretIssued:
    require_roles(principal, Role.platform_admin)
    secret = notification_service.issue_secret(session, party_id, runtime.pii_key, runtime.clock.now())
    return SecretIssued(party_id=party_id, secret=secret, header_sender=signing.SENDER_HEADER,
                        header_timestamp=signing.TIMESTAMP_HEADER, header_signature=signing.SIGNATURE_HEADER,
                        scheme="v1=hex(HMAC-SHA256(secret, f'{timestamp}.{body}'))")
