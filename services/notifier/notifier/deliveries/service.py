"""The rules of deliveries: enqueue once, back off with jitter, dead-letter after the window, replay."""

import base64
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

import orjson
from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from kentongan.crypto import Keyring, Sealed
from kentongan.events import Envelope
from kentongan.paging import Page, page_of, parse_cursor
from notifier.channels.base import SendResult
from notifier.deliveries import repository
from notifier.deliveries.errors import DeliveryNotFound, DeliveryNotReplayable
from notifier.deliveries.schemas import Delivery as DeliverySchema
from notifier.deliveries.schemas import DeliveryPage, IncidentNotification
from notifier.models import Delivery, Representative
from notifier.representatives import repository as representatives_repository
from notifier.settings import Settings

REPLAYABLE = ("dead", "interrupted", "retrying")


@dataclass(frozen=True)
class NewDelivery:
    """A message for one recipient on one channel, to be sent at most once per `dedup_key`."""

    purpose: str
    recipient: str
    channel: str
    target: str
    payload: dict
    dedup_key: str
    agency: str | None = None
    subscription_id: UUID | None = None
    incident_id: UUID | None = None  # what a broadcast or a citizen's push is about (operators' view)
    confidential: bool = False  # the target is kept sealed at rest (a reporter's phone)
    private_payload: bool = False  # the payload is kept sealed at rest (a case's notes, a reporter's contact)
    # An urgent alert with further contact channels: if not delivered within this many seconds, the next one.
    fallback_after_s: float | None = None


def target_host(channel: str, target: str) -> str:
    """host:port for HTTP targets; for SMS/push the provider is one host, keyed by the channel."""
    if channel == "webhook":
        parts = urlsplit(target)
        return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"[:300]
    return channel


async def enqueue(session: AsyncSession, envelope: Envelope, deliveries: list[NewDelivery],
                  keyring: Keyring | None = None) -> None:
    """Record deliveries for an event (a dedup key seen before is skipped); the workers send them. A
    confidential target and a private payload are sealed with `keyring` before they are stored."""
    await enqueue_many(session, [(envelope, deliveries)], keyring)


async def enqueue_many(session: AsyncSession, batch: list[tuple[Envelope, list[NewDelivery]]],
                       keyring: Keyring | None = None) -> None:
    """`enqueue` for the deliveries of several events, in one statement (a consumer's batch of incidents)."""
    now = datetime.now(UTC)
    await repository.insert_new(session, [_row(envelope, d, now, keyring)
                                          for envelope, deliveries in batch for d in deliveries])


def _row(envelope: Envelope, d: NewDelivery, now: datetime, keyring: Keyring | None) -> dict[str, object]:
    fallback_at = now + timedelta(seconds=d.fallback_after_s) if d.fallback_after_s is not None else None
    delivery_id = uuid7()
    row: dict[str, object] = {
        "id": delivery_id, "dedup_key": d.dedup_key[:300], "event_id": envelope.id, "event_type": envelope.type,
        "event_time": envelope.time, "purpose": d.purpose, "recipient": d.recipient, "channel": d.channel,
        "target": d.target, "target_key_id": None, "target_host": target_host(d.channel, d.target),
        "agency": d.agency, "subscription_id": d.subscription_id, "incident_id": d.incident_id,
        "payload": d.payload, "payload_key_id": None, "status": "pending", "attempts": 0,
        "fallback_at": fallback_at,
    }
    if (d.confidential or d.private_payload) and keyring is None:
        raise ValueError("a confidential delivery needs the keyring to seal it")
    if d.confidential and keyring is not None:
        sealed = keyring.seal(d.target.encode(), delivery_id.bytes)
        row["target"], row["target_key_id"] = base64.b64encode(sealed.blob).decode(), sealed.key_id
    if d.private_payload and keyring is not None:
        sealed = keyring.seal(orjson.dumps(d.payload), delivery_id.bytes + b"|payload")
        row["payload"], row["payload_key_id"] = {"sealed": base64.b64encode(sealed.blob).decode()}, sealed.key_id
    return row


def target_of(keyring: Keyring, delivery_id: UUID, target: str, key_id: str | None) -> str:
    """The address a delivery goes to, opened if it is kept sealed."""
    if key_id is None:
        return target
    return keyring.open(Sealed(key_id, base64.b64decode(target)), delivery_id.bytes).decode()


def payload_of(keyring: Keyring, delivery_id: UUID, payload: dict, key_id: str | None) -> dict:
    """What a delivery sends, opened if it is kept sealed."""
    if key_id is None:
        return payload
    sealed = Sealed(key_id, base64.b64decode(payload["sealed"]))
    return orjson.loads(keyring.open(sealed, delivery_id.bytes + b"|payload"))


