"""Device registration and the device bearer token."""

from datetime import timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession
from uuid6 import uuid7

from alarm_gateway.devices.schemas import DeviceRegistration, RegisteredDevice
from alarm_gateway.models import Device
from alarm_gateway.settings import Settings
from kentongan.security import DEVICE, decode_token, issue_token


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
