from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import Boolean, DateTime, LargeBinary, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from report_intake.models import Base


class Report(Base):
    """A confidential case. Only triage metadata is in clear; narrative, contact, victim identity and exact
    location are in `sealed` (AES-256-GCM under `key_id`). The case token is kept only as its SHA-256."""

    __tablename__ = "reports"

    id: Mapped[UUID] = mapped_column(primary_key=True)
    case_token_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    category: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32))
    anonymous: Mapped[bool] = mapped_column(Boolean)
    immediate_danger: Mapped[bool] = mapped_column(Boolean)
    victim_age_group: Mapped[str] = mapped_column(String(16))
    # Kelurahan / kecamatan only (never the RT or coordinates): coarse enough to route, not to identify.
    area: Mapped[str | None] = mapped_column(String(200))
    consent_share: Mapped[bool] = mapped_column(Boolean)
    consent_contact: Mapped[bool] = mapped_column(Boolean)
    # The agencies triage chose, kept so a supervisor can release them when consent is missing.
    triaged_agencies: Mapped[list[str]] = mapped_column(JSONB)
    # Both None once the case is erased (only the statistical row stays).
    key_id: Mapped[str | None] = mapped_column(String(64))
    sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # When the case was erased (on the reporter's request or by retention): status "erased", nothing sealed.
    erased_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now(),
                                                 onupdate=lambda: datetime.now(UTC))
