"""A cheap, bounded HTTP/1.1 load generator: keep-alive asyncio streams sending pre-built request bytes.

The server under test shares two cores with this client, so every microsecond spent here is taken from the
server. Requests are rendered to bytes before the clock starts; the hot loop only writes bytes, reads a
head up to the blank line and a Content-Length body. No HTTP library, no per-request parsing beyond that.
Closed loop: `concurrency` connections, each sends its next request once the previous answer is in.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

#: status recorded for a request that got no HTTP answer (connection refused, reset or cut mid-answer)
NO_ANSWER = 0


@dataclass(frozen=True)
class Answer:
    index: int
    status: int
    latency_s: float
    body: bytes
    head: bytes = b""


@dataclass
class LoadResult:
    answers: list[Answer] = field(default_factory=list)
    elapsed_s: float = 0.0
    capped: bool = False  # stopped by the duration cap before every request was sent
    client_cpu_s: float = 0.0  # this process's CPU during the run, when the caller measures it

    def by_status(self) -> dict[int, int]:
        counts: dict[int, int] = {}
        for answer in self.answers:
            counts[answer.status] = counts.get(answer.status, 0) + 1
        return dict(sorted(counts.items()))

    def latencies_ms(self, status: int | None = None) -> list[float]:
        return sorted(a.latency_s * 1000 for a in self.answers if status is None or a.status == status)


def render_post(host: str, port: int, path: str, body: bytes, headers: Mapping[str, str]) -> bytes:
    """The exact bytes of one keep-alive POST with a JSON body."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json",
             f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8") + body


def render_get(host: str, port: int, path: str, headers: Mapping[str, str]) -> bytes:
    """The exact bytes of one keep-alive GET."""
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", *(f"{k}: {v}" for k, v in headers.items())]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (NaN when empty)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, min(len(sorted_values), int(fraction * len(sorted_values) + 0.999999)))
    return sorted_values[rank - 1]


class _Connection:
    def __init__(self, host: str, port: int) -> None:
        self._host, self._port = host, port
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None

    async def exchange(self, request: bytes) -> tuple[int, bytes, bytes]:
        if self._writer is None:
            self._reader, self._writer = await asyncio.open_connection(self._host, self._port)
        assert self._reader is not None
        self._writer.write(request)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        lower = head.lower()
        at = lower.find(b"content-length:")
        if at < 0:
            raise ConnectionError("answer without Content-Length")
        length = int(lower[at + 15:lower.index(b"\r\n", at)])
        body = await self._reader.readexactly(length) if length else b""
        if b"connection: close" in lower:
            self.close()
        return status, head, body

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None


async def run(host: str, port: int, requests: Sequence[bytes], *, concurrency: int, duration_cap_s: float,
              timeout_s: float = 30.0, on_answer: Callable[[Answer], None] | None = None) -> LoadResult:
    """Send every request (or until the cap), `concurrency` at a time; each gets an Answer, failures included."""
    result = LoadResult()
    next_index = 0
    started = time.perf_counter()
    deadline = started + duration_cap_s
    answers = result.answers

    async def worker() -> None:
        nonlocal next_index
        connection = _Connection(host, port)
        try:
            while next_index < len(requests):
                if time.perf_counter() >= deadline:
                    result.capped = True
                    return
                index = next_index
                next_index += 1
                sent = time.perf_counter()
                try:
                    async with asyncio.timeout(timeout_s):
                        status, head, body = await connection.exchange(requests[index])
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                        ValueError):
                    # the server died or cut us off: this request has no answer; reconnect for the next one
                    connection.close()
                    status, head, body = NO_ANSWER, b"", b""
                answer = Answer(index, status, time.perf_counter() - sent, body, head)
                answers.append(answer)
                if on_answer is not None:
                    on_answer(answer)
        finally:
            connection.close()

    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(requests))))))
    result.elapsed_s = time.perf_counter() - started
    return result


@dataclass(frozen=True)
class Paced:
    elapsed_s: float
    started: int  # requests sent
    late: int  # requests that started more than LATE_S after their slot: the client or the server fell behind


#: a request this much past its slot counts as late
LATE_S = 0.1


async def run_paced(host: str, port: int, request_for: Callable[[int], bytes | None], *, rate: float | None,
                    duration_s: float, concurrency: int, on_answer: Callable[[Answer], None],
                    timeout_s: float = 30.0) -> Paced:
    """Open loop at `rate` requests per second: request n starts at n / rate seconds, whenever the answers come
    (a closed loop would slow down with the server and hide it). `rate=None` is a closed loop: as fast as the
    server answers. `request_for(n)` builds request n, or None to stop; the run also ends after `duration_s`."""
    started = time.perf_counter()
    deadline = started + duration_s
    next_slot = late = 0
    stopped = False

    async def worker() -> None:
        nonlocal next_slot, late, stopped
        connection = _Connection(host, port)
        try:
            while not stopped:
                slot = next_slot
                due = started + slot / rate if rate else time.perf_counter()
                if due >= deadline:
                    return
                request = request_for(slot)
                if request is None:
                    stopped = True
                    return
                next_slot += 1
                wait = due - time.perf_counter()
                if wait > 0:
                    await asyncio.sleep(wait)
                elif wait < -LATE_S:
                    late += 1
                sent = time.perf_counter()
                try:
                    async with asyncio.timeout(timeout_s):
                        status, head, body = await connection.exchange(request)
                except (OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, TimeoutError,
                        ValueError):
                    connection.close()
                    status, head, body = NO_ANSWER, b"", b""
                on_answer(Answer(slot, status, time.perf_counter() - sent, body, head))
        finally:
            connection.close()

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return Paced(time.perf_counter() - started, next_slot, late)


def run_blocking(host: str, port: int, requests: Sequence[bytes], *, concurrency: int, duration_cap_s: float,
                 timeout_s: float = 30.0, on_answer: Callable[[Answer], None] | None = None) -> LoadResult:
    """`run` on a fresh event loop (uvloop when installed: a cheaper client leaves more CPU to the server)."""
    try:
        import uvloop
        loop_factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:
        loop_factory = None
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(run(host, port, requests, concurrency=concurrency, duration_cap_s=duration_cap_s,
                              timeout_s=timeout_s, on_answer=on_answer))
