"""A seeded random source that also mints time-ordered ids, so one seed reproduces the whole data set."""

from __future__ import annotations

import base64
import math
import random
from datetime import datetime, timedelta

# RFC 4648 base32 re-lettered to the Crockford alphabet that aftersales.ids uses; the C encoder is much
# faster than a Python digit loop, which matters at a few hundred thousand ids
_CROCKFORD = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", "0123456789ABCDEFGHJKMNPQRSTVWXYZ")


class Seeded(random.Random):
    """`random.Random` plus the few draws the generator needs everywhere."""

    def new_id(self, prefix: str, at: datetime) -> str:
        # same shape as aftersales.ids.new_id (time prefix, then randomness) but drawn from the seed
        millis = int(at.timestamp() * 1000)
        # 50 bits of time padded to 80 encode to 16 characters whose first 10 carry the time
        body = ((millis << 30).to_bytes(10, "big") + self.getrandbits(80).to_bytes(10, "big"))
        text = base64.b32encode(body).decode("ascii").translate(_CROCKFORD)
        return f"{prefix}-{text[:10]}{text[16:]}"

    def chance(self, probability: float) -> bool:
        return self.random() < probability

    def minutes(self, median: float, spread: float = 0.8) -> timedelta:
        """A log-normal delay: most near the median, a long tail of slow ones, as waits really are."""
        return timedelta(minutes=median * math.exp(self.gauss(0.0, spread)))

    def pick_weighted(self, options: dict[str, float]) -> str:
        keys = list(options)
        return self.choices(keys, weights=[options[k] for k in keys])[0]
