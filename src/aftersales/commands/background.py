"""The background work of a process: SLA sweeps, the risk monitors, the outbox, buyer flags and the monthly
reserves, each on its own period. Runs in-process on SQLite and in `aftersales worker` processes on PostgreSQL;
every step claims its work (SKIP LOCKED, unique keys), so any number of workers can run it."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from aftersales import db_faults
from aftersales.cases import escalation
from aftersales.db import unit_of_work
from aftersales.liability import accruals
from aftersales.notifications import delivery
from aftersales.notifications.transports import SmtpSettings, Transports, load_sms_provider
from aftersales.risk import buyers, presale
from aftersales.risk import monitor as spike_monitor
from aftersales.runtime import Runtime

log = logging.getLogger(__name__)


def build_transports(runtime: Runtime) -> Transports:
    settings = runtime.settings
    smtp = SmtpSettings(settings.smtp_host, settings.smtp_port, settings.smtp_sender, settings.smtp_username,
                        settings.smtp_password, settings.smtp_starttls) if settings.smtp_host else None
    return Transports(http=httpx.Client(timeout=settings.notification_timeout_seconds, follow_redirects=False),
                      sms=load_sms_provider(settings.sms_provider), smtp=smtp,
                      timeout=settings.notification_timeout_seconds)


@dataclass
class Background:
    runtime: Runtime
    worker: str = "in-process"
    transports: Transports | None = None
    #: seconds between rounds while the database answers
    interval: float = 5.0
    _last: dict[str, float] = field(default_factory=dict)
    #: rounds in a row that found the database away (0: it answered last time)
    away: int = 0

    #: seconds between runs of each step (the SLA sweep and the spike monitor run on every tick)
    PERIODS = {"presale": 300.0, "flags": 3600.0, "accruals": 3600.0}
    #: the longest wait between rounds while the database is away: back soon after a restart, yet no retry storm
    MAX_PAUSE_SECONDS = 30.0

    def _due(self, step: str) -> bool:
        period = self.PERIODS.get(step, 0.0)
        moment = time.monotonic()
        if moment - self._last.get(step, -1e18) < period:
            return False
        self._last[step] = moment
        return True

    def tick(self) -> dict[str, Any]:
        """One round of every due step; a failing step is logged and retried next time, the others still run."""
        runtime, now = self.runtime, self.runtime.clock.now()
        steps: dict[str, Callable[[], Any]] = {
            "sla": lambda: escalation.sweep(runtime.session_factory, now, runtime.calendar, worker=self.worker),
            "spikes": lambda: spike_monitor.scan(runtime.session_factory, now, runtime.calendar),
            "presale": lambda: presale.scan(runtime.session_factory, now),
            "flags": lambda: self._flags(now),
            "accruals": lambda: self._accruals(now),
            "outbox": lambda: self._outbox(now),
        }
        done: dict[str, Any] = {}
        for name, step in steps.items():
            if not self._due(name):
                continue
            try:
                done[name] = step()
            except Exception as error:  # one step's failure must not stop the others; it runs again next tick
                if db_faults.classify(error) is not None:
                    # the database is away: every other step would fail the same way, so the round ends here,
                    # and this step is due again on the first round the database answers
                    self._last.pop(name, None)
                    self.away += 1
                    log.warning("database unavailable (%s); background round %d skipped, next in %.1f s",
                                db_faults.summary(error), self.away, self.pause())
                    return done
                log.exception("background step %s failed", name)
        if self.away:
            log.warning("database reachable again after %d skipped round(s)", self.away)
            self.away = 0
        return done

    def pause(self) -> float:
        """Seconds before the next round: the interval, doubled for each round in a row the database was away."""
        if not self.away:
            return self.interval
        return max(self.interval, min(self.MAX_PAUSE_SECONDS, self.interval * 2 ** min(self.away, 16)))

    def _flags(self, now: Any) -> Any:
        with unit_of_work(self.runtime.session_factory) as session:
            return buyers.refresh(session, now)

    def _accruals(self, now: Any) -> Any:
        with unit_of_work(self.runtime.session_factory) as session:
            return accruals.accrue_month(session, accruals.previous_month(now), now)

    def _outbox(self, now: Any) -> Any:
        if self.transports is None:
            self.transports = build_transports(self.runtime)
        return delivery.deliver_due(self.runtime.session_factory, now, self.transports, self.runtime.pii_key)
