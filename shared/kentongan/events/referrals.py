"""Events of referrals to partner agencies, produced by report-intake on `referrals.v1` (key: referral id).

Minimum necessary data: what the agency needs to pick the case up (category, victim age group, coarse area,
urgency). The narrative never travels on the broker: the agency reads it through report-intake's API, where
the read is audited. Reporter contact travels only when the reporter consented to be contacted.
"""

from datetime import datetime
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel

from kentongan.events import topics
from kentongan.events.envelope import EventModel

ReferralStatus = Literal["created", "accepted", "declined", "in_progress", "closed"]


class ReporterContact(BaseModel):
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
    contact: ReporterContact | None = None  # only with the reporter's consent to be contacted


class ReferralAccepted(_ReferralEvent):
    ce_type: ClassVar[str] = "kentongan.referral.accepted"


class ReferralDeclined(_ReferralEvent):
    ce_type: ClassVar[str] = "kentongan.referral.declined"

    reason: str


class ReferralInProgress(_ReferralEvent):
    ce_type: ClassVar[str] = "kentongan.referral.in_progress"

    note: str | None = None


class ReferralClosed(_ReferralEvent):
    ce_type: ClassVar[str] = "kentongan.referral.closed"

    outcome: str



class ReferralMessagePosted(_ReferralEvent):
    """The reporter wrote on a case this agency holds; the text stays on the platform (read it via the API)."""

    ce_type: ClassVar[str] = "kentongan.referral.message_posted"

    message_id: UUID
