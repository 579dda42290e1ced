"""Partners' view of their webhook deliveries: every attempt, and replay."""

from uuid import UUID

from fastapi import APIRouter

from kentongan.dependencies import SessionDep
from kentongan.openapi import raises
from kentongan.paging import After, InvalidCursor, Limit, Page
from kentongan.security import CurrentOperator, CurrentPartner
from notifier.deliveries import service
from notifier.deliveries.errors import DeliveryNotReplayable
from notifier.deliveries.schemas import Delivery, DeliveryPage, DeliveryStatus, IncidentNotification

router = APIRouter(prefix="/v1/deliveries", tags=["deliveries"])


@router.get("", response_model=DeliveryPage, responses=raises(InvalidCursor),
            summary="This partner's webhook deliveries, newest first, a page at a time")
async def list_deliveries(partner: CurrentPartner, session: SessionDep, status: DeliveryStatus | None = None,
                          limit: Limit = 100, after: After = None) -> DeliveryPage:
    return await service.list_deliveries(session, partner.agency, status, limit, after)


@router.get("/{delivery_id}", response_model=Delivery, summary="One delivery and its attempts")
async def get_delivery(delivery_id: UUID, partner: CurrentPartner, session: SessionDep) -> Delivery:
    return Delivery.of(*await service.get_delivery(session, partner.agency, delivery_id))


@router.post("/{delivery_id}/retry", status_code=202, response_model=Delivery, responses=raises(DeliveryNotReplayable),
             summary="Replay a dead, interrupted or waiting delivery now")
async def retry_delivery(delivery_id: UUID, partner: CurrentPartner, session: SessionDep) -> Delivery:
    return Delivery.of(*await service.replay(session, partner.agency, delivery_id))


incidents_router = APIRouter(prefix="/v1/incidents", tags=["incident notifications (Command Center)"])


@incidents_router.get("/{incident_id}/notifications", response_model=Page[IncidentNotification],
                      responses=raises(InvalidCursor),
                      summary="Who was alerted or told about an incident, and whether it arrived")
async def incident_notifications(incident_id: UUID, _: CurrentOperator, session: SessionDep,
                                 limit: Limit = 200, after: After = None) -> Page[IncidentNotification]:
    """The RT representatives and Polisi RW alerted (opened, escalated) and the callers' status pushes, oldest
    first, a page at a time; no items while nothing was queued yet."""
    return await service.incident_notifications(session, incident_id, limit, after)
