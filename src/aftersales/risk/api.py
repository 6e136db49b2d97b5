"""Risk API: traceability rates (with CSV/Excel export), spike warnings, pre-sale delay warnings, flagged buyers."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response

from aftersales.risk import buyers, presale, traceability, warnings
from aftersales.risk import monitor as spike_monitor
from aftersales.risk.schemas import (
    BuyerFlagRead,
    PresaleWarningRead,
    RatePage,
    WarningMove,
    WarningRead,
)
from aftersales.security.principals import Role
from aftersales.web.deps import CurrentPrincipal, DbSession, RuntimeDep, Transaction, require_roles

router = APIRouter(prefix="/api/v1/risk", tags=["risk 风险"])
Dimension = Literal["batch", "product", "anchor", "session", "shop", "region", "carrier"]
COLUMNS = ("key", "name", "orders", "units", "cases", "returns", "complaints", "return_rate", "complaint_rate",
           "case_rate", "case_ids")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/rates", response_model=RatePage, responses={200: {"content": {"text/csv": {}, XLSX: {}}}},
            summary="溯源：按批次/商品/主播/场次/店铺/地区/承运商的退货率与投诉率 / return and complaint rates")
def get_rates(principal: CurrentPrincipal, session: DbSession, runtime: RuntimeDep, by: Dimension,
              start: Annotated[datetime | None, Query(alias="from", description="下单时间起 / orders placed from")] = None,
              end: Annotated[datetime | None, Query(alias="to", description="下单时间止 / orders placed before")] = None,
              key: Annotated[str | None, Query(max_length=60, description="只看一项，列出全部工单 / one subject, "
                                                                          "every case listed")] = None,
              format: Annotated[Literal["json", "csv", "xlsx"], Query(description="导出 / export")] = "json",
              ) -> Any:
    window = traceability.check_window(start, end, runtime.clock.now())
    rows = [rate.as_row(all_cases=key is not None)
            for rate in traceability.rates(session, principal, by=by, start=window[0], end=window[1], key=key)]
    if format == "json":
        return RatePage(by=by, start=window[0], end=window[1], items=rows)
    name = f"rates-{by}-{window[0]:%Y%m%d}-{window[1]:%Y%m%d}"
    if format == "csv":
        return Response(_csv(rows), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'})
    return Response(_xlsx(rows), media_type=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'})


def _flat(row: dict[str, Any]) -> list[Any]:
    return [" ".join(row[c]) if c == "case_ids" else row[c] for c in COLUMNS]


def _csv(rows: list[dict[str, Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(_flat(row) for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM lets Excel read the Chinese names


def _xlsx(rows: list[dict[str, Any]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "rates"
    sheet.append(list(COLUMNS))
    for row in rows:
        sheet.append(_flat(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


@router.get("/warnings", response_model=list[WarningRead], summary="风险预警 / spike warnings with their evidence")
def list_warnings(principal: CurrentPrincipal, session: DbSession,
                  state: Literal["open", "acknowledged", "resolved", "dismissed"] | None = None,
                  dimension: Literal["batch", "product", "session", "anchor"] | None = None,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[WarningRead]:
    found = warnings.list_warnings(session, principal, state=state, dimension=dimension, limit=limit)
    return [WarningRead.of(w, warnings.member_count(session, w)) for w in found]


@router.get("/warnings/{warning_id}", response_model=WarningRead, summary="一条预警 / one warning")
def get_warning(warning_id: Annotated[str, Path(max_length=40)], principal: CurrentPrincipal,
                session: DbSession) -> WarningRead:
    found = warnings.get_warning(session, principal, warning_id)
    return WarningRead.of(found, warnings.member_count(session, found))


@router.post("/warnings/{warning_id}/{move}", response_model=WarningRead,
             summary="确认、解决或驳回预警 / acknowledge, resolve or dismiss a warning")
def move_warning(warning_id: str, move: Literal["acknowledge", "resolve", "dismiss"], body: WarningMove,
                 principal: CurrentPrincipal, session: Transaction, runtime: RuntimeDep) -> WarningRead:
    target = {"acknowledge": "acknowledged", "resolve": "resolved", "dismiss": "dismissed"}[move]
    moved = warnings.move(session, principal, warning_id, target, body.note, runtime.clock.now())
    return WarningRead.of(moved, warnings.member_count(session, moved))


@router.post("/scan", summary="立即运行风险监测 / run the risk monitors now")
def scan_now(principal: CurrentPrincipal, runtime: RuntimeDep) -> dict[str, Any]:
    require_roles(principal, Role.supervisor, Role.platform_admin)
    now = runtime.clock.now()
    report = spike_monitor.scan(runtime.session_factory, now, runtime.calendar)
    delays = presale.scan(runtime.session_factory, now)
    return {"series": report.series, "alarms": report.alarms, "warnings": report.warnings,
            "presale_warned": delays.warned}


@router.get("/presale-warnings", response_model=list[PresaleWarningRead],
            summary="预售延期预警（延期收货提醒）/ pre-sale orders at risk of shipping late")
def list_presale(principal: CurrentPrincipal, session: DbSession,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[PresaleWarningRead]:
    return [PresaleWarningRead.model_validate(w) for w in presale.visible(session, principal, limit)]


@router.get("/presale-warnings/precision", summary="预售延期预警的准确率（已发货订单）/ how often warnings came true")
def presale_precision(principal: CurrentPrincipal, session: DbSession) -> dict[str, Any]:
    require_roles(principal, Role.supervisor, Role.platform_admin, Role.emergency)
    return presale.precision(session)


@router.get("/flagged-buyers", response_model=list[BuyerFlagRead],
            summary="高退货率买家（专属通道，不影响规则结论）/ buyers offered the dedicated channel")
def flagged_buyers(principal: CurrentPrincipal, session: DbSession,
                   limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[BuyerFlagRead]:
    require_roles(principal, Role.agent, Role.supervisor, Role.platform_admin)
    return [BuyerFlagRead.model_validate(f) for f in buyers.flagged(session, limit)]


@router.post("/flagged-buyers/refresh", summary="重新计算买家退货率标记 / recompute the flags now")
def refresh_flags(principal: CurrentPrincipal, session: Transaction, runtime: RuntimeDep) -> dict[str, int]:
    require_roles(principal, Role.supervisor, Role.platform_admin)
    report = buyers.refresh(session, runtime.clock.now())
    return {"flagged": report.flagged, "unflagged": report.unflagged, "buyers": report.buyers}
