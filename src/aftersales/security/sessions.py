"""Console sign-in sessions: a random secret in a signed, HttpOnly, SameSite=Lax cookie; its hash in the database.

The database row is what makes logout real on every worker process; the signature (itsdangerous) rejects forged
or stale cookies before any database read; the per-session CSRF token guards every form post.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from threading import Lock

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from aftersales.clock import as_utc
from aftersales.security.account_models import ConsoleAccount, ConsoleSession
from aftersales.security.principals import Principal, Role
from aftersales.security.tokens import parties_of

COOKIE = "as_session"
_SALT = "aftersales.console.session"
#: a signed-out or expired session stops working on other worker processes within this many seconds
CACHE_SECONDS = 10.0


def signing_key(secret: str | None, pii_key: bytes) -> bytes:
    """The configured secret, else one derived from the PII key (one secret fewer to distribute to workers)."""
    if secret:
        return secret.encode()
    return hmac.new(pii_key, b"aftersales console session cookie v1", hashlib.sha256).digest()


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class ConsoleIdentity:
    session_hash: str
    account_id: int
    username: str
    display_name: str
    csrf_token: str
    expires_at: datetime
    principal: Principal

    @property
    def role(self) -> Role:
        return self.principal.role


class CookieSigner:
    def __init__(self, key: bytes, max_age_seconds: float) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt=_SALT)
        self._max_age = int(max_age_seconds)

    def sign(self, secret: str) -> str:
        return self._serializer.dumps(secret)

    def unsign(self, value: str) -> str | None:
        try:
            secret = self._serializer.loads(value, max_age=self._max_age)
        except BadSignature:  # SignatureExpired is a BadSignature too
            return None
        return secret if isinstance(secret, str) else None


def open_session(session: Session, account: ConsoleAccount, now: datetime, hours: float) -> str:
    """A new session for the account; returns the secret for the cookie (stored only hashed)."""
    secret = secrets.token_urlsafe(32)
    session.add(ConsoleSession(id=_hash(secret), account_id=account.id, csrf_token=secrets.token_urlsafe(24),
                               created_at=now, expires_at=now + timedelta(hours=hours)))
    return secret


def revoke(session: Session, secret: str, now: datetime) -> None:
    session.execute(update(ConsoleSession).where(ConsoleSession.id == _hash(secret),
                                                 ConsoleSession.revoked_at.is_(None)).values(revoked_at=now))


def load_identity(connection: Connection | Session, secret: str, now: datetime) -> ConsoleIdentity | None:
    """Who a session secret belongs to, if the session is live and the account enabled."""
    s, a = ConsoleSession.__table__.c, ConsoleAccount.__table__.c
    row = connection.execute(
        select(s.id, s.csrf_token, s.expires_at, s.revoked_at, a.id.label("account_id"), a.username,
               a.display_name, a.role, a.buyer_id, a.party_id, a.disabled_at)
        .join_from(ConsoleSession.__table__, ConsoleAccount.__table__, s.account_id == a.id)
        .where(s.id == _hash(secret))).first()
    if row is None or row.revoked_at is not None or row.disabled_at is not None:
        return None
    expires = as_utc(row.expires_at)
    if expires <= now:
        return None
    role = Role(row.role)
    principal = Principal(role=role, name=row.username, buyer_id=row.buyer_id,
                          party_ids=parties_of(connection, role, row.party_id), account_id=row.account_id)
    return ConsoleIdentity(session_hash=row.id, account_id=row.account_id, username=row.username,
                           display_name=row.display_name or row.username, csrf_token=row.csrf_token,
                           expires_at=expires, principal=principal)


def csrf_matches(identity: ConsoleIdentity, offered: str | None) -> bool:
    return bool(offered) and hmac.compare_digest(identity.csrf_token, offered or "")


class SessionCache:
    """Live sessions seen in the last few seconds, so a page load does not read the session table each time."""

    def __init__(self, ttl: float = CACHE_SECONDS) -> None:
        self._ttl = ttl
        self._entries: dict[str, tuple[float, ConsoleIdentity]] = {}
        self._lock = Lock()

    def get(self, secret: str, now: datetime) -> ConsoleIdentity | None:
        entry = self._entries.get(secret)
        if entry is None or entry[0] < time.monotonic() or entry[1].expires_at <= now:
            return None
        return entry[1]

    def put(self, secret: str, identity: ConsoleIdentity) -> None:
        with self._lock:
            if len(self._entries) > 20_000:
                self._entries.clear()
            self._entries[secret] = (time.monotonic() + self._ttl, identity)

    def forget(self, secret: str) -> None:
        with self._lock:
            self._entries.pop(secret, None)
