"""Phones are normalised to E.164 when a request brings them, and trusted as stored when read back."""

import pytest
from pydantic import BaseModel, ValidationError

from kentongan.phones import STORED, Phone


class _Contact(BaseModel):
    phone: Phone


def test_a_request_phone_is_normalised_or_refused():
    assert _Contact.model_validate_json(b'{"phone": "0812-3456-7890"}').phone == "+6281234567890"
    with pytest.raises(ValidationError, match="phone"):
        _Contact.model_validate_json(b'{"phone": "12345"}')


def test_a_stored_phone_is_read_back_as_written_without_parsing_it_again():
    # Stored values were normalised when written; reading them on every alarm must not parse them again.
    stored = _Contact.model_validate_json(b'{"phone": "0812-3456-7890"}').model_dump_json()
    assert _Contact.model_validate_json(stored, context=STORED).phone == "+6281234567890"
    assert _Contact.model_validate_json(b'{"phone": "0812 3456 7890"}', context=STORED).phone == "0812 3456 7890"
    assert _Contact.model_validate_json(b'{"phone": "0812 3456 7890"}', context={"stored": True}).phone == (
        "+6281234567890")  # only the library's own marker is trusted
