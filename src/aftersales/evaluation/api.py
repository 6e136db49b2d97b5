"""Health index over HTTP: one subject's evaluation and the ranking, scoped by role.

Governance (supervisor, platform_admin) sees every subject; an anchor, brand or MCN sees only the
subjects it speaks for — anyone else's is answered 404, so existence does not leak; other roles get 403.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from threading import Lock
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from aftersales.problems import Forbidden, NotFound
from aftersales.security.principals import PARTY_ROLES, Principal
from aftersales.web.deps import CurrentPrincipal

router = APIRouter(prefix="/api/v1/evaluation", tags=["evaluation"])

#: an evaluation reads every case of the period: cache it rather than recompute it on each request
CACHE_SECONDS = 300.0


@dataclass
class ReportCache:
    ttl: float = CACHE_SECONDS
    _entries: dict[tuple[str, ...], tuple[float, dict[str, Any]]] = field(default_factory=dict)
    _lock: Lock = field(default_factory=Lock)

    def get_or_build(self, key: tuple[str, ...], build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        hit = self._entries.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        with self._lock:  # one build per key at a time; the others wait and reuse it
            hit = self._entries.get(key)
            if hit is not None and hit[0] > time.monotonic():
                return hit[1]
            report = build()
            self._entries[key] = (time.monotonic() + self.ttl, report)
            return report


@dataclass
class EvaluationConfig:
    """Where the API reads from: the operational database by default."""

    source: str = "db"
    database_url: str | None = None
    history_months: int = 6
    cache: ReportCache = field(default_factory=ReportCache)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))


_DEFAULT_CACHE = ReportCache()


def get_evaluation_config(request: Request) -> EvaluationConfig:
    runtime = getattr(request.app.state, "runtime", None)
    if runtime is not None:
        return EvaluationConfig(database_url=runtime.settings.resolved_database_url(), cache=_DEFAULT_CACHE,
                                now=runtime.clock.now)
    from aftersales.config import get_settings

    return EvaluationConfig(database_url=get_settings().resolved_database_url(), cache=_DEFAULT_CACHE)


ConfigDep = Annotated[EvaluationConfig, Depends(get_evaluation_config)]
PeriodQuery = Annotated[str, Query(description="YYYY-MM 或 YYYY-Qn / month or quarter", examples=["2026-10"])]


def _authorise(principal: Principal) -> None:
    if not principal.is_governance and principal.role not in PARTY_ROLES:
        raise Forbidden(f"角色 {principal.role.value} 无权查看健康指数 / role {principal.role.value} may not "
                        "view the health index", role=principal.role.value)


def _visible(principal: Principal, subject_id: str) -> bool:
    return principal.is_governance or principal.speaks_for(subject_id)


def _report(config: EvaluationConfig, subject_type: str, period: str) -> dict[str, Any]:
    from aftersales.evaluation import service

    options = service.Options(subject_type=subject_type, period=period, validate=False,
                              history_months=config.history_months)
    service.check_options(options)
    return config.cache.get_or_build(
        # the database is part of the key: one process may serve (or test) several databases
        (config.source, config.database_url or "", subject_type, period),
        lambda: service.evaluate(config.source, options, generated_at=config.now(),
                                 database_url=config.database_url),
    )


# declared before /{subject_type}/{subject_id}, which would otherwise swallow /ranking/...
@router.get("/ranking/{subject_type}", summary="排行榜 / Ranking of a subject type")
def ranking(subject_type: str, period: PeriodQuery, principal: CurrentPrincipal,
            config: ConfigDep) -> dict[str, Any]:
    _authorise(principal)
    report = _report(config, subject_type, period)
    rows = [r for r in report["leaderboard"] if _visible(principal, r["subject_id"])]
    return {"subject_type": subject_type, "period": report["period"], "generated_at": report["generated_at"],
            "total_subjects": len(report["leaderboard"]), "leaderboard": rows}


@router.get("/{subject_type}/{subject_id}", summary="主体健康指数 / One subject's health index")
def subject_evaluation(subject_type: str, subject_id: str, period: PeriodQuery, principal: CurrentPrincipal,
                       config: ConfigDep) -> dict[str, Any]:
    _authorise(principal)
    not_found = NotFound(f"无该主体的评估 / no evaluation for {subject_type} {subject_id} in {period}")
    if not _visible(principal, subject_id):
        raise not_found
    report = _report(config, subject_type, period)
    entry = next((s for s in report["subjects"] if s["subject_id"] == subject_id), None)
    if entry is None:
        raise not_found
    return {"subject_type": subject_type, "period": report["period"], "generated_at": report["generated_at"],
            "total_subjects": len(report["leaderboard"]), **entry}
