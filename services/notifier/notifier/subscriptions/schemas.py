from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class SubscriptionCreate(BaseModel):
    url: str = Field(min_length=8, max_length=2000, description="Where deliveries are POSTed")
    event_types: list[str] = Field(min_length=1, max_length=20,
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
