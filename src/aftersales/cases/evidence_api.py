"""HTTP routes for a case's evidence: upload (multipart), list, and download to those who may see the case."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Response, UploadFile

from aftersales.cases import evidence as evidence_service
from aftersales.cases import service as case_service
from aftersales.cases.evidence_rules import MAX_FILE_BYTES
from aftersales.cases.models import CaseEvidence
from aftersales.cases.schemas import EvidenceAttached, EvidenceRead
from aftersales.cases.views import case_items, case_view
from aftersales.web.deps import CurrentPrincipal, DbSession, RowId, RuntimeDep, Transaction

router = APIRouter(prefix="/api/v1/cases", tags=["cases 售后工单"])


def _read(row: CaseEvidence) -> EvidenceRead:
    view = EvidenceRead.model_validate(row)
    return view.model_copy(update={"url": f"/api/v1/cases/{row.case_id}/evidence/{row.id}"})


@router.post("/{case_id}/evidence", status_code=201, response_model=EvidenceAttached,
             summary="上传凭证（JPEG/PNG/WebP/PDF，单个≤10MB，每单≤9个） / attach a photo or report")
def upload(case_id: str, principal: CurrentPrincipal, session: Transaction, runtime: RuntimeDep,
                 response: Response, file: Annotated[UploadFile, File(description="照片或报告 / the file")],
                 kind: Annotated[str | None, Form(description="photo | medical_report | test_report")] = None,
                 ) -> EvidenceAttached:
    # one byte past the limit is enough to know it is too large, without reading a huge upload whole
    content = file.file.read(MAX_FILE_BYTES + 1)
    attached = evidence_service.attach(session, runtime.files, principal, case_id, content=content,
                                       filename=file.filename or "", kind=kind, now=runtime.clock.now())
    if not attached.created:
        response.status_code = 200
    case = case_service.get_visible(session, principal, case_id)
    return EvidenceAttached(evidence=_read(attached.evidence), redecided=attached.redecided,
                            case=case_view(case, principal, case_service.clocks_of(session, case.id),
                                           items=case_items(session, case.id)))


@router.get("/{case_id}/evidence", response_model=list[EvidenceRead], summary="凭证列表 / the case's evidence")
def list_evidence(case_id: str, principal: CurrentPrincipal, session: DbSession) -> list[EvidenceRead]:
    return [_read(row) for row in evidence_service.list_evidence(session, principal, case_id)]


@router.get("/{case_id}/evidence/{evidence_id}", summary="下载凭证 / the file itself",
            response_class=Response, responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "image/webp": {},
                                                  "application/pdf": {}}}})
def download(case_id: str, evidence_id: RowId, principal: CurrentPrincipal, session: DbSession,
             runtime: RuntimeDep) -> Response:
    row, content = evidence_service.read(session, runtime.files, principal, case_id, evidence_id)
    name = row.filename or f"evidence-{row.id}"
    return Response(content, media_type=row.content_type, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}",
        "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})
