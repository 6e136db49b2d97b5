"""The one business calendar: SLA working time and the health index's off-hours and promo windows agree."""

from __future__ import annotations

from datetime import UTC, date, datetime

from aftersales.calendars import load_calendar


def test_off_hours_are_night_or_holiday_local_time() -> None:
    calendar = load_calendar()
    assert calendar.is_off_hours(datetime(2026, 10, 12, 15, 0, tzinfo=UTC))  # 23:00 Shanghai, a Monday
    assert not calendar.is_off_hours(datetime(2026, 10, 12, 2, 0, tzinfo=UTC))  # 10:00 Shanghai
    assert calendar.is_off_hours(datetime(2026, 10, 2, 2, 0, tzinfo=UTC))  # National Day, 10:00 local


def test_a_holiday_is_no_working_day_for_the_sla_and_off_hours_for_the_index() -> None:
    calendar = load_calendar()
    national_day = date(2026, 10, 5)
    assert not calendar.is_working_day(national_day)
    assert calendar.is_working_day(date(2026, 10, 10))  # a Saturday worked instead (调休)
    assert calendar.is_off_hours(datetime(2026, 10, 5, 4, 0, tzinfo=UTC))


def test_promo_windows_overlap_by_day_and_repeat_every_year() -> None:
    calendar = load_calendar()
    assert [p.name for p in calendar.promos_overlapping(date(2026, 11, 1), date(2026, 12, 1))] == ["double11"]
    assert [p.name for p in calendar.promos_overlapping(date(2027, 6, 20), date(2027, 7, 1))] == ["618"]
    assert calendar.promos_overlapping(date(2026, 6, 21), date(2026, 7, 1)) == []
