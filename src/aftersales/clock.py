"""Injected time: services ask a Clock, never the system, so tests move time instead of sleeping."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
#: the calendar years a period, month or report may name: far outside them a date is a typo, and near year 1 or
#: 9999 the conversion to UTC itself overflows
FIRST_YEAR, LAST_YEAR = 2000, 2099


def year_supported(year: int) -> bool:
    return FIRST_YEAR <= year <= LAST_YEAR


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FrozenClock:
    """A clock that only moves when told to; for tests and simulations."""

    current: datetime = field(default_factory=lambda: datetime(2026, 11, 11, 2, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> datetime:
        self.current = self.current + timedelta(**delta)
        return self.current


def as_utc(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; everything stored is UTC, so naive means UTC."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def to_shanghai(moment: datetime) -> datetime:
    return as_utc(moment).astimezone(SHANGHAI)


def format_shanghai(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return to_shanghai(moment).strftime("%Y-%m-%d %H:%M")
