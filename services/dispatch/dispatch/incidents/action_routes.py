"""The incidents API's actions: take, assign, move along the statuses, reopen, add a note."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header

from dispatch.dependencies import KeyringDep, SessionDep
from dispatch.incidents import PREFIX, actions
from dispatch.incidents.errors import AlreadyAssigned, InvalidTransition
from dispatch.incidents.schemas import AssignRequest, Incident, Note, NoteCreate, ReopenRequest, StatusRequest
from dispatch.models.incident import Incident as IncidentRow
from kentongan.openapi import raises
from kentongan.security import CurrentOperator, CurrentSupervisor

router = APIRouter(prefix=PREFIX, tags=["incidents"])

IfMatch = Annotated[int | None, Header(alias="If-Match", description="Act only if the version is still this")]


@router.post("/{incident_id}/acknowledge", response_model=Incident, responses=raises(InvalidTransition), summary="Take the incident")
async def acknowledge(incident_id: UUID, session: SessionDep, operator: CurrentOperator,
                      if_match: IfMatch = None) -> IncidentRow:
    return await actions.acknowledge(session, incident_id, operator, if_match)


@router.post("/{incident_id}/assign", response_model=Incident, responses=raises(AlreadyAssigned), summary="Send a patrol unit")
async def assign(incident_id: UUID, body: AssignRequest, session: SessionDep, operator: CurrentOperator,
                 if_match: IfMatch = None) -> IncidentRow:
    return await actions.assign(session, incident_id, body.unit_id, operator, if_match)


@router.post("/{incident_id}/status", response_model=Incident, responses=raises(InvalidTransition),
             summary="en_route, on_scene, or resolved with outcome")
async def change_status(incident_id: UUID, body: StatusRequest, session: SessionDep, keyring: KeyringDep,
                        operator: CurrentOperator, if_match: IfMatch = None) -> IncidentRow:
    return await actions.change_status(session, keyring, incident_id, body, operator, if_match)


@router.post("/{incident_id}/reopen", response_model=Incident, responses=raises(InvalidTransition), summary="Supervisors: back to the queue")
async def reopen(incident_id: UUID, body: ReopenRequest, session: SessionDep, keyring: KeyringDep,
                 supervisor: CurrentSupervisor) -> IncidentRow:
    return await actions.reopen(session, keyring, incident_id, body.reason, supervisor)


@router.post("/{incident_id}/notes", status_code=201, response_model=Note, summary="Add a note")
async def add_note(incident_id: UUID, body: NoteCreate, session: SessionDep, keyring: KeyringDep,
                   operator: CurrentOperator) -> Note:
    return await actions.add_note(session, keyring, incident_id, body.text, operator)
