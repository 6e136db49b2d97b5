"""The change cursor reports each timeline event once, even when a lower id commits after a higher one."""

from __future__ import annotations

from aftersales.console.live.cursor import ChangeCursor


def _ids(changes: list[object]) -> list[int]:
    return [change.event_id for change in changes]  # type: ignore[attr-defined]


def test_new_events_are_reported_once_in_id_order() -> None:
    cursor = ChangeCursor(floor=10)
    assert _ids(cursor.accept([(12, "CS-B", "action"), (11, "CS-A", "opened")], now=0.0)) == [11, 12]
    assert cursor.accept([(11, "CS-A", "opened"), (12, "CS-B", "action")], now=0.25) == []
    assert cursor.latest == 12


def test_an_id_that_commits_late_is_still_reported() -> None:
    cursor = ChangeCursor(floor=0)
    cursor.accept([(1, "CS-A", "opened"), (3, "CS-C", "opened")], now=0.0)  # id 2 still uncommitted
    assert cursor.gaps() == [2]
    late = cursor.accept([(2, "CS-B", "opened")], now=1.0)
    assert _ids(late) == [2] and cursor.gaps() == []


def test_the_floor_moves_up_only_after_the_settle_window() -> None:
    cursor = ChangeCursor(floor=0, settle_seconds=5.0)
    cursor.accept([(1, "CS-A", "opened"), (3, "CS-C", "opened")], now=0.0)
    cursor.accept([], now=4.0)
    assert cursor.floor == 0
    cursor.accept([], now=5.5)
    assert cursor.floor == 3  # id 2 never arrived: a rolled-back transaction, given up on after 5 s
    assert cursor.accept([(2, "CS-B", "opened")], now=6.0) == []


def test_too_many_missing_ids_are_read_as_a_range_instead_of_listed() -> None:
    cursor = ChangeCursor(floor=0)
    cursor.accept([(2000, "CS-Z", "opened")], now=0.0)
    assert cursor.gaps(cap=500) is None
