"""What the mobile app sends and reads about a report, and what staff read."""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from kentongan.paging import Page
from kentongan.text import Line, Name, Text
from report_intake.cases.schemas import AgeGroup, Category, Contact, Gender, Relation, Strict

__all__ = ["AgeGroup", "Category", "Contact", "Gender", "Relation", "Strict"]  # the case's words, for reports
ReportStatus = Literal["received", "referred", "awaiting_consent", "erased"]
Agency = Literal["dp3a", "disdik"]

NARRATIVE_MAX_CHARS = 10_000


class Location(Strict):
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    kecamatan: Name | None = None
    kelurahan: Name | None = None
    rt: Annotated[str, Line(10)] | None = Field(None, pattern=r"^[0-9][0-9/ ]*$", description="RT/RW, e.g. 003/005")

    @model_validator(mode="after")
    def _coordinates_together(self) -> "Location":
        if (self.lat is None) != (self.lon is None):
            raise ValueError("lat and lon go together")
        if self.lat is None and not (self.kecamatan or self.kelurahan):
            raise ValueError("give coordinates or an area (kecamatan/kelurahan)")
        return self

    @property
    def area(self) -> str | None:
        """Kelurahan and kecamatan only: coarse enough to route a case, not to find a house."""
        return ", ".join(part for part in (self.kelurahan, self.kecamatan) if part) or None


class Victim(Strict):
    age_group: AgeGroup
    gender: Gender | None = None
    is_reporter: bool


class Consent(Strict):
    share_with_agencies: bool
    contact_me: bool = False


class ReportCreate(Strict):
    category: Category
    narrative: Annotated[str, Text(NARRATIVE_MAX_CHARS)]
    occurred_at: datetime | None = None
    location: Location | None = None
    victim: Victim
    perpetrator_relation: Relation | None = None
    school: Name | None = Field(None, description="The school or pesantren, when one is involved (bullying, "
                                                  "abuse at school): only then does Disdik receive the case")
    refer_to: list[Agency] = Field([], max_length=2,
                                   description="Agencies the reporter asks to receive the case besides those "
                                               "triage chooses (with consent)")
    contact: Contact | None = None
    anonymous: bool = True
    consent: Consent
    immediate_danger: bool = False

    @field_validator("occurred_at")
    @classmethod
    def _not_in_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("give a timezone, e.g. 2026-11-28T20:00:00+07:00")
        if value is not None and value > datetime.now(UTC) + timedelta(hours=1):
            raise ValueError("must not be in the future")
        return value

    def private_part(self) -> dict:
        """What is sealed at rest: the story and everything that could identify someone."""
        return self.model_dump(mode="json", include={"narrative", "occurred_at", "location", "victim",
                                                      "perpetrator_relation", "school", "contact"})


class ReportReceipt(BaseModel):
    report_id: UUID
    case_token: str = Field(description="Shown once: the only key to this case. Send it as X-Case-Token.")


class ReferralProgress(BaseModel):
    agency: str
    status: str
    updated_at: datetime


class CaseStatus(BaseModel):
    """What a reporter sees with their case token: progress, never the case's content."""

    report_id: UUID
    category: Category
    status: ReportStatus
    created_at: datetime
    referrals: list[ReferralProgress]


class ReportSummary(BaseModel):
    """What every Command Center operator sees: metadata for triage, no story and no identity."""

    model_config = ConfigDict(from_attributes=True)

    id: UUID
    category: Category
    status: ReportStatus
    immediate_danger: bool
    victim_age_group: AgeGroup
    area: str | None
    anonymous: bool
    consent_share: bool
    consent_contact: bool
    triaged_agencies: list[str]
    created_at: datetime


class ReportPage(Page[ReportSummary]):
    pass


class ReportDetail(ReportSummary):
    """What supervisors and admins see: the decrypted case, every read audited."""

    narrative: str
    occurred_at: datetime | None
    location: Location | None
    victim: Victim
    perpetrator_relation: Relation | None
    school: str | None
    contact: Contact | None
    referrals: list[ReferralProgress]


class ConsentOverride(Strict):
    reason: Annotated[str, Text(1000)] = Field(description="Why the case must leave without the reporter's consent (recorded)")
    agencies: list[Agency] | None = Field(None, min_length=1,
                                          description="Defaults to the agencies triage chose")

    @field_validator("agencies")
    @classmethod
    def _each_agency_once(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and len(set(value)) != len(value):
            raise ValueError("name each agency once")
        return value

