"""A device erases its profile and history; an alarm operators may still be handling stays, anonymous."""

from uuid import UUID

from sqlalchemy import select

from alarm_gateway.devices.erasure import ANONYMOUS_DEVICE
from alarm_gateway.models import Alarm, Device


async def test_a_device_erases_itself_without_breaking_an_open_incident(gateway, device, alarm_body):
    finished = alarm_body(note="saya di rumah, pintu belakang")
    assert (await gateway.post("/v1/alarms", json=finished, headers=device)).status_code == 202
    assert (await gateway.post(f"/v1/alarms/{finished['id']}/cancel", json={"reason": "salah tekan"},
                               headers=device)).status_code == 200
    still_open = alarm_body(note="tolong, di gang sebelah masjid")
    assert (await gateway.post("/v1/alarms", json=still_open, headers=device)).status_code == 202
    async with gateway.app.state.sessionmaker() as session:
        device_id = (await session.get(Alarm, UUID(still_open["id"]))).device_id

    unconfirmed = await gateway.request("DELETE", "/v1/devices/me", headers=device, json={})
    assert unconfirmed.status_code == 422 and "confirm" in unconfirmed.text
    assert (await gateway.request("DELETE", "/v1/devices/me", json={"confirm": True})).status_code == 401
    erased = await gateway.request("DELETE", "/v1/devices/me", headers=device, json={"confirm": True})
    assert erased.status_code == 204, erased.text

    # The token no longer opens anything, and raising needs a new registration.
    assert (await gateway.get(f"/v1/alarms/{still_open['id']}", headers=device)).status_code == 404
    assert (await gateway.post("/v1/alarms", json=alarm_body(), headers=device)).status_code == 401
    assert (await gateway.request("DELETE", "/v1/devices/me", headers=device,
                                  json={"confirm": True})).status_code == 404
    async with gateway.app.state.sessionmaker() as session:
        assert await session.get(Device, device_id) is None
        assert await session.get(Alarm, UUID(finished["id"])) is None
        kept = await session.scalar(select(Alarm).where(Alarm.id == UUID(still_open["id"])))
    # What the incident needs stays; who raised it and their words do not.
    assert kept is not None and kept.device_id == ANONYMOUS_DEVICE and kept.note_sealed is None
    assert (kept.lat, kept.lon, kept.category, kept.status) == (still_open["lat"], still_open["lon"], "crime",
                                                                "received")
