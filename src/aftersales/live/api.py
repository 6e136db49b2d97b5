"""Live evidence API: record an anchor's claims as they are made, seal the session, verify the chain."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request

from aftersales.live import chain, phrases
from aftersales.live import service as live_service
from aftersales.live.models import LiveClaim, LiveSession
from aftersales.live.schemas import (
    CheckableRead,
    ClaimCreate,
    ClaimRead,
    IssueRead,
    PromiseRead,
    SealRead,
    SessionCreate,
    SessionRead,
    VerifyRead,
)
from aftersales.security.principals import Principal
from aftersales.web.deps import MAX_ROW_ID, CurrentPrincipal, DbSession, Transaction, clock_now

router = APIRouter(prefix="/api/v1/live", tags=["live"])


def _actor(principal: Principal) -> str | None:
    return principal.actor_id or principal.name or None


def _session_read(row: LiveSession) -> SessionRead:
    return SessionRead(id=row.id, anchor_id=row.anchor_id, shop_id=row.shop_id, title=row.title,
                       started_at=row.started_at, ended_at=row.ended_at, root_hash=row.root_hash,
                       sealed_at=row.sealed_at)


def _checkable(claim: phrases.CheckableClaim) -> CheckableRead:
    if isinstance(claim, phrases.IngredientClaim):
        return CheckableRead(kind="ingredient", id=claim.ingredient_id, zh=claim.name_zh, en=claim.name_en,
                             percent=str(claim.percent), matched=claim.matched)
    return CheckableRead(kind="efficacy", id=claim.effect_id, zh=claim.name_zh, en=claim.name_en, days=claim.days,
                         matched=claim.matched)


def _claim_read(row: LiveClaim) -> ClaimRead:
    promises = [PromiseRead(id=p.id, zh=p.zh, en=p.en, matched=p.matched, days=p.days)
                for p in phrases.extract_promises(row.text)]
    return ClaimRead(session_id=row.session_id, seq=row.seq, text=row.text, offset_ms=row.offset_ms,
                     product_ids=list(row.product_ids), recorded_at=row.recorded_at, prev_hash=row.prev_hash,
                     hash=row.hash, promise_ids=[p.id for p in promises], promises=promises,
                     checkable=[_checkable(c) for c in phrases.extract_checkable(row.text)])


def _verify_read(session_id: str, report: chain.VerifyReport) -> VerifyRead:
    return VerifyRead(session_id=session_id, ok=report.ok, sealed=report.sealed, count=report.count,
                      root_hash=report.root_hash,
                      issues=[IssueRead(**issue.__dict__) for issue in report.issues])


@router.post("/sessions", status_code=201, response_model=SessionRead)
def create_session(body: SessionCreate, principal: CurrentPrincipal, db: Transaction,
                   request: Request) -> SessionRead:
    """开播：新建直播场次 / open a live session."""
    row = live_service.create_session(db, principal, title=body.title, anchor_id=body.anchor_id,
                                      shop_id=body.shop_id, started_at=body.started_at or clock_now(request))
    return _session_read(row)


@router.get("/sessions/{session_id}", response_model=SessionRead)
def get_session(session_id: str, principal: CurrentPrincipal, db: DbSession) -> SessionRead:
    return _session_read(live_service.get_session(db, principal, session_id))


@router.post("/sessions/{session_id}/claims", status_code=201, response_model=ClaimRead)
def record_claim(session_id: str, body: ClaimCreate, principal: CurrentPrincipal, db: Transaction,
                 request: Request) -> ClaimRead:
    """记录主播宣称（入哈希链）/ record a claim as it is made (appended to the hash chain)."""
    live_session = live_service.get_session(db, principal, session_id, for_update=True)
    row = live_service.record_claim(db, live_session, text=body.text, offset_ms=body.offset_ms,
                                    product_ids=body.product_ids, now=clock_now(request), actor_id=_actor(principal))
    return _claim_read(row)


@router.get("/sessions/{session_id}/claims", response_model=list[ClaimRead])
def list_claims(session_id: str, principal: CurrentPrincipal, db: DbSession,
                after_seq: Annotated[int, Query(ge=0, le=MAX_ROW_ID, description="claims after this seq")] = 0,
                limit: Annotated[int, Query(ge=1, le=1000)] = 500) -> list[ClaimRead]:
    live_session = live_service.get_session(db, principal, session_id)
    return [_claim_read(row) for row in live_service.list_claims(db, live_session, after_seq=after_seq,
                                                                 limit=limit)]


@router.post("/sessions/{session_id}/seal", response_model=SealRead)
def seal(session_id: str, principal: CurrentPrincipal, db: Transaction, request: Request) -> SealRead:
    """下播封存：写入根哈希 / end the session and seal its chain with the root hash."""
    live_session = live_service.get_session(db, principal, session_id, for_update=True)
    row = live_service.seal(db, live_session, now=clock_now(request), actor_id=_actor(principal))
    return SealRead(session_id=row.session_id, root_hash=row.root_hash, entry_count=row.entry_count,
                    sealed_at=row.sealed_at)


@router.get("/sessions/{session_id}/verify", response_model=VerifyRead)
def verify(session_id: str, principal: CurrentPrincipal, db: DbSession) -> VerifyRead:
    """校验存证链：指出被篡改、插入、删除或调序的记录 / verify the chain and name every tampered entry."""
    live_session = live_service.get_session(db, principal, session_id)
    return _verify_read(session_id, live_service.verify(db, live_session))


@router.get("/sessions/{session_id}/export")
def export(session_id: str, principal: CurrentPrincipal, db: DbSession) -> dict[str, Any]:
    """导出存证链（可离线校验：aftersales live verify --file）/ the chain for offline verification."""
    return live_service.export(db, live_service.get_session(db, principal, session_id))
