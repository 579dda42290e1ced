"""Reporter updates: one discreet SMS per update to the reporter's phone, never a second on redelivery."""

import random
from datetime import UTC, datetime
from uuid import uuid4

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import select

from kentongan.bus_crypto import BusKeyring
from kentongan.dev.testing import eventually
from kentongan.events import Envelope
from kentongan.events.reports import ReporterUpdate
from notifier.deliveries.service import target_of
from notifier.models import Delivery
from notifier.reporters.handlers import on_reporter_update
from notifier.settings import Settings

# Words that would tell whoever holds the phone what the report is about, or to whom it went.
TELLTALES = ("dp3a", "disdik", "kekerasan", "violence", "seksual", "sexual", "bullying", "perundungan", "rundung",
             "anak", "child", "perempuan", "women", "rumah tangga", "domestic", "sekolah", "school")


# The bus keyring report-intake seals the phone with (the development key in tests).
BUS = BusKeyring.from_settings(Settings())


def update(kind: str = "referred") -> tuple[ReporterUpdate, str]:
    """An update as report-intake publishes it, and the phone it carries sealed."""
    report_id, phone = uuid4(), f"+62813{random.randint(10**7, 10**8 - 1)}"
    return ReporterUpdate(report_id=report_id, update=kind, at=datetime.now(UTC),
                          sms_to=BUS.seal(ReporterUpdate, report_id, "sms_to", phone)), phone


async def test_an_update_is_one_discreet_sms_to_the_reporter(notifier, publish, outbox_of):
    for kind in ("referred", "answered"):
        event, phone = update(kind)
        envelope = await publish(event)

        [sms] = await outbox_of(envelope.id, 1)

        assert (sms["channel"], sms["target"], sms["recipient"]) == ("sms", phone, f"reporter:{event.report_id}")
        text = f"{sms['payload']['title']}\n{sms['payload']['body']}"
        assert "Ada kabar baru tentang laporan Anda" in text and "There is news about your report" in text
        assert not [word for word in TELLTALES if word in text.lower()], text
        assert str(event.report_id) not in text
        assert await _stored_target(notifier, envelope.id) == f"reporter:{event.report_id}"  # the phone is gone


async def _stored_target(notifier, event_id: str) -> str:
    """The delivery's target as notifier keeps it once the SMS went out."""
    async def forgotten():
        async with notifier.app.state.sessionmaker() as session:
            target = await session.scalar(select(Delivery.target).where(Delivery.event_id == event_id))
        return target if target and not target.startswith("+") else None

    return await eventually(forgotten, timeout_s=10)


async def test_a_redelivered_update_sends_nothing_more(publish, outbox_of, dev_outbox):
    referred, phone = update("referred")
    envelope = await publish(referred)
    await outbox_of(envelope.id, 1)

    await publish(envelope=envelope)  # the broker redelivers it
    # The same report is the same key, so this later update is handled after the redelivery.
    answered = await publish(referred.model_copy(update={"update": "answered", "at": datetime.now(UTC)}))
    await outbox_of(answered.id, 1)

    assert len(await outbox_of(envelope.id, 1)) == 1
    to_phone = await dev_outbox(target=phone)
    assert [m["event_id"] for m in to_phone] == [envelope.id, answered.id]


async def test_the_phone_is_sealed_at_rest_while_the_sms_waits(notifier):
    keyring = notifier.app.state.keyring
    event, phone = update()
    envelope = Envelope.wrap(event, "/services/report-intake")
    async with notifier.app.state.sessionmaker() as session:
        await on_reporter_update(session, envelope, keyring, notifier.app.state.bus)
        stored = (await session.execute(select(Delivery.id, Delivery.target, Delivery.target_key_id)
                                        .where(Delivery.event_id == envelope.id))).one()
        await session.rollback()  # never committed: no worker sends it

    assert phone.removeprefix("+") not in stored.target
    assert stored.target_key_id == keyring.active_key_id
    assert target_of(keyring, stored.id, stored.target, stored.target_key_id) == phone
    with pytest.raises(InvalidTag):  # bound to its row: copied onto another delivery it does not open
        target_of(keyring, uuid4(), stored.target, stored.target_key_id)
