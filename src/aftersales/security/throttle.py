"""Sign-in throttling: the rule (pure) and its counters, kept in the database so every worker process agrees."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from aftersales.clock import as_utc
from aftersales.security.account_models import LoginFailure


@dataclass(frozen=True)
class ThrottleRule:
    #: the failure (counted inside the window) that starts a lockout
    lock_after: int
    window: timedelta
    #: first lockout; each further failure doubles it, up to `longest`
    first_lock: timedelta
    longest: timedelta


#: a username is guessed at slowly; one address may fail more (a shared office NAT) but not without end
PER_USER = ThrottleRule(lock_after=5, window=timedelta(minutes=15), first_lock=timedelta(seconds=30),
                        longest=timedelta(minutes=15))
PER_ADDRESS = ThrottleRule(lock_after=30, window=timedelta(minutes=15), first_lock=timedelta(minutes=1),
                           longest=timedelta(minutes=30))


def locked_until(rule: ThrottleRule, failures: int, last_failed_at: datetime) -> datetime | None:
    """When sign-in opens again after `failures` failures in the window, or None while it is still open."""
    over = failures - rule.lock_after
    if over < 0:
        return None
    lock = min(rule.first_lock * (2 ** min(over, 20)), rule.longest)
    return last_failed_at + lock


def keys_for(username: str, address: str) -> tuple[tuple[str, ThrottleRule], ...]:
    return ((f"user:{username.strip().lower()}"[:120], PER_USER), (f"addr:{address}"[:120], PER_ADDRESS))


def retry_after(session: Session, username: str, address: str, now: datetime) -> int:
    """Seconds until this username may try again from this address; 0 when it may try now."""
    waits = [0.0]
    for key, _rule in keys_for(username, address):
        row = session.get(LoginFailure, key)
        if row is not None and row.locked_until is not None and as_utc(row.locked_until) > now:
            waits.append((as_utc(row.locked_until) - now).total_seconds())
    return int(max(waits) + 0.999)


def record_failure(session: Session, username: str, address: str, now: datetime) -> None:
    for key, rule in keys_for(username, address):
        row = session.get(LoginFailure, key, with_for_update=True)
        if row is None or now - as_utc(row.last_failed_at) > rule.window:
            if row is None:
                row = LoginFailure(key=key, failures=0, first_failed_at=now, last_failed_at=now)
                session.add(row)
            row.failures, row.first_failed_at, row.locked_until = 0, now, None
        row.failures += 1
        row.last_failed_at = now
        row.locked_until = locked_until(rule, row.failures, now)


def clear(session: Session, username: str) -> None:
    """A successful sign-in forgets the username's failures (the address keeps its count)."""
    key, _ = keys_for(username, "")[0]
    row = session.get(LoginFailure, key)
    if row is not None:
        session.delete(row)
