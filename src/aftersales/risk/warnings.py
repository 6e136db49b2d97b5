"""Risk warnings: raised with their evidence, owned by the emergency team, acknowledged, resolved or dismissed."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from aftersales.cases.groups import GroupRequest
from aftersales.cases.models import Case
from aftersales.catalog.models import Batch, Product
from aftersales.ids import new_id
from aftersales.live.models import LiveSession
from aftersales.notifications import outbox
from aftersales.notifications.events import Event, EventType
from aftersales.parties.models import Party
from aftersales.problems import Conflict, Forbidden, InvalidInput, NotFound
from aftersales.risk import series
from aftersales.risk.models import RiskWarning
from aftersales.security.principals import CASE_WORKERS, Principal, Role
from aftersales.triage.taxonomy import CATEGORY_LABELS

if TYPE_CHECKING:
    from aftersales.risk.monitor import Alarm

DIMENSION_ZH = {"batch": "批次", "product": "商品", "session": "直播场次", "anchor": "主播"}
STATES = ("open", "acknowledged", "resolved", "dismissed")
#: which states a warning may move to from each
MOVES = {"open": ("acknowledged", "resolved", "dismissed"), "acknowledged": ("resolved", "dismissed")}


def open_key(key: series.Key) -> str:
    return ":".join(key)


def open_keys(session: Session) -> set[str]:
    return {k for k in session.scalars(select(RiskWarning.open_key).where(RiskWarning.open_key.is_not(None))) if k}


def open_cases_by_class(session: Session) -> dict[str, list[set[str]]]:
    """The cases each open warning gathers (its group case's members), per class: a later alarm on the same
    cases from another dimension is the same spike."""
    found: dict[str, list[set[str]]] = {}
    rows = session.execute(select(RiskWarning.problem_class, RiskWarning.group_case_id)
                           .where(RiskWarning.open_key.is_not(None), RiskWarning.group_case_id.is_not(None)))
    for klass, group_id in rows:
        members = set(session.scalars(select(Case.id).where(Case.group_id == group_id)))
        found.setdefault(klass, []).append(members)
    return found


def _subject(session: Session, dimension: str, subject_id: str) -> tuple[str, str | None, str | None, str | None]:
    """A readable name, the brand behind it (brands see their own warnings), and who answers for it."""
    if dimension in ("batch", "product"):
        batch = session.get(Batch, subject_id) if dimension == "batch" else None
        product = session.get(Product, batch.product_id if batch else subject_id)
        if product is None:
            return subject_id, None, None, None
        name = f"{product.name} 批次{batch.batch_no}" if batch else product.name
        return name, product.brand_id, product.brand_id, "brand"
    if dimension == "session":
        live = session.get(LiveSession, subject_id)
        return (live.title if live else subject_id), None, live.anchor_id if live else None, "anchor"
    anchor = session.get(Party, subject_id)
    return (anchor.name if anchor else subject_id), None, subject_id, "anchor"


def create(session: Session, alarm: Alarm, now: datetime) -> RiskWarning:
    dimension, subject_id, klass = alarm.key
    name, brand_id, _party, _kind = _subject(session, dimension, subject_id)
    window = alarm.verdict.window
    evidence: dict[str, Any] = {
        "window_hours": window.hours, "count": window.count, "expected": round(window.expected, 4),
        "p_value": window.p_value, "exposure_units_per_day": round(alarm.exposure, 2),
        "baseline_rate_per_unit": round(alarm.baseline.rate, 6), "baseline_own_cases": alarm.baseline.own_cases,
        "baseline_own_units": alarm.baseline.own_units,
        "windows": [{"hours": w.hours, "count": w.count, "expected": round(w.expected, 4), "p_value": w.p_value}
                    for w in alarm.verdict.windows],
        "case_ids": list(alarm.case_ids)}
    warning = RiskWarning(id=new_id("RW"), dimension=dimension, subject_id=subject_id, subject_name=name,
                          problem_class=klass, open_key=open_key(alarm.key), state="open", owner="emergency",
                          method=alarm.verdict.method, evidence=evidence, case_count=len(alarm.case_ids),
                          brand_id=brand_id, raised_at=now, updated_at=now)
    session.add(warning)
    session.flush()
    return warning


def describe(warning: RiskWarning) -> tuple[str, str]:
    evidence = warning.evidence or {}
    label = CATEGORY_LABELS.get(warning.problem_class, (warning.problem_class, warning.problem_class))
    hours = evidence.get("window_hours", 0)
    zh = (f"{DIMENSION_ZH.get(warning.dimension, warning.dimension)}「{warning.subject_name}」{hours:g}小时内"
          f"{evidence.get('count')}件{label[0]}工单（预期{evidence.get('expected', 0):.2f}件）")
    en = (f"{warning.dimension} {warning.subject_id}: {evidence.get('count')} {label[1]} cases in {hours:g} h "
          f"(expected {evidence.get('expected', 0):.2f})")
    return zh, en


def group_request(session: Session, warning: RiskWarning, alarm: Alarm) -> GroupRequest:
    _name, _brand, party, kind = _subject(session, warning.dimension, warning.subject_id)
    zh, en = describe(warning)
    return GroupRequest(warning_id=warning.id, dimension=warning.dimension, subject_id=warning.subject_id,
                        subject_name=warning.subject_name, problem_class=warning.problem_class,
                        member_ids=list(alarm.case_ids), reason_zh=f"风险预警 {warning.id}：{zh}", reason_en=en,
                        responsible_party_id=party, responsible_kind=kind)


def announce(session: Session, warning: RiskWarning, now: datetime) -> None:
    zh, en = describe(warning)
    outbox.publish(session, [Event(
        id=f"EV-{warning.id}", type=EventType.warning_raised, subject_type="warning", subject_id=warning.id,
        at=now.isoformat(), summary_zh=f"风险预警：{zh}，已开群体工单 {warning.group_case_id} 交应急小组",
        summary_en=f"risk warning: {en}; group case {warning.group_case_id} for the emergency team",
        data={"warning_id": warning.id, "dimension": warning.dimension, "subject_id": warning.subject_id,
              "problem_class": warning.problem_class, "group_case_id": warning.group_case_id,
              "evidence": {k: v for k, v in (warning.evidence or {}).items() if k != "case_ids"}},
        party_ids=tuple(p for p in (warning.brand_id,) if p))], now)


# ---------------------------------------------------------------- reading and working warnings

def _visible(principal: Principal) -> Any:
    if principal.role in CASE_WORKERS:
        return None
    if principal.role is Role.brand:
        return RiskWarning.brand_id.in_(sorted(principal.party_ids) or [""])
    raise Forbidden("无权查看风险预警 / role may not see risk warnings", role=principal.role.value)


def list_warnings(session: Session, principal: Principal, *, state: str | None, dimension: str | None,
                  limit: int) -> list[RiskWarning]:
    query = select(RiskWarning).order_by(RiskWarning.raised_at.desc(), RiskWarning.id.desc()).limit(limit)
    scope = _visible(principal)
    if scope is not None:
        query = query.where(scope)
    if state is not None:
        query = query.where(RiskWarning.state == state)
    if dimension is not None:
        query = query.where(RiskWarning.dimension == dimension)
    return list(session.scalars(query))


def get_warning(session: Session, principal: Principal, warning_id: str) -> RiskWarning:
    warning = session.get(RiskWarning, warning_id)
    scope_ok = warning is not None and (principal.role in CASE_WORKERS or (
        principal.role is Role.brand and principal.speaks_for(warning.brand_id)))
    if warning is None or not scope_ok:
        _visible(principal)  # a role that may see none gets 403, the others 404
        raise NotFound(f"预警 {warning_id} 不存在 / no warning {warning_id}")
    return warning


def move(session: Session, principal: Principal, warning_id: str, to_state: str, note: str,
         now: datetime) -> RiskWarning:
    """The emergency team (or governance) acknowledges, resolves or dismisses a warning, with a note."""
    if principal.role not in (Role.emergency, Role.supervisor, Role.platform_admin):
        raise Forbidden("只有应急小组或主管可处理预警 / only the emergency team or supervisors work warnings")
    warning = get_warning(session, principal, warning_id)
    if to_state not in MOVES.get(warning.state, ()):
        raise Conflict(f"预警已{warning.state}，不能改为{to_state} / a {warning.state} warning cannot become "
                       f"{to_state}", current_state=warning.state, allowed=list(MOVES.get(warning.state, ())))
    if to_state in ("resolved", "dismissed") and not note.strip():
        raise InvalidInput("请说明处理结果 / say how it was resolved or why it is dismissed", field="note")
    warning.state, warning.updated_at = to_state, now
    warning.owner = principal.actor_id or warning.owner
    if note:
        warning.note = note
    if to_state in ("resolved", "dismissed"):
        warning.open_key, warning.closed_at = None, now
    return warning


def member_count(session: Session, warning: RiskWarning) -> int:
    if warning.group_case_id is None:
        return warning.case_count
    return int(session.scalar(select(func.count()).select_from(Case).where(Case.group_id == warning.group_case_id))
               or 0)
