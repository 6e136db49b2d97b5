"""Evaluation windows (months, quarters) on the local calendar of the data (Asia/Shanghai by default)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo

from aftersales.clock import FIRST_YEAR, LAST_YEAR, SHANGHAI, year_supported
from aftersales.problems import InvalidInput

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)


@dataclass(frozen=True)
class Period:
    label: str  # 2026-10 or 2026-Q4
    first_day: date  # local calendar, inclusive
    end_day: date  # local calendar, exclusive
    zone: tzinfo = SHANGHAI

    @property
    def start(self) -> datetime:
        """Start of the window in UTC (local midnight of the first day)."""
        return _midnight_utc(self.first_day, self.zone)

    @property
    def end(self) -> datetime:
        return _midnight_utc(self.end_day, self.zone)

    @property
    def is_quarter(self) -> bool:
        return "Q" in self.label


def _midnight_utc(day: date, zone: tzinfo) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def parse_period(label: str, zone: tzinfo | None = None) -> Period:
    """`2026-10` → October 2026; `2026-Q4` → Oct–Dec 2026; in `zone` (default Asia/Shanghai)."""
    zone = zone or SHANGHAI
    text = label.strip()
    year_match = _MONTH.match(text) or _QUARTER.match(text)
    if year_match and not year_supported(int(year_match[1])):
        raise InvalidInput(f"期间超出范围（{FIRST_YEAR}–{LAST_YEAR}年） / period out of range: {label}",
                           field="period")
    if match := _MONTH.match(text):
        year, month = int(match[1]), int(match[2])
        if not 1 <= month <= 12:
            raise InvalidInput(f"月份无效 / invalid month: {label}", field="period")
        first = date(year, month, 1)
        return Period(f"{year:04d}-{month:02d}", first, _add_months(first, 1), zone)
    if match := _QUARTER.match(text):
        year, quarter = int(match[1]), int(match[2])
        first = date(year, 3 * quarter - 2, 1)
        return Period(f"{year:04d}-Q{quarter}", first, _add_months(first, 3), zone)
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
