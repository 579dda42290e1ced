from datetime import datetime
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, ForeignKey, Identity, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.models import Base


class IncidentNote(Base):
    """A note on an incident, by an operator or by the system (e.g. a cancelled alarm)."""

    __tablename__ = "incident_notes"

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    incident_id: Mapped[UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    author: Mapped[str] = mapped_column(String(128))
    # The text, sealed with dispatch's keyring and bound to the incident and author (dispatch.incidents.sealing).
    text_key_id: Mapped[str] = mapped_column(String(64))
    text_sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
