"""cctv-ingest's tables, all in the `cctv_ingest` schema."""

from typing import ClassVar

from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase

from kentongan.db import schema_metadata
from kentongan.inbox import inbox_table
from kentongan.outbox import outbox_table

SCHEMA = "cctv_ingest"


class Base(DeclarativeBase):
    metadata = schema_metadata(SCHEMA)
    __table__: ClassVar[Table]  # every model here maps one table (not any FromClause)


outbox = outbox_table(Base.metadata, source="/services/cctv-ingest")
inbox = inbox_table(Base.metadata)

from cctv_ingest.models.camera import Camera
from cctv_ingest.models.camera_health import CameraHealth
from cctv_ingest.models.incident_focus import IncidentFocus
from cctv_ingest.models.live_session import LiveSession
from cctv_ingest.models.snapshot_image import SnapshotImage
from cctv_ingest.models.worker import IngestWorker

__all__ = ["Base", "Camera", "CameraHealth", "IncidentFocus", "IngestWorker", "LiveSession", "SnapshotImage", "inbox",
           "outbox"]
