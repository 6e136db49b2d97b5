"""Running the monitors over past data as if they had been running all along (demo data, a first install on
an existing database): the spike monitor every few hours and the pre-sale monitor daily, in time order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from aftersales.calendars import BusinessCalendar
from aftersales.db import unit_of_work
from aftersales.notifications.models import Delivery
from aftersales.risk import monitor, presale
from aftersales.risk.models import MonitorMark


@dataclass
class ReplayReport:
    scans: int = 0
    warnings: list[str] = field(default_factory=list)
    presale_warned: int = 0


def replay(factory: sessionmaker[Session], start: datetime, end: datetime, calendar: BusinessCalendar, *,
           step: timedelta = timedelta(hours=6)) -> ReplayReport:
    """Scan [start, end) step by step; what the monitors would have sent then counts as sent then."""
    report = ReplayReport()
    with unit_of_work(factory) as session:
        session.merge(MonitorMark(name=monitor.MARK, watermark=start, updated_at=start))
    moment = start + step
    while moment < end:
        scanned = monitor.scan(factory, moment, calendar)
        report.warnings += scanned.warnings
        if moment.hour < step.total_seconds() / 3600:  # once a day
            report.presale_warned += presale.scan(factory, moment).warned
        report.scans += 1
        moment += step
    with unit_of_work(factory) as session:
        session.execute(update(Delivery).where(Delivery.state == "pending", Delivery.created_at < end)
                        .values(state="delivered", delivered_at=Delivery.created_at))
        session.merge(MonitorMark(name=monitor.MARK, watermark=end, updated_at=end))
    return report


#: warnings older than this at the end of a replay were handled back then (the demo's emergency team)
HANDLED_AFTER = timedelta(days=3)


def close_old(factory: sessionmaker[Session], end: datetime, calendar: BusinessCalendar) -> int:
    """Warnings raised long before `end` were worked: their group case resolved a day later, the warning too."""
    from sqlalchemy import select

    from aftersales.cases import service as case_service
    from aftersales.cases.lifecycle import Action
    from aftersales.cases.models import Case
    from aftersales.cases.schemas import ActionRequest
    from aftersales.risk import warnings
    from aftersales.risk.models import RiskWarning
    from aftersales.security.principals import Principal, Role

    team = Principal(role=Role.emergency, name="应急小组", party_ids=frozenset({"agent-emergency-3"}))
    closed = 0
    with unit_of_work(factory) as session:
        old = list(session.scalars(select(RiskWarning).where(RiskWarning.state == "open",
                                                             RiskWarning.raised_at < end - HANDLED_AFTER)))
        for warning in old:
            done_at = warning.raised_at + timedelta(hours=20)
            group = session.get(Case, warning.group_case_id) if warning.group_case_id else None
            if group is not None:
                case_service.act_on(session, team, group, Action.resolve, ActionRequest(
                    message="已下架相关批次，成员工单统一退款并提供医疗补偿 / batch withdrawn, members refunded"),
                    done_at, calendar)
            warnings.move(session, team, warning.id, "resolved", "应急小组已处理 / handled by the emergency team",
                          done_at)
            closed += 1
    return closed