def next_attempt_delay(settings: Settings, attempts: int) -> float:
    """Exponential backoff with full jitter: uniform in [base, min(max, base * 2^(attempts-1))]."""
    ceiling = min(settings.backoff_max_s, settings.backoff_base_s * 2 ** max(attempts - 1, 0))
    return random.uniform(settings.backoff_base_s, max(ceiling, settings.backoff_base_s))  # noqa: S311 # jitter


def after_send(settings: Settings, delivery: Row[Any], result: SendResult, now: datetime) -> dict[str, Any]:
    """The delivery's next state after an attempt: `delivered` (a channel without receipts took it), `sent` (a
    provider took it and will send receipts), `failed` (refused for good), or retry later / dead."""
    if result.ok and result.provider_message_id:
        return {"status": "sent", "sent_at": now, "provider_message_id": result.provider_message_id[:128],
                "last_error": None}
    if result.ok:
        return {"status": "delivered", "delivered_at": now, "last_error": None, "fallback_at": None}
    state: dict[str, Any] = {"status": "failed"} if result.permanent else after_failure(settings, delivery.created_at,
                                                                        delivery.attempts, now)
    if state["status"] in ("failed", "dead") and delivery.fallback_at is not None:
        state["fallback_at"] = now  # no use waiting: the next channel now
    return {**state, "last_error": result.error}


def after_failure(settings: Settings, created_at: datetime, attempts: int, now: datetime) -> dict[str, Any]:
    """The delivery's next state after a failed attempt: retry later, or dead once the window is over."""
    retry_at = now + timedelta(seconds=next_attempt_delay(settings, attempts))
    if retry_at - created_at > timedelta(seconds=settings.retry_window_s):
        return {"status": "dead"}
    return {"status": "retrying", "next_attempt_at": retry_at}


async def list_deliveries(session: AsyncSession, agency: str, status: str | None, limit: int,
                          after: str | None) -> DeliveryPage:
    """A page of a partner's own deliveries, newest first, each with its attempts."""
    rows = await repository.list_for_agency(session, agency, status, limit,
                                            parse_cursor(after, datetime, UUID) if after else None)
    page = page_of(rows, limit, lambda d: (d.created_at, d.id))
    attempts = await repository.attempts_of(session, [d.id for d in page["items"]])
    return DeliveryPage(items=[DeliverySchema.of(d, attempts[d.id]) for d in page["items"]], next=page["next"])


async def get_delivery(session: AsyncSession, agency: str, delivery_id: UUID) -> tuple[Delivery, list]:
    delivery = await repository.get_for_agency(session, delivery_id, agency)
    if delivery is None:
        raise DeliveryNotFound()
    return delivery, (await repository.attempts_of(session, [delivery.id]))[delivery.id]


async def replay(session: AsyncSession, agency: str, delivery_id: UUID) -> tuple[Delivery, list]:
    """Send a dead, interrupted or waiting delivery again now (same webhook-id, so receivers can dedupe)."""
    delivery = await repository.get_for_agency(session, delivery_id, agency, for_update=True)
    if delivery is None:
        raise DeliveryNotFound()
    if delivery.status not in REPLAYABLE:
        raise DeliveryNotReplayable(f"a {delivery.status} delivery cannot be replayed; "
                                    f"only {', '.join(REPLAYABLE)} ones can")
    await repository.requeue(session, delivery)
    return delivery, (await repository.attempts_of(session, [delivery.id]))[delivery.id]


async def incident_notifications(session: AsyncSession, incident_id: UUID, limit: int = 200,
                                 after: str | None = None) -> Page[IncidentNotification]:
    """Who was alerted or told about an incident and how each message went, for operators (a page)."""
    rows = await repository.list_for_incident(session, incident_id, limit,
                                              parse_cursor(after, datetime, str, UUID) if after else None)
    page = page_of(rows, limit, lambda d: (d.created_at, d.recipient, d.id))
    deliveries: list[Delivery] = page["items"]
    rep_of = {d.id: _rep_id(d) for d in deliveries}
    reps = await representatives_repository.by_ids(session, {rep for rep in rep_of.values() if rep is not None})
    return Page(next=page["next"], items=[IncidentNotification(
        id=d.id, purpose=d.purpose, event_type=d.event_type, recipient=d.recipient,
        recipient_name=_described(reps.get(rep) if (rep := rep_of[d.id]) else None), channel=d.channel,
        status=d.status, attempts=d.attempts, last_error=d.last_error, created_at=d.created_at, sent_at=d.sent_at,
        delivered_at=d.delivered_at, read_at=d.read_at)
        for d in deliveries])


def _rep_id(delivery: Delivery) -> UUID | None:
    prefix, _, rest = delivery.recipient.partition(":")
    return UUID(rest) if prefix == "rep" else None


def _described(rep: Representative | None) -> str | None:
    if rep is None:
        return None  # the caller's device, or a representative removed from the registry since
    unit = f"RT {rep.rt}/RW {rep.rw}" if rep.rt else f"Polisi RW {rep.rw}"
    return f"{rep.name} ({unit}, Kel. {rep.kelurahan}, Kec. {rep.kecamatan})"
