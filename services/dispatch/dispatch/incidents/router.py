from functools import partial
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Header, Query, Request
from sse_starlette.sse import EventSourceResponse

from dispatch.dependencies import KeyringDep, SessionDep
from dispatch.incidents import service
from dispatch.incidents.errors import AlreadyAssigned, InvalidTransition
from dispatch.incidents.schemas import (
    ACTIVE_STATUSES,
    AlarmPage,
    AssignRequest,
    Incident,
    IncidentDetail,
    IncidentPage,
    IncidentStatus,
    LocationPage,
    Note,
    NoteCreate,
    NotePage,
    ReopenRequest,
    StatusRequest,
)
from dispatch.models.incident import Incident as IncidentRow
from dispatch.units import service as units
from dispatch.units.schemas import SuggestedUnit
from kentongan.openapi import raises
from kentongan.paging import DEFAULT_PAGE, After, InvalidCursor, Limit
from kentongan.security import CurrentOperator, CurrentSupervisor, StreamOperator
from kentongan.text import Name

router = APIRouter(prefix="/v1/incidents", tags=["incidents"])

IfMatch = Annotated[int | None, Header(alias="If-Match", description="Act only if the version is still this")]


@router.get("", response_model=IncidentPage, responses=raises(InvalidCursor),
            summary="The queue: unprocessed first, then highest priority, then newest; a page at a time")
async def list_incidents(
    session: SessionDep, _: CurrentOperator,
    status: Annotated[list[IncidentStatus] | None, Query(description="Default: every active status")] = None,
    category: Annotated[Name | None, Query(max_length=32)] = None,
    area: Annotated[Name | None, Query(max_length=64, description="Kecamatan")] = None,
    limit: Limit = 100, after: After = None,
    alarm_id: Annotated[UUID | None, Query(description="Only the incident holding this alarm")] = None,
) -> IncidentPage:
    """The cursor runs over the queue's own order (unprocessed, priority, opened_at, id), so the pages keep the
    priority order; an incident whose priority changes between two pages may be seen twice or not at all until
    the list is read again (the stream carries every change)."""
    return await service.queue_page(session, statuses=list(status or ACTIVE_STATUSES), category=category,
                                    area=area, limit=limit, after=after, alarm_id=alarm_id)


SSE_EXAMPLE = ('event: ready\ndata: {"replayed": 0}\n\nid: 0192f0c4-6c1e-7d3a-9b7e-2f1d5c3a8e41\nevent: incident\n'
               'data: {"type": "kentongan.incident.opened", "alarm_id": "...", "incident": {"id": "...", ...}}\n\n')


@router.get("/stream", summary="Server-sent events: every incident change as it happens",
            response_class=EventSourceResponse,
            responses={200: {"description": "`incident` events ({type, alarm_id, incident})",
                             "content": {"text/event-stream": {"schema": {"type": "string"},
                                                               "example": SSE_EXAMPLE}}}})
async def stream_incidents(request: Request, operator: StreamOperator,
                           last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=64)] = None,
                           ) -> EventSourceResponse:
    """`ready` first (`{"replayed": n}`), then an `incident` event per change (its id is the change's event id).
    An EventSource reconnects with `Last-Event-ID`: what changed meanwhile comes right after `ready`, each
    incident once as it is now; `{"replayed": null, "reload": true}` when that id is too old (reload the queue).
    The only endpoint taking its token as `?access_token=` (EventSource cannot send headers); the stream ends
    with an `expired` event when the token expires: reconnect with a fresh one."""
    missed = partial(service.missed_changes, request.app.state.sessionmaker, last_event_id) if last_event_id else None
    subscription = request.app.state.broadcaster.subscribe(missed, until=operator.expires_at)
    return EventSourceResponse(subscription, ping=15)


@router.get("/{incident_id}", response_model=IncidentDetail, summary="One incident with alarms, trail, notes, snapshots")
async def get_incident(incident_id: UUID, session: SessionDep, keyring: KeyringDep,
                       operator: CurrentOperator) -> IncidentDetail:
    return await service.get_detail(session, keyring, incident_id, operator)


@router.get("/{incident_id}/alarms", response_model=AlarmPage, responses=raises(InvalidCursor),
            summary="The incident's alarms, a page at a time")
async def list_alarms(incident_id: UUID, session: SessionDep, keyring: KeyringDep, operator: CurrentOperator,
                      limit: Limit = DEFAULT_PAGE, after: After = None) -> AlarmPage:
    return await service.alarm_page(session, keyring, incident_id, operator, limit, after)


@router.get("/{incident_id}/trail", response_model=LocationPage, responses=raises(InvalidCursor), summary="The location trail, a page at a time")
async def list_trail(incident_id: UUID, session: SessionDep, _: CurrentOperator,
                     limit: Limit = DEFAULT_PAGE, after: After = None) -> LocationPage:
    return await service.trail_page(session, incident_id, limit, after)


@router.get("/{incident_id}/notes", response_model=NotePage, responses=raises(InvalidCursor), summary="The notes, a page at a time")
async def list_notes(incident_id: UUID, session: SessionDep, keyring: KeyringDep, _: CurrentOperator,
                     limit: Limit = DEFAULT_PAGE, after: After = None) -> NotePage:
    return await service.note_page(session, keyring, incident_id, limit, after)


@router.post("/{incident_id}/acknowledge", response_model=Incident, responses=raises(InvalidTransition), summary="Take the incident")
async def acknowledge(incident_id: UUID, session: SessionDep, operator: CurrentOperator,
                      if_match: IfMatch = None) -> IncidentRow:
    return await service.acknowledge(session, incident_id, operator, if_match)


@router.post("/{incident_id}/assign", response_model=Incident, responses=raises(AlreadyAssigned), summary="Send a patrol unit")
async def assign(incident_id: UUID, body: AssignRequest, session: SessionDep, operator: CurrentOperator,
                 if_match: IfMatch = None) -> IncidentRow:
    return await service.assign(session, incident_id, body.unit_id, operator, if_match)


@router.post("/{incident_id}/status", response_model=Incident, responses=raises(InvalidTransition),
             summary="en_route, on_scene, or resolved with outcome")
async def change_status(incident_id: UUID, body: StatusRequest, session: SessionDep, keyring: KeyringDep,
                        operator: CurrentOperator, if_match: IfMatch = None) -> IncidentRow:
    return await service.change_status(session, keyring, incident_id, body, operator, if_match)


@router.post("/{incident_id}/reopen", response_model=Incident, responses=raises(InvalidTransition), summary="Supervisors: back to the queue")
async def reopen(incident_id: UUID, body: ReopenRequest, session: SessionDep, keyring: KeyringDep,
                 supervisor: CurrentSupervisor) -> IncidentRow:
    return await service.reopen(session, keyring, incident_id, body.reason, supervisor)


@router.post("/{incident_id}/notes", status_code=201, response_model=Note, summary="Add a note")
async def add_note(incident_id: UUID, body: NoteCreate, session: SessionDep, keyring: KeyringDep,
                   operator: CurrentOperator) -> Note:
    return await service.add_note(session, keyring, incident_id, body.text, operator)


@router.get("/{incident_id}/suggested-units", response_model=list[SuggestedUnit],
            summary="Nearest available patrol units")
async def suggested_units(incident_id: UUID, session: SessionDep, keyring: KeyringDep, operator: CurrentOperator,
                          limit: Annotated[int, Query(ge=1, le=20)] = 3) -> list[SuggestedUnit]:
    incident = await service.get_detail(session, keyring, incident_id, operator)
    return await units.nearest_available(session, incident.lat, incident.lon, limit)
