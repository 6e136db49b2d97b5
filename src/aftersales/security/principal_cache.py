"""Recently authenticated principals, so hot paths (intake at a live-stream peak) skip the token table.

The cache is short on purpose: a token revoked or edited in the database stops working on every process
within PRINCIPAL_CACHE_SECONDS, and at once on the process that revoked it. Expiry needs no database at all:
the cached principal carries its `expires_at` and is checked against the clock on every request.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from threading import Lock

from aftersales.security.principals import Principal

#: a revoked token stops working within this many seconds on every process (the issue allows at most 1 s);
#: at hundreds of requests a second on one token this is still one indexed read per half second
PRINCIPAL_CACHE_SECONDS = 0.5
#: a token that authenticated lately is let through an address's failed-authentication lockout (it is still
#: checked against the database): colleagues behind one office NAT are not locked out by a guesser among them
VOUCHED_SECONDS = 900.0
_MOST_ENTRIES = 50_000


class PrincipalCache:
    def __init__(self, ttl: float = PRINCIPAL_CACHE_SECONDS, vouched: float = VOUCHED_SECONDS,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self._vouched = vouched
        self._monotonic = monotonic
        #: token hash -> (fresh until, vouched for until, principal)
        self._entries: dict[str, tuple[float, float, Principal]] = {}
        self._lock = Lock()

    def get(self, token_hash: str) -> Principal | None:
        entry = self._entries.get(token_hash)
        if entry is None or entry[0] < self._monotonic():
            return None
        return entry[2]

    def vouches_for(self, token_hash: str) -> bool:
        entry = self._entries.get(token_hash)
        return entry is not None and entry[1] >= self._monotonic()

    def put(self, token_hash: str, principal: Principal) -> None:
        now = self._monotonic()
        with self._lock:
            if len(self._entries) > _MOST_ENTRIES:
                self._entries.clear()
            self._entries[token_hash] = (now + self.ttl, now + self._vouched, principal)

    def forget(self, token_hash: str) -> None:
        with self._lock:
            self._entries.pop(token_hash, None)

    def forget_token(self, token_id: int) -> None:
        """A revocation on this process takes effect on its next request, not after the cache lifetime."""
        with self._lock:
            for key in [k for k, entry in self._entries.items() if entry[2].token_id == token_id]:
                del self._entries[key]
