"""The development inbox: nothing identifying in clear in its table, yet an admin finds a phone's messages."""

import random
from datetime import UTC, datetime
from uuid import uuid4

from sqlalchemy import text

from kentongan.bus_crypto import BusKeyring
from kentongan.events.reports import ReporterUpdate
from notifier.settings import Settings


async def test_a_phone_and_its_message_are_kept_sealed_and_found_by_the_phone(notifier, publish, dev_outbox,
                                                                              outbox_of):
    phone = f"+62815{random.randint(10**7, 10**8 - 1)}"
    report_id = uuid4()
    sms_to = BusKeyring.from_settings(Settings()).seal(ReporterUpdate, report_id, "sms_to", phone)
    envelope = await publish(ReporterUpdate(report_id=report_id, update="referred", at=datetime.now(UTC),
                                            sms_to=sms_to))
    [message] = await outbox_of(envelope.id, 1)

    assert [m["delivery_id"] for m in await dev_outbox(target=phone)] == [message["delivery_id"]]
    assert message["target"] == phone
    assert "Ada kabar baru" in f"{message['payload']['title']}\n{message['payload']['body']}"
    async with notifier.app.state.sessionmaker() as session:
        row = (await session.execute(text("SELECT * FROM notifier.dev_messages WHERE delivery_id = :id"),
                                     {"id": message["delivery_id"]})).mappings().one()
    stored = b"".join(value if isinstance(value, bytes) else str(value).encode() for value in row.values())
    assert phone.lstrip("+").encode() not in stored
    assert b"kabar" not in stored


async def test_the_inbox_comes_oldest_first_a_page_at_a_time(notifier, publish, outbox_of, operator_headers):
    phone = f"+62815{random.randint(10**7, 10**8 - 1)}"
    sealer = BusKeyring.from_settings(Settings())
    delivered = []
    for _ in range(3):
        report_id = uuid4()
        envelope = await publish(ReporterUpdate(report_id=report_id, update="referred", at=datetime.now(UTC),
                                                sms_to=sealer.seal(ReporterUpdate, report_id, "sms_to", phone)))
        delivered += [m["delivery_id"] for m in await outbox_of(envelope.id, 1)]

    pages, after = [], None
    while True:
        response = await notifier.get("/v1/dev/outbox", headers=operator_headers("admin"),
                                      params={"target": phone, "limit": 2, **({"after": after} if after else {})})
        assert response.status_code == 200, response.text
        pages.append([m["delivery_id"] for m in response.json()["items"]])
        if (after := response.json()["next"]) is None:
            break
    assert pages == [delivered[:2], delivered[2:]]
    wrong = await notifier.get("/v1/dev/outbox", headers=operator_headers("admin"), params={"after": "x"})
    assert wrong.status_code == 400
