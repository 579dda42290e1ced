from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kentongan.paging import Page


class AuditQuery(BaseModel):
    resource_id: str | None = Field(None, max_length=64, description="A report or referral id")
    actor: str | None = Field(None, max_length=200)
    actor_kind: Literal["reporter", "staff", "partner"] | None = None
    action: str | None = Field(None, max_length=64)
    since: datetime | None = None


class AuditRecord(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor_kind: str
    actor: str
    action: str
    resource_type: str
    resource_id: str
    reason: str | None


class AuditPage(Page[AuditRecord]):
    pass
