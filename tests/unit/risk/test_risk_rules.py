"""Pure rules of risk, notifications and agent performance: spike test, signatures, backoff, stars, pre-sale."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aftersales.notifications import retry, signing
from aftersales.risk import detection, presale_rules
from aftersales.surveys import performance

QUIET = detection.exposure_profile([5.0] * 60)  # a batch selling 5 units a day


def test_eight_cases_within_minutes_on_a_quiet_batch_alarm_at_once() -> None:
    verdict = detection.assess([0.01 * i for i in range(8)], QUIET, detection.Baseline(prior_rate=0.01))
    assert verdict.alarm and verdict.window.hours == 1.0 and verdict.window.count == 8


def test_two_cases_never_alarm_however_unlikely() -> None:
    assert not detection.assess([0.1, 0.2], QUIET, detection.Baseline(prior_rate=1e-5)).alarm


def test_a_hot_seller_explains_its_cases_where_the_fixed_rule_fires() -> None:
    hot = detection.exposure_profile([2000.0] * 60)  # 双11 volume
    ages = [0.5 * i for i in range(12)]  # 12 cases in 6 hours
    assert detection.fixed_rule(ages), "today's rule calls it a group complaint"
    verdict = detection.assess(ages, hot, detection.Baseline(prior_rate=0.01, own_cases=300, own_units=30000))
    assert not verdict.alarm and verdict.window.expected >= 5


def test_a_slow_rise_shows_in_the_long_windows() -> None:
    ages = [24.0 * d + h for d in range(5) for h in (2.0, 11.0)]  # two a day for five days
    verdict = detection.assess(ages, QUIET, detection.Baseline(prior_rate=0.002))
    assert verdict.alarm and verdict.window.hours >= 72
    assert not detection.fixed_rule(ages)


def test_the_exposure_follows_a_peak_as_its_cases_arrive() -> None:
    sales = [10.0] * 60
    sales[2:5] = [100.0, 100.0, 100.0]  # a peak two to four days ago
    assert detection.exposure_profile(sales)[0] > detection.exposure_profile([10.0] * 60)[0] * 2


@given(st.lists(st.floats(0, 168), max_size=30), st.floats(0, 500))
def test_more_exposure_never_makes_an_alarm(ages: list[float], units: float) -> None:
    baseline = detection.Baseline(prior_rate=0.01)
    low = detection.assess(ages, detection.exposure_profile([units] * 60), baseline)
    high = detection.assess(ages, detection.exposure_profile([units * 4 + 1] * 60), baseline)
    assert not (high.alarm and not low.alarm)


def test_signatures_verify_and_refuse_tampering_and_replay() -> None:
    body, now = b'{"a":1}', 1_800_000_000
    headers = signing.signed_headers("s3cret", now, body)
    ok = signing.verify("s3cret", timestamp=headers[signing.TIMESTAMP_HEADER],
                        signed=headers[signing.SIGNATURE_HEADER], body=body, now_seconds=now + 10)
    assert ok.ok
    for secret, data, at in (("other", body, now), ("s3cret", b'{"a":2}', now), ("s3cret", body, now + 301)):
        verdict = signing.verify(secret, timestamp=headers[signing.TIMESTAMP_HEADER],
                                 signed=headers[signing.SIGNATURE_HEADER], body=data, now_seconds=at)
        assert not verdict.ok
    assert not signing.verify("s3cret", timestamp="soon", signed="v1=00", body=body, now_seconds=now).ok


def test_backoff_doubles_up_to_an_hour_then_gives_up() -> None:
    now = datetime(2026, 11, 11, tzinfo=UTC)
    gaps = [(retry.next_attempt(n, now) - now).total_seconds() for n in range(1, retry.MAX_ATTEMPTS)]  # type: ignore[operator]
    assert gaps[0] == 30 and all(b >= a for a, b in itertools.pairwise(gaps))
    assert max(gaps) <= retry.MAX_DELAY_SECONDS and retry.next_attempt(retry.MAX_ATTEMPTS, now) is None
    assert retry.permanent(404) and not retry.permanent(429) and not retry.permanent(503)


def _record(agent: str, nps: int | None, resolved: bool = True) -> performance.CaseRecord:
    return performance.CaseRecord(agent_id=agent, resolved=resolved, handoffs=0, reopened=False,
                                  handle_hours=2.0, clocks=2, breached=0, csat=5 if nps else None, nps=nps)


def test_the_top_tenth_by_nps_with_enough_surveys_are_stars() -> None:
    records = [_record(f"A{i:02d}", 10 if i == 0 else 7) for i in range(20) for _ in range(3)]
    records += [_record("NEW", 10)]  # one survey only: not eligible
    ranked = performance.rank(records, min_surveys=3)
    stars = [a.agent_id for a in ranked if a.star]
    assert stars[0] == "A00" and "NEW" not in stars and len(stars) >= 2  # ties at the cut are all stars
    assert ranked[0].nps == 100.0 and ranked[0].first_contact_resolution == 1.0 and ranked[0].sla_met == 1.0


@pytest.mark.parametrize("period, first", [("2026-10", "2026-09-30T16:00:00+00:00"),
                                           ("2026-Q4", "2026-09-30T16:00:00+00:00")])
def test_periods_are_beijing_months_and_quarters(period: str, first: str) -> None:
    start, end = performance.period_window(period)
    assert start.isoformat() == first and end > start
    with pytest.raises(performance.PeriodError):
        performance.period_window("2026-13")


def test_a_shop_far_behind_the_platform_is_warned() -> None:
    behind = presale_rules.assess(presale_rules.Pace(10, 0, 0.6), presale_rules.History(0, 0),
                                  carrier_exception=False)
    assert behind.warn and any("落后" in r for r in behind.reasons)
    fine = presale_rules.assess(presale_rules.Pace(10, 5, 0.6), presale_rules.History(20, 1),
                                carrier_exception=False)
    assert not fine.warn
    stuck = presale_rules.assess(presale_rules.Pace(1, 0, 0.5), presale_rules.History(0, 0), carrier_exception=True)
    assert stuck.warn and np.isclose(stuck.probability, 1 - 0.3 * 0.9)
