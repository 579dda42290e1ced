from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from dispatch.callers import service
from dispatch.callers.schemas import Callback, CallbackCreate, CallerReadView, IncidentCallers
from dispatch.dependencies import KeyringDep as NotesKeyringDep
from dispatch.dependencies import SessionDep
from kentongan.crypto import Keyring
from kentongan.openapi import raises
from kentongan.paging import After, InvalidCursor, Limit, Page
from kentongan.security import CurrentOperator, CurrentSupervisor

router = APIRouter(tags=["callers"])


async def _keyring(request: Request) -> Keyring:
    return request.app.state.caller_keyring


KeyringDep = Annotated[Keyring, Depends(_keyring)]


@router.get("/v1/incidents/{incident_id}/callers", response_model=IncidentCallers,
            summary="Who raised the incident's alarms: name, phone, contacts, medical notes (audited)")
async def get_callers(incident_id: UUID, session: SessionDep, operator: CurrentOperator, keyring: KeyringDep,
                      limit: Annotated[int, Query(ge=1, le=100)] = 20) -> IncidentCallers:
    """Personal data of people in danger: each read is recorded with who and when (`GET /v1/caller-reads`)."""
    return await service.callers_of(session, keyring, incident_id, operator, limit)


@router.post("/v1/incidents/{incident_id}/callbacks", status_code=201, response_model=Callback,
             summary="Record a call-back attempt (on the incident's timeline)")
async def add_callback(incident_id: UUID, body: CallbackCreate, session: SessionDep, operator: CurrentOperator,
                       keyring: KeyringDep, notes: NotesKeyringDep) -> Callback:
    return await service.record_callback(session, keyring, notes, incident_id, body, operator)


@router.get("/v1/caller-reads", response_model=Page[CallerReadView], responses=raises(InvalidCursor),
            summary="Supervisors: who read callers' details, newest first, a page at a time")
async def list_caller_reads(session: SessionDep, _: CurrentSupervisor,
                            incident_id: Annotated[UUID | None, Query()] = None,
                            limit: Limit = 100, after: After = None) -> dict[str, Any]:
    return await service.read_page(session, incident_id, limit, after)
