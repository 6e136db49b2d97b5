"""Rate limits per client address, per API token, and (tighter) per address for refused tokens, with the
`limits` library's counters: in this process's memory by default, in Redis when configured.

A limit that is reached is answered 429 problem+json with `Retry-After`. When Redis cannot be reached the
request is let through and the outage logged: a rate limiter that fails closed would turn a cache outage into
an after-sales outage during a live-stream peak.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from limits import RateLimitItem, parse_many
from limits.aio.storage import RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter as AsyncFixedWindow
from limits.aio.strategies import SlidingWindowCounterRateLimiter as AsyncSlidingWindow
from limits.errors import StorageError
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter, SlidingWindowCounterRateLimiter
from starlette.types import ASGIApp, Receive, Scope, Send

from aftersales.config import Settings
from aftersales.problems import DomainError
from aftersales.web.errors import problem

log = logging.getLogger(__name__)
#: a Redis that does not answer within this many seconds counts as away for this request
REDIS_TIMEOUT_SECONDS = 0.25
_OUTAGE_LOG_EVERY = 60.0


class RateLimited(DomainError):
    status = 429
    code = "rate-limited"
    title = "请求过于频繁 / Too many requests"


class _Strategy(Protocol):
    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool: ...

    async def test(self, item: RateLimitItem, *identifiers: str) -> bool: ...

    async def reset_at(self, item: RateLimitItem, *identifiers: str) -> float: ...


class _InMemory:
    """The library's in-memory store, used synchronously: a dictionary update needs no await, and its async
    twin schedules a sweep of every counter on each hit."""

    def __init__(self, limiter: FixedWindowRateLimiter | SlidingWindowCounterRateLimiter) -> None:
        self._limiter = limiter

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self._limiter.hit(item, *identifiers)

    async def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        return self._limiter.test(item, *identifiers)

    async def reset_at(self, item: RateLimitItem, *identifiers: str) -> float:
        return self._limiter.get_window_stats(item, *identifiers).reset_time


class _FixedWindows:
    """Fixed-window counters in this process's memory, as the library's fixed-window strategy counts (a window
    opens at its first hit and lasts the item's period), kept in one dictionary used on the event loop only.

    The library's memory store starts a timer thread every 10 ms that walks every counter (one per token and
    address: thousands at a peak); at intake rates that thread and its start-up were a tenth of the event
    loop's time. Here an expired window is replaced on its next hit, and the expired ones are dropped in one
    pass whenever the dictionary has doubled since the last pass."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        #: key → [window closes at, hits in the window]
        self._windows: dict[str, list[float]] = {}
        self._prune_at = _PRUNE_FLOOR

    def _window(self, item: RateLimitItem, identifiers: tuple[str, ...], now: float) -> list[float]:
        key = item.key_for(*identifiers)
        window = self._windows.get(key)
        if window is None or window[0] <= now:
            if len(self._windows) >= self._prune_at:
                self._windows = {k: w for k, w in self._windows.items() if w[0] > now}
                self._prune_at = max(_PRUNE_FLOOR, 2 * len(self._windows))
            window = self._windows[key] = [now + item.get_expiry(), 0]
        return window

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        window = self._window(item, identifiers, self._clock())
        window[1] += 1
        return window[1] <= item.amount

    def _open(self, item: RateLimitItem, identifiers: tuple[str, ...], now: float) -> list[float] | None:
        window = self._windows.get(item.key_for(*identifiers))
        return window if window is not None and window[0] > now else None

    async def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        window = self._open(item, identifiers, self._clock())
        return window is None or window[1] < item.amount

    async def reset_at(self, item: RateLimitItem, *identifiers: str) -> float:
        now = self._clock()
        window = self._open(item, identifiers, now)
        return window[0] if window is not None else now + item.get_expiry()


#: fewer counters than this are never pruned
_PRUNE_FLOOR = 4096

_AsyncLimiter = AsyncFixedWindow | AsyncSlidingWindow


class _RedisConnection:
    """redis-py's asyncio client, so a round trip never holds up the event loop. Its connections belong to one
    event loop: an app served again on another loop (a test client opened twice) gets new ones."""

    def __init__(self, uri: str, prefix: str) -> None:
        self._uri = "async+" + uri
        self._prefix = prefix
        self._loop: asyncio.AbstractEventLoop | None = None
        self._limiters: dict[type[_AsyncLimiter], _AsyncLimiter] = {}

    def limiter(self, kind: type[_AsyncLimiter]) -> _AsyncLimiter:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:
            storage = RedisStorage(self._uri, implementation="redispy", key_prefix=self._prefix,
                                   wrap_exceptions=True, socket_timeout=REDIS_TIMEOUT_SECONDS,
                                   socket_connect_timeout=REDIS_TIMEOUT_SECONDS)
            self._limiters = {k: k(storage) for k in (AsyncFixedWindow, AsyncSlidingWindow)}
            self._loop = loop
        return self._limiters[kind]


