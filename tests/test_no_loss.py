"""An alarm the gateway accepted is never lost: not on a broker outage, a database restart, or a crash of
dispatch mid-stream; and never doubled by redelivery."""

import asyncio
from collections import Counter

import pytest

from kentongan.dev.testing import eventually

ALL_STATUSES = ["open", "acknowledged", "assigned", "en_route", "on_scene", "resolved", "cancelled"]


async def _incidents_by_alarm(operator, alarm_ids: list[str]) -> Counter:
    """How many incidents each alarm id is placed in (incidents list only their first few alarm ids, so each
    alarm is looked up by id)."""
    seen: Counter = Counter()
    for alarm_id in alarm_ids:
        response = await operator.get("/v1/incidents", params={"status": ALL_STATUSES, "alarm_id": alarm_id})
        if response.status_code == 503:  # the first request after a database restart: retry
            return Counter()
        seen[alarm_id] = len(response.json()["items"])
    return seen


async def _raise(citizens, body, deadline_s: float = 30.0) -> None:
    """Raise until accepted: a 503 while the database restarts is an honest 'not stored, retry'."""
    loop = asyncio.get_running_loop()
    end = loop.time() + deadline_s
    while True:
        response = await citizens.raise_alarm(body)
        if response.status_code == 202:
            return
        assert response.status_code == 503 and loop.time() < end, response.text
        await asyncio.sleep(0.2)


async def _each_exactly_once(operator, alarm_ids: list[str], timeout_s: float = 60.0) -> None:
    async def all_arrived():
        seen = await _incidents_by_alarm(operator, alarm_ids)
        return all(seen[a] >= 1 for a in alarm_ids) and seen

    seen = await eventually(all_arrived, timeout_s=timeout_s, interval_s=0.5)
    assert {a: seen[a] for a in alarm_ids} == {a: 1 for a in alarm_ids}


@pytest.fixture
def embedded(stack):
    if stack is None:
        pytest.skip("outage tests need the embedded stack (they stop and start its servers)")
    return stack


async def test_alarms_raised_during_a_broker_outage_all_become_incidents_once(embedded, citizens, operator,
                                                                               alarm_body):
    embedded.kafka.stop()
    try:
        bodies = [alarm_body() for _ in range(20)]
        for body in bodies:
            response = await citizens.raise_alarm(body)
            assert response.status_code == 202  # accepted and durable, though the broker is down
    finally:
        embedded.kafka.start()
    await _each_exactly_once(operator, [b["id"] for b in bodies])


async def test_alarms_survive_a_database_restart(embedded, citizens, operator, alarm_body):
    before = [alarm_body() for _ in range(5)]
    for body in before:
        await _raise(citizens, body)
    await asyncio.to_thread(embedded.postgres.restart)
    after = [alarm_body() for _ in range(5)]
    for body in after:
        await _raise(citizens, body)
    await _each_exactly_once(operator, [b["id"] for b in before + after])


async def test_killing_dispatch_mid_stream_loses_and_duplicates_nothing(embedded, services, citizens, operator,
                                                                        alarm_body, dispatch_url):
    dispatch = services.start("dispatch")
    bodies = [alarm_body() for _ in range(40)]
    for number, body in enumerate(bodies):
        if number == 15:
            dispatch.kill()  # SIGKILL while events are in flight
        await _raise(citizens, body)
    dispatch.start()
    await _each_exactly_once(operator, [b["id"] for b in bodies])
