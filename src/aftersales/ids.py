"""Identifiers that sort by creation time (a ULID-style body behind a readable prefix)."""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: every pair of digits, so an id takes 13 lookups instead of 26 divisions (a sweep or an import mints tens of
#: thousands of ids a second; base64.b32encode is pure Python on 3.11 and slower still)
_PAIRS = tuple(_ALPHABET[n >> 5] + _ALPHABET[n & 31] for n in range(1024))


def _base32(number: int, width: int) -> str:
    """`number` as `width` Crockford base32 digits, most significant first."""
    pairs = (width + 1) // 2
    digits = "".join([_PAIRS[(number >> shift) & 1023] for shift in range(10 * (pairs - 1), -1, -10)])
    return digits[len(digits) - width:]


def new_id(prefix: str, *, at_ms: int | None = None) -> str:
    """`CS-01JD...`: time-ordered, so cursor pagination and B-tree inserts stay cheap."""
    stamp = int(time.time() * 1000) if at_ms is None else at_ms
    randomness = int.from_bytes(os.urandom(10), "big")
    return f"{prefix}-{_base32(stamp << 80 | randomness, 26)}"  # 10 digits of time, 16 of randomness
