from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from kentongan.callers import MAX_CONTACTS
from kentongan.phones import Phone
from kentongan.text import Name, Text


class ContactIn(BaseModel):
    name: Annotated[str, Text(100)]
    phone: Phone
    relation: Annotated[str, Text(50)] = Field(description="e.g. ibu, suami, tetangga")


class ProfileUpdate(BaseModel):
    name: Name = Field(max_length=100)
    phone: Phone = Field(description="Any common notation; Indonesian numbers may be local (0812-...)")
    language: Literal["id", "en"] = "id"
    emergency_contacts: list[ContactIn] = Field(default_factory=list, max_length=MAX_CONTACTS)
    medical_notes: Annotated[str, Text(1000)] | None = None


class Profile(ProfileUpdate):
    phone_verified: bool
    updated_at: datetime


class VerificationStarted(BaseModel):
    sent_to: str = Field(description="The phone the code was sent to (E.164)")
    expires_at: datetime


class CodeConfirm(BaseModel):
    code: str = Field(pattern=r"^[0-9]{6}$")


class Verified(BaseModel):
    phone_verified: bool
