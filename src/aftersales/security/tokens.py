"""API tokens: random secrets shown once, stored only as SHA-256 hashes; each with scopes, an expiry, a
revocation and the time it was last used."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from aftersales.clock import as_utc
from aftersales.parties.models import Buyer, Party
from aftersales.problems import InvalidInput, NotFound, Unauthorized
from aftersales.security import scopes as token_scopes
from aftersales.security.models import ApiToken
from aftersales.security.principals import Principal, Role

TOKEN_PREFIX = "as_"
ROLE_PARTY_KIND = {Role.brand: "brand", Role.anchor: "anchor", Role.mcn: "mcn", Role.carrier: "carrier"}


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class IssuedToken:
    token: str
    token_id: int
    role: Role
    scopes: frozenset[str]
    expires_at: datetime | None


def create_token(session: Session, *, role: str, now: datetime, party_id: str | None = None,
                 buyer_id: str | None = None, name: str = "", ttl: timedelta | None = None,
                 scopes: str | Iterable[str] | None = None) -> IssuedToken:
    """Create a token; the secret is returned once and never stored. `ttl` None: it never expires (the CLI
    applies the configured default); `scopes` None: everything the role may do."""
    parsed_role = parse_role(role)
    granted = token_scopes.parse_scopes(scopes, parsed_role)
    check_binding(session, parsed_role, party_id, buyer_id)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(24)
    expires_at = now + ttl if ttl is not None else None
    row = ApiToken(token_hash=hash_token(secret), role=parsed_role.value, party_id=party_id,
                   buyer_id=buyer_id, name=name, created_at=now, expires_at=expires_at,
                   scopes=token_scopes.stored(granted))
    session.add(row)
    session.flush()
    return IssuedToken(token=secret, token_id=row.id, role=parsed_role, scopes=granted, expires_at=expires_at)


def parse_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError as error:
        raise InvalidInput(f"未知角色 / unknown role {role!r}; choose one of {[r.value for r in Role]}",
                           field="role") from error


def check_binding(session: Session, role: Role, party_id: str | None, buyer_id: str | None) -> None:
    """A buyer credential names an existing buyer; a brand/anchor/MCN one a party of that kind."""
    if role is Role.buyer:
        if not buyer_id or session.get(Buyer, buyer_id) is None:
            raise InvalidInput("买家令牌需要有效的买家ID / a buyer token needs an existing buyer id", field="party")
        return
    if role in ROLE_PARTY_KIND:
        party = session.get(Party, party_id) if party_id else None
        if party is None or party.kind != ROLE_PARTY_KIND[role]:
            raise InvalidInput(f"{role.value} 令牌需要对应类型的主体ID / a {role.value} token needs a "
                               f"{ROLE_PARTY_KIND[role]} party id", field="party")
    elif party_id and session.get(Party, party_id) is None:
        raise InvalidInput("主体不存在 / no such party", field="party")


_TOKENS = ApiToken.__table__.c
#: built once: a statement built per request cost its construction and cache key (~0.13 ms) on every new
#: token, and at a live-stream peak nearly every request brings a buyer token not seen in the last 0.5 s
_BY_HASH = select(_TOKENS.id, _TOKENS.role, _TOKENS.name, _TOKENS.party_id, _TOKENS.buyer_id, _TOKENS.revoked_at,
                  _TOKENS.expires_at, _TOKENS.scopes).where(_TOKENS.token_hash == bindparam("token_hash"))


def authenticate(connection: Connection | Session, token: str, now: datetime) -> Principal:
    """Who a token speaks for; a Core read on the unique hash index, cheap enough for every request."""
    row = connection.execute(_BY_HASH, {"token_hash": hash_token(token)}).first()
    if row is None:
        raise Unauthorized("令牌无效 / token invalid", field="Authorization")
    if row.revoked_at is not None:
        raise Unauthorized("令牌已吊销 / token revoked", field="Authorization")
    expires_at = as_utc(row.expires_at) if row.expires_at is not None else None
    if is_expired(expires_at, now):
        raise Unauthorized("令牌已过期 / token expired", field="Authorization")
    role = Role(row.role)
    return Principal(role=role, token_id=row.id, name=row.name, buyer_id=row.buyer_id,
                     party_ids=parties_of(connection, role, row.party_id),
                     scopes=token_scopes.loaded(row.scopes), expires_at=expires_at)


def is_expired(expires_at: datetime | None, now: datetime) -> bool:
    return expires_at is not None and expires_at <= now


@dataclass(frozen=True)
class TokenInfo:
    """A token as an administrator sees it: everything but the secret (which is never stored)."""

    id: int
    name: str
    role: str
    party_id: str | None
    buyer_id: str | None
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    state: str


def token_state(row: ApiToken, now: datetime) -> str:
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if is_expired(row.expires_at, now) else "active"


def info(row: ApiToken, now: datetime) -> TokenInfo:
    return TokenInfo(id=row.id, name=row.name, role=row.role, party_id=row.party_id, buyer_id=row.buyer_id,
                     scopes=tuple(s for s in token_scopes.SCOPES if s in token_scopes.loaded(row.scopes)),
                     created_at=row.created_at, expires_at=row.expires_at, last_used_at=row.last_used_at,
                     revoked_at=row.revoked_at, state=token_state(row, now))


STATES = ("active", "expired", "revoked")


def list_tokens(session: Session, now: datetime, *, after: int = 0, limit: int = 100,
                state: str | None = None, role: str | None = None) -> list[TokenInfo]:
    """Tokens in id order from `after` on (a keyset page), optionally only one state or role."""
    query = select(ApiToken).where(ApiToken.id > after).order_by(ApiToken.id).limit(limit)
    if role is not None:
        query = query.where(ApiToken.role == parse_role(role).value)
    if state == "revoked":
        query = query.where(ApiToken.revoked_at.is_not(None))
    elif state == "expired":
        query = query.where(ApiToken.revoked_at.is_(None), ApiToken.expires_at <= now)
    elif state == "active":
        query = query.where(ApiToken.revoked_at.is_(None),
                            (ApiToken.expires_at.is_(None)) | (ApiToken.expires_at > now))
    elif state is not None:
        raise InvalidInput(f"状态应为 {', '.join(STATES)} / state is one of {', '.join(STATES)}", field="state")
    return [info(row, now) for row in session.scalars(query)]


def find_token(session: Session, reference: str | int) -> ApiToken:
    """A token by its id or by its secret (what an operator has at hand when a token leaks)."""
    text = str(reference).strip()
    if text.startswith(TOKEN_PREFIX):
        row = session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(text)))
    elif text.isdigit() and 0 < int(text) <= 2_147_483_647:
        row = session.get(ApiToken, int(text))
    else:
        raise InvalidInput(f"请给出令牌编号或以 {TOKEN_PREFIX} 开头的令牌 / give a token id or a token starting "
                           f"with {TOKEN_PREFIX}", field="token")
    if row is None:
        raise NotFound("令牌不存在 / no such token", field="token")
    return row


def revoke_token(session: Session, reference: str | int, now: datetime) -> TokenInfo:
    """Revoke a token (idempotent: a revoked token keeps its first revocation time)."""
    row = find_token(session, reference)
    if row.revoked_at is None:
        row.revoked_at = now
        session.flush()
    return info(row, now)


def parties_of(connection: Connection | Session, role: Role, party_id: str | None) -> frozenset[str]:
    """The parties a credential speaks for: its own, and for an MCN its anchors, for a brand its shops."""
    if not party_id:
        return frozenset()
    parties = {party_id}
    if role in (Role.mcn, Role.brand):
        parties.update(connection.execute(select(Party.__table__.c.id)
                                          .where(Party.__table__.c.parent_id == party_id)).scalars())
    return frozenset(parties)
