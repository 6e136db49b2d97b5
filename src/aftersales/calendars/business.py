"""Business calendar of a locale: working hours, weekends, holidays, make-up days, off-hours and promo windows.

Pure: it adds working time and answers questions about moments; loading the TOML file is the only I/O.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from aftersales.clock import as_utc

DEFAULT_CALENDAR_FILE = Path(__file__).with_name("china.toml")


@dataclass(frozen=True)
class PromoWindow:
    """A sales event (大促) that repeats every year, both ends included."""

    name: str
    name_zh: str
    start: tuple[int, int]  # (month, day)
    end: tuple[int, int]

    def days_in(self, year: int) -> tuple[date, date]:
        return date(year, *self.start), date(year, *self.end)


@dataclass(frozen=True)
class BusinessCalendar:
    zone: ZoneInfo
    work_start: time
    work_end: time
    weekend: frozenset[int]
    holidays: frozenset[date]
    workdays: frozenset[date]
    name: str = "china"
    off_hours_start: int = 22  # local hour; off-hours run from here past midnight to off_hours_end
    off_hours_end: int = 8
    promos: tuple[PromoWindow, ...] = field(default=())

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
        """Night hours or a holiday, local time: when a buyer's message waits longest."""
        local = as_utc(moment).astimezone(self.zone)
        night = local.hour >= self.off_hours_start or local.hour < self.off_hours_end
        return night or local.date() in self.holidays

    def promos_overlapping(self, first_day: date, end_day: date) -> list[PromoWindow]:
        """Promo windows sharing at least one day with [first_day, end_day)."""
        hits = []
        for promo in self.promos:
            for year in range(first_day.year, end_day.year + 1):
                first, last = promo.days_in(year)
                if first < end_day and last >= first_day:
                    hits.append(promo)
                    break
        return hits


def _month_day(text: str) -> tuple[int, int]:
    month, day = text.split("-")
    return int(month), int(day)


@lru_cache(maxsize=8)
def load_calendar(path: Path = DEFAULT_CALENDAR_FILE) -> BusinessCalendar:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    off = data.get("off_hours", {})
    return BusinessCalendar(
        name=str(data.get("name", path.stem)),
        off_hours_start=int(off.get("start_hour", 22)),
        off_hours_end=int(off.get("end_hour", 8)),
        promos=tuple(PromoWindow(p["name"], p.get("name_zh", p["name"]), _month_day(p["start"]),
                                 _month_day(p["end"])) for p in data.get("promo", [])),
        zone=ZoneInfo(data.get("timezone", "Asia/Shanghai")),
        work_start=time.fromisoformat(data["work_start"]),
        work_end=time.fromisoformat(data["work_end"]),
        weekend=frozenset(int(d) for d in data.get("weekend", [6, 7])),
        holidays=frozenset(date.fromisoformat(d) for d in data.get("holidays", [])),
        workdays=frozenset(date.fromisoformat(d) for d in data.get("workdays", [])),
    )
