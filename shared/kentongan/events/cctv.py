"""Events of CCTV cameras, produced by cctv-ingest (key: camera id)."""

from datetime import datetime
from typing import ClassVar
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
