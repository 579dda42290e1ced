"""Sealed event fields: what report-intake seals for the broker only the bus keyring opens, and only in the event,
entity and field it was sealed for."""

import base64
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from cryptography.exceptions import InvalidTag
from pydantic import ValidationError

from kentongan.bus_crypto import BusKeyring, BusSealingSettings
from kentongan.crypto import Keyring
from kentongan.events import Envelope, decode, encode
from kentongan.events.referrals import ReferralClosed, ReferralDeclined


def _bus(*keys: tuple[str, bytes], active: str) -> BusKeyring:
    return BusKeyring(Keyring(dict(keys), active))


def _declined(bus: BusKeyring, referral_id, reason: str, sealed_for=ReferralDeclined, field="reason") -> Envelope:
    event = ReferralDeclined(referral_id=referral_id, report_id=uuid4(), agency="dp3a", status="declined",
                             changed_at=datetime.now(UTC), version=2,
                             reason=bus.seal(sealed_for, referral_id, field, reason))
    message = encode(Envelope.wrap(event, "/services/report-intake"))
    return decode(message.headers, message.key, message.value)  # as the consumer reads it


def test_a_sealed_field_travels_without_its_text_and_opens_on_the_other_side():
    bus = _bus(("k1", b"a" * 32), active="k1")
    envelope = _declined(bus, uuid4(), "di luar wilayah kami")
    assert b"wilayah" not in encode(envelope).value
    assert bus.open(envelope, "reason") == "di luar wilayah kami"
    assert bus.opened_data(envelope)["reason"] == "di luar wilayah kami"


def test_a_value_sealed_for_another_event_entity_or_field_does_not_open():
    bus = _bus(("k1", b"a" * 32), active="k1")
    for envelope in (_declined(bus, uuid4(), "x", sealed_for=ReferralClosed),
                     _declined(bus, uuid4(), "x", field="outcome")):
        with pytest.raises(InvalidTag):
            bus.open(envelope, "reason")
    moved = _declined(bus, uuid4(), "x")
    other = _declined(bus, uuid4(), "y")
    with pytest.raises(InvalidTag):  # a sealed reason copied onto another referral's event
        bus.open(Envelope(other.id, other.type, other.source, other.time, other.subject,
                          other.data.model_copy(update={"reason": moved.data.reason})), "reason")


def test_rotated_bus_keys_still_open_events_sealed_before():
    envelope = _declined(_bus(("k1", b"a" * 32), active="k1"), uuid4(), "lama")
    rotated = _bus(("k1", b"a" * 32), ("k2", b"b" * 32), active="k2")
    assert rotated.open(envelope, "reason") == "lama"


def test_production_refuses_the_development_bus_key(monkeypatch):
    monkeypatch.setenv("KENTONGAN_ENV", "production")
    monkeypatch.setenv("KENTONGAN_JWT_SECRET", "a-real-production-secret-of-enough-length")
    with pytest.raises(ValidationError, match="KENTONGAN_BUS_KEYS"):
        BusSealingSettings()
    monkeypatch.setenv("KENTONGAN_BUS_KEYS", "bus1:" + base64.b64encode(b"c" * 32).decode())
    monkeypatch.setenv("KENTONGAN_BUS_ACTIVE_KEY_ID", "bus1")
    assert BusSealingSettings().bus_active_key_id == "bus1"
