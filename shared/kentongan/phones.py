"""Phone numbers as the Command Center and the SMS providers dial them: E.164, Indonesian numbers written the
local way accepted. One type for every phone a request carries (a caller's, an emergency contact's, a
reporter's)."""

import hashlib
import hmac
from typing import Annotated

import phonenumbers
from pydantic import AfterValidator, StringConstraints

DEFAULT_REGION = "ID"


def to_e164(value: str) -> str:
    """`0812-3456-7890` -> `+6281234567890`; ValueError for anything that is not a valid number."""
    try:
        number = phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException as exc:
        raise ValueError("is not a phone number") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValueError("is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# A phone field of a request: normalised to E.164, or a 422 naming the field.
Phone = Annotated[str, StringConstraints(min_length=3, max_length=32), AfterValidator(to_e164)]


def phone_hash(key: bytes, e164: str) -> bytes:
    """The keyed hash a phone is found by (the number itself stays sealed)."""
    return hmac.new(key, e164.encode(), hashlib.sha256).digest()
