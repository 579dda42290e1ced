"""The public CAP 1.2 endpoints: the Atom feed of alerts (newest first) and each alert's document."""

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from kentongan.dependencies import SessionDep
from kentongan.errors import NotFound
from notifier.cap import repository, service

router = APIRouter(prefix="/v1/cap", tags=["CAP 1.2 (public alerts)"])
CAP_MEDIA_TYPE = "application/cap+xml"


class AlertNotFound(NotFound):
    """No such CAP alert."""

    error = "alert_not_found"


@router.get("/alerts.atom", summary="The Atom feed of CAP alerts, newest first",
            response_class=Response, responses={200: {"content": {"application/atom+xml": {}}}})
async def alerts_feed(request: Request, session: SessionDep,
                      limit: Annotated[int, Query(ge=1, le=200)] = 50) -> Response:
    base_url = str(request.base_url).rstrip("/")
    return Response(await service.feed(session, base_url, limit), media_type="application/atom+xml")


@router.get("/alerts/{alert_id}.xml", summary="One CAP 1.2 alert", response_class=Response,
            responses={200: {"content": {CAP_MEDIA_TYPE: {}}}})
async def alert_document(alert_id: UUID, session: SessionDep) -> Response:
    alert = await repository.get(session, alert_id)
    if alert is None:
        raise AlertNotFound()
    return Response(alert.document, media_type=CAP_MEDIA_TYPE)
