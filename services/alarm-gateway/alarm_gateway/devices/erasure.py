"""A device erases its profile and history (`DELETE /v1/devices/me`).

Its alarms go, except those whose incident operators may still be handling (not resolved or cancelled): those
keep what the incident needs (place, category, times) under a shared anonymous device, with the caller's own
words (note, cancel reason) cleared, and go later with the alarm retention (docs/data-retention.md). The
device row and every row hanging on it (whatever other tables reference `devices`) go, so its token answers
401 from now on. `kentongan.device.erased` (the id only, through the outbox in the same transaction) tells
dispatch and notifier to drop their copies: the caller profile, contacts, push token and messages sent.
"""

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy import delete, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.alarms.repository import CLOSED
from alarm_gateway.models import Alarm, Base, Device, outbox
from kentongan.db import get_for_update_or_404
from kentongan.errors import NotFound
from kentongan.events import topics
from kentongan.events.devices import DeviceErased
from kentongan.outbox import add_event
from kentongan.retention import ERASED_DEVICE

# Holds the open alarms of erased devices. No token names it: tokens are issued for registered (UUIDv7) ids.
ANONYMOUS_DEVICE = ERASED_DEVICE


async def erase_device(session: AsyncSession, device_id: UUID) -> None:
    """Erase the device in the current transaction (404 if it is already gone)."""
    device = await get_for_update_or_404(session, Device, device_id, NotFound("unknown device"))
    await session.execute(delete(Alarm).where(Alarm.device_id == device_id, Alarm.status.in_(CLOSED)))
    await session.execute(insert(Device).values(id=ANONYMOUS_DEVICE, platform="erased").on_conflict_do_nothing())
    await session.execute(update(Alarm).where(Alarm.device_id == device_id)
                          .values(device_id=ANONYMOUS_DEVICE, note_key_id=None, note_sealed=None,
                                  cancel_reason_key_id=None, cancel_reason_sealed=None))
    for table in Base.metadata.sorted_tables:  # the device's other rows (a profile, ...), whatever they are
        for key in table.foreign_keys:
            if key.column.table is Device.__table__ and table is not Alarm.__table__:
                await session.execute(delete(table).where(key.parent == device_id))
    await session.delete(device)
    # Texts not yet handed to notifier (a code, a contact's alert) are not sent: they would reach it after the
    # erasure, on their own topic.
    await session.execute(delete(outbox).where(outbox.c.topic == topics.DEVICE_MESSAGES,
                                               outbox.c.key == str(device_id), outbox.c.published_at.is_(None)))
    await add_event(session, outbox, DeviceErased(device_id=device_id, erased_at=datetime.now(UTC)))
    await session.flush()
