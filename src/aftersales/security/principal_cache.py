"""Recently authenticated principals, so hot paths (intake at a live-stream peak) skip the token table."""

from __future__ import annotations

import time
from threading import Lock

from aftersales.security.principals import Principal

#: a revoked token stops working within this many seconds on every process
PRINCIPAL_CACHE_SECONDS = 30.0


class PrincipalCache:
    """Keeps hot paths (intake at a live-stream peak) from querying the token table on every request."""

    def __init__(self, ttl: float = PRINCIPAL_CACHE_SECONDS) -> None:
        self._ttl = ttl
        self._entries: dict[str, tuple[float, Principal]] = {}
        self._lock = Lock()

    def get(self, token_hash: str) -> Principal | None:
        entry = self._entries.get(token_hash)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, token_hash: str, principal: Principal) -> None:
        with self._lock:
            if len(self._entries) > 50_000:
                self._entries.clear()
            self._entries[token_hash] = (time.monotonic() + self._ttl, principal)
