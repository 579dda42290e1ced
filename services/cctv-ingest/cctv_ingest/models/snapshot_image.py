from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from cctv_ingest.models import Base


class SnapshotImage(Base):
    """An incident snapshot in the blob store: what the retention run deletes, file and row, once its period is
    over (kentongan.retention, "snapshot image")."""

    __tablename__ = "snapshot_images"

    blob_ref: Mapped[str] = mapped_column(String(500), primary_key=True)
    incident_id: Mapped[UUID] = mapped_column(index=True)
    camera_id: Mapped[str] = mapped_column(String(64))
    captured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
