"""Fallback: an urgent alert to a representative that is not confirmed delivered within
`NOTIFIER_FALLBACK_AFTER_S` goes to their next contact channel, in the order their contacts list them
(typically WhatsApp -> SMS -> push). Each channel is tried once: the next message's dedup key is the first one's
with its channel,
so no channel is ever sent twice for one alert, and taking a due row clears its `fallback_at` in the same
transaction, under a row lock other workers skip, so it is handled exactly once."""

from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import Uuid, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from kentongan.db import any_of
from notifier.deliveries import repository
from notifier.deliveries.service import target_host
from notifier.models import Delivery
from notifier.representatives import repository as representatives_repository

ARRIVED = ("delivered", "read")


def next_contact(contacts: list[dict], tried: str) -> tuple[dict | None, bool]:
    """The contact after the channel just tried, and whether another one follows it."""
    channels = [c for c in contacts if c.get("channel")]
    position = next((i for i, c in enumerate(channels) if c["channel"] == tried), None)
    if position is None:
        return None, False
    rest = [c for c in channels[position + 1:] if c["channel"] != tried]
    return (rest[0] if rest else None), len(rest) > 1


def next_dedup_key(dedup_key: str, channel: str) -> str:
    """The alert's key on its next channel: the first one's (`<occasion>|rep:<id>|<channel>`) with the channel
    swapped, so the occasion is alerted once per channel however many events carried it."""
    return f"{dedup_key.rpartition('|')[0]}|{channel}"[:300]


def _rep_id(recipient: str) -> UUID | None:
    prefix, _, rest = recipient.partition(":")
    return UUID(rest) if prefix == "rep" else None


async def fall_back_due(session: AsyncSession, fallback_after_s: float, limit: int = 200) -> int:
    """Queue the next channel of every alert whose fallback time has come and that has not arrived."""
    due = select(Delivery.id).where(Delivery.fallback_at <= datetime.now(UTC)).limit(limit) \
        .with_for_update(skip_locked=True)
    ids = list(await session.scalars(due))
    if not ids:
        return 0
    taken = (await session.execute(
        update(Delivery).where(Delivery.id == any_of(ids, Uuid)).values(fallback_at=None)
        .returning(Delivery.id, Delivery.status, Delivery.recipient, Delivery.channel, Delivery.event_id,
                   Delivery.event_type, Delivery.event_time, Delivery.incident_id, Delivery.payload,
                   Delivery.purpose, Delivery.dedup_key))).all()
    waiting = [(row, rep_id) for row in taken
               if row.status not in ARRIVED and (rep_id := _rep_id(row.recipient)) is not None]
    reps = await representatives_repository.by_ids(session, {rep_id for _, rep_id in waiting})
    then = datetime.now(UTC) + timedelta(seconds=fallback_after_s)
    rows = []
    for row, rep_id in waiting:
        rep = reps.get(rep_id)
        contact, more = next_contact(rep.contacts, row.channel) if rep is not None else (None, False)
        if contact is None:
            continue
        rows.append({
            "id": uuid7(), "dedup_key": next_dedup_key(row.dedup_key, contact["channel"]),
            "event_id": row.event_id, "event_type": row.event_type, "event_time": row.event_time,
            "purpose": row.purpose, "recipient": row.recipient, "channel": contact["channel"],
            "target": contact["address"], "target_key_id": None,
            "target_host": target_host(contact["channel"], contact["address"]), "agency": None, "subscription_id": None,
            "incident_id": row.incident_id, "payload": row.payload, "status": "pending", "attempts": 0,
            "fallback_at": then if more else None})
    await repository.insert_new(session, rows)
    return len(rows)

