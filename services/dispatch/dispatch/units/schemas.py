from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kentongan.text import Name

UnitStatus = Literal["available", "busy", "off_duty"]


class UnitCreate(BaseModel):
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", description="Call sign")
    name: Name
    kind: Literal["car", "motorbike", "foot", "boat"] = "car"
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    status: Literal["available", "off_duty"] = "available"


class UnitUpdate(BaseModel):
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    status: Literal["available", "off_duty"] | None = None


class Unit(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    kind: str
    status: UnitStatus
    lat: float
    lon: float
    incident_id: UUID | None
    updated_at: datetime


class SuggestedUnit(Unit):
    distance_m: float
