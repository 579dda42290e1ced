"""Phone numbers as the Command Center and the SMS providers dial them: E.164, Indonesian numbers written the
local way accepted. One type for every phone a request carries (a caller's, an emergency contact's, a
reporter's)."""

import hashlib
import hmac
from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, StringConstraints, ValidationInfo

DEFAULT_REGION = "ID"
# A validation context saying the value was validated when it was written (`Model.model_validate_json(
# stored, context=STORED)`): its phones are already E.164 and are not parsed again. phonenumbers costs ~50 us
# a number, and a stored profile is read on every alarm it raises (its emergency contacts are told).
STORED = {"stored": True}


def to_e164(value: str) -> str:
    """`0812-3456-7890` -> `+6281234567890`; ValueError for anything that is not a valid number."""
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _e164_unless_stored(value: str, info: ValidationInfo) -> str:
    return value if info.context is STORED else to_e164(value)


# A phone field of a request: normalised to E.164, or a 422 naming the field (trusted as stored with STORED).
Phone = Annotated[str, StringConstraints(min_length=3, max_length=32), AfterValidator(_e164_unless_stored)]


def phone_hash(key: bytes, e164: str) -> bytes:
    """The keyed hash a phone is found by (the number itself stays sealed)."""
    return hmac.new(key, e164.encode(), hashlib.sha256).digest()
