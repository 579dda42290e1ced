"""Proving the profile's phone: a 6-digit one-time code sent by SMS (through notifier), typed back in the app.

Only a keyed hash of the code is kept; it expires after 10 minutes; five wrong codes lock verification for 15
minutes. A confirmed phone may raise alarms by SMS."""

import hmac
import secrets
from datetime import UTC, datetime, timedelta
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.models import DeviceProfile, outbox
from alarm_gateway.profiles.errors import NoCodePending, ProfileNotFound, VerificationLocked, WrongCode
from alarm_gateway.profiles.keys import ProfileKeys
from alarm_gateway.profiles.messages import device_sms
from alarm_gateway.profiles.schemas import VerificationStarted, Verified
from alarm_gateway.profiles.service import open_fields, publish
from kentongan.db import get_for_update_or_404
from kentongan.outbox import add_event
from kentongan.phones import phone_hash

CODE_TTL = timedelta(minutes=10)
MAX_WRONG_CODES = 5
LOCKOUT = timedelta(minutes=15)


async def start(session: AsyncSession, keys: ProfileKeys, device_id: UUID) -> VerificationStarted:
    """Send a new code to the profile's phone (it replaces any code sent before)."""
    row, now = await _unlocked_profile(session, device_id)
    fields = open_fields(keys, row)
    code = f"{secrets.randbelow(10**6):06d}"
    row.code_hash, row.code_expires_at = _code_hash(keys, device_id, code), now + CODE_TTL
    await add_event(session, outbox, device_sms(keys, device_id, "verification_code", fields.phone,
                                                language=fields.language, fields={"code": code}, at=now))
    await session.flush()
    return VerificationStarted(sent_to=fields.phone, expires_at=row.code_expires_at)


async def confirm(session: AsyncSession, keys: ProfileKeys, device_id: UUID,
                  code: str) -> Verified | WrongCode | VerificationLocked:
    """Mark the phone verified. A wrong code is returned, not raised: its count must commit."""
    row, now = await _unlocked_profile(session, device_id)
    if row.code_hash is None or row.code_expires_at is None or row.code_expires_at <= now:
        raise NoCodePending()
    if not hmac.compare_digest(row.code_hash, _code_hash(keys, device_id, code)):
        return await _wrong_code(session, row, now)
    row.phone_verified_at, row.updated_at = now, now
    row.code_hash = row.code_expires_at = None
    row.wrong_codes = 0
    await session.flush()
    await publish(session, keys, row, open_fields(keys, row))
    return Verified(phone_verified=True)


async def _unlocked_profile(session: AsyncSession, device_id: UUID) -> tuple[DeviceProfile, datetime]:
    row = await get_for_update_or_404(session, DeviceProfile, device_id, ProfileNotFound())
    now = datetime.now(UTC)
    if row.locked_until is not None and row.locked_until > now:
        raise _locked(row.locked_until, now)
    return row, now


async def _wrong_code(session: AsyncSession, row: DeviceProfile, now: datetime) -> WrongCode | VerificationLocked:
    row.wrong_codes += 1
    if row.wrong_codes >= MAX_WRONG_CODES:
        until = now + LOCKOUT
        row.locked_until, row.wrong_codes = until, 0
        row.code_hash = row.code_expires_at = None
        await session.flush()
        return _locked(until, now)
    await session.flush()
    return WrongCode()


def _locked(until: datetime, now: datetime) -> VerificationLocked:
    retry_after = int((until - now).total_seconds()) + 1
    return VerificationLocked(retry_after)


def _code_hash(keys: ProfileKeys, device_id: UUID, code: str) -> bytes:
    return phone_hash(keys.lookup, f"{device_id}:{code}")
