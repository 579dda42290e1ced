"""Partners' view of their webhook deliveries: every attempt, and replay."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from kentongan.dependencies import SessionDep
from kentongan.openapi import raises
from kentongan.security import CurrentOperator, CurrentPartner
from notifier.deliveries import service
from notifier.deliveries.errors import DeliveryNotReplayable
from notifier.deliveries.schemas import Delivery, DeliveryStatus, IncidentNotification

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])


@router.get("", response_model=list[Delivery], summary="This partner's webhook deliveries, newest first")
async def list_deliveries(partner: CurrentPartner, session: SessionDep, status: DeliveryStatus | None = None,
                          limit: Annotated[int, Query(ge=1, le=500)] = 100) -> list[Delivery]:
    rows = await service.list_deliveries(session, partner.agency, status, limit)
    return [Delivery.of(delivery, attempts) for delivery, attempts in rows]


@router.get("/{delivery_id}", response_model=Delivery, summary="One delivery and its attempts")
async def get_delivery(delivery_id: UUID, partner: CurrentPartner, session: SessionDep) -> Delivery:
    return Delivery.of(*await service.get_delivery(session, partner.agency, delivery_id))


@router.post("/{delivery_id}/retry", status_code=202, response_model=Delivery, responses=raises(DeliveryNotReplayable),
             summary="Replay a dead, interrupted or waiting delivery now")
async def retry_delivery(delivery_id: UUID, partner: CurrentPartner, session: SessionDep) -> Delivery:
    return Delivery.of(*await service.replay(session, partner.agency, delivery_id))


incidents_router = APIRouter(prefix="/v1/incidents", tags=["incident notifications (Command Center)"])


@incidents_router.get("/{incident_id}/notifications", response_model=list[IncidentNotification],
                      summary="Who was alerted or told about an incident, and whether it arrived")
async def incident_notifications(incident_id: UUID, _: CurrentOperator, session: SessionDep,
                                 limit: Annotated[int, Query(ge=1, le=1000)] = 200,
                                 offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
                                 ) -> list[IncidentNotification]:
    """The RT representatives and Polisi RW alerted (opened, escalated) and the callers' status pushes, oldest
    first, a page at a time; an empty list while nothing was queued yet."""
    return await service.incident_notifications(session, incident_id, limit, offset)
