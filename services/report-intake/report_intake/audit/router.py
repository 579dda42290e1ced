from typing import Annotated

from fastapi import APIRouter, Query

from kentongan.dependencies import SessionDep
from kentongan.security import CurrentSupervisor
from report_intake.audit import service
from report_intake.audit.schemas import AuditQuery, AuditRecord
from report_intake.dependencies import KeyringDep

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("", response_model=list[AuditRecord], summary="Who read or changed which case, when and why")
async def search_audit(query: Annotated[AuditQuery, Query()], _: CurrentSupervisor,
                       session: SessionDep, keyring: KeyringDep) -> list[AuditRecord]:
    """Supervisors and admins only; newest first."""
    return await service.search(session, keyring, query)
