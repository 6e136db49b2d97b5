"""Channels (where notifications go) and the secrets that sign webhooks, for the API and the CLI."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from urllib.parse import urlparse

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.notifications.events import EventType
from aftersales.notifications.models import Delivery, NotificationChannel, WebhookSecret
from aftersales.parties.models import Party
from aftersales.problems import Forbidden, InvalidInput, NotFound, Unauthorized
from aftersales.security import pii
from aftersales.security.principals import PARTY_ROLES, Principal

KINDS = ("webhook", "wecom", "dingtalk", "email")
_EMAIL = re.compile(r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$")


def _check_target(kind: str, target: str) -> str:
    target = target.strip()
    if kind == "email":
        addresses = [a.strip() for a in target.split(",") if a.strip()]
        if not addresses or not all(_EMAIL.match(a) for a in addresses):
            raise InvalidInput("请填写有效的邮箱地址（逗号分隔）/ give valid e-mail addresses, comma-separated",
                               field="target")
        return ",".join(addresses)
    parsed = urlparse(target)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise InvalidInput("请填写 http(s) 地址 / the target must be an http(s) URL", field="target")
    return target


def _owner(session: Session, principal: Principal, party_id: str | None) -> str | None:
    """Governance may create platform channels or any party's; a brand, anchor or MCN only its own."""
    if principal.role in PARTY_ROLES:
        if party_id is None:
            party_id = next(iter(sorted(principal.party_ids)), None)
        if party_id is None or not principal.speaks_for(party_id):
            raise Forbidden("只能为自己订阅通知 / you may subscribe only for your own party", field="party_id")
    elif not principal.is_governance:
        raise Forbidden("无权管理通知通道 / role may not manage notification channels", role=principal.role.value)
    if party_id is not None and session.get(Party, party_id) is None:
        raise InvalidInput(f"主体不存在 / no party {party_id}", field="party_id")
    return party_id


def create_channel(session: Session, principal: Principal, *, name: str, kind: str, target: str,
                   events: list[str], party_id: str | None, secret: str | None, key: pii.Keys,
                   now: datetime) -> tuple[NotificationChannel, str | None]:
    """A new channel; a webhook gets a signing secret made here, shown once (returned, stored encrypted)."""
    if kind not in KINDS:
        raise InvalidInput(f"未知通道类型 / unknown kind; choose one of {list(KINDS)}", field="kind")
    unknown = [e for e in events if e not in {t.value for t in EventType}]
    if unknown:
        raise InvalidInput(f"未知事件 {unknown} / unknown events; known: {[t.value for t in EventType]}",
                           field="events")
    owner = _owner(session, principal, party_id)
    if kind == "webhook" and not secret:
        secret = "whsec_" + secrets.token_urlsafe(32)
    channel = NotificationChannel(name=name, kind=kind, target=_check_target(kind, target),
                                  secret_enc=pii.encrypt(secret, key) if secret else None, events=sorted(events),
                                  party_id=owner, active=True, created_by=principal.actor_id, created_at=now)
    session.add(channel)
    session.flush()
    return channel, secret if kind == "webhook" else None


def visible_channels(session: Session, principal: Principal) -> list[NotificationChannel]:
    query = select(NotificationChannel).order_by(NotificationChannel.id)
    if not principal.is_governance:
        query = query.where(NotificationChannel.party_id.in_(sorted(principal.party_ids) or [""]))
    return list(session.scalars(query))


def deactivate(session: Session, principal: Principal, channel_id: int) -> NotificationChannel:
    channel = session.get(NotificationChannel, channel_id)
    if channel is None or channel not in visible_channels(session, principal):
        raise NotFound(f"通知通道 {channel_id} 不存在 / no channel {channel_id}")
    channel.active = False
    return channel


def deliveries(session: Session, *, state: str | None, event_type: str | None, limit: int) -> list[Delivery]:
    query = select(Delivery).order_by(Delivery.id.desc()).limit(limit)
    if state is not None:
        query = query.where(Delivery.state == state)
    if event_type is not None:
        query = query.where(Delivery.event_type == event_type)
    return list(session.scalars(query))


# ---------------------------------------------------------------- secrets of webhooks sent to us

def issue_secret(session: Session, party_id: str, key: pii.Keys, now: datetime) -> str:
    """A new signing secret for a party's webhooks (a carrier's), shown once; the previous one stops working."""
    party = session.get(Party, party_id)
    if party is None or party.kind != "carrier":
        raise NotFound(f"承运商不存在 / no carrier {party_id}")
    for old in session.scalars(select(WebhookSecret).where(WebhookSecret.party_id == party_id,
                                                           WebhookSecret.revoked_at.is_(None))):
        old.revoked_at = now
    secret = "cwsec_" + secrets.token_urlsafe(32)
    session.add(WebhookSecret(party_id=party_id, secret_enc=pii.encrypt(secret, key), created_at=now))
    session.flush()
    return secret


def secret_of(session: Session, party_id: str, key: pii.Keys) -> str:
    """The party's current secret, or 401 (an unknown sender looks the same as a wrong signature)."""
    row = session.scalar(select(WebhookSecret).where(WebhookSecret.party_id == party_id,
                                                     WebhookSecret.revoked_at.is_(None))
                         .order_by(WebhookSecret.id.desc()).limit(1))
    if row is None:
        raise Unauthorized("签名无效 / invalid signature: unknown sender or no secret issued",
                           field="X-Aftersales-Sender")
    return pii.decrypt(row.secret_enc, key)


def forget_buyer(session: Session, buyer_id: str, now: datetime) -> int:
    """An erasure: texts to the buyer still waiting are given up, and every text's payload (its wording) dropped;
    the rows stay as the record that something was sent, and when."""
    rows = list(session.scalars(select(Delivery).where(Delivery.kind == "sms",
                                                       Delivery.recipient == f"buyer:{buyer_id}")))
    for row in rows:
        if row.state == "pending":
            row.state, row.dead_at, row.lease_until = "dead", now, None
            row.last_error = "买家个人信息已删除 / the buyer's data was erased"
        row.payload = {}
    return len(rows)
