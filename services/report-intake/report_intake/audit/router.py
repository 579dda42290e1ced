from typing import Annotated

from fastapi import APIRouter, Query

from kentongan.dependencies import SessionDep
from kentongan.openapi import raises
from kentongan.paging import After, InvalidCursor, Limit
from kentongan.security import CurrentSupervisor
from report_intake.audit import service
from report_intake.audit.schemas import AuditPage, AuditQuery
from report_intake.dependencies import KeyringDep

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("", response_model=AuditPage, responses=raises(InvalidCursor),
            summary="Who read or changed which case, when and why, a page at a time")
async def search_audit(query: Annotated[AuditQuery, Query()], _: CurrentSupervisor, session: SessionDep,
                       keyring: KeyringDep, limit: Limit = 100, after: After = None) -> AuditPage:
    """Supervisors and admins only; newest first."""
    return await service.search(session, keyring, query, limit, after)
