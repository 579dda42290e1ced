"""What partner agencies send and read about referrals."""

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from kentongan.events.referrals import ReferralStatus
from kentongan.paging import Page
from kentongan.text import Text
from report_intake.cases.schemas import AgeGroup, Category, Contact, Gender, Relation, Strict

Step = Literal["accept", "decline", "progress", "close"]


class AcceptBody(Strict):
    note: Annotated[str, Text(1000)] | None = None


class DeclineBody(Strict):
    reason: Annotated[str, Text(1000)]


class ProgressBody(Strict):
    note: Annotated[str, Text(1000)] | None = None


class CloseBody(Strict):
    outcome: Annotated[str, Text(2000)]


class ReferralSummary(BaseModel):
    """A line in the agency's list: enough to pick a case up, nothing of its story."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    report_id: UUID
    agency: str
    status: ReferralStatus
    category: Category
    immediate_danger: bool
    victim_age_group: AgeGroup
    area: str | None
    consent_override: bool
    created_at: datetime
    updated_at: datetime
    version: int


class ReferralDetail(ReferralSummary):
    """The case as the agency needs it: the story, the victim's age and gender, the coarse area; the reporter's
    contact only when they consented to be contacted. Exact coordinates and RT never leave the platform."""

    narrative: str
    occurred_at: datetime | None
    victim_gender: Gender | None
    perpetrator_relation: Relation | None
    school: str | None
    contact: Contact | None
    decline_reason: str | None
    outcome: str | None
    timeline: list[dict]


class ReferralPage(Page[ReferralSummary]):
    pass
