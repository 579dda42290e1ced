from datetime import datetime

from pydantic import BaseModel, Field


class DeliveryCount(BaseModel):
    """How many of the incident's alerts on one channel are in one state, and when the latest got there."""

    channel: str = Field(description="whatsapp, sms, push, email, webhook or dev (the development inbox)")
    status: str = Field(description="sent (a provider took it), delivered, read, or failed")
    count: int
    last_at: datetime
