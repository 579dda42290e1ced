"""Events of referrals to partner agencies, produced by report-intake on `referrals.v1` (key: referral id).

Minimum necessary data: what the agency needs to pick the case up (category, victim age group, coarse area,
urgency). The narrative never travels on the broker: the agency reads it through report-intake's API, where
the read is audited. Reporter contact travels only when the reporter consented to be contacted.

Free text about the case (a decline reason, a progress note, the outcome) and the reporter's contact travel
sealed (`SealedField`, kentongan.bus_crypto): the broker's log segments never hold them in clear. notifier
opens them and partners receive them in clear inside their signed webhook.
"""

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel

from kentongan.events import topics
from kentongan.events.envelope import EventModel
from kentongan.events.sealed import SealedField

# "withdrawn": the reporter erased the case (or retention did); the agency must erase its own copy.
ReferralStatus = Literal["created", "accepted", "declined", "in_progress", "closed", "withdrawn"]


class ReporterContact(BaseModel):
    """The reporter's contact, as `ReferralCreated.contact` holds it sealed."""

    phone: str | None = None
    email: str | None = None


class _ReferralEvent(EventModel):
    topic: ClassVar[str] = topics.REFERRALS
    key_field: ClassVar[str] = "referral_id"

    referral_id: UUID
    report_id: UUID
    agency: str  # "dp3a", "disdik"
    status: ReferralStatus
    changed_at: datetime
    version: int


class ReferralCreated(_ReferralEvent):
    ce_type: ClassVar[str] = "kentongan.referral.created"

    category: str
    victim_age_group: str
    area: str | None = None
    immediate_danger: bool = False
    consent_override: bool = False  # released by a supervisor without the reporter's consent
    # A sealed ReporterContact, only with the reporter's consent to be contacted.
    contact: SealedField | None = None


class ReferralAccepted(_ReferralEvent):
    ce_type: ClassVar[str] = "kentongan.referral.accepted"


class ReferralDeclined(_ReferralEvent):
    ce_type: ClassVar[str] = "kentongan.referral.declined"

    reason: SealedField  # sealed text


class ReferralInProgress(_ReferralEvent):
    ce_type: ClassVar[str] = "kentongan.referral.in_progress"

    note: SealedField | None = None  # sealed text


class ReferralClosed(_ReferralEvent):
    ce_type: ClassVar[str] = "kentongan.referral.closed"

    outcome: SealedField  # sealed text


class ReferralMessagePosted(_ReferralEvent):
    """The reporter wrote on a case this agency holds; the text stays on the platform (read it via the API)."""

    ce_type: ClassVar[str] = "kentongan.referral.message_posted"

    message_id: UUID


class ReferralAttachmentAdded(_ReferralEvent):
    """The reporter added evidence (a photo, video, voice note or document) to a case this agency holds; the
    file stays on the platform: download it through the API (audited). Ids only."""

    ce_type: ClassVar[str] = "kentongan.referral.attachment_added"

    attachment_id: UUID


class ReferralWithdrawn(_ReferralEvent):
    """The case was erased: the agency must erase what it holds of it.

    The reporter asked (`erasure_requested`). Its content is gone from the platform; the referral answers 404
    from now on. (A case that reaches the end of its retention period had no open referral for that long: the
    agencies apply their own rules to their copies, and no event is sent.)"""

    ce_type: ClassVar[str] = "kentongan.referral.withdrawn"

    reason: Literal["erasure_requested"]
