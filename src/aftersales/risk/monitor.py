"""The spike monitor: every few seconds, the series that got new cases are tested; a spike raises one warning
with its evidence and opens one L3 group case for the emergency team (through `cases`), gathering its cases.

Safe in many workers: the monitor's watermark row is locked (SKIP LOCKED on PostgreSQL), so one scan runs at a
time, and a warning's `open_key` is unique, so one spike is never raised twice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from aftersales.calendars import BusinessCalendar
from aftersales.cases import groups
from aftersales.cases.models import Case
from aftersales.clock import as_utc
from aftersales.db import unit_of_work
from aftersales.risk import detection, series, warnings
from aftersales.risk.models import MonitorMark, RiskWarning

log = logging.getLogger(__name__)
MARK = "spikes"
#: cases committed a little after their timestamp (a slow batch) are still read: the scan looks back this far
OVERLAP = timedelta(minutes=2)
FIRST_LOOKBACK = timedelta(hours=1)


@dataclass(frozen=True)
class Alarm:
    key: series.Key
    verdict: detection.Verdict
    case_ids: tuple[str, ...]  # the series' cases of the last seven days, oldest first
    exposure: float
    baseline: detection.Baseline


@dataclass
class ScanReport:
    series: int = 0
    alarms: int = 0
    warnings: list[str] = field(default_factory=list)
    skipped: bool = False


def _mark(session: Session, now: datetime) -> MonitorMark | None:
    query = select(MonitorMark).where(MonitorMark.name == MARK)
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    mark = session.scalar(query)
    if mark is None:
        if session.get(MonitorMark, MARK) is not None:
            return None  # another worker holds it
        mark = MonitorMark(name=MARK, watermark=now - FIRST_LOOKBACK, updated_at=now)
        try:
            with session.begin_nested():
                session.add(mark)
        except IntegrityError:  # two first scans at once: the other one runs
            return None
    return mark


def scan(factory: sessionmaker[Session], now: datetime, calendar: BusinessCalendar) -> ScanReport:
    """Test every series with a case since the last scan; raise what spikes."""
    report = ScanReport()
    with unit_of_work(factory) as session:
        mark = _mark(session, now)
        if mark is None:
            report.skipped = True
            return report
        since = as_utc(mark.watermark) - OVERLAP
        keys = series.touched(session, since, now)
        report.series = len(keys)
        gather_into_open(session, keys, now, calendar)
        alarms = find_alarms(session, keys, now) if keys else []
        report.alarms = len(alarms)
        for alarm in keep_most_specific(alarms, warnings.open_cases_by_class(session)):
            report.warnings.append(raise_warning(session, alarm, now, calendar).id)
        mark.watermark, mark.updated_at = now, now
    return report


def gather_into_open(session: Session, keys: set[series.Key], now: datetime, calendar: BusinessCalendar) -> None:
    """New cases of a series with an open warning join its group case (those intake did not place already)."""
    open_series = [key for key in keys if open_warning_for(session, key) is not None]
    if not open_series:
        return
    facts = series.load(session, set(open_series), now)
    for key in open_series:
        warning = open_warning_for(session, key)
        group = session.get(Case, warning.group_case_id) if warning and warning.group_case_id else None
        if group is not None:
            groups.join(session, group, [case_id for case_id, _ in facts.arrivals.get(key, [])], now, calendar)


def find_alarms(session: Session, keys: set[series.Key], now: datetime) -> list[Alarm]:
    facts = series.load(session, keys, now)
    by_category, overall = series.platform_rates(session, now)
    span = detection.EXPOSURE_DAYS + 7 + len(detection.LAG_KERNEL)
    lo, hi = detection.BASELINE_DAYS
    lead = detection.UNITS_LEAD_DAYS
    open_keys = warnings.open_keys(session)
    found = []
    for key in sorted(keys):
        dimension, subject, klass = key
        if warnings.open_key(key) in open_keys:
            continue
        units = facts.daily_units.get((dimension, subject), {})
        category = facts.category.get((dimension, subject))
        prior = by_category.get((category, klass)) if category else overall.get(klass)
        baseline = detection.Baseline(prior_rate=prior or detection.DEFAULT_RATE,
                                      own_cases=facts.own_cases.get(key, 0),
                                      own_units=sum(units.get(d, 0.0) for d in range(lo + lead, hi + lead)))
        arrivals = sorted(facts.arrivals.get(key, []), key=lambda pair: as_utc(pair[1]))
        ages = [(now - as_utc(created)).total_seconds() / 3600 for _, created in arrivals]
        profile = detection.exposure_profile(series.days_ago(units, span))
        verdict = detection.assess(ages, profile, baseline)
        if verdict.alarm:
            found.append(Alarm(key, verdict, tuple(case_id for case_id, _ in arrivals), float(np.mean(profile)),
                               baseline))
    return found


def keep_most_specific(alarms: list[Alarm], open_by_class: dict[str, list[set[str]]]) -> list[Alarm]:
    """One warning per spike: a batch explains it better than its product, session or anchor. An alarm whose
    cases are mostly another kept (or already open) warning's is the same spike seen from further away."""
    rank = {dimension: i for i, dimension in enumerate(series.DIMENSIONS)}
    kept: list[Alarm] = []
    for alarm in sorted(alarms, key=lambda a: (rank[a.key[0]], a.verdict.window.p_value)):
        mine = set(alarm.case_ids)
        covered = [set(other.case_ids) for other in kept if other.key[2] == alarm.key[2]]
        covered += open_by_class.get(alarm.key[2], [])
        if any(len(mine & other) * 2 >= len(mine) for other in covered):
            continue
        kept.append(alarm)
    return kept


def raise_warning(session: Session, alarm: Alarm, now: datetime, calendar: BusinessCalendar) -> RiskWarning:
    warning = warnings.create(session, alarm, now)
    request = warnings.group_request(session, warning, alarm)
    group = groups.open_group(session, request, now, calendar)
    warning.group_case_id = group.id
    warnings.announce(session, warning, now)
    log.info("risk warning %s: %s %s %s (%d cases)", warning.id, *alarm.key, len(alarm.case_ids))
    return warning


def open_warning_for(session: Session, key: series.Key) -> RiskWarning | None:
    return session.scalar(select(RiskWarning).where(RiskWarning.open_key == warnings.open_key(key)))
