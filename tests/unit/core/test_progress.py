"""The buyer's progress view: which steps are done and the ETA in plain words."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aftersales.calendars import load_calendar
from aftersales.cases.progress import build_progress

CAL = load_calendar()
NOW = datetime(2026, 11, 13, 2, 0, tzinfo=UTC)  # Friday 10:00 Shanghai


def test_refund_pending_promises_two_working_days_skipping_the_weekend() -> None:
    milestones = {"created_at": NOW - timedelta(days=1), "first_response_at": NOW - timedelta(days=1),
                  "refund_requested_at": NOW}
    progress = build_progress("refund_only", "refund_pending", milestones, NOW, CAL)
    assert [s.key for s in progress.steps if s.done] == ["submitted", "answered", "refund_pending"]
    assert progress.current_step == "refunded"
    assert progress.eta is not None and progress.eta.startswith("预计2个工作日退款到账")
    assert progress.eta_date is not None and progress.eta_date.isoformat() == "2026-11-17"


def test_complaint_flow_uses_the_generic_steps() -> None:
    progress = build_progress("complaint", "answered", {"created_at": NOW, "first_response_at": NOW}, NOW, CAL,
                              human_due_at=NOW + timedelta(hours=1))
    assert [s.key for s in progress.steps] == ["submitted", "answered", "handling", "resolved", "closed"]
    assert progress.eta is not None and "11:00" in progress.eta
