"""API tokens: random secrets shown once, stored only as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from aftersales.parties.models import Buyer, Party
from aftersales.problems import InvalidInput, Unauthorized
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


def create_token(session: Session, *, role: str, now: datetime, party_id: str | None = None,
                 buyer_id: str | None = None, name: str = "") -> IssuedToken:
    """Create a token; the secret is returned once and never stored."""
    parsed_role = parse_role(role)
    check_binding(session, parsed_role, party_id, buyer_id)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(24)
    row = ApiToken(token_hash=hash_token(secret), role=parsed_role.value, party_id=party_id,
                   buyer_id=buyer_id, name=name, created_at=now)
    session.add(row)
    session.flush()
    return IssuedToken(token=secret, token_id=row.id, role=parsed_role)


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


def authenticate(connection: Connection | Session, token: str) -> Principal:
    """Who a token speaks for; a Core read on the unique hash index, cheap enough for every request."""
    tokens = ApiToken.__table__.c
    row = connection.execute(
        select(tokens.id, tokens.role, tokens.name, tokens.party_id, tokens.buyer_id, tokens.revoked_at)
        .where(tokens.token_hash == hash_token(token))).first()
    if row is None or row.revoked_at is not None:
        raise Unauthorized("令牌无效或已吊销 / token invalid or revoked")
    role = Role(row.role)
    return Principal(role=role, token_id=row.id, name=row.name, buyer_id=row.buyer_id,
                     party_ids=parties_of(connection, role, row.party_id))


def parties_of(connection: Connection | Session, role: Role, party_id: str | None) -> frozenset[str]:
    """The parties a credential speaks for: its own, and for an MCN its anchors, for a brand its shops."""
    if not party_id:
        return frozenset()
    parties = {party_id}
    if role in (Role.mcn, Role.brand):
        parties.update(connection.execute(select(Party.__table__.c.id)
                                          .where(Party.__table__.c.parent_id == party_id)).scalars())
    return frozenset(parties)
