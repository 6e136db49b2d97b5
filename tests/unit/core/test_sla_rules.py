"""SLA clocks: deadlines, pauses while waiting on the buyer, working hours, the escalation matrix."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aftersales.calendars import load_calendar
from aftersales.sla import rules
from aftersales.sla.rules import DEFAULT_MATRIX, PolicyRow, pick_policy

CAL = load_calendar()
# Wednesday 2026-11-11 10:00 in Shanghai
WED_10 = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)


def test_wall_clock_deadline() -> None:
    clock = rules.start_clock("human_response", "L2", 3600, False, WED_10, CAL)
    assert clock.due_at == WED_10 + timedelta(hours=1)
    assert not rules.is_breached(clock, WED_10 + timedelta(minutes=59))
    assert rules.is_breached(clock, WED_10 + timedelta(hours=1))


def test_pause_moves_the_deadline_by_the_time_waited() -> None:
    clock = rules.start_clock("resolution", "L1", 3600, False, WED_10, CAL)
    paused = rules.pause(clock, WED_10 + timedelta(minutes=20), CAL)
    assert paused.due_at is None and not rules.is_breached(paused, WED_10 + timedelta(days=3))
    resumed = rules.resume(paused, WED_10 + timedelta(hours=5), CAL)
    assert resumed.due_at == WED_10 + timedelta(hours=5, minutes=40)
    assert resumed.consumed_seconds == 20 * 60


def test_working_hours_skip_nights_and_weekends() -> None:
    friday_17 = datetime(2026, 11, 13, 9, 0, tzinfo=UTC)  # 17:00 Shanghai on a Friday
    clock = rules.start_clock("resolution", "L2", 2 * 3600, True, friday_17, CAL)
    # one working hour left on Friday, the next on Monday 09:00–10:00 Shanghai
    assert clock.due_at == datetime(2026, 11, 16, 2, 0, tzinfo=UTC)


def test_holidays_and_make_up_days_come_from_the_calendar() -> None:
    assert not CAL.is_working_day(datetime(2026, 10, 5).date())  # 国庆
    assert CAL.is_working_day(datetime(2026, 10, 10).date())  # Saturday worked instead (调休)
    before_holiday = datetime(2026, 9, 30, 9, 30, tzinfo=UTC)  # 17:30 Shanghai
    assert CAL.add_working_days(before_holiday, 2).isoformat() == "2026-10-09"


def test_stopped_clock_never_breaches() -> None:
    clock = rules.stop(rules.start_clock("first_response", "L1", 900, False, WED_10, CAL), WED_10, CAL)
    assert not rules.is_breached(clock, WED_10 + timedelta(days=1))


def test_matrix_picks_the_most_specific_row() -> None:
    assert pick_policy(DEFAULT_MATRIX, "L1", "refund_only", 3).resolution_minutes == 48 * 60
    assert pick_policy(DEFAULT_MATRIX, "L2", "complaint", 1).human_response_minutes == 30
    allergy = pick_policy(DEFAULT_MATRIX, "L2", "allergy_claim", 3)
    assert allergy.business_hours and allergy.escalate_to == "L3"
    assert pick_policy(DEFAULT_MATRIX, "L3", "complaint", 1).resolution_minutes == 24 * 60


def test_escalation_goes_one_tier_up_and_stops_at_l3() -> None:
    assert rules.escalation_target("L1", PolicyRow("L1", 15, 60)) == "L2"
    assert rules.escalation_target("L2", PolicyRow("L2", 15, 60, escalate_to="L3")) == "L3"
    assert rules.escalation_target("L3", PolicyRow("L3", 15, 60)) == "L3"
