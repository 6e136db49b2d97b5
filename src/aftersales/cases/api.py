"""HTTP routes for cases: parse, authorise, call the service, shape the answer."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, Response

from aftersales.cases import followup, groups, intake, overrides
from aftersales.cases import service as case_service
from aftersales.cases.group_commit import GroupCommitter
from aftersales.cases.schemas import (
    ActionRequest,
    CaseCreate,
    CasePage,
    CaseRead,
    DecisionOverride,
    OfferAnswer,
    OfferCreate,
    OfferRead,
    ProgressRead,
    ProgressStep,
    QueueItem,
    QueuePage,
    SurveyAnswer,
    TimelineEntry,
)
from aftersales.cases.views import buyer_contact, case_items, case_view
from aftersales.clock import as_utc, format_shanghai
from aftersales.problems import Forbidden, InvalidInput
from aftersales.security.principals import CASE_WORKERS, Role
from aftersales.web.deps import CurrentPrincipal, DbSession, RowId, RuntimeDep, Transaction, require_roles

router = APIRouter(prefix="/api/v1/cases", tags=["cases 售后工单"])


async def get_committer(request: Request) -> GroupCommitter:
    # async: a plain `def` dependency would cost every intake request a hop through the threadpool
    committer: GroupCommitter = request.app.state.intake
    return committer


Committer = Annotated[GroupCommitter, Depends(get_committer)]


@router.post("", status_code=201, response_model=CaseRead,
             summary="提交售后申请 / open a case (Idempotency-Key makes retries safe)")
async def open_case(payload: CaseCreate, principal: CurrentPrincipal, committer: Committer, response: Response,
                    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None) -> CaseRead:
    if principal.role is Role.buyer:
        if payload.buyer_id not in (None, principal.buyer_id):
            raise Forbidden("买家只能为自己提交申请 / buyers file cases for themselves", field="buyer_id")
        buyer_id = principal.buyer_id or ""
    elif principal.is_staff:
        if not payload.buyer_id:
            raise InvalidInput("客服代提交时须指定买家 / staff must name the buyer", field="buyer_id")
        buyer_id = payload.buyer_id
    else:
        raise Forbidden("该角色不能提交售后申请 / this role cannot open cases", role=principal.role.value)
    request = intake.prepare(payload, buyer_id=buyer_id, idempotency_key=idempotency_key,
                             actor_role=principal.role.value)
    outcome = await committer.submit(request)
    if outcome.error is not None:
        raise outcome.error
    assert outcome.case is not None
    if outcome.replayed:
        response.status_code = 200
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/api/v1/cases/{outcome.case.id}"
    return case_view(outcome.case, principal, outcome.clocks, items=outcome.items)


@router.get("", response_model=CasePage, summary="工单列表 / list cases you may see")
def list_cases(principal: CurrentPrincipal, session: DbSession,
               state: str | None = None, tier: str | None = None, case_type: str | None = None,
               party: Annotated[str | None, Query(description="责任方ID / responsible party id")] = None,
               created_from: datetime | None = None, created_to: datetime | None = None,
               cursor: str | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> CasePage:
    filters = case_service.CaseFilters(state=state, tier=tier, case_type=case_type, party=party,
                                       created_from=created_from, created_to=created_to)
    cases, next_cursor = case_service.list_cases(session, principal, filters, cursor=cursor, limit=limit)
    return CasePage(items=[case_view(c, principal) for c in cases], next_cursor=next_cursor)


@router.get("/queue", response_model=QueuePage,
            summary="待办队列：最紧急、最先到期的在前 / the work queue, most urgent first")
def work_queue(principal: CurrentPrincipal, session: DbSession, mine: bool = False, tier: str | None = None,
               cursor: str | None = None, limit: Annotated[int, Query(ge=1, le=200)] = 50) -> QueuePage:
    require_roles(principal, *CASE_WORKERS)
    rows, following = case_service.work_queue(session, principal, mine=mine, tier=tier, cursor=cursor, limit=limit)
    clocks = case_service.clocks_of_many(session, [case.id for case, _ in rows])
    return QueuePage(items=[QueueItem(case=case_view(case, principal, clocks.get(case.id, [])), next_due_at=due,
                                      next_due_local=format_shanghai(due)) for case, due in rows],
                     next_cursor=following)


@router.get("/{case_id}", response_model=CaseRead, summary="工单详情 / one case")
def get_case(case_id: str, principal: CurrentPrincipal, session: Transaction, runtime: RuntimeDep) -> CaseRead:
    case = case_service.get_visible(session, principal, case_id)
    now = runtime.clock.now()
    contact = buyer_contact(session, principal, case.buyer_id, runtime.pii_key, now) if case.buyer_id else None
    claims = case_service.claims_of(session, case)
    view = case_view(case, principal, case_service.clocks_of(session, case.id), contact, claims,
                     case_items(session, case.id))
    return view


@router.post("/{case_id}/actions/{action}", response_model=CaseRead,
             summary="处理工单 / act on a case (409 names the state and the allowed actions)")
def act(case_id: str, action: str, body: ActionRequest, principal: CurrentPrincipal, session: Transaction,
        runtime: RuntimeDep,
        if_match: Annotated[str | None, Header(alias="If-Match")] = None) -> CaseRead:
    if if_match and body.expected_version is None:
        try:
            body = body.model_copy(update={"expected_version": int(if_match.strip('W/"'))})
        except ValueError as error:
            raise InvalidInput("If-Match 须为版本号 / If-Match must be a version number", field="If-Match") \
                from error
    case = case_service.act(session, principal, case_id, action, body, runtime.clock.now(), runtime.calendar)
    return case_view(case, principal, case_service.clocks_of(session, case.id))


@router.get("/{case_id}/members", response_model=CasePage,
            summary="群体工单的成员工单 / the cases a group case gathers")
def group_members(case_id: str, principal: CurrentPrincipal, session: DbSession) -> CasePage:
    require_roles(principal, *CASE_WORKERS)
    group = case_service.get_visible(session, principal, case_id)
    return CasePage(items=[case_view(c, principal) for c in groups.members(session, group.id)], next_cursor=None)


@router.get("/{case_id}/timeline", response_model=list[TimelineEntry], summary="时间线 / timeline")
def get_timeline(case_id: str, principal: CurrentPrincipal, session: DbSession) -> list[TimelineEntry]:
    return [TimelineEntry(at=as_utc(e.at), at_local=format_shanghai(e.at) or "", kind=e.kind,
                          actor_role=e.actor_role, action=e.action, from_state=e.from_state, to_state=e.to_state,
                          reason=e.reason, data=dict(e.data or {}))
            for e in case_service.timeline(session, principal, case_id)]


@router.get("/{case_id}/progress", response_model=ProgressRead, summary="买家进度与预计时间 / progress with ETA")
def get_progress(case_id: str, principal: CurrentPrincipal, session: DbSession,
                 runtime: RuntimeDep) -> ProgressRead:
    case, result = case_service.progress(session, principal, case_id, runtime.clock.now(), runtime.calendar)
    return ProgressRead(case_id=case.id, state=case.state, current_step=result.current_step, eta=result.eta,
                        eta_en=result.eta_en, eta_date=result.eta_date.isoformat() if result.eta_date else None,
                        steps=[ProgressStep(key=s.key, label=s.label, label_en=s.label_en, done=s.done,
                                            current=s.current, at=as_utc(s.at) if s.at else None)
                               for s in result.steps])


@router.post("/{case_id}/survey", status_code=201, summary="提交满意度评价 / answer the CSAT/NPS survey")
def answer_survey(case_id: str, body: SurveyAnswer, principal: CurrentPrincipal, session: Transaction,
                  runtime: RuntimeDep) -> dict[str, object]:
    if principal.role is not Role.buyer:
        raise Forbidden("只有买家可以评价 / only the buyer answers the survey")
    survey, callback = followup.answer_survey(session, principal, case_id, csat=body.csat, nps=body.nps,
                                              comment=body.comment, now=runtime.clock.now())
    return {"case_id": case_id, "csat": survey.csat, "nps": survey.nps,
            "callback_task_id": callback.id if callback else None}


@router.post("/{case_id}/decision", response_model=CaseRead,
             summary="客服推翻规则结论（须说明理由） / override the policy decision with a reason")
def override_decision(case_id: str, body: DecisionOverride, principal: CurrentPrincipal, session: Transaction,
                      runtime: RuntimeDep) -> CaseRead:
    require_roles(principal, *CASE_WORKERS)
    case = case_service.get_visible(session, principal, case_id)
    overrides.override_decision(session, case, principal, outcome=body.outcome, remedy=body.remedy,
                                refund_amount=body.refund_amount, reason=body.reason, now=runtime.clock.now())
    return case_view(case, principal, case_service.clocks_of(session, case.id))


@router.post("/{case_id}/offers", status_code=201, response_model=OfferRead,
             summary="提供补偿（优惠券、小样、积分、现金、医疗） / offer a care package")
def make_offer(case_id: str, body: OfferCreate, principal: CurrentPrincipal, session: Transaction,
               runtime: RuntimeDep) -> OfferRead:
    require_roles(principal, *CASE_WORKERS)
    case = case_service.get_visible(session, principal, case_id)
    made = overrides.offer(session, case, principal, kind=body.kind, amount=body.amount, now=runtime.clock.now())
    return OfferRead.model_validate(made)


@router.post("/{case_id}/offers/{offer_id}/answer", response_model=OfferRead,
             summary="买家接受或谢绝补偿 / the buyer accepts or declines an offer")
def answer_offer(case_id: str, offer_id: RowId, body: OfferAnswer, principal: CurrentPrincipal, session: Transaction,
                 runtime: RuntimeDep) -> OfferRead:
    require_roles(principal, Role.buyer)
    case = case_service.get_visible(session, principal, case_id)
    made = overrides.respond(session, case, offer_id, accepted=body.accepted, now=runtime.clock.now())
    return OfferRead.model_validate(made)