class _InRedis:
    def __init__(self, connection: _RedisConnection, kind: type[_AsyncLimiter]) -> None:
        self._connection = connection
        self._kind = kind

    async def hit(self, item: RateLimitItem, *identifiers: str) -> bool:
        return await self._connection.limiter(self._kind).hit(item, *identifiers)

    async def test(self, item: RateLimitItem, *identifiers: str) -> bool:
        return await self._connection.limiter(self._kind).test(item, *identifiers)

    async def reset_at(self, item: RateLimitItem, *identifiers: str) -> float:
        return (await self._connection.limiter(self._kind).get_window_stats(item, *identifiers)).reset_time


@dataclass
class RateLimits:
    #: requests per token and per address: fixed windows, one counter each and the cheapest hit; a burst across
    #: a window's edge may pass twice the limit once, which at these volumes protects nothing less
    volume: _Strategy
    #: refused tokens per address: sliding-window counters, so a guesser gains nothing from timing the edge
    failures: _Strategy
    per_token: Sequence[RateLimitItem]
    per_address: Sequence[RateLimitItem]
    auth_failures: Sequence[RateLimitItem]
    _outage_logged_at: float = -math.inf

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimits | None:
        if not settings.rate_limits_enabled:
            return None
        storage = settings.rate_limit_storage
        volume: _Strategy
        failures: _Strategy
        if storage.startswith("memory://"):
            volume, failures = _FixedWindows(), _InMemory(SlidingWindowCounterRateLimiter(MemoryStorage()))
        else:
            connection = _RedisConnection(storage, settings.rate_limit_key_prefix)
            volume, failures = _InRedis(connection, AsyncFixedWindow), _InRedis(connection, AsyncSlidingWindow)
        return cls(volume, failures, parse_many(settings.rate_limit_per_token),
                   parse_many(settings.rate_limit_per_address), parse_many(settings.rate_limit_auth_failures))

    async def _wait(self, items: Sequence[RateLimitItem], *identifiers: str) -> int:
        """Seconds until a refused limit opens again, after spending one hit on each; 0 when allowed."""
        try:
            for item in items:
                if not await self.volume.hit(item, *identifiers):
                    return _seconds_until(await self.volume.reset_at(item, *identifiers))
        except StorageError as error:
            self._outage(error)
        return 0

    async def address_wait(self, address: str) -> int:
        return await self._wait(self.per_address, "address", address)

    async def token_wait(self, token_id: int) -> int:
        return await self._wait(self.per_token, "token", str(token_id))

    async def lockout_wait(self, address: str) -> int:
        """Seconds this address must wait before a token it offers is looked up again; spends nothing."""
        try:
            for item in self.auth_failures:
                if not await self.failures.test(item, "auth-failure", address):
                    return _seconds_until(await self.failures.reset_at(item, "auth-failure", address))
        except StorageError as error:
            self._outage(error)
        return 0

    async def record_failure(self, address: str) -> None:
        try:
            for item in self.auth_failures:
                await self.failures.hit(item, "auth-failure", address)
        except StorageError as error:
            self._outage(error)

    def _outage(self, error: StorageError) -> None:
        now = time.monotonic()
        if now - self._outage_logged_at >= _OUTAGE_LOG_EVERY:
            self._outage_logged_at = now
            log.warning("rate limit storage unavailable, requests are not limited meanwhile: %s", error)


def _seconds_until(reset_at: float) -> int:
    return max(1, math.ceil(reset_at - time.time()))


def client_address(scope: Scope) -> str:
    """The peer address (uvicorn rewrites it from X-Forwarded-For when the proxy is trusted)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def too_many(wait: int, which: str) -> RateLimited:
    return RateLimited(f"请求过于频繁，请 {wait} 秒后再试 / too many requests; retry in {wait} s",
                       retry_after=wait, limit=which)


class AddressLimit:
    """Every HTTP request spends one hit of its client address's limit before anything else runs."""

    def __init__(self, app: ASGIApp, limits: RateLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        wait = await self.limits.address_wait(client_address(scope))
        if wait:
            error = too_many(wait, "per-address")
            response = problem(error.status, error.title, error.detail, error.code, scope.get("path", ""),
                               **error.extra)
            response.headers["Retry-After"] = str(wait)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
