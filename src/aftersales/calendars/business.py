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

CALENDAR_FOLDER = Path(__file__).parent
DEFAULT_CALENDAR_FILE = CALENDAR_FOLDER / "china.toml"


@dataclass(frozen=True)
class PromoWindow:
    """A sales event (大促), both ends included: every year (618, 双11), or one year only (`year`), for
    events whose dates move (Black Friday)."""

    name: str
    name_zh: str
    start: tuple[int, int]  # (month, day)
    end: tuple[int, int]
    year: int | None = None

    def days_in(self, year: int) -> tuple[date, date]:
        return date(year, *self.start), date(year, *self.end)

    def years(self, first: int, last: int) -> range:
        if self.year is not None:
            return range(self.year, self.year + 1) if first <= self.year <= last else range(0)
        return range(first, last + 1)


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
            for year in promo.years(first_day.year, end_day.year):
                first, last = promo.days_in(year)
                if first < end_day and last >= first_day:
                    hits.append(promo)
                    break
        return hits


    def utc_offsets(self, start: datetime, end: datetime) -> list[tuple[datetime, datetime, float]]:
        """[(from, to, offset hours)] covering [start, end) in naive UTC: the zone's offset changes at DST."""
        begin, stop = as_utc(start), as_utc(end)
        segments: list[tuple[datetime, datetime, float]] = []
        cursor = begin
        while cursor < stop:
            offset = _offset_hours(self.zone, cursor)
            step = cursor
            # daily steps find a change, then hourly steps place it (zones change on the hour)
            while step < stop and _offset_hours(self.zone, step) == offset:
                step += timedelta(days=1)
            if step < stop:
                step -= timedelta(days=1)
                while _offset_hours(self.zone, step) == offset:
                    step += timedelta(hours=1)
            else:
                step = stop
            segments.append((cursor.replace(tzinfo=None), step.replace(tzinfo=None), offset))
            cursor = step
        return segments


def _offset_hours(zone: ZoneInfo, moment: datetime) -> float:
    offset = moment.astimezone(zone).utcoffset()
    return offset.total_seconds() / 3600 if offset is not None else 0.0


def _month_day(text: str) -> tuple[int | None, tuple[int, int]]:
    """`MM-DD` (every year) or `YYYY-MM-DD` (that year only)."""
    parts = [int(p) for p in str(text).split("-")]
    if len(parts) == 3:
        return parts[0], (parts[1], parts[2])
    return None, (parts[0], parts[1])


def _promo(p: dict[str, str]) -> PromoWindow:
    first_year, start = _month_day(p["start"])
    last_year, end = _month_day(p["end"])
    if first_year != last_year:
        raise ValueError(f"promo {p['name']}: a dated window starts and ends in the same year")
    return PromoWindow(p["name"], p.get("name_zh", p["name"]), start, end, first_year)


def resolve_calendar_file(name: str) -> Path:
    """A bundled locale by name (`china`, `brazil`, `united_states`) or a TOML file path."""
    bundled = CALENDAR_FOLDER / f"{name}.toml"
    if bundled.is_file():
        return bundled
    path = Path(name)
    if path.is_file():
        return path
    known = ", ".join(sorted(p.stem for p in CALENDAR_FOLDER.glob("*.toml")))
    raise FileNotFoundError(f"unknown calendar {name!r} (bundled: {known})")


@lru_cache(maxsize=8)
def load_calendar(path: Path = DEFAULT_CALENDAR_FILE) -> BusinessCalendar:
    return calendar_from_dict(tomllib.loads(path.read_text(encoding="utf-8")), path.stem)


def calendar_from_dict(data: dict[str, object], default_name: str = "custom") -> BusinessCalendar:
    """A calendar from the TOML layout of china.toml; `base` names a calendar whose values are the defaults."""
    base_name = data.get("base")
    if base_name:
        merged = tomllib.loads(resolve_calendar_file(str(base_name)).read_text(encoding="utf-8"))
        merged.update({k: v for k, v in data.items() if k != "base"})
        data = merged
    off: dict[str, int] = data.get("off_hours", {})  # type: ignore[assignment]
    promos: list[dict[str, str]] = data.get("promo", [])  # type: ignore[assignment]
    return BusinessCalendar(
        name=str(data.get("name", default_name)),
        off_hours_start=int(off.get("start_hour", 22)),
        off_hours_end=int(off.get("end_hour", 8)),
        promos=tuple(_promo(p) for p in promos),
        zone=ZoneInfo(str(data.get("timezone", "Asia/Shanghai"))),
        work_start=time.fromisoformat(str(data.get("work_start", "09:00"))),
        work_end=time.fromisoformat(str(data.get("work_end", "18:00"))),
        weekend=frozenset(int(d) for d in data.get("weekend", [6, 7])),  # type: ignore[attr-defined]
        holidays=frozenset(date.fromisoformat(str(d)) for d in data.get("holidays", [])),  # type: ignore[attr-defined]
        workdays=frozenset(date.fromisoformat(str(d)) for d in data.get("workdays", [])),  # type: ignore[attr-defined]
    )
