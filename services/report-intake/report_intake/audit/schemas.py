from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from kentongan.paging import Page
from kentongan.text import Line


class AuditQuery(BaseModel):
    resource_id: Annotated[str, Line(64)] | None = Field(None, description="A report or referral id")
    actor: Annotated[str, Line(200)] | None = None
    actor_kind: Literal["reporter", "staff", "partner"] | None = None
    action: Annotated[str, Line(64)] | None = None
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
