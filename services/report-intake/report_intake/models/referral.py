from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from report_intake.models import Base
from report_intake.models.report import Report


class Referral(Base):
    """A case handed to one partner agency, with its lifecycle created -> accepted|declined -> in_progress
    -> closed. What the agency and the supervisor wrote about the case (the timeline's notes, the decline
    reason, the outcome, the reason for a release without consent) is in `sealed` (AES-256-GCM under `key_id`,
    bound to the row id); only the status and who may see it are in clear."""

    __tablename__ = "referrals"
    __table_args__ = (UniqueConstraint("report_id", "agency"), Index("ix_referrals_agency_recent", "agency", "created_at"))

    id: Mapped[UUID] = mapped_column(primary_key=True)
    report_id: Mapped[UUID] = mapped_column(ForeignKey("reports.id"))
    agency: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    # Set when a supervisor released the referral without the reporter's consent (who; why is sealed).
    consent_override_by: Mapped[str | None] = mapped_column(String(200))
    # {"timeline": [{"status", "at", "by", "note"?, "reason"?, "outcome"?}], "decline_reason", "outcome",
    # "consent_override_reason"}, sealed.
    # Both None once the case is erased (only the statistical row stays).
    key_id: Mapped[str | None] = mapped_column(String(64))
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=lambda: datetime.now(UTC))
    # Declared so one flush inserts the report before its referrals; never loaded implicitly.
    report: Mapped[Report] = relationship(lazy="raise")
