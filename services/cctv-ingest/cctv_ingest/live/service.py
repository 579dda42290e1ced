"""Live sessions: grant a ticket (audited), start one stream per ticket on the camera's feed, record its end."""

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from urllib.parse import quote
from uuid import UUID, uuid4

import anyio
from sqlalchemy.ext.asyncio import AsyncSession

from cctv_ingest.cameras import service as cameras
from cctv_ingest.live import repository, tickets
from cctv_ingest.live.errors import CameraNotLive, TicketRefused
from cctv_ingest.live.hub import LiveHub, Viewer
from cctv_ingest.live.schemas import LiveSessionGrant
from cctv_ingest.live.upstream import mode_for
from cctv_ingest.ownership import repository as ownership
from cctv_ingest.ownership.rendezvous import owner
from cctv_ingest.settings import Settings
from kentongan.db import unit_of_work
from kentongan.security import Operator

Sessions = Callable[[], AsyncSession]
BOUNDARY = "kentongan-frame"


def _key(settings: Settings) -> bytes:
    return settings.live_ticket_key.get_secret_value().encode()


async def grant(session: AsyncSession, settings: Settings, operator: Operator, camera_id: str,
                hub: LiveHub | None = None) -> LiveSessionGrant:
    """A ticket to watch the camera live, valid `live_ticket_ttl_s` to start; the session is audited. When
    this worker serves the camera, its upstream starts opening now (`hub.prepare`), not when the player comes."""
    camera, health = await cameras.get(session, camera_id)
    if not camera.enabled:
        raise CameraNotLive()
    mode = mode_for(health.codec if health else None)
    ticket = tickets.Ticket(uuid4(), camera_id, operator.subject,
                            datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=settings.live_ticket_ttl_s))
    await repository.issued(session, ticket.session_id, camera_id, operator.subject, mode)
    if hub is not None and await _owner_elsewhere(session, settings, camera_id) is None:
        hub.prepare(camera.id, camera.stream_url)
    url = f"{settings.public_url}/v1/cameras/{quote(camera_id, safe='')}/live?ticket={tickets.sign(ticket, _key(settings))}"
    return LiveSessionGrant(url=url, expires_at=ticket.expires_at, mode=mode)


def check_ticket(settings: Settings, text: str, camera_id: str, caller: Operator | None) -> tickets.Ticket:
    """The ticket, if valid for this camera and, when the caller identifies, issued to that caller."""
    ticket = tickets.verify(text, _key(settings), camera_id)
    if caller is not None and caller.subject != ticket.subject:
        raise TicketRefused("live ticket: issued to another user")
    return ticket


async def owner_url(sessions: Sessions, settings: Settings, camera_id: str) -> str | None:
    """Where the camera's owning worker serves live video, when that is another worker; None: serve here."""
    async with unit_of_work(sessions) as session:
        return await _owner_elsewhere(session, settings, camera_id)


async def _owner_elsewhere(session: AsyncSession, settings: Settings, camera_id: str) -> str | None:
    workers = await ownership.live_urls(session, timedelta(seconds=settings.worker_ttl_s))
    boss = owner(camera_id, sorted(workers))
    url = workers.get(boss) if boss is not None else None
    return url if boss != settings.worker_id and url and url != settings.live_url else None


async def start(sessions: Sessions, hub: LiveHub, ticket: tickets.Ticket) -> Viewer:
    """Join the camera's feed (opening it if needed), then spend the ticket; a refused or failed start leaves
    the ticket unspent, so the player can retry after Retry-After."""
    async with unit_of_work(sessions) as session:
        camera, _health = await cameras.get(session, ticket.camera_id)
    if not camera.enabled:
        raise CameraNotLive()
    viewer = await hub.watch(camera.id, camera.stream_url)
    try:
        async with unit_of_work(sessions) as session:
            if not await repository.start(session, ticket.session_id):
                raise TicketRefused("live ticket: already used")
    except BaseException:
        viewer.feed.leave(viewer)
        raise
    return viewer


async def stream(sessions: Sessions, viewer: Viewer, session_id: UUID) -> AsyncIterator[bytes]:
    """The viewer's bytes (JPEGs wrapped as multipart parts); the audit row's end when it stops."""
    reason = "viewer left"
    jpeg = viewer.info.mode == "jpeg"
    try:
        async for chunk in viewer.chunks():
            yield _part(chunk) if jpeg else chunk
        reason = viewer.end_reason or "ended"
    finally:
        viewer.feed.leave(viewer)
        with anyio.CancelScope(shield=True):  # a viewer who disconnects cancels this task; the audit still ends
            async with unit_of_work(sessions) as session:
                await repository.end(session, session_id, reason)


def _part(jpeg: bytes) -> bytes:
    return (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n".encode()
            + jpeg + b"\r\n")


def media_type(viewer: Viewer) -> str:
    return "video/mp4" if viewer.info.mode == "fmp4" else f"multipart/x-mixed-replace; boundary={BOUNDARY}"
