from datetime import datetime

from sqlalchemy import DateTime, String, func
from sqlalchemy.orm import Mapped, mapped_column

from cctv_ingest.models import Base


class IngestWorker(Base):
    """A live ingest worker; its heartbeat keeps its share of the cameras (rendezvous hashing)."""

    __tablename__ = "workers"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # Where this worker serves live video (CCTV_INGEST_LIVE_URL); other workers redirect its cameras there.
    live_url: Mapped[str | None] = mapped_column(String(300))
