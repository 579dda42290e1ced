"""The cancel and duress PINs of a device: set, and told apart when an alarm is cancelled.

Hashed with argon2 (slow on purpose, in a worker thread so the event loop keeps serving alarms). Checking a PIN
always verifies it against both hashes, whichever matches, so a duress cancel takes as long as a genuine one.
"""

import asyncio
from typing import Literal
from uuid import UUID

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway.models import Device
from alarm_gateway.pins.errors import WrongPin
from alarm_gateway.pins.schemas import PinsState, PinsUpdate
from kentongan.errors import Unauthorized

Verdict = Literal["cancel", "duress"]
_HASHER = PasswordHasher()


def _matches(pin_hash: str, pin: str) -> bool:
    try:
        return _HASHER.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def _verify_both(cancel_hash: str, duress_hash: str, pin: str) -> Verdict | None:
    is_cancel, is_duress = _matches(cancel_hash, pin), _matches(duress_hash, pin)
    return "cancel" if is_cancel else "duress" if is_duress else None


async def verdict(device: Device, pin: str) -> Verdict | None:
    """Which of the device's PINs this is; None for neither (or no PINs set)."""
    if device.cancel_pin_hash is None or device.duress_pin_hash is None:
        return None
    return await asyncio.to_thread(_verify_both, device.cancel_pin_hash, device.duress_pin_hash, pin)


def has_pins(device: Device) -> bool:
    return device.cancel_pin_hash is not None and device.duress_pin_hash is not None


async def set_pins(session: AsyncSession, device_id: UUID, update: PinsUpdate) -> PinsState:
    """Set or change the PINs; changing them needs the cancel PIN in use (someone holding the phone must not
    be able to turn the duress PIN into a real cancel)."""
    device = await session.get(Device, device_id, with_for_update=True)
    if device is None:
        raise Unauthorized("unknown device; register again")
    if has_pins(device) and (update.current_pin is None or await verdict(device, update.current_pin) != "cancel"):
        raise WrongPin("changing the PINs needs the current cancel PIN as `current_pin`")
    device.cancel_pin_hash, device.duress_pin_hash = await asyncio.to_thread(
        lambda: (_HASHER.hash(update.cancel_pin), _HASHER.hash(update.duress_pin)))
    await session.flush()
    return PinsState(pins_set=True)
