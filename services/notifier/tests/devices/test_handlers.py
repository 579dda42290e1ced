"""Device messages: each becomes one SMS on the SMS channel, in the owner's language first, the phone forgotten
once it went out."""

from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import select

from kentongan.bus_crypto import BusKeyring
from kentongan.dev.testing import eventually
from kentongan.events.devices import DeviceSms
from notifier.models import Delivery
from notifier.settings import Settings

# The bus keyring alarm-gateway seals the phone and the text with (the development key in tests).
BUS = BusKeyring.from_settings(Settings())


def message(kind: str, phone: str, fields: dict[str, str] | None = None, **extra) -> DeviceSms:
    """A device message as alarm-gateway publishes it, its phone and fields sealed."""
    device_id = extra.pop("device_id", uuid4())
    return DeviceSms(device_id=device_id, kind=kind, at=datetime.now(UTC),
                     sms_to=BUS.seal(DeviceSms, device_id, "sms_to", phone),
                     fields=BUS.seal(DeviceSms, device_id, "fields", fields or {}), **extra)


async def test_a_verification_code_is_one_sms_to_the_phone(notifier, publish, outbox_of):
    event = message("verification_code", "+6281234500001", {"code": "482913"}, language="en")
    envelope = await publish(event)
    [sms] = await outbox_of(envelope.id, 1)
    assert (sms["channel"], sms["target"]) == ("sms", "+6281234500001")
    assert sms["payload"]["body"].startswith("Your Kentongan verification code: 482913.")
    assert "Kode verifikasi Kentongan Anda: 482913" in sms["payload"]["body"]


async def test_an_emergency_contact_alert_names_the_caller_and_the_place(notifier, publish, outbox_of):
    device_id = uuid4()
    event = message("emergency_contact", "+6281234500002", {"name": "Sri", "place": "Tembalang"},
                    device_id=device_id, recipient="contact-0")
    envelope = await publish(event)
    [sms] = await outbox_of(envelope.id, 1)
    # No coordinate, or no RT of the registry near it: the kecamatan the gateway sent.
    assert sms["payload"]["body"].startswith("Sri menekan tombol darurat Kentongan di sekitar Kec. Tembalang")
    assert ("Sri pressed the Kentongan panic button near Kec. Tembalang; the police are informed."
            in sms["payload"]["body"])

    async def forgotten():
        async with notifier.app.state.sessionmaker() as session:
            target = await session.scalar(select(Delivery.target).where(Delivery.event_id == envelope.id))
        return target if target and target.startswith("device:") else None

    assert await eventually(forgotten, timeout_s=10) == f"device:{device_id}:contact-0"


async def test_a_redelivered_message_is_sent_once(notifier, publish, outbox_of):
    event = message("sms_panic_received", "+6281234500003")
    envelope = await publish(event)
    await publish(envelope=envelope)
    [sms] = await outbox_of(envelope.id, 1)
    assert "Pesan Anda diterima Pusat Komando." in sms["payload"]["body"]


async def test_an_emergency_contact_alert_names_the_kelurahan_of_the_nearest_rt(publish, outbox_of, area,
                                                                              place_representative):
    lat, lon = area
    await place_representative(lat + 0.004, lon, kelurahan="Sendangmulyo", kecamatan="Tembalang")  # ~450 m
    event = message("emergency_contact", "+6281234500004",
                    {"name": "Sri", "place": "Tembalang", "lat": str(lat), "lon": str(lon)}, recipient="contact-0")
    [sms] = await outbox_of((await publish(event)).id, 1)
    assert sms["payload"]["body"].startswith(
        "Sri menekan tombol darurat Kentongan di sekitar Kel. Sendangmulyo, Kec. Tembalang; polisi sudah diberi tahu.")
    assert "near Kel. Sendangmulyo, Kec. Tembalang; the police are informed." in sms["payload"]["body"]
