"""Device registration and the device bearer token."""

import logging
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from alarm_gateway.alarms.errors import AlarmNotFound
from alarm_gateway.devices.schemas import DeviceBlock, DeviceBlockCreate, DeviceRegistration, RegisteredDevice
from alarm_gateway.models import Alarm, Device
from alarm_gateway.settings import Settings
from kentongan.db import get_for_update_or_404
from kentongan.errors import NotFound
from kentongan.paging import Page, keyset, page_of, parse_cursor
from kentongan.security import DEVICE, Operator, decode_token, issue_token

log = logging.getLogger(__name__)


async def register(session: AsyncSession, registration: DeviceRegistration, settings: Settings) -> RegisteredDevice:
    """Store a new app installation and hand it the token that authenticates it."""
    device = Device(id=uuid7(), **registration.model_dump())
    session.add(device)
    await session.flush()
    token = issue_token(settings, subject=str(device.id), audience=DEVICE,
                        ttl=timedelta(days=settings.device_token_ttl_days))
    return RegisteredDevice(device_id=device.id, token=token)


def device_id_from_token(settings: Settings, token: str) -> UUID:
    return UUID(decode_token(settings, token, DEVICE)["sub"])


async def block(session: AsyncSession, request: DeviceBlockCreate, supervisor: Operator) -> DeviceBlock:
    """Refuse the new alarms of the device that raised `request.alarm_id` (its earlier alarms stay as they are)."""
    device = await session.scalar(select(Device).join(Alarm, Alarm.device_id == Device.id)
                                  .where(Alarm.id == request.alarm_id).with_for_update(of=Device))
    if device is None:
        raise AlarmNotFound()
    device.blocked_at, device.blocked_by, device.blocked_reason = datetime.now(UTC), supervisor.subject, request.reason
    await session.flush()
    log.info("device %s blocked by %s", device.id, supervisor.subject)
    return _block(device)


async def unblock(session: AsyncSession, device_id: UUID, supervisor: Operator) -> None:
    not_blocked = NotFound("this device is not blocked")
    device = await get_for_update_or_404(session, Device, device_id, not_blocked)
    if device.blocked_at is None:
        raise not_blocked
    device.blocked_at = device.blocked_by = device.blocked_reason = None
    await session.flush()
    log.info("device %s unblocked by %s", device_id, supervisor.subject)


async def list_blocks(session: AsyncSession, limit: int, after: str | None) -> Page[DeviceBlock]:
    """A page of the blocked devices, most recently blocked first (blocked_at, id)."""
    query = keyset(select(Device).where(Device.blocked_at.is_not(None)), (Device.blocked_at, Device.id),
                   parse_cursor(after, datetime, UUID) if after else None, limit, descending=True)
    page = page_of(list(await session.scalars(query)), limit, lambda device: (device.blocked_at, device.id))
    return Page(items=[_block(device) for device in page["items"]], next=page["next"])


def _block(device: Device) -> DeviceBlock:
    return DeviceBlock(device_id=device.id, blocked_at=device.blocked_at, blocked_by=device.blocked_by,
                       reason=device.blocked_reason)
