from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kentongan.text import Line, Text

# In the order to try them: the first gets the alert, the next ones are the fallback if it is not delivered.
ContactChannel = Literal["whatsapp", "sms", "push", "email", "webhook"]


class Contact(BaseModel):
    channel: ContactChannel
    address: Annotated[str, Text(2000)] = Field(min_length=3, description="Phone number (E.164), push token, "
                                                "email address or URL", examples=["+6281234567890"])


class RepresentativeIn(BaseModel):
    code: Annotated[str, Line(64)] = Field(description="The registry's key; importing it again updates",
                       examples=["smg-candisari-jomblang-rw03-rt02"])
    name: Annotated[str, Text(200)] = Field(examples=["Bu Siti Rahayu"])
    role: Literal["rt", "polisi_rw"] = "rt"
    kecamatan: Annotated[str, Line(64)] = Field(examples=["Candisari"])
    kelurahan: Annotated[str, Line(64)] = Field(examples=["Jomblang"])
    rw: Annotated[str, Line(8)] = Field(examples=["03"])
    rt: Annotated[str, Line(8)] | None = Field(None, examples=["02"])
    lat: float = Field(ge=-90, le=90, description="The RT's centroid (a Polisi RW: the RW's)", examples=[-7.0123])
    lon: float = Field(ge=-180, le=180, examples=[110.4301])
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
