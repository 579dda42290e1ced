from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

# In the order to try them: the first gets the alert, the next ones are the fallback if it is not delivered.
ContactChannel = Literal["whatsapp", "sms", "push", "email", "webhook"]


class Contact(BaseModel):
    channel: ContactChannel
    address: str = Field(min_length=3, max_length=2000, description="Phone number (E.164), push token, email address or URL")


class RepresentativeIn(BaseModel):
    code: str = Field(min_length=1, max_length=64, description="The registry's key; importing it again updates")
    name: str = Field(min_length=1, max_length=200)
    role: Literal["rt", "polisi_rw"] = "rt"
    kecamatan: str = Field(min_length=1, max_length=64)
    kelurahan: str = Field(min_length=1, max_length=64)
    rw: str = Field(min_length=1, max_length=8)
    rt: str | None = Field(None, max_length=8)
    lat: float = Field(ge=-90, le=90, description="The RT's centroid (a Polisi RW: the RW's)")
    lon: float = Field(ge=-180, le=180)
    language: Literal["id", "en"] = "id"
    contacts: list[Contact] = Field(min_length=1, max_length=5)


class Representative(RepresentativeIn):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    updated_at: datetime


class ImportResult(BaseModel):
    imported: int


class NearbyRepresentative(BaseModel):
    code: str
    name: str
    role: str
    kecamatan: str
    kelurahan: str
    rw: str
    rt: str | None
    distance_m: float


class AreaLookup(BaseModel):
    kecamatan: str = Field(description="The kecamatan of the coordinate (nearest centroid), or luar-semarang")
    home: NearbyRepresentative | None = Field(description="The RT the coordinate belongs to (nearest centroid)")
    alerted: list[NearbyRepresentative] = Field(description="Everyone a broadcast here would alert")
