"""The incidents API's reads: the queue, one incident, its pages of alarms, trail and notes, nearby units."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from dispatch.dependencies import KeyringDep, SessionDep
from dispatch.incidents import PREFIX, reads
from dispatch.incidents.schemas import (
    AlarmPage,
    IncidentDetail,
    IncidentPage,
    LocationPage,
    NotePage,
)
from dispatch.units import service as units
from dispatch.units.schemas import SuggestedUnit
from kentongan.events.incidents import ACTIVE_STATUSES, IncidentStatus
from kentongan.openapi import raises
from kentongan.paging import DEFAULT_PAGE, After, InvalidCursor, Limit
from kentongan.security import CurrentOperator
from kentongan.text import Name

router = APIRouter(prefix=PREFIX, tags=["incidents"])


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
    return await reads.queue_page(session, statuses=list(status or ACTIVE_STATUSES), category=category,
                                    area=area, limit=limit, after=after, alarm_id=alarm_id)


@router.get("/{incident_id}", response_model=IncidentDetail, summary="One incident with alarms, trail, notes, snapshots")
async def get_incident(incident_id: UUID, session: SessionDep, keyring: KeyringDep,
                       operator: CurrentOperator) -> IncidentDetail:
    return await reads.get_detail(session, keyring, incident_id, operator)


@router.get("/{incident_id}/alarms", response_model=AlarmPage, responses=raises(InvalidCursor),
            summary="The incident's alarms, a page at a time")
async def list_alarms(incident_id: UUID, session: SessionDep, keyring: KeyringDep, operator: CurrentOperator,
                      limit: Limit = DEFAULT_PAGE, after: After = None) -> AlarmPage:
    return await reads.alarm_page(session, keyring, incident_id, operator, limit, after)


@router.get("/{incident_id}/trail", response_model=LocationPage, responses=raises(InvalidCursor), summary="The location trail, a page at a time")
async def list_trail(incident_id: UUID, session: SessionDep, _: CurrentOperator,
                     limit: Limit = DEFAULT_PAGE, after: After = None) -> LocationPage:
    return await reads.trail_page(session, incident_id, limit, after)


@router.get("/{incident_id}/notes", response_model=NotePage, responses=raises(InvalidCursor), summary="The notes, a page at a time")
async def list_notes(incident_id: UUID, session: SessionDep, keyring: KeyringDep, _: CurrentOperator,
                     limit: Limit = DEFAULT_PAGE, after: After = None) -> NotePage:
    return await reads.note_page(session, keyring, incident_id, limit, after)


@router.get("/{incident_id}/suggested-units", response_model=list[SuggestedUnit],
            summary="Nearest available patrol units")
async def suggested_units(incident_id: UUID, session: SessionDep, keyring: KeyringDep, operator: CurrentOperator,
                          limit: Annotated[int, Query(ge=1, le=20)] = 3) -> list[SuggestedUnit]:
    incident = await reads.get_detail(session, keyring, incident_id, operator)
    return await units.nearest_available(session, incident.lat, incident.lon, limit)
