"""Know the caller, through the real processes: alarm-gateway -> alarms.v1 (the profile sealed) -> dispatch
shows the caller; the one-time code and the contacts' alert reach the SMS inbox through notifier; a duress
cancel looks cancelled on the phone and puts the incident at the top of dispatch's queue."""

import secrets
from uuid import uuid4

import httpx
import pytest

from kentongan.dev.testing import eventually

PINS = {"cancel_pin": "2468", "duress_pin": "1357"}


@pytest.fixture(scope="module")
def notifier_url(services) -> str:
    # A consumer group of its own (see test_report_to_reporter_sms.py).
    return services.start("notifier", NOTIFIER_CONSUMER_GROUP="notifier-callers-e2e").url


async def _sms_to(notifier: httpx.AsyncClient, phone: str, count: int) -> list[dict]:
    async def arrived():
        messages = (await notifier.get("/v1/dev/outbox", params={"target": phone})).json()["items"]
        return messages if len(messages) >= count else None

    return await eventually(arrived, timeout_s=60)


async def _incident_of(operator, alarm_id: str) -> dict:
    async def placed():
        queue = (await operator.get("/v1/incidents", params={"limit": 500})).json()["items"]
        return next((incident for incident in queue if alarm_id in incident["alarm_ids"]), None)

    return await eventually(placed, timeout_s=60)


async def test_a_verified_caller_is_shown_to_dispatch_and_contacts_are_texted(citizen, operator, alarm_body,
                                                                               notifier_url, operator_headers):
    phone, contact = (f"+62812{10**7 + secrets.randbelow(9 * 10**7)}" for _ in range(2))
    profile = {"name": "Sri Wahyuni", "phone": "0" + phone[3:], "language": "id", "medical_notes": "asma",
               "emergency_contacts": [{"name": "Budi", "phone": contact, "relation": "suami"}]}
    assert (await citizen.put("/v1/devices/me/profile", json=profile)).status_code == 200
    # The development inbox is read as an admin.
    async with httpx.AsyncClient(base_url=notifier_url, timeout=10, headers=operator_headers("admin")) as notifier:
        assert (await citizen.post("/v1/devices/me/phone/verification")).status_code == 202
        [code_sms] = await _sms_to(notifier, phone, 1)
        code = code_sms["payload"]["body"].split(": ", 1)[1][:6]
        confirmed = await citizen.post("/v1/devices/me/phone/verification/confirm", json={"code": code})
        assert confirmed.json() == {"phone_verified": True}

        body = alarm_body("medical", battery_pct=12)
        assert (await citizen.post("/v1/alarms", json=body)).status_code == 202
        incident = await _incident_of(operator, body["id"])

        async def verified_caller():
            callers = (await operator.get(f"/v1/incidents/{incident['id']}/callers")).json()["callers"]
            return callers if callers and callers[0]["phone_verified"] else None

        [caller] = await eventually(verified_caller, timeout_s=30)
        assert (caller["name"], caller["phone"], caller["battery_pct"]) == ("Sri Wahyuni", phone, 12)
        assert caller["emergency_contacts"][0]["phone"] == contact and caller["medical_notes"] == "asma"
        [alert] = await _sms_to(notifier, contact, 1)
        assert "Sri Wahyuni menekan tombol darurat Kentongan" in alert["payload"]["body"]


async def test_a_duress_cancel_looks_cancelled_on_the_phone_and_is_top_priority_at_dispatch(citizen, operator,
                                                                                            alarm_body):
    assert (await citizen.put("/v1/devices/me/pins", json=PINS)).status_code == 200
    body = alarm_body("crime")
    assert (await citizen.post("/v1/alarms", json=body)).status_code == 202
    await _incident_of(operator, body["id"])
    forced = await citizen.post(f"/v1/alarms/{body['id']}/cancel", json={"reason": "salah tekan",
                                                                        "pin": PINS["duress_pin"]})
    assert forced.status_code == 200 and forced.json()["status"] == "cancelled"

    async def duress_on_top():
        queue = (await operator.get("/v1/incidents")).json()["items"]
        mine = next((i for i in queue if body["id"] in i["alarm_ids"]), None)
        return queue if mine and mine["duress"] else None

    queue = await eventually(duress_on_top, timeout_s=30)
    mine = next(i for i in queue if body["id"] in i["alarm_ids"])
    assert mine["priority"] == 5 and mine["status"] == "open"
    assert all(i["priority"] <= 5 for i in queue) and queue.index(mine) < sum(i["priority"] == 5 for i in queue)
    # An operator acknowledges; the phone still shows only the cancel. A neighbour's alarm joining the incident
    # afterwards reaches the gateway after the acknowledgement (one incident's events stay in order): once the
    # neighbour sees "acknowledged", the forced caller's phone has had its chance to show it too.
    assert (await operator.post(f"/v1/incidents/{mine['id']}/acknowledge")).status_code == 200
    registered = (await citizen.post("/v1/devices", json={})).json()
    neighbour = {"Authorization": f"Bearer {registered['token']}"}
    joined = {**body, "id": str(uuid4())}
    assert (await citizen.post("/v1/alarms", json=joined, headers=neighbour)).status_code == 202

    async def neighbour_acknowledged():
        alarm = (await citizen.get(f"/v1/alarms/{joined['id']}", headers=neighbour)).json()
        return alarm["status"] == "acknowledged"

    await eventually(neighbour_acknowledged, timeout_s=30)
    seen = (await citizen.get(f"/v1/alarms/{body['id']}")).json()
    assert seen["status"] == "cancelled" and [s["status"] for s in seen["timeline"]] == ["received", "cancelled"]
