"""Agent performance per period: NPS, CSAT, first-contact resolution, handle time, SLA met, and 售后之星. Pure.

Each agent is judged on the cases assigned to them that were opened in the period; NPS and CSAT come from
those cases' answered surveys. The top 10 % by NPS among agents with enough surveys are 售后之星 (at least one
when anyone qualifies; ties at the cut are all stars).
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

STAR_SHARE = 0.10
MIN_SURVEYS = 10
_SHANGHAI = ZoneInfo("Asia/Shanghai")
_PERIOD = re.compile(r"^(?P<year>\d{4})-(?:(?P<month>0[1-9]|1[0-2])|Q(?P<quarter>[1-4]))$")


class PeriodError(ValueError):
    pass


def period_window(period: str) -> tuple[datetime, datetime]:
    """`2026-10` or `2026-Q4`, in Beijing time, as a UTC [start, end)."""
    found = _PERIOD.match(period.strip())
    if not found or not 2000 <= int(found["year"]) <= 2099:
        raise PeriodError("period 须为 YYYY-MM 或 YYYY-Qn / period must be YYYY-MM or YYYY-Qn")
    year = int(found["year"])
    first = int(found["month"]) if found["month"] else (int(found["quarter"]) - 1) * 3 + 1
    months = 1 if found["month"] else 3
    last = first + months
    start = datetime(year, first, 1, tzinfo=_SHANGHAI)
    end = datetime(year + (last - 1) // 12, (last - 1) % 12 + 1, 1, tzinfo=_SHANGHAI)
    return start.astimezone(UTC), end.astimezone(UTC)


@dataclass(frozen=True)
class CaseRecord:
    """One case an agent worked, as performance needs it."""

    agent_id: str
    resolved: bool
    handoffs: int
    reopened: bool
    handle_hours: float | None  # opened → resolved
    clocks: int  # SLA clocks that ran to an end (stopped or breached)
    breached: int
    csat: int | None = None
    nps: int | None = None


@dataclass(frozen=True)
class AgentPerformance:
    agent_id: str
    cases: int
    surveys: int
    nps: float | None
    csat: float | None
    first_contact_resolution: float | None
    handle_hours_median: float | None
    sla_met: float | None
    star: bool = False


def _nps(scores: Sequence[int]) -> float | None:
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    return round(100.0 * (promoters - detractors) / len(scores), 1)


def summarise(agent_id: str, records: Sequence[CaseRecord]) -> AgentPerformance:
    nps = [r.nps for r in records if r.nps is not None]
    csat = [r.csat for r in records if r.csat is not None]
    resolved = [r for r in records if r.resolved]
    # first contact: solved by the first party that held it, and never reopened
    first = sum(1 for r in resolved if r.handoffs == 0 and not r.reopened)
    hours = [r.handle_hours for r in resolved if r.handle_hours is not None]
    clocks = sum(r.clocks for r in records)
    breached = sum(r.breached for r in records)
    return AgentPerformance(
        agent_id=agent_id, cases=len(records), surveys=len(nps), nps=_nps(nps),
        csat=round(statistics.fmean(csat), 3) if csat else None,
        first_contact_resolution=round(first / len(resolved), 4) if resolved else None,
        handle_hours_median=round(statistics.median(hours), 2) if hours else None,
        sla_met=round(1 - breached / clocks, 4) if clocks else None)


def stars(agents: Sequence[AgentPerformance], *, min_surveys: int = MIN_SURVEYS,
          share: float = STAR_SHARE) -> list[AgentPerformance]:
    """The same agents, the top `share` by NPS (with at least `min_surveys` surveys) marked 售后之星."""
    eligible = sorted((a for a in agents if a.surveys >= min_surveys and a.nps is not None),
                      key=lambda a: -(a.nps or 0.0))
    if not eligible:
        return list(agents)
    cut = eligible[max(math.ceil(len(eligible) * share), 1) - 1].nps
    chosen = {a.agent_id for a in eligible if (a.nps or 0.0) >= (cut or 0.0)}
    return [AgentPerformance(**{**a.__dict__, "star": a.agent_id in chosen}) for a in agents]


def rank(records: Sequence[CaseRecord], *, min_surveys: int = MIN_SURVEYS) -> list[AgentPerformance]:
    by_agent: dict[str, list[CaseRecord]] = {}
    for record in records:
        by_agent.setdefault(record.agent_id, []).append(record)
    summaries = [summarise(agent, rows) for agent, rows in sorted(by_agent.items())]
    marked = stars(summaries, min_surveys=min_surveys)
    return sorted(marked, key=lambda a: (not a.star, -(a.nps if a.nps is not None else -1000.0), a.agent_id))
