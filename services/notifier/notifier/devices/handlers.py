"""Device events from alarm-gateway. Device messages -> one SMS each: a phone verification code, an alert to an
emergency contact, the confirmation of an SMS panic. A device's erasure drops what notifier holds about it.

The phone and the text arrive sealed on the bus; at rest the phone stays sealed until the SMS is final (like a
reporter's), then only `device:<id>:<recipient>` remains, and the text (a code, the caller's name) stays sealed
until it is delivered, then goes. What to send (and whether: never for silent or sensitive alarms, never after a duress cancel) is
decided by alarm-gateway, which alone knows the profile and the alarm's fate.
"""

from sqlalchemy.ext.asyncio import AsyncSession

from kentongan.bus_crypto import BusKeyring
from kentongan.crypto import Keyring
from kentongan.events import Envelope
from kentongan.events.devices import DeviceErased, DeviceSms
from notifier import templates
from notifier.citizens import repository as citizens
from notifier.deliveries import repository as delivery_rows
from notifier.deliveries import service as deliveries
from notifier.representatives import service as representatives
from notifier.settings import Settings


async def on_device_sms(session: AsyncSession, envelope: Envelope, keyring: Keyring, bus: BusKeyring,
                        settings: Settings) -> None:
    """Queue the SMS, its phone and text sealed again at rest; a redelivered event adds nothing."""
    message: DeviceSms = envelope.data  # type: ignore[assignment]
    recipient = f"device:{message.device_id}:{message.recipient}"
    fields = bus.open(envelope, "fields")
    if message.kind == "emergency_contact":
        fields = {**fields, "place": await _place(session, fields, settings)}
    await deliveries.enqueue(session, envelope, [deliveries.NewDelivery(
        purpose="device", recipient=recipient, channel="sms", target=bus.open(envelope, "sms_to"),
        payload=templates.render(f"device.{message.kind}", message.language, fields),
        dedup_key=f"{envelope.id}|{recipient}|sms", confidential=True, private_payload=True,
    )], keyring)


async def _place(session: AsyncSession, fields: dict[str, str], settings: Settings) -> str:
    """The alarm's kelurahan when an RT of the registry is near its coordinate, else the kecamatan the gateway
    sent. (Older events carry no coordinate.)"""
    home = None
    if "lat" in fields and "lon" in fields:
        home = await representatives.home_rt(session, float(fields["lat"]), float(fields["lon"]), settings)
    return representatives.place_name(home, fields["place"])


async def on_device_erased(session: AsyncSession, envelope: Envelope) -> None:
    """The device erased itself: its push token and every message to it or to its emergency contacts (phones,
    texts) go; what was not sent yet is not sent."""
    erased: DeviceErased = envelope.data  # type: ignore[assignment]
    await citizens.forget_device(session, erased.device_id)
    await delivery_rows.forget_recipient(session, f"device:{erased.device_id}")
