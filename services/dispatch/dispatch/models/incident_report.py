from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from dispatch.models import Base


class IncidentReport(Base):
    """An urgent report and the incident it opened or joined (a burst from one source joins one incident)."""

    __tablename__ = "incident_reports"

    report_id: Mapped[UUID] = mapped_column(primary_key=True)
    incident_id: Mapped[UUID] = mapped_column(ForeignKey("incidents.id"), index=True)
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
