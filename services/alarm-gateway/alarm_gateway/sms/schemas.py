from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from kentongan.text import Line

SmsOutcome = Literal["alarm", "unknown_number", "no_keyword", "device_blocked"]


class InboundSms(BaseModel):
    """An SMS as the provider forwards it (a provider-specific adapter translates other formats to this)."""

    model_config = ConfigDict(populate_by_name=True)

    sender: Annotated[str, Line(32)] = Field(alias="from", description="The sender's number")
    text: str = Field(max_length=1600)
    received_at: AwareDatetime | None = None


class InboundResult(BaseModel):
    outcome: SmsOutcome
    alarm_id: UUID | None = None
    received_at: datetime | None = None
