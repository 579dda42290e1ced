"""Incident events from dispatch: snapshot the nearest cameras on opening, watch the area until closed."""

import logging
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from cctv_ingest.cameras import service as cameras
from cctv_ingest.models import outbox
from cctv_ingest.settings import Settings
from cctv_ingest.snapshots import repository
from cctv_ingest.snapshots.capture import SnapshotCapture
from kentongan.events import Envelope
from kentongan.events.cctv import SnapshotCaptured
from kentongan.events.incidents import IncidentChanged
from kentongan.outbox import add_event

log = logging.getLogger(__name__)


def incident_opened_handler(capture: SnapshotCapture, settings: Settings):
    """The handler of `kentongan.incident.opened`, bound to the capture pool and the settings."""

    async def on_incident_opened(session: AsyncSession, envelope: Envelope) -> None:
        incident: IncidentChanged = envelope.data  # type: ignore[assignment]
        # Once per incident: merged alarms bring no opening, and an opening announced again takes nothing more.
        if not await repository.open_focus(session, incident.incident_id, incident.lat, incident.lon,
                                           incident.opened_at):
            return
        nearest = await cameras.nearby(session, incident.lat, incident.lon, settings.incident_radius_m,
                                       settings.incident_cameras, online_only=True)
        shots = await capture.capture(nearest, str(incident.incident_id))
        await repository.keep_images(session, incident.incident_id,
                                     [(shot.blob_ref, shot.camera.id, shot.captured_at) for shot in shots])
        for shot in shots:
            await add_event(session, outbox, SnapshotCaptured(
                camera_id=shot.camera.id, incident_id=incident.incident_id, blob_ref=shot.blob_ref,
                snapshot_url=settings.public_url.rstrip("/") + shot.snapshot_url, captured_at=shot.captured_at,
                distance_m=shot.camera.distance_m, motion_score=shot.motion_score))
        log.info("incident %s: %d of %d nearby online cameras snapshotted", incident.incident_id,
                 len(shots), len(nearest))

    return on_incident_opened


async def on_incident_closed(session: AsyncSession, envelope: Envelope) -> None:
    """A resolved or cancelled incident no longer keeps its cameras on the fast cadence."""
    incident: IncidentChanged = envelope.data  # type: ignore[assignment]
    await repository.close_focus(session, incident.incident_id, datetime.now(UTC))
