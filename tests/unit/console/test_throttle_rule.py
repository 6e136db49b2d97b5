"""The sign-in lockout rule: open below the limit, then a lock that doubles per failure up to a ceiling."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aftersales.security.throttle import PER_ADDRESS, PER_USER, keys_for, locked_until

AT = datetime(2026, 11, 11, 2, 0, tzinfo=UTC)


def test_a_name_may_fail_four_times_and_the_fifth_failure_locks_it() -> None:
    assert all(locked_until(PER_USER, n, AT) is None for n in range(1, PER_USER.lock_after))
    assert locked_until(PER_USER, PER_USER.lock_after, AT) == AT + PER_USER.first_lock


def test_each_further_failure_doubles_the_lock_up_to_the_ceiling() -> None:
    locks = [locked_until(PER_USER, PER_USER.lock_after + extra, AT) for extra in range(8)]
    spans = [lock - AT for lock in locks if lock is not None]
    assert spans[:3] == [timedelta(seconds=30), timedelta(seconds=60), timedelta(seconds=120)]
    assert max(spans) == PER_USER.longest and spans == sorted(spans)


def test_an_address_is_allowed_more_failures_than_one_name() -> None:
    assert PER_ADDRESS.lock_after > PER_USER.lock_after
    assert locked_until(PER_ADDRESS, PER_USER.lock_after, AT) is None


def test_names_are_counted_case_insensitively_and_apart_from_addresses() -> None:
    (user_key, _), (address_key, _) = keys_for("  Demo-Agent ", "10.0.0.7")
    assert user_key == "user:demo-agent" and address_key == "addr:10.0.0.7"
