"""Health index over HTTP, answered from stored snapshots and scoped by role.

Governance (supervisor, platform_admin) sees every subject; an anchor, brand or MCN sees only the
subjects it speaks for — anyone else's is answered 404, so existence does not leak; other roles get 403.
Recomputing a snapshot is a governance action (POST .../snapshots/{subject_type}).
The routes are plain `def`: FastAPI runs them in its threadpool, and a snapshot read holds no lock, so
concurrent requests do not queue behind each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from aftersales.evaluation import dashboard
from aftersales.evaluation.dashboard import DbStore, MemoryStore, SnapshotStore
from aftersales.evaluation.snapshots import Snapshot
from aftersales.problems import Forbidden, NotFound
from aftersales.security.principals import PARTY_ROLES, Principal
from aftersales.web.deps import CurrentPrincipal

router = APIRouter(prefix="/api/v1/evaluation", tags=["evaluation"])


def _json(payload: dict[str, Any]) -> Response:
    """The snapshot's JSON-ready dict as bytes: returning a Response skips FastAPI's jsonable_encoder, which took
    ~100 ms on a 2,000-row leaderboard."""
    return Response(orjson.dumps(payload), media_type="application/json")


@dataclass
class EvaluationConfig:
    """Where snapshots live and how a missing one is computed (the operational database by default)."""

    source: str = "db"
    database_url: str | None = None
    history_months: int = 12
    store: SnapshotStore = field(default_factory=MemoryStore)
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    mapping: str | None = None

    def build(self, subject_type: str, period: str) -> dict[str, Any]:
        from aftersales.evaluation import service

        return service.evaluate_for_snapshot(self.source, subject_type, period, history_months=self.history_months,
                                             generated_at=self.now(), database_url=self.database_url,
                                             mapping=self.mapping)


_DB_STORES: dict[int, DbStore] = {}


def get_evaluation_config(request: Request) -> EvaluationConfig:
    runtime = request.app.state.runtime
    store = _DB_STORES.setdefault(id(runtime), DbStore(runtime.session_factory))
    return EvaluationConfig(database_url=runtime.settings.resolved_database_url(), store=store,
                            now=runtime.clock.now)


ConfigDep = Annotated[EvaluationConfig, Depends(get_evaluation_config)]
PeriodQuery = Annotated[str, Query(description="YYYY-MM 或 YYYY-Qn / month or quarter", examples=["2026-10"])]


def _authorise(principal: Principal) -> None:
    if not principal.is_governance and principal.role not in PARTY_ROLES:
        raise Forbidden(f"角色 {principal.role.value} 无权查看健康指数 / role {principal.role.value} may not "
                        "view the health index", role=principal.role.value)


def _visible(principal: Principal, subject_id: str) -> bool:
    return principal.is_governance or principal.speaks_for(subject_id)


def _snapshot(config: EvaluationConfig, subject_type: str, period: str) -> Snapshot:
    from aftersales.evaluation import service

    label = service.check_options(service.Options(subject_type=subject_type, period=period))
    return dashboard.ready_snapshot(config.store, subject_type, label, config.build, now=config.now())


def _entry(config: EvaluationConfig, principal: Principal, subject_type: str, subject_id: str,
           period: str) -> dict[str, Any]:
    _authorise(principal)
    if not _visible(principal, subject_id):
        raise NotFound(f"无该主体的评估 / no evaluation for {subject_type} {subject_id} in {period}")
    return dashboard.subject(config.store, _snapshot(config, subject_type, period), subject_id)


@router.get("/snapshots", summary="快照状态 / Snapshot status")
def snapshot_status(principal: CurrentPrincipal, request: Request) -> Response:
    if not principal.is_governance:
        raise Forbidden("仅平台治理角色可查看快照 / only governance roles may list snapshots")
    from aftersales.evaluation.snapshots import list_snapshots

    return _json({"snapshots": list_snapshots(request.app.state.runtime.session_factory)})


@router.post("/snapshots/{subject_type}", summary="重新计算快照 / Recompute a snapshot")
def recompute(subject_type: str, period: PeriodQuery, principal: CurrentPrincipal,
              config: ConfigDep) -> Response:
    """An explicit supervisor action: evaluate the period again and replace its snapshot."""
    from aftersales.evaluation import service

    if not principal.is_governance:
        raise Forbidden("仅主管或平台管理员可重新计算 / only a supervisor or platform admin may recompute")
    label = service.check_options(service.Options(subject_type=subject_type, period=period))
    worker = f"{principal.role.value}:{next(iter(sorted(principal.party_ids)), '-')}"
    outcome = config.store.compute(subject_type, label, config.build, worker=worker, now=config.now(), force=True)
    snap = dashboard.ready_snapshot(config.store, subject_type, label, config.build, now=config.now())
    return _json({"outcome": outcome, **dashboard.ranking(snap, lambda _sid: True)})


# declared before /{subject_type}/{subject_id}, which would otherwise swallow /ranking/...
@router.get("/ranking/{subject_type}", summary="排行榜 / Ranking of a subject type")
def ranking(subject_type: str, period: PeriodQuery, principal: CurrentPrincipal,
            config: ConfigDep) -> Response:
    _authorise(principal)
    return _json(dashboard.ranking(_snapshot(config, subject_type, period),
                                            lambda sid: _visible(principal, sid)))


@router.get("/{subject_type}/{subject_id}", summary="主体健康指数 / One subject's health index")
def subject_evaluation(subject_type: str, subject_id: str, period: PeriodQuery, principal: CurrentPrincipal,
                       config: ConfigDep) -> Response:
    return _json(_entry(config, principal, subject_type, subject_id, period))


@router.get("/{subject_type}/{subject_id}/dimensions", summary="六维得分 / The six dimensions")
def subject_dimensions(subject_type: str, subject_id: str, period: PeriodQuery, principal: CurrentPrincipal,
                       config: ConfigDep) -> Response:
    return _json(dashboard.dimensions(_entry(config, principal, subject_type, subject_id, period)))


@router.get("/{subject_type}/{subject_id}/trend", summary="趋势与预测 / Trend and forecast band")
def subject_trend(subject_type: str, subject_id: str, period: PeriodQuery, principal: CurrentPrincipal,
                  config: ConfigDep) -> Response:
    return _json(dashboard.trend(_entry(config, principal, subject_type, subject_id, period)))


@router.get("/{subject_type}/{subject_id}/indicators/{indicator}", summary="指标明细 / Indicator drill-down")
def subject_indicator(subject_type: str, subject_id: str, indicator: str, period: PeriodQuery,
                      principal: CurrentPrincipal, config: ConfigDep) -> Response:
    return _json(dashboard.indicator(_entry(config, principal, subject_type, subject_id, period), indicator))
