"""The words of a case that reports and referrals both use: who the victim is, who did it, how to reach the
reporter."""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from kentongan.events.reports import ReportCategory
from kentongan.phones import Phone

Category = ReportCategory
AgeGroup = Literal["child", "adult", "elderly"]  # child: under 18
Gender = Literal["female", "male", "other"]
Relation = Literal["family", "partner", "neighbour", "teacher", "classmate", "employer", "stranger", "other",
                   "unknown"]


class Strict(BaseModel):
    """Unknown fields are refused, so a typo never silently drops what the reporter meant to say."""

    model_config = ConfigDict(extra="forbid")


class Contact(Strict):
    # Normalised to E.164 (`0812-3456-7890` -> `+6281234567890`), as the SMS providers take it.
    phone: Phone | None = None
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    safe_to_contact: bool = False

    @model_validator(mode="after")
    def _something_to_reach(self) -> "Contact":
        if not (self.phone or self.email):
            raise ValueError("give a phone number or an email")
        return self
