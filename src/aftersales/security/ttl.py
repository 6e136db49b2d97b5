"""Token lifetimes written the way operators say them: 3600s, 45m, 12h, 30d, 2w, or never. Pure."""

from __future__ import annotations

import re
from datetime import timedelta

from aftersales.problems import InvalidInput

NEVER = frozenset({"never", "none"})
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_TTL = re.compile(r"^(\d{1,7})([smhdw])$")
#: ten years: a longer lifetime is a typo, or a token meant to be `never`
LONGEST = timedelta(days=3660)


def parse_ttl(text: str) -> timedelta | None:
    """The lifetime a text names; None for a token that never expires."""
    cleaned = text.strip().lower()
    if cleaned in NEVER:
        return None
    match = _TTL.match(cleaned)
    if match is None:
        raise InvalidInput(f"有效期格式应如 3600s、12h、30d 或 never / a ttl looks like 3600s, 12h, 30d or never, "
                           f"not {text!r}", field="ttl")
    lifetime = timedelta(seconds=int(match[1]) * _UNITS[match[2]])
    if not timedelta(0) < lifetime <= LONGEST:
        raise InvalidInput("有效期须大于0且不超过10年 / a ttl is more than 0 and at most 10 years", field="ttl")
    return lifetime
