"""A seeded random source that also mints time-ordered ids, so one seed reproduces the whole data set."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _base32(number: int, width: int) -> str:
    chars = []
    for _ in range(width):
        number, digit = divmod(number, 32)
        chars.append(_ALPHABET[digit])
    return "".join(reversed(chars))


class Seeded(random.Random):
    """`random.Random` plus the few draws the generator needs everywhere."""

    def new_id(self, prefix: str, at: datetime) -> str:
        # same shape as aftersales.ids.new_id (time prefix, then randomness) but drawn from the seed
        millis = int(at.timestamp() * 1000)
        return f"{prefix}-{_base32(millis, 10)}{_base32(self.getrandbits(80), 16)}"

    def chance(self, probability: float) -> bool:
        return self.random() < probability

    def minutes(self, median: float, spread: float = 0.8) -> timedelta:
        """A log-normal delay: most near the median, a long tail of slow ones, as waits really are."""
        return timedelta(minutes=median * math.exp(self.gauss(0.0, spread)))

    def pick_weighted(self, options: dict[str, float]) -> str:
        keys = list(options)
        return self.choices(keys, weights=[options[k] for k in keys])[0]
