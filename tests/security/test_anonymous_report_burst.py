"""What an anonymous caller can set in motion is bounded: a burst of urgent reports from one source becomes
one incident for a supervisor to triage (dispatch merges by a keyed fingerprint of the source, never the
address), and the neighbourhood's RT representatives hear nothing of it until an operator acknowledges it."""

import asyncio
import random
from uuid import uuid4

import httpx

from kentongan.dev.testing import eventually

BURST = 5


def _urgent_report(lat: float, lon: float) -> dict:
    return {
        "category": "domestic_violence", "narrative": "Tolong, ada orang mengancam di rumah saya.",
        "location": {"lat": lat, "lon": lon},
        "victim": {"age_group": "adult", "gender": "female", "is_reporter": True},
        "perpetrator_relation": "unknown", "anonymous": True,
        "consent": {"share_with_agencies": False, "contact_me": False}, "immediate_danger": True,
    }


def _citizen_address() -> str:
    return f"198.18.{random.randint(0, 255)}.{random.randint(1, 254)}"


async def _representative_at(notifier: httpx.AsyncClient, lat: float, lon: float) -> str:
    """An RT representative whose home RT is the place; their phone."""
    phone = f"+62813{random.randint(10**7, 10**8 - 1)}"
    code = f"SEC-{uuid4().hex[:10]}"
    body = {"code": code, "name": "Pak RT", "role": "rt", "kecamatan": "Tembalang", "kelurahan": "Bulusan",
            "rw": "02", "rt": "03", "lat": lat, "lon": lon,
            "contacts": [{"channel": "sms", "address": phone}]}
    placed = await notifier.put(f"/v1/representatives/{code}", json=body)
    assert placed.status_code == 200, placed.text
    return phone


async def test_an_anonymous_urgent_burst_is_one_incident_and_rt_hear_nothing_before_acknowledgement(
        services, dispatch_url, operator, operator_headers, place):
    # The test plays the ingress, so each "citizen" is a source of its own (KENTONGAN_TRUSTED_PROXIES).
    intake_url = services.start("report-intake", KENTONGAN_TRUSTED_PROXIES="127.0.0.1/32",
                                REPORT_INTAKE_REPORTS_PER_MINUTE="600").url
    notifier_url = services.start("notifier", NOTIFIER_CONSUMER_GROUP="notifier-e2e").url
    lat, lon = place()
    flooder, neighbour = _citizen_address(), _citizen_address()
    async with (httpx.AsyncClient(base_url=intake_url, timeout=10) as intake,
                httpx.AsyncClient(base_url=notifier_url, headers=operator_headers("admin"),
                                  timeout=10) as notifier):
        phone = await _representative_at(notifier, lat, lon)
        for _ in range(BURST):
            sent = await intake.post("/v1/reports", json=_urgent_report(lat, lon),
                                     headers={"X-Forwarded-For": flooder})
            assert sent.status_code == 201, sent.text
        other = await intake.post("/v1/reports", json=_urgent_report(lat, lon),
                                  headers={"X-Forwarded-For": neighbour})
        assert other.status_code == 201, other.text

        async def incidents_here():
            queue = (await operator.get("/v1/incidents", params={"limit": 500})).json()["items"]
            here = [i for i in queue if i["source"] == "report" and (i["lat"], i["lon"]) == (lat, lon)]
            return here if len(here) >= 2 else None

        async def burst_merged():
            for incident in await incidents_here() or []:
                detail = (await operator.get(f"/v1/incidents/{incident['id']}")).json()
                if any(f"{BURST} unauthenticated urgent reports" in note["text"] for note in detail["notes"]):
                    return detail
            return None

        burst = await eventually(burst_merged, timeout_s=30)
        await asyncio.sleep(1.0)  # any further incident the burst would have opened has arrived by now
        here = await incidents_here()
        assert len(here) == 2, here  # the flooder's burst, and the other source's report apart from it
        assert all(incident["unauthenticated"] for incident in here)
        assert "mengancam" not in str(burst)  # no narrative, no address
        assert flooder not in str(burst)
        [apart] = [i for i in here if i["id"] != burst["id"]]

        async def messages_about(incident_ids: set[str]) -> list[dict]:
            texts = (await notifier.get("/v1/dev/outbox", params={"target": phone})).json()["items"]
            return [m for m in texts if m["payload"]["data"]["incident_id"] in incident_ids]

        await asyncio.sleep(4.0)  # time enough for a broadcast (they go out in well under a second)
        assert await messages_about({burst["id"], apart["id"]}) == []

        acknowledged = await operator.post(f"/v1/incidents/{burst['id']}/acknowledge")
        assert acknowledged.status_code == 200, acknowledged.text

        [standby] = await eventually(lambda: messages_about({burst["id"]}), timeout_s=30)
        assert standby["payload"]["data"]["kind"] == "broadcast.standby"
        await asyncio.sleep(1.0)
        assert await messages_about({apart["id"]}) == []  # still waiting for its own acknowledgement
        assert len(await messages_about({burst["id"]})) == 1
