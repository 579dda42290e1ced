"""Events of referrals to partner agencies, produced by report-intake on `referrals.v1` (key: referral id).

A referral carries what the agency needs to pick the case up, never the narrative or the victim's identity.
"""

from datetime import datetime
from typing import ClassVar
from uuid import UUID

from kentongan.events import topics
from kentongan.events.envelope import EventModel


class ReferralCreated(EventModel):
    """A case was referred to a partner agency (DP3A, Disdik, ...)."""

    topic: ClassVar[str] = topics.REFERRALS
    key_field: ClassVar[str] = "referral_id"
    ce_type: ClassVar[str] = "kentongan.referral.created"

    referral_id: UUID
    report_id: UUID
    agency: str
    category: str
    status: str
    created_at: datetime
