"""SMS panic for phones without data: a text from a verified phone starting with a panic keyword raises a silent
alarm for its device, at the device's last known position.

The provider may deliver one SMS several times: the alarm id derives from the delivery's webhook id, so every
delivery names the same alarm (the alarm intake is idempotent on it), and the SMS is recorded once. Neither the
sender nor the text is kept; unknown numbers raise nothing and are counted."""

import re
import uuid
from datetime import UTC, datetime

from pydantic import ValidationError
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from alarm_gateway import metrics
from alarm_gateway.alarms.errors import DeviceBlocked
from alarm_gateway.alarms.schemas import AlarmCreate
from alarm_gateway.alarms.service import AlarmRequest
from alarm_gateway.models import InboundSms as InboundSmsRow
from alarm_gateway.models import outbox
from alarm_gateway.profiles import repository as profiles
from alarm_gateway.profiles.keys import ProfileKeys
from alarm_gateway.profiles.messages import device_sms
from alarm_gateway.profiles.service import open_fields
from alarm_gateway.sms.schemas import InboundResult, InboundSms, SmsOutcome
from kentongan.group_commit import GroupCommit
from kentongan.outbox import add_event
from kentongan.phones import phone_hash, to_e164

KEYWORDS = frozenset({"TOLONG", "SOS", "DARURAT", "HELP"})
# Words naming a category, Bahasa Indonesia and English (the first found wins); otherwise `other`.
CATEGORY_WORDS = {
    "fire": ("kebakaran", "api", "fire"),
    "medical": ("medis", "sakit", "pingsan", "ambulans", "medical", "ambulance"),
    "sexual_violence": ("perkosa", "pelecehan", "sexual"),
    "child_abuse": ("anak", "child"),
    "violence": ("kekerasan", "pukul", "aniaya", "violence"),
    "crime": ("maling", "rampok", "copet", "begal", "pencuri", "robbery", "thief", "crime"),
}
# No position ever seen for the device: the city hall (Balai Kota Semarang), as uncertain as the whole city.
CITY_CENTRE = (-6.9837, 110.4098)
CITY_WIDE_M = 15_000.0
SMS_ALARMS = uuid.UUID("6b656e74-6f6e-6761-6e2d-736d732d0001")  # namespace of alarm ids derived from webhook ids


def words_of(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def is_panic(text: str) -> bool:
    words = words_of(text)
    return bool(words) and words[0].upper() in KEYWORDS


def category_of(text: str) -> str:
    words = set(words_of(text))
    return next((category for category, names in CATEGORY_WORDS.items() if words & set(names)), "other")


async def receive(session: AsyncSession, intake: GroupCommit, keys: ProfileKeys, webhook_id: str,
                  sms: InboundSms) -> InboundResult:
    """Raise the alarm (or not) and record the SMS; a redelivery gets the first delivery's outcome."""
    outcome, alarm_id, device_id = await _alarm_for(session, intake, keys, webhook_id, sms)
    inserted = await session.execute(
        insert(InboundSmsRow).values(webhook_id=webhook_id, outcome=outcome, alarm_id=alarm_id)
        .on_conflict_do_nothing().returning(InboundSmsRow.webhook_id))
    if inserted.first() is not None:
        metrics.INBOUND_SMS.labels(outcome).inc()
        if alarm_id is not None and device_id is not None:  # an alarm was raised
            await _confirm(session, keys, device_id, alarm_id)
    return InboundResult(outcome=outcome, alarm_id=alarm_id, received_at=sms.received_at)


async def _alarm_for(session: AsyncSession, intake: GroupCommit, keys: ProfileKeys, webhook_id: str,
                     sms: InboundSms) -> tuple[SmsOutcome, uuid.UUID | None, uuid.UUID | None]:
    """The outcome, the alarm raised and its device."""
    if not is_panic(sms.text):
        return "no_keyword", None, None
    try:
        phone = to_e164(sms.sender)
    except ValueError:
        return "unknown_number", None, None
    device_id = await profiles.verified_device_of(session, phone_hash(keys.lookup, phone))
    if device_id is None:
        return "unknown_number", None, None
    alarm_id = uuid.uuid5(SMS_ALARMS, webhook_id)
    last = await profiles.last_alarm(session, device_id)
    lat, lon, accuracy = (last.lat, last.lon, last.accuracy_m) if last else (*CITY_CENTRE, CITY_WIDE_M)
    request = AlarmRequest(device_id, _alarm(alarm_id, lat, lon, accuracy, sms), source="sms",
                           location_last_known=True)
    try:
        alarm = await intake.submit(request)
    except DeviceBlocked:
        return "device_blocked", None, device_id
    return "alarm", alarm.id, device_id


def _alarm(alarm_id: uuid.UUID, lat: float, lon: float, accuracy: float, sms: InboundSms) -> AlarmCreate:
    """Silent (the sender may be hiding); the text itself is not kept (free text of a possible victim)."""
    fields = {"id": alarm_id, "lat": lat, "lon": lon, "accuracy_m": accuracy, "category": category_of(sms.text),
              "silent": True}
    try:
        return AlarmCreate(**fields, pressed_at=sms.received_at)
    except ValidationError:  # the provider's clock says something impossible: the gateway's time will do
        return AlarmCreate(**fields)


async def _confirm(session: AsyncSession, keys: ProfileKeys, device_id: uuid.UUID, alarm_id: uuid.UUID) -> None:
    """Tell the sender's verified phone the message arrived (discreetly: no category, no word about police)."""
    profile = await profiles.get(session, device_id)
    if profile is None:  # the profile was removed since the alarm was raised: nobody to confirm to
        return
    fields = open_fields(keys, profile)
    await add_event(session, outbox, device_sms(keys, device_id, "sms_panic_received", fields.phone,
                                                language=fields.language, recipient=f"{alarm_id}:owner",
                                                at=datetime.now(UTC)))
