"""Evaluation windows (months, quarters) on the Asia/Shanghai calendar, and the promo/holiday calendar."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from aftersales.clock import SHANGHAI
from aftersales.problems import InvalidInput

CALENDAR_FILE = Path(__file__).with_name("calendar.toml")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    label: str  # 2026-10 or 2026-Q4
    first_day: date  # Shanghai calendar, inclusive
    end_day: date  # Shanghai calendar, exclusive

    @property
    def start(self) -> datetime:
        """Start of the window in UTC (00:00 Shanghai of the first day)."""
        return _shanghai_midnight_utc(self.first_day)

    @property
    def end(self) -> datetime:
        return _shanghai_midnight_utc(self.end_day)

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.label


@dataclass(frozen=True)
class PromoWindow:
    name: str
    name_zh: str
    start: tuple[int, int]  # (month, day), inclusive
    end: tuple[int, int]  # inclusive

    def days_in(self, year: int) -> tuple[date, date]:
        return date(year, *self.start), date(year, *self.end)


@dataclass(frozen=True)
class Calendar:
    promos: tuple[PromoWindow, ...]
    off_hours_start: int
    off_hours_end: int
    holidays: tuple[date, ...]

    def promos_overlapping(self, period: Period) -> list[PromoWindow]:
        """Promo windows that share at least one day with the period."""
        hits = []
        for promo in self.promos:
            for year in {period.first_day.year, period.end_day.year}:
                first, last = promo.days_in(year)
                if first < period.end_day and last >= period.first_day:
                    hits.append(promo)
                    break
        return hits


def _shanghai_midnight_utc(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=SHANGHAI).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_period(label: str) -> Period:
    """`2026-10` → October 2026; `2026-Q4` → Oct–Dec 2026."""
    text = label.strip()
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise InvalidInput(f"月份无效 / invalid month: {label}", field="period")
        first = date(year, month, 1)
        return Period(f"{year:04d}-{month:02d}", first, _add_months(first, 1))
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        first = date(year, 3 * quarter - 2, 1)
        return Period(f"{year:04d}-Q{quarter}", first, _add_months(first, 3))
    raise InvalidInput(
        f"期间格式应为 YYYY-MM 或 YYYY-Qn / period must be YYYY-MM or YYYY-Qn: {label}", field="period"
    )


def month_range(first: str, last: str) -> list[str]:
    """Every month label from `first` to `last` inclusive."""
    start, stop = parse_period(first).first_day, parse_period(last).first_day
    labels = []
    while start <= stop:
        labels.append(f"{start.year:04d}-{start.month:02d}")
        start = _add_months(start, 1)
    return labels


def months_between(earlier: date, period: Period) -> int:
    """Whole calendar months from `earlier` up to the end of the period, counting both ends."""
    last = _add_months(period.end_day, -1)
    return max(0, (last.year - earlier.year) * 12 + last.month - earlier.month + 1)


def _month_day(text: str) -> tuple[int, int]:
    month, day = text.split("-")
    return int(month), int(day)


@lru_cache(maxsize=4)
def load_calendar(path: Path = CALENDAR_FILE) -> Calendar:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    promos = tuple(
        PromoWindow(p["name"], p.get("name_zh", p["name"]), _month_day(p["start"]), _month_day(p["end"]))
        for p in data.get("promo", [])
    )
    off = data.get("off_hours", {})
    return Calendar(
        promos=promos,
        off_hours_start=int(off.get("start_hour", 22)),
        off_hours_end=int(off.get("end_hour", 8)),
        holidays=tuple(date.fromisoformat(d) for d in off.get("holidays", [])),
    )
