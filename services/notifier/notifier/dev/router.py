"""`GET /v1/dev/outbox`: what the notifier would have sent, for development and tests: admins only, and only
while the development inbox is on (NOTIFIER_DEV_INBOX; off by default in production)."""

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict

from kentongan.crypto import Keyring
from kentongan.errors import NotFound
from kentongan.openapi import raises
from kentongan.paging import After, InvalidCursor, Limit, Page, page_of, parse_cursor
from kentongan.security import CurrentAdmin
from kentongan.text import Line
from notifier.channels.dev_inbox import open_message, target_digest
from notifier.dependencies import KeyringDep, SessionDep, SettingsDep
from notifier.dev import repository
from notifier.models import Delivery, DevMessage

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


class OutboxPage(Page[OutboxMessage]):
    pass


@router.get("/outbox", response_model=OutboxPage, responses=raises(DevOutboxDisabled, InvalidCursor),
            summary="Messages sent to the development inbox, oldest first, a page at a time")
async def dev_outbox(session: SessionDep, settings: SettingsDep, keyring: KeyringDep, _: CurrentAdmin,
                     event_id: Annotated[Annotated[str, Line(64)] | None, Query()] = None,
                     target: Annotated[Annotated[str, Line(2000)] | None, Query()] = None,
                     limit: Limit = 50, after: After = None) -> OutboxPage:
    """The messages opened (they are kept sealed); `target` finds a phone's or device's by keyed hash."""
    if not settings.dev_inbox:
        raise DevOutboxDisabled()
    target_hash = target and target_digest(keyring, target)
    found = await repository.messages(session, event_id, target_hash, parse_cursor(after, int) if after else None,
                                      limit)
    page = page_of(found, limit, lambda row: (row[0].seq,))
    return OutboxPage(items=[_shown(keyring, m, d) for m, d in page["items"]], next=page["next"])


def _shown(keyring: Keyring, message: DevMessage, delivery: Delivery) -> OutboxMessage:
    opened = open_message(keyring, message)
    return OutboxMessage(seq=message.seq, delivery_id=message.delivery_id, event_id=delivery.event_id,
                         event_type=delivery.event_type, recipient=delivery.recipient, channel=message.channel,
                         target=opened.target, payload=opened.payload, received_at=message.received_at)
