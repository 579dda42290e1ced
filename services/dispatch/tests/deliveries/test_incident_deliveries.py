"""Operators see how the alerts about an incident went: notifier's delivery states, through the real broker,
counted per channel and state on the incident."""

from datetime import UTC, datetime, timedelta
from uuid import uuid4

from sqlalchemy import select

from dispatch.models import Incident
from kentongan.db import unit_of_work
from kentongan.dev.testing import eventually
from kentongan.events import Envelope, encode, topics
from kentongan.events.deliveries import DeliveryStatus, DeliveryStatusChanged
from kentongan.kafka import create_producer


async def _publish(settings, events: list[DeliveryStatusChanged]) -> None:
    producer = create_producer(settings, "test-dispatch-deliveries")
    await producer.start()
    try:
        for event in events:
            message = encode(Envelope.wrap(event, "/services/notifier"))
            await producer.send(topics.DELIVERIES, message.value, key=message.key.encode(),
                                headers=list(message.headers.items()))
        await producer.flush()
    finally:
        await producer.stop()


async def test_the_incident_counts_its_alerts_per_channel_and_state(dispatch_app, raise_alarm, unique_place,
                                                                    operator_headers):
    app = dispatch_app.app
    alarm = await raise_alarm(*unique_place(), category="fire")
    async with unit_of_work(app.state.sessionmaker) as session:
        incident_id = await session.scalar(select(Incident.id).where(Incident.alarm_ids.any(alarm.alarm_id)))
    start = datetime.now(UTC)

    def change(delivery_id, channel, status, seconds):
        return DeliveryStatusChanged(incident_id=incident_id, changes=[DeliveryStatus(
            delivery_id=delivery_id, recipient=f"rep:{uuid4()}", channel=channel, status=status, attempts=1,
            at=start + timedelta(seconds=seconds))])

    read, delivered, failed, early = uuid4(), uuid4(), uuid4(), uuid4()
    reps = [uuid4() for _ in range(30)]
    await _publish(app.state.settings, [
        change(read, "whatsapp", "sent", 1), change(read, "whatsapp", "delivered", 2),
        change(read, "whatsapp", "read", 3),
        change(delivered, "whatsapp", "sent", 1), change(delivered, "whatsapp", "delivered", 2),
        change(delivered, "whatsapp", "delivered", 2),  # a repeated receipt
        change(failed, "sms", "sent", 1), change(failed, "sms", "failed", 4),
        change(early, "sms", "delivered", 5), change(early, "sms", "sent", 1),  # the receipt overtook the send
        DeliveryStatusChanged(incident_id=incident_id, changes=[  # many alerts in one event: still one line
            *(change(rep, "push", "sent", 6).changes[0] for rep in reps)])])

    async def counts():
        detail = (await dispatch_app.get(f"/v1/incidents/{incident_id}", headers=operator_headers())).json()
        shown = {(d["channel"], d["status"]): d["count"] for d in detail["deliveries"]}
        return shown if sum(shown.values()) == 34 else None

    assert await eventually(counts, timeout_s=30) == {
        ("whatsapp", "read"): 1, ("whatsapp", "delivered"): 1, ("sms", "failed"): 1, ("sms", "delivered"): 1,
        ("push", "sent"): 30}
    # A late event never moves a state back: delivered stays delivered, read stays read.
    await _publish(app.state.settings, [change(early, "sms", "failed", 7), change(read, "whatsapp", "sent", 8),
                                        change(uuid4(), "email", "delivered", 9)])

    async def with_email():
        detail = (await dispatch_app.get(f"/v1/incidents/{incident_id}", headers=operator_headers())).json()
        shown = {(d["channel"], d["status"]): d["count"] for d in detail["deliveries"]}
        return shown if ("email", "delivered") in shown else None

    assert await eventually(with_email, timeout_s=30) == {
        ("whatsapp", "read"): 1, ("whatsapp", "delivered"): 1, ("sms", "failed"): 1, ("sms", "delivered"): 1,
        ("push", "sent"): 30, ("email", "delivered"): 1}
