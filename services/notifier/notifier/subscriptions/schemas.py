from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from kentongan.text import Line, Text


class SubscriptionCreate(BaseModel):
    url: Annotated[str, Text(2000)] = Field(min_length=8, description="Where deliveries are POSTed",
                                            examples=["https://webhook.dp3a.semarangkota.go.id/kentongan"])
    event_types: list[Annotated[str, Line(100)]] = Field(
        min_length=1, max_length=20, examples=[["kentongan.referral.created"]],
        description="CloudEvents types, e.g. kentongan.referral.created")


class Subscription(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: UUID
    agency: str
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime


class CreatedSubscription(Subscription):
    secret: str = Field(description="Standard Webhooks signing secret (whsec_...); shown only now")
