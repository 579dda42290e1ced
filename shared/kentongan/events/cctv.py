"""Events of CCTV cameras, produced by cctv-ingest (key: camera id)."""

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from kentongan.events import topics
from kentongan.events.envelope import EventModel


class SnapshotCaptured(EventModel):
    """A fresh keyframe from a camera near an incident, stored in the blob store."""

    topic: ClassVar[str] = topics.CCTV_SNAPSHOTS
    key_field: ClassVar[str] = "camera_id"
    ce_type: ClassVar[str] = "kentongan.cctv.snapshot_captured"

    camera_id: str
    incident_id: UUID | None = None
    blob_ref: str
    snapshot_url: str | None = None
    captured_at: datetime
    distance_m: float | None = None
    motion_score: float | None = None


CameraState = Literal["unknown", "online", "degraded", "offline"]


class CameraHealthChanged(EventModel):
    """A camera changed state (went offline after its grace period, came back, degraded)."""

    topic: ClassVar[str] = topics.CCTV_HEALTH
    key_field: ClassVar[str] = "camera_id"
    ce_type: ClassVar[str] = "kentongan.cctv.health_changed"

    camera_id: str
    state: CameraState
    previous_state: CameraState
    kecamatan: str | None = None
    last_frame_at: datetime | None = None
    consecutive_failures: int = 0
    reason: str | None = None  # redacted: never holds stream credentials
    changed_at: datetime
