"""Token administration for platform admins: every token without its secret, and revocation that takes effect
on this process at once and on every other within the principal cache's half second."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from aftersales.security import tokens
from aftersales.security.principals import Role
from aftersales.web.deps import (
    MAX_ROW_ID,
    CurrentPrincipal,
    DbSession,
    RowId,
    RuntimeDep,
    Transaction,
    require_roles,
)

router = APIRouter(prefix="/api/v1/admin", tags=["admin 管理"])


class TokenOut(BaseModel):
    id: int
    name: str
    role: str
    party_id: str | None
    buyer_id: str | None
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None
    state: str

    @classmethod
    def of(cls, token: tokens.TokenInfo) -> TokenOut:
        return cls(id=token.id, name=token.name, role=token.role, party_id=token.party_id, buyer_id=token.buyer_id,
                   scopes=list(token.scopes), created_at=token.created_at, expires_at=token.expires_at,
                   last_used_at=token.last_used_at, revoked_at=token.revoked_at, state=token.state)


class TokenPage(BaseModel):
    items: list[TokenOut]
    #: pass as `after` for the next page; None on the last one
    next_after: int | None


@router.get("/tokens", response_model=TokenPage, summary="令牌列表（不含密钥） / API tokens, without secrets")
def list_tokens(principal: CurrentPrincipal, session: DbSession, runtime: RuntimeDep,
                after: Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="上一页最后的编号 / last id seen")] = 0,
                limit: Annotated[int, Query(ge=1, le=500)] = 100,
                state: Annotated[str | None, Query(pattern="^(active|expired|revoked)$")] = None,
                role: Annotated[str | None, Query(max_length=20)] = None) -> TokenPage:
    require_roles(principal, Role.platform_admin)
    found = tokens.list_tokens(session, runtime.clock.now(), after=after, limit=limit, state=state, role=role)
    return TokenPage(items=[TokenOut.of(t) for t in found],
                     next_after=found[-1].id if len(found) == limit else None)


@router.post("/tokens/{token_id}/revoke", response_model=TokenOut,
             summary="吊销令牌（立即生效，可重复调用） / revoke a token (at once; repeating it is harmless)")
def revoke(token_id: RowId, principal: CurrentPrincipal, session: Transaction, runtime: RuntimeDep) -> TokenOut:
    require_roles(principal, Role.platform_admin)
    revoked = tokens.revoke_token(session, token_id, runtime.clock.now())
    runtime.principals.forget_token(revoked.id)
    return TokenOut.of(revoked)
