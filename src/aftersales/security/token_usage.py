"""When each API token was last used, without a write on every request.

A process notes a token at most once a minute and writes what it noted in one batched UPDATE at most every
ten seconds, after a response has gone out: a token seen at intake's hundreds of requests a second costs one
row update a minute, and a benchmark of ten thousand buyer tokens a handful of batches, not ten thousand writes.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from threading import Lock
from typing import cast

from sqlalchemy import Table, bindparam, or_, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from aftersales.security.models import ApiToken

#: a token's last-used time is at most this stale while it is in use (plus the flush interval)
RECORD_EVERY = timedelta(minutes=1)
FLUSH_EVERY = timedelta(seconds=10)
_MOST_TOKENS = 100_000
log = logging.getLogger(__name__)


class TokenUsage:
    def __init__(self) -> None:
        self._noted: dict[int, datetime] = {}
        self._pending: dict[int, datetime] = {}
        self._flushed_at: datetime | None = None
        self._lock = Lock()

    def note(self, token_id: int, now: datetime) -> bool:
        """Note a use; True when a batch is due to be written."""
        last = self._noted.get(token_id)
        if last is None or now - last >= RECORD_EVERY:
            with self._lock:
                if len(self._noted) > _MOST_TOKENS:
                    self._noted.clear()
                self._noted[token_id] = now
                self._pending[token_id] = now
        return bool(self._pending) and (self._flushed_at is None or now - self._flushed_at >= FLUSH_EVERY)

    def take(self, now: datetime) -> dict[int, datetime]:
        with self._lock:
            batch, self._pending, self._flushed_at = self._pending, {}, now
        return batch

    def give_back(self, batch: dict[int, datetime]) -> None:
        with self._lock:
            for token_id, used_at in batch.items():
                self._pending[token_id] = max(used_at, self._pending.get(token_id, used_at))


def write(engine: Engine, batch: dict[int, datetime]) -> None:
    """One transaction for the batch; a later time never goes backwards when two processes write."""
    if not batch:
        return
    table = cast(Table, ApiToken.__table__)
    tokens = table.c
    statement = (update(table)
                 .where(tokens.id == bindparam("token_id"),
                        or_(tokens.last_used_at.is_(None), tokens.last_used_at < bindparam("used_at")))
                 .values(last_used_at=bindparam("used_at")))
    with engine.begin() as connection:
        connection.execute(statement, [{"token_id": k, "used_at": v} for k, v in sorted(batch.items())])


def flush(usage: TokenUsage, engine: Engine, now: datetime) -> None:
    """Write what is pending; a database that is busy or away keeps it for the next batch, never fails a request."""
    batch = usage.take(now)
    try:
        write(engine, batch)
    except SQLAlchemyError as error:
        log.warning("last-used times of %d tokens not written, kept for the next batch: %s", len(batch), error)
        usage.give_back(batch)
