"""Identifiers that sort by creation time (a ULID-style body behind a readable prefix)."""

from __future__ import annotations

import os
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _base32(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


def new_id(prefix: str, *, at_ms: int | None = None) -> str:
    """`CS-01JD...`: time-ordered, so cursor pagination and B-tree inserts stay cheap."""
    stamp = int(time.time() * 1000) if at_ms is None else at_ms
    randomness = int.from_bytes(os.urandom(10), "big")
    return f"{prefix}-{_base32(stamp, 10)}{_base32(randomness, 16)}"
