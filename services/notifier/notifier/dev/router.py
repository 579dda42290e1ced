"""`GET /v1/dev/outbox`: what the notifier would have sent, for development and tests: admins only, and only
while the development inbox is on (NOTIFIER_DEV_INBOX; off by default in production)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from kentongan.errors import NotFound
from kentongan.security import CurrentAdmin
from notifier.dependencies import SessionDep, SettingsDep
from notifier.dev import repository

router = APIRouter(prefix="/v1/dev", tags=["development"])


class DevOutboxDisabled(NotFound):
    """The development inbox is off."""


class OutboxMessage(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    delivery_id: UUID
    event_id: str
    event_type: str
    recipient: str
    channel: str
    target: str
    payload: dict
    received_at: datetime


@router.get("/outbox", response_model=list[OutboxMessage], summary="Messages sent to the development inbox")
async def dev_outbox(session: SessionDep, settings: SettingsDep, _: CurrentAdmin, event_id: str | None = None,
                     target: str | None = None, after: Annotated[int, Query(ge=0)] = 0,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[OutboxMessage]:
    if not settings.dev_inbox:
        raise DevOutboxDisabled()
    return [OutboxMessage(seq=m.seq, delivery_id=m.delivery_id, event_id=d.event_id, event_type=d.event_type,
                          recipient=d.recipient, channel=m.channel, target=m.target, payload=m.payload,
                          received_at=m.received_at)
            for m, d in await repository.messages(session, event_id, target, after, limit)]
