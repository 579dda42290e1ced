from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import RedirectResponse, Response, StreamingResponse

from cctv_ingest.cameras.errors import CameraNotFound
from cctv_ingest.cameras.router import CameraIdPath
from cctv_ingest.dependencies import SessionDep, SettingsDep
from cctv_ingest.live import service
from cctv_ingest.live.errors import CameraNotLive, CameraUnavailable, LiveCapacity, TicketRefused
from cctv_ingest.live.schemas import LiveSessionGrant
from kentongan.openapi import SecurityScheme, documents, raises
from kentongan.security import CurrentOperator, Operator, current_operator

router = APIRouter(prefix="/v1/cameras", tags=["live"])
LIVE_TICKET = SecurityScheme("liveTicket", {
    "type": "apiKey", "in": "query", "name": "ticket",
    "description": "The signed live ticket of POST /v1/cameras/{id}/live-sessions (a <video> cannot send "
                   "headers): bound to the camera and the user, valid 60 s to start one stream."})


@documents(security=LIVE_TICKET, errors=(TicketRefused,))
async def live_ticket(ticket: Annotated[str, Query(
        min_length=10, max_length=1000, pattern=r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")]) -> str:
    return ticket


Ticket = Annotated[str, Depends(live_ticket)]
STREAM_CONTENT: dict[int | str, dict[str, Any]] = {200: {"content": {"video/mp4": {}, "multipart/x-mixed-replace": {}}},
                  307: {"description": "Served by the worker that owns the camera"}}


@router.post("/{camera_id}/live-sessions", status_code=201, response_model=LiveSessionGrant,
             responses=raises(CameraNotFound, CameraNotLive),
             summary="A short-lived playback URL for the camera's live video (operator or above; audited)")
async def create_live_session(camera_id: CameraIdPath, operator: CurrentOperator, session: SessionDep,
                              settings: SettingsDep, request: Request) -> LiveSessionGrant:
    return await service.grant(session, settings, operator, camera_id, request.app.state.live_hub)


@router.get("/{camera_id}/live", response_class=StreamingResponse, responses={
    **STREAM_CONTENT, **raises(CameraNotFound, CameraNotLive, LiveCapacity, CameraUnavailable)},
    summary="The camera live: fragmented MP4 (H.264) or multipart JPEGs, authorised by the ticket in the URL")
async def watch_live(camera_id: CameraIdPath, ticket: Ticket, request: Request, settings: SettingsDep) -> Response:
    caller: Operator | None = await current_operator(request) if "authorization" in request.headers else None
    checked = service.check_ticket(settings, ticket, camera_id, caller)
    sessions = request.app.state.sessionmaker
    elsewhere = await service.owner_url(sessions, settings, camera_id)
    if elsewhere is not None:
        return RedirectResponse(f"{elsewhere.rstrip('/')}{request.url.path}?{request.url.query}", status_code=307)
    viewer = await service.start(sessions, request.app.state.live_hub, checked)
    return StreamingResponse(service.stream(sessions, viewer, checked.session_id), media_type=service.media_type(viewer),
                             headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})
