"""When to try a failed delivery again, and when to give up (the dead-letter list). Pure."""

from __future__ import annotations

from datetime import datetime, timedelta

#: 30 s, 1, 2, 4 … minutes, at most an hour apart; after this many attempts the delivery is dead-lettered
BASE_DELAY_SECONDS = 30
MAX_DELAY_SECONDS = 3600
MAX_ATTEMPTS = 8


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """The time of the next try after `attempts` failures, or None when the delivery goes to the dead letters."""
    if attempts >= MAX_ATTEMPTS:
        return None
    delay = min(BASE_DELAY_SECONDS * 2 ** max(attempts - 1, 0), MAX_DELAY_SECONDS)
    return now + timedelta(seconds=delay)


def permanent(status_code: int) -> bool:
    """A 4xx other than timeout/too-many means the request itself is wrong: retrying cannot help."""
    return 400 <= status_code < 500 and status_code not in (408, 425, 429)
