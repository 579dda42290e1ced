"""No alarm dies silently: an alarm dispatch cannot process is dead-lettered after a short retry budget, kept
on the dead-letter topic for a replay, and opened as an "unprocessed" incident at the top of the queue; the
alarms behind it on the partition are not held up."""

import time
from datetime import UTC, datetime
from uuid import uuid4

import orjson

from kentongan import dlq
from kentongan.dev.testing import eventually
from kentongan.events import Envelope, encode
from kentongan.events.alarms import AlarmLocationUpdated, AlarmRaised
from kentongan.events.incidents import INCIDENT_STATUSES
from kentongan.events.reports import ReportUrgent
from kentongan.events.sealed import SealedField
from kentongan.events.topics import ALARMS, REPORTS, dead_letter
from kentongan.kafka import create_producer

ALL = list(INCIDENT_STATUSES)


async def _send(settings, key: str, headers: dict, value: bytes, topic: str = ALARMS) -> None:
    producer = create_producer(settings, "test-gateway")
    await producer.start()
    try:
        await producer.send_and_wait(topic, value, key=key.encode(), headers=list(headers.items()))
    finally:
        await producer.stop()


async def _publish(settings, event) -> None:
    message = encode(Envelope.wrap(event, "/services/alarm-gateway"))
    await _send(settings, message.key, message.headers, message.value)


async def _incident_of(app, operator_headers, alarm_id) -> dict | None:
    found = (await app.get("/v1/incidents", params={"alarm_id": str(alarm_id), "status": ALL},
                           headers=operator_headers())).json()["items"]
    return found[0] if found else None


def _alarm(lat: float, lon: float, **fields) -> AlarmRaised:
    return AlarmRaised(**{"alarm_id": uuid4(), "device_id": uuid4(), "category": "medical", "lat": lat, "lon": lon,
                          "accuracy_m": 10, "silent": False, "raised_at": datetime.now(UTC), **fields})


async def test_an_alarm_dispatch_cannot_process_opens_a_flagged_incident_and_holds_nobody_up(
        dispatch_app, settings, operator_headers, unique_place):
    lat, lon = unique_place()
    # A note sealed under a bus key dispatch does not hold (a producer ahead of a key rotation): it cannot be
    # opened, so the alarm cannot be stored as it came.
    poisoned = _alarm(lat, lon, note=SealedField(kid="k-unknown", box="AAAA"), silent=True)
    unrelated = _alarm(*unique_place(), category="crime")
    await _publish(settings, poisoned)
    started = time.monotonic()
    await _publish(settings, unrelated)

    assert await eventually(lambda: _incident_of(dispatch_app, operator_headers, unrelated.alarm_id), timeout_s=20)
    assert time.monotonic() - started < 10  # the retry budget is well under a second
    fallback = await eventually(lambda: _incident_of(dispatch_app, operator_headers, poisoned.alarm_id))
    assert fallback["unprocessed"] is True and fallback["priority"] == 5 and fallback["status"] == "open"
    assert (fallback["lat"], fallback["lon"], fallback["category"], fallback["silent"]) == (lat, lon, "medical", True)
    assert fallback["alarm_count"] == 1
    queue = (await dispatch_app.get("/v1/incidents", headers=operator_headers())).json()["items"]
    assert queue[0]["unprocessed"] is True  # unprocessed alarms top the queue

    parked = await eventually(lambda: _parked(settings, str(poisoned.alarm_id)))
    assert "k-unknown" in parked.error

    # The alarm was placed in its fallback incident, so its caller's live location follows it there.
    moved = lat + 0.0003
    await _publish(settings, AlarmLocationUpdated(alarm_id=poisoned.alarm_id, lat=moved, lon=lon, accuracy_m=5,
                                                  recorded_at=datetime.now(UTC)))

    async def followed():
        incident = await _incident_of(dispatch_app, operator_headers, poisoned.alarm_id)
        return incident["lat"] == moved and incident

    assert (await eventually(followed))["id"] == fallback["id"]


async def test_an_undecodable_alarm_still_reaches_the_operators_from_what_it_carries(
        dispatch_app, settings, operator_headers, unique_place):
    lat, lon = unique_place()
    valid = _alarm(lat, lon, category="fire")
    message = encode(Envelope.wrap(valid, "/services/alarm-gateway"))
    # The payload a faulty app version sent: no accuracy, a position as numbers, a category and a device.
    raw = {"alarm_id": str(valid.alarm_id), "device_id": str(valid.device_id), "category": "fire", "lat": lat,
           "lon": lon, "silent": "perhaps", "raised_at": valid.raised_at.isoformat()}
    await _send(settings, message.key, message.headers, orjson.dumps(raw))

    fallback = await eventually(lambda: _fallback_at(dispatch_app, operator_headers, lat, lon), timeout_s=20)
    assert fallback["category"] == "fire" and fallback["priority"] == 5
    assert fallback["alarm_ids"] == [str(valid.alarm_id)]  # the citizen's alarm is placed: they see "received"
    assert await eventually(lambda: _parked(settings, str(valid.alarm_id)))


async def _parked(settings, subject: str, count: int = 1):
    found = [d for d in await dlq.read(settings, dead_letter(ALARMS)) if d.subject == subject]
    return found[-1] if len(found) >= count else None


async def _fallback_at(app, operator_headers, lat, lon) -> dict | None:
    queue = (await app.get("/v1/incidents", headers=operator_headers())).json()["items"]
    return next((i for i in queue if i["unprocessed"] and (i["lat"], i["lon"]) == (lat, lon)), None)


async def test_an_urgent_report_dispatch_cannot_read_opens_a_flagged_incident(dispatch_app, settings,
                                                                              operator_headers, unique_place):
    lat, lon = unique_place()
    report = ReportUrgent(report_id=uuid4(), category="domestic_violence", lat=lat, lon=lon,
                          reported_at=datetime.now(UTC))
    message = encode(Envelope.wrap(report, "/services/report-intake"))
    raw = {**orjson.loads(message.value), "reported_at": "not a time"}  # a faulty producer's payload
    await _send(settings, message.key, message.headers, orjson.dumps(raw), topic=REPORTS)

    fallback = await eventually(lambda: _fallback_at(dispatch_app, operator_headers, lat, lon), timeout_s=20)
    assert fallback["source"] == "report" and fallback["category"] == "domestic_violence"
    assert fallback["alarm_count"] == 0 and fallback["priority"] == 5
