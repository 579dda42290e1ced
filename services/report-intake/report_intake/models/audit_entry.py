from datetime import datetime

from sqlalchemy import BigInteger, DateTime, Identity, Index, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from report_intake.models import Base


class AuditEntry(Base):
    """One access to a case: who read or changed what, when, and why (append-only)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_resource", "resource_id", "at"), Index("ix_audit_log_actor", "actor", "at"))

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # "reporter", "staff" or "partner"
    actor_kind: Mapped[str] = mapped_column(String(16))
    # staff subject, partner "agency/client", or "reporter" (anonymous reporters have no identity).
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(16))
    resource_id: Mapped[str] = mapped_column(String(64))
    # Why, in the actor's words (X-Access-Reason, a release without consent): it may name the victim, so it is
    # sealed (AES-256-GCM under `reason_key_id`, bound to the action and resource).
    reason_key_id: Mapped[str | None] = mapped_column(String(64))
    reason_sealed: Mapped[bytes | None] = mapped_column(LargeBinary)
