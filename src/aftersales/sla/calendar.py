"""Business calendar: working hours, weekends, holidays and make-up days; adds working time. Pure."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from aftersales.clock import as_utc

DEFAULT_CALENDAR_FILE = Path(__file__).with_name("calendar.toml")


@dataclass(frozen=True)
class BusinessCalendar:
    zone: ZoneInfo
    work_start: time
    work_end: time
    weekend: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.isoweekday() not in self.weekend and day not in self.holidays

    def _window(self, day: date) -> tuple[datetime, datetime]:
        return (datetime.combine(day, self.work_start, self.zone), datetime.combine(day, self.work_end, self.zone))

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The moment when `seconds` of working time have passed after `start` (UTC in, UTC out)."""
        local = as_utc(start).astimezone(self.zone)
        remaining = timedelta(seconds=seconds)
        day = local.date()
        for _ in range(3660):  # ten years of days: a budget larger than that is a configuration error
            if self.is_working_day(day):
                opens, closes = self._window(day)
                begin = max(local, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return as_utc(begin + remaining)
                    remaining -= available
            day += timedelta(days=1)
            local = datetime.combine(day, time(0), self.zone)
        raise ValueError("working-time budget too large for the calendar")

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Working time elapsed from start to end; zero if end is not after start."""
        first, last = as_utc(start).astimezone(self.zone), as_utc(end).astimezone(self.zone)
        total = 0.0
        day = first.date()
        while day <= last.date():
            if self.is_working_day(day):
                opens, closes = self._window(day)
                begin, finish = max(first, opens), min(last, closes)
                if finish > begin:
                    total += (finish - begin).total_seconds()
            day += timedelta(days=1)
        return total

    def add_working_days(self, start: datetime, days: int) -> date:
        """The local date `days` working days after start (预计N个工作日)."""
        day = as_utc(start).astimezone(self.zone).date()
        counted = 0
        while counted < days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def is_off_hours(self, moment: datetime) -> bool:
        local = as_utc(moment).astimezone(self.zone)
        return not self.is_working_day(local.date()) or local.hour >= 22 or local.hour < 8


def load_calendar(path: Path = DEFAULT_CALENDAR_FILE) -> BusinessCalendar:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return BusinessCalendar(
        zone=ZoneInfo(data.get("timezone", "Asia/Shanghai")),
        work_start=time.fromisoformat(data["work_start"]),
        work_end=time.fromisoformat(data["work_end"]),
        weekend=frozenset(int(d) for d in data.get("weekend", [6, 7])),
        holidays=frozenset(date.fromisoformat(d) for d in data.get("holidays", [])),
        workdays=frozenset(date.fromisoformat(d) for d in data.get("workdays", [])),
    )
