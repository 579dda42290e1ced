from datetime import datetime
from uuid import UUID

from sqlalchemy import DateTime, LargeBinary, String, func
from sqlalchemy.orm import Mapped, mapped_column

from report_intake.models import Base


class CaseKey(Base):
    """A case's own data key, wrapped by the service keyring (kentongan.datakeys). Every sealed value of the
    case (its story, its referrals' notes, its messages) opens only with it: deleting this row erases the case
    wherever copies of its ciphertext live (crypto-shredding)."""

    __tablename__ = "case_keys"

    report_id: Mapped[UUID] = mapped_column(primary_key=True)  # no foreign key: it outlives nothing
    # The keyring key the data key is wrapped with (`kentongan keys rotate` moves it to the active one).
    key_id: Mapped[str] = mapped_column(String(64), index=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
