"""Evidence files for console pages: served to whoever may see the case (the cookie is no credential on /api/)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response

from aftersales.cases import evidence as evidence_service
from aftersales.console.access import SignedIn
from aftersales.web.deps import DbSession, RowId, RuntimeDep

router = APIRouter(prefix="/files", include_in_schema=False)


@router.get("/cases/{case_id}/evidence/{evidence_id}")
async def evidence_file(case_id: str, evidence_id: RowId, session: DbSession, runtime: RuntimeDep,
                        identity: SignedIn) -> Response:
    row, content = evidence_service.read(session, runtime.files, identity.principal, case_id, evidence_id)
    name = row.filename or f"evidence-{row.id}"
    return Response(content, media_type=row.content_type, headers={
        "Content-Disposition": f"inline; filename*=UTF-8''{quote(name)}", "X-Content-Type-Options": "nosniff",
        "Cache-Control": "private, no-store"})
