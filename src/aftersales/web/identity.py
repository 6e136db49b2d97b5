"""Who am I: the caller's role and parties, so clients can shape their screens."""

from __future__ import annotations

from fastapi import APIRouter

from aftersales.security import scopes
from aftersales.web.deps import CurrentPrincipal

router = APIRouter(prefix="/api/v1", tags=["identity 身份"])


@router.get("/me", summary="当前身份 / the calling principal")
async def me(principal: CurrentPrincipal) -> dict[str, object]:
    return {"role": principal.role.value, "name": principal.name, "buyer_id": principal.buyer_id,
            "party_ids": sorted(principal.party_ids),
            # a console session is bounded by its role alone: it shows every scope
            "scopes": [s for s in scopes.SCOPES if principal.scopes is None or s in principal.scopes],
            "expires_at": principal.expires_at}
