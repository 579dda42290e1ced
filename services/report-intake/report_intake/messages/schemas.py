from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel

from kentongan.paging import Page
from kentongan.text import Text
from report_intake.cases.schemas import Strict

MESSAGE_MAX_CHARS = 4_000


class MessageCreate(Strict):
    body: Annotated[str, Text(MESSAGE_MAX_CHARS)]


class MessageOut(BaseModel):
    id: UUID
    author: str  # "reporter", "dp3a", "disdik"
    body: str
    created_at: datetime


class MessagePage(Page[MessageOut]):
    pass
