"""A console that loses its live stream and reconnects with Last-Event-ID gets what changed meanwhile first."""

import asyncio
import json

import httpx

from kentongan.dev.testing import eventually


async def _read(dispatch_url: str, headers: dict[str, str], wanted, timeout_s: float = 20.0,
                ready: asyncio.Event | None = None) -> list[dict]:
    """Server-sent events from the stream ({event, id, data}) until `wanted(events)` holds; `ready` is set
    once the stream said it is subscribed."""
    events: list[dict] = []
    async with (httpx.AsyncClient(timeout=httpx.Timeout(10, read=None)) as client,
                client.stream("GET", f"{dispatch_url}/v1/incidents/stream", headers=headers) as response):
        assert response.status_code == 200

        async def collect():
            current: dict = {}
            async for line in response.aiter_lines():
                if not line:
                    if "event" in current:
                        events.append(current)
                        if current["event"] == "ready" and ready is not None:
                            ready.set()
                        if wanted(events):
                            return
                    current = {}
                    continue
                field, _, value = line.partition(":")
                current[field] = json.loads(value) if field == "data" else value.strip()

        await asyncio.wait_for(collect(), timeout_s)
    return events


def _incident_events(events: list[dict]) -> list[dict]:
    return [e for e in events if e["event"] == "incident"]


async def test_a_reconnecting_console_gets_the_changes_it_missed(citizens, operator, alarm_body, dispatch_url,
                                                                 operator_headers):
    first = alarm_body()
    staff = operator_headers()

    subscribed = asyncio.Event()
    reading = asyncio.create_task(_read(dispatch_url, staff, lambda es: any(
        first["id"] in e["data"]["incident"]["alarm_ids"] for e in _incident_events(es)), ready=subscribed))
    await asyncio.wait_for(subscribed.wait(), 10)
    assert (await citizens.raise_alarm(first)).status_code == 202
    seen = _incident_events(await reading)
    last = seen[-1]
    incident_id = last["data"]["incident"]["id"]

    # While the console is away: its incident is acknowledged, and a new alarm opens another one.
    assert (await operator.post(f"/v1/incidents/{incident_id}/acknowledge")).status_code == 200
    second = alarm_body()
    assert (await citizens.raise_alarm(second)).status_code == 202

    async def opened_elsewhere():
        queue = (await operator.get("/v1/incidents", params={"limit": 500})).json()["items"]
        return next((i for i in queue if second["id"] in i["alarm_ids"]), None)

    other = await eventually(opened_elsewhere, timeout_s=20)

    def caught_up(events) -> bool:
        ids = {e["data"]["incident"]["id"] for e in _incident_events(events)}
        return {incident_id, other["id"]} <= ids

    back = await _read(dispatch_url, {**staff, "Last-Event-ID": last["id"]}, caught_up)
    assert back[0]["event"] == "ready" and back[0]["data"]["replayed"] >= 2
    replayed = {e["data"]["incident"]["id"]: e for e in _incident_events(back)}
    assert replayed[incident_id]["data"]["incident"]["status"] == "acknowledged"
    assert replayed[incident_id]["data"]["type"] == "kentongan.incident.acknowledged"
    assert replayed[other["id"]]["data"]["type"] == "kentongan.incident.opened"

    unknown = await _read(dispatch_url, {**staff, "Last-Event-ID": "not-an-event-we-know"}, lambda es: True)
    assert unknown[0]["data"] == {"replayed": None, "reload": True}
