"""Live-session evidence use cases: record claims into the hash chain, seal, verify, and serve intake."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from aftersales.catalog.models import Product
from aftersales.clock import as_utc
from aftersales.ids import new_id
from aftersales.live import chain, claim_check, phrases
from aftersales.live.models import LiveClaim, LiveSeal, LiveSession
from aftersales.parties.models import Party
from aftersales.problems import Conflict, Forbidden, InvalidInput, NotFound
from aftersales.security.principals import Principal, Role

MAX_TEXT = 2000
#: a week of streaming: no session runs longer, and the column is a 32-bit integer (larger failed on PostgreSQL)
MAX_OFFSET_MS = 7 * 24 * 3600 * 1000
#: who may open the evidence of a session (an anchor only its own)
EVIDENCE_ROLES = frozenset({Role.anchor, Role.supervisor, Role.platform_admin})


class SessionSealed(Conflict):
    code = "live-session-sealed"
    title = "直播已封存 / Live session sealed"


@dataclass(frozen=True)
class ClaimView:
    """A recorded claim as a case shows it to the buyer, the agent and an arbitrator."""

    session_id: str
    seq: int
    offset_ms: int
    text: str
    product_ids: tuple[str, ...]
    promise_ids: tuple[str, ...]
    promises: tuple[dict[str, Any], ...]
    hash: str
    recorded_at: datetime
    #: the session's whole chain verifies (against its seal when sealed)
    chain_verified: bool
    sealed: bool

    @property
    def offset_label(self) -> str:
        seconds = self.offset_ms // 1000
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"

    def as_dict(self) -> dict[str, Any]:
        return {"session_id": self.session_id, "seq": self.seq, "offset_ms": self.offset_ms,
                "offset": self.offset_label, "text": self.text, "product_ids": list(self.product_ids),
                "promise_ids": list(self.promise_ids), "promises": list(self.promises), "hash": self.hash,
                "recorded_at": as_utc(self.recorded_at).isoformat(), "chain_verified": self.chain_verified,
                "sealed": self.sealed}


def authorise(principal: Principal, live_session: LiveSession) -> None:
    """Anchors see only their own sessions (others' are 404, not 403, so ids do not leak)."""
    if principal.role not in EVIDENCE_ROLES:
        raise Forbidden(f"角色 {principal.role.value} 无权访问直播存证 / role {principal.role.value} may not "
                        "access live evidence", role=principal.role.value)
    if principal.role is Role.anchor and not principal.speaks_for(live_session.anchor_id):
        raise NotFound(f"直播场次不存在 / no live session {live_session.id}")


def get_session(session: Session, principal: Principal, session_id: str, *, for_update: bool = False) -> LiveSession:
    """The session if this principal may see it."""
    query = select(LiveSession).where(LiveSession.id == session_id)
    if for_update:
        # one writer per session at a time on PostgreSQL; SQLite serialises writers anyway
        query = query.with_for_update()
    live_session = session.scalar(query)
    if live_session is None:
        raise NotFound(f"直播场次不存在 / no live session {session_id}")
    authorise(principal, live_session)
    return live_session


def create_session(session: Session, principal: Principal, *, title: str, started_at: datetime,
                   anchor_id: str | None = None, shop_id: str | None = None) -> LiveSession:
    """Open a session: an anchor opens its own; governance roles name the anchor."""
    if principal.role not in EVIDENCE_ROLES:
        raise Forbidden("无权创建直播场次 / may not create live sessions")
    if principal.role is Role.anchor:
        if anchor_id is not None and not principal.speaks_for(anchor_id):
            raise Forbidden("主播只能为自己开播 / an anchor opens only its own sessions")
        anchor_id = next(iter(principal.party_ids), None)
    anchor = session.get(Party, anchor_id) if anchor_id else None
    if anchor is None or anchor.kind != "anchor":
        raise InvalidInput("需要有效的主播ID / an existing anchor id is required", field="anchor_id")
    if shop_id is not None and session.get(Party, shop_id) is None:
        raise InvalidInput("店铺不存在 / no such shop", field="shop_id")
    row = LiveSession(id=new_id("LS"), anchor_id=anchor.id, shop_id=shop_id, title=title, started_at=started_at)
    session.add(row)
    session.flush()
    return row


def _claims(session: Session, session_id: str) -> list[LiveClaim]:
    return list(session.scalars(select(LiveClaim).where(LiveClaim.session_id == session_id)
                                .order_by(LiveClaim.id)))


def _entry(row: LiveClaim) -> chain.ChainEntry:
    content = chain.ClaimContent(row.seq, row.text, row.offset_ms, tuple(row.product_ids), row.recorded_at)
    return chain.ChainEntry(content=content, prev_hash=row.prev_hash, hash=row.hash)


def _check_claim(session: Session, text: str, offset_ms: int, product_ids: list[str]) -> None:
    if not text.strip() or len(text) > MAX_TEXT:
        raise InvalidInput(f"宣称内容须为1–{MAX_TEXT}字 / text must be 1–{MAX_TEXT} characters", field="text")
    if not 0 <= offset_ms <= MAX_OFFSET_MS:
        raise InvalidInput(f"直播时间偏移须在0–{MAX_OFFSET_MS}毫秒（7天）之间 / offset_ms must be 0–{MAX_OFFSET_MS} "
                           "(7 days)", field="offset_ms")
    known = set(session.scalars(select(Product.id).where(Product.id.in_(product_ids)))) if product_ids else set()
    missing = sorted(set(product_ids) - known)
    if missing:
        raise InvalidInput(f"商品不存在 / unknown products: {missing}", field="product_ids")


def record_claim(session: Session, live_session: LiveSession, *, text: str, offset_ms: int,
                 product_ids: list[str], now: datetime, actor_id: str | None = None) -> LiveClaim:
    """Append a claim to the session's chain; a sealed session takes no more."""
    if live_session.sealed_at is not None:
        raise SessionSealed(f"直播 {live_session.id} 已封存，不能再记录 / session {live_session.id} is sealed")
    _check_claim(session, text, offset_ms, product_ids)
    last = session.scalar(select(LiveClaim).where(LiveClaim.session_id == live_session.id)
                          .order_by(LiveClaim.seq.desc()).limit(1))
    previous = last.hash if last is not None else chain.genesis_hash(live_session.id)
    seq = last.seq + 1 if last is not None else 1
    products = tuple(dict.fromkeys(product_ids))
    entry = chain.append(previous, chain.ClaimContent(seq, text, offset_ms, products, now))
    row = LiveClaim(session_id=live_session.id, seq=seq, text=text, offset_ms=offset_ms, product_ids=list(products),
                    recorded_at=now, prev_hash=entry.prev_hash, hash=entry.hash,
                    promise_ids=list(phrases.promise_ids(text)), recorded_by=actor_id)
    session.add(row)
    try:
        session.flush()
    except IntegrityError as error:
        # another claim took this seq in the same instant (SQLite has no row lock): the caller retries
        raise Conflict("同一时刻有另一条宣称写入，请重试 / another claim was recorded at the same time; "
                       "retry") from error
    return row


def seal(session: Session, live_session: LiveSession, *, now: datetime, actor_id: str | None = None) -> LiveSeal:
    """End the session and fix its root hash; sealing twice is a conflict, not a new root."""
    if live_session.sealed_at is not None:
        raise SessionSealed(f"直播 {live_session.id} 已封存 / session {live_session.id} is already sealed")
    entries = [_entry(row) for row in _claims(session, live_session.id)]
    root = chain.seal(live_session.id, entries)
    row = LiveSeal(session_id=live_session.id, root_hash=root, entry_count=len(entries), sealed_at=now,
                   sealed_by=actor_id)
    live_session.root_hash = root
    live_session.sealed_at = now
    live_session.ended_at = live_session.ended_at or now
    session.add(row)
    session.flush()
    return row


def _seal_of(session: Session, live_session: LiveSession) -> tuple[str | None, int | None]:
    row = session.get(LiveSeal, live_session.id)
    if row is not None:
        return row.root_hash, row.entry_count
    return live_session.root_hash, None


def verify(session: Session, live_session: LiveSession) -> chain.VerifyReport:
    """Recompute the chain from the stored rows and compare with the seal."""
    root, count = _seal_of(session, live_session)
    return chain.verify(live_session.id, [_entry(row) for row in _claims(session, live_session.id)], root, count)


def list_claims(session: Session, live_session: LiveSession, *, after_seq: int = 0,
                limit: int = 500) -> list[LiveClaim]:
    """A page of claims in seq order; a long session is read page by page with `after_seq`."""
    return list(session.scalars(select(LiveClaim).where(LiveClaim.session_id == live_session.id,
                                                        LiveClaim.seq > after_seq)
                                .order_by(LiveClaim.seq).limit(limit)))


def export(session: Session, live_session: LiveSession) -> dict[str, Any]:
    root, count = _seal_of(session, live_session)
    entries = [_entry(row) for row in _claims(session, live_session.id)]
    return chain.to_export(live_session.id, entries, root, count)


def load_for_cli(session: Session, session_id: str) -> LiveSession:
    """The session without a principal: the CLI runs as the operator of the database."""
    live_session = session.get(LiveSession, session_id)
    if live_session is None:
        raise NotFound(f"直播场次不存在 / no live session {session_id}")
    return live_session


def _promise_dicts(text: str) -> tuple[dict[str, Any], ...]:
    return tuple({"id": p.id, "zh": p.zh, "en": p.en, "matched": p.matched, "days": p.days}
                 for p in phrases.extract_promises(text))


@dataclass(frozen=True)
class SoldItem:
    """What was sold where: the live session an order came from and one product of it."""

    live_session_id: str | None
    product_id: str


def claims_for(session: Session, sold: SoldItem) -> list[ClaimView]:
    """The claims of the live session that name the product, in the order they were made."""
    if sold.live_session_id is None:
        return []
    live_session = session.get(LiveSession, sold.live_session_id)
    if live_session is None:
        return []
    rows = _claims(session, live_session.id)
    if not rows:
        return []
    verified = verify(session, live_session).ok
    sealed = live_session.sealed_at is not None
    return [
        ClaimView(row.session_id, row.seq, row.offset_ms, row.text, tuple(row.product_ids),
                  tuple(phrases.promise_ids(row.text)), _promise_dicts(row.text), row.hash, row.recorded_at,
                  verified, sealed)
        for row in sorted(rows, key=lambda claim: claim.seq)
        if sold.product_id in row.product_ids
    ]


def promise_ids_for(session: Session, sold: SoldItem) -> tuple[str, ...]:
    """Every promise id the anchor made for the product, once each (input to policy Facts.promises)."""
    ids = (pid for view in claims_for(session, sold) for pid in view.promise_ids)
    return tuple(dict.fromkeys(ids))


def judge_claims(session: Session, sold: SoldItem, complaint: str,
                 test_report: dict[str, Decimal] | None = None) -> claim_check.Judgement:
    """Judge the buyer's complaint (and a lab report, if any) against what the anchor claimed for this product.

    `has_mismatch` is the `has_claim_mismatch` input of liability routing; `needs_evidence` means a test
    report would settle it.
    """
    checkable = tuple(claim for view in claims_for(session, sold) for claim in phrases.extract_checkable(view.text))
    return claim_check.judge(checkable, complaint, test_report)


def price_protection_days(session: Session, sold: SoldItem) -> int | None:
    """The longest price protection the anchor promised for this product, if any."""
    days = [p.days for view in claims_for(session, sold) for p in phrases.extract_promises(view.text)
            if p.id == "price_protection_days" and p.days is not None]
    return max(days) if days else None


def sessions_with_evidence(session: Session) -> int:
    """How many sessions have at least one recorded claim (indicator T2's numerator)."""
    return int(session.scalar(select(func.count(func.distinct(LiveClaim.session_id)))) or 0)
