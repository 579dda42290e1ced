"""A device owner's profile: who to call back, whom to warn, what the responders should know.

Sealed at rest, bound to the device; each change is published (sealed with the caller keyring) for dispatch,
which shows it on the incidents of the device's alarms. A new phone is unverified again."""

from datetime import UTC, datetime
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.models import DeviceProfile, outbox
from alarm_gateway.profiles import repository
from alarm_gateway.profiles.errors import ProfileNotFound
from alarm_gateway.profiles.keys import ProfileKeys
from alarm_gateway.profiles.schemas import Profile, ProfileUpdate
from kentongan.callers import CallerProfile, seal_profile
from kentongan.crypto import Sealed
from kentongan.outbox import add_event
from kentongan.phones import STORED, phone_hash


async def put_profile(session: AsyncSession, keys: ProfileKeys, device_id: UUID, update: ProfileUpdate) -> Profile:
    """Create or replace the profile; publish it."""
    now = datetime.now(UTC)
    sealed = keys.at_rest.seal(update.model_dump_json().encode(), device_id.bytes)
    new_hash = phone_hash(keys.lookup, update.phone)
    row = await repository.get(session, device_id, for_update=True)
    if row is None:
        row = DeviceProfile(device_id=device_id, wrong_codes=0)
        session.add(row)
    if row.phone_hash != new_hash:  # another phone: verified again from scratch
        row.phone_verified_at = row.code_hash = row.code_expires_at = None
    row.key_id, row.sealed, row.phone_hash, row.updated_at = sealed.key_id, sealed.blob, new_hash, now
    await session.flush()
    await publish(session, keys, row, update)
    return _view(row, update)


async def get_profile(session: AsyncSession, keys: ProfileKeys, device_id: UUID) -> Profile:
    row = await repository.get(session, device_id)
    if row is None:
        raise ProfileNotFound()
    return _view(row, open_fields(keys, row))


def open_fields(keys: ProfileKeys, row: DeviceProfile) -> ProfileUpdate:
    """The profile's sealed fields."""
    return open_sealed_fields(keys, row.device_id, row.key_id, row.sealed)


def open_sealed_fields(keys: ProfileKeys, device_id: UUID, key_id: str, sealed: bytes) -> ProfileUpdate:
    """Sealed profile fields, trusted as validated when they were written (phones not parsed again: this runs
    for every alarm whose emergency contacts are told)."""
    return ProfileUpdate.model_validate_json(keys.at_rest.open(Sealed(key_id, sealed), device_id.bytes),
                                             context=STORED)


async def publish(session: AsyncSession, keys: ProfileKeys, row: DeviceProfile, fields: ProfileUpdate) -> None:
    """Stage the profile as it is now for dispatch, sealed with the caller keyring."""
    caller = CallerProfile(**fields.model_dump(), phone_verified=row.phone_verified_at is not None)
    await add_event(session, outbox, seal_profile(keys.bus, row.device_id, caller, row.updated_at))


def _view(row: DeviceProfile, fields: ProfileUpdate) -> Profile:
    return Profile(**fields.model_dump(), phone_verified=row.phone_verified_at is not None, updated_at=row.updated_at)
