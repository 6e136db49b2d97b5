"""A buyer's own record: read in the clear (for an export or an erasure), and anonymised with every credential
that could still act as them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from aftersales.parties.models import Buyer
from aftersales.security import pii
from aftersales.security.account_models import ConsoleAccount, ConsoleSession
from aftersales.security.models import ApiToken

#: the fields an export shows and an erasure removes
PROFILE_FIELDS = ("name", "phone", "address")
#: no argon2 hash ever looks like this: an erased account cannot sign in, whatever password is offered
NO_PASSWORD = "!erased"


@dataclass(frozen=True)
class BuyerProfile:
    id: str
    name: str
    phone: str
    address: str
    region: str
    created_at: datetime
    erased_at: datetime | None


def read_profile(buyer: Buyer, keys: pii.Keys) -> BuyerProfile:
    """The profile in the clear; the caller audits the read (security.audit)."""
    erased = buyer.erased_at is not None
    return BuyerProfile(id=buyer.id, name="" if erased else pii.decrypt(buyer.name_enc, keys),
                        phone="" if erased else pii.decrypt(buyer.phone_enc, keys),
                        address="" if erased else pii.decrypt(buyer.address_enc, keys), region=buyer.region,
                        created_at=buyer.created_at, erased_at=buyer.erased_at)


def anonymise(buyer: Buyer, keys: pii.Keys, now: datetime) -> None:
    """Name, phone and address replaced by an empty ciphertext (the columns stay ciphertext, so re-encryption and
    every reader keep working); the id stays, so cases, orders, surveys and the ledger keep their keys. The
    province stays too: it is what routing and the regional analytics use, and it names no one."""
    empty = pii.encrypt("", keys)
    buyer.name_enc = buyer.phone_enc = buyer.address_enc = empty
    buyer.erased_at = now


@dataclass
class ClosedCredentials:
    tokens: int = 0
    accounts: int = 0
    sessions: int = 0


def close_credentials(session: Session, buyer_id: str, now: datetime) -> ClosedCredentials:
    """Revoke the buyer's API tokens and console sign-ins; the console account keeps its row (its id is on saved
    filters and sessions) but loses its username and display name and can never sign in again."""
    closed = ClosedCredentials()
    tokens = list(session.scalars(select(ApiToken).where(ApiToken.buyer_id == buyer_id,
                                                         ApiToken.revoked_at.is_(None))))
    for token in tokens:
        token.revoked_at = now
    closed.tokens = len(tokens)
    accounts = list(session.scalars(select(ConsoleAccount).where(ConsoleAccount.buyer_id == buyer_id)))
    for account in accounts:
        account.username = f"erased-{account.id}"
        account.display_name = ""
        account.password_hash = NO_PASSWORD
        account.disabled_at = account.disabled_at or now
    closed.accounts = len(accounts)
    if accounts:
        sessions = list(session.scalars(select(ConsoleSession).where(
            ConsoleSession.account_id.in_([a.id for a in accounts]), ConsoleSession.revoked_at.is_(None))))
        for live in sessions:
            live.revoked_at = now
        closed.sessions = len(sessions)
    return closed
