"""Keyset pagination cursors (a moment and an id): a page never skips or repeats a row while new ones arrive."""

from __future__ import annotations

import base64
from datetime import datetime

from aftersales.clock import as_utc
from aftersales.problems import InvalidInput


def encode(moment: datetime, row_id: str) -> str:
    raw = f"{as_utc(moment).isoformat()}|{row_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, row_id = raw.split("|", 1)
        moment = datetime.fromisoformat(stamp)
    except (ValueError, UnicodeDecodeError) as error:
        raise InvalidInput("分页游标无效 / invalid cursor", field="cursor") from error
    if moment.tzinfo is None:
        raise InvalidInput("分页游标无效 / invalid cursor", field="cursor")
    return moment, row_id
