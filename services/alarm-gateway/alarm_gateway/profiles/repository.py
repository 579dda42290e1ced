"""Every query on device profiles."""

from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.models import Alarm, DeviceProfile


async def get(session: AsyncSession, device_id: UUID, for_update: bool = False) -> DeviceProfile | None:
    return await session.get(DeviceProfile, device_id, with_for_update=for_update)


async def verified_device_of(session: AsyncSession, phone_hash: bytes) -> UUID | None:
    """The device most recently verified with this phone (a phone moved to a new install keeps working)."""
    return await session.scalar(
        select(DeviceProfile.device_id)
        .where(DeviceProfile.phone_hash == phone_hash, DeviceProfile.phone_verified_at.is_not(None))
        .order_by(DeviceProfile.phone_verified_at.desc()).limit(1))


async def last_alarm(session: AsyncSession, device_id: UUID) -> Alarm | None:
    """The device's latest alarm: where it was last seen."""
    return await session.scalar(select(Alarm).where(Alarm.device_id == device_id)
                                .order_by(Alarm.created_at.desc()).limit(1))

