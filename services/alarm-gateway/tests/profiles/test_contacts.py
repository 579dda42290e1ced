"""Emergency contacts hear of an alarm when it reaches the Command Center, only when it is safe: never for a
silent alarm, never for sexual violence, violence or child abuse, never once cancelled (genuinely or under
duress)."""

import json
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest
from sqlalchemy import text

from alarm_gateway.consumers import event_handlers
from kentongan.events import Envelope
from kentongan.events import incidents as events
from kentongan.events.devices import DeviceSms

PROFILE = {"name": "Sri", "phone": "0812-3456-7890", "language": "en",
           "emergency_contacts": [{"name": "Budi", "phone": "0813-1111-2222", "relation": "suami"},
                                  {"name": "Ani", "phone": "0813-3333-4444", "relation": "tetangga"}]}


async def _contact_messages_when_placed(gateway, alarm_id: str) -> list[dict]:
    """Place the alarm in an incident as dispatch's event would, and read the SMS staged for its contacts in
    that same transaction (rolled back, so the relay never sends them)."""
    handler = event_handlers(gateway.app.state.profile_keys)[events.IncidentOpened.ce_type]
    now = datetime.now(UTC)
    opened = Envelope.wrap(events.IncidentOpened(
        incident_id=uuid4(), status="open", category="crime", priority=3, lat=-6.98, lon=110.41, area="Tembalang",
        alarm_ids=[UUID(alarm_id)], opened_at=now, updated_at=now, version=1), "/services/dispatch")
    async with gateway.app.state.sessionmaker() as session, session.begin():
        await handler(session, opened)
        values = (await session.execute(text(
            "SELECT value FROM alarm_gateway.outbox WHERE event_type = 'kentongan.device.sms'"))).scalars().all()
        await session.rollback()
    # The phone and the text cross the broker sealed with the bus keyring; notifier opens them so.
    bus = gateway.app.state.profile_keys.sms
    messages = []
    for value in values:
        assert b"Sri" not in value and b"628131111" not in value
        sms = Envelope.wrap(DeviceSms.model_validate_json(value), "/services/alarm-gateway")
        messages.append({**json.loads(value), "sms_to": bus.open(sms, "sms_to"), "fields": bus.open(sms, "fields")})
    return [m for m in messages if m["kind"] == "emergency_contact" and m["recipient"].startswith(alarm_id)]


async def _raise(gateway, device, alarm_body, **overrides) -> str:
    assert (await gateway.put("/v1/devices/me/profile", json=PROFILE, headers=device)).status_code == 200
    body = alarm_body(**overrides)
    assert (await gateway.post("/v1/alarms", json=body, headers=device)).status_code == 202
    return body["id"]


async def test_each_contact_is_told_with_the_name_and_the_area(gateway, device, alarm_body):
    alarm_id = await _raise(gateway, device, alarm_body, category="medical")
    messages = await _contact_messages_when_placed(gateway, alarm_id)
    assert sorted(m["sms_to"] for m in messages) == ["+6281311112222", "+6281333334444"]
    assert {(m["fields"]["name"], m["fields"]["place"], m["language"]) for m in messages} == {
        ("Sri", "Tembalang", "en")}


@pytest.mark.parametrize("overrides", [{"silent": True}, {"category": "sexual_violence"},
                                       {"category": "violence"}, {"category": "child_abuse"}])
async def test_never_for_silent_or_family_violence_alarms(gateway, device, alarm_body, overrides):
    alarm_id = await _raise(gateway, device, alarm_body, **overrides)
    assert await _contact_messages_when_placed(gateway, alarm_id) == []


@pytest.mark.parametrize("pin", ["1234", "9876"], ids=["genuine cancel", "duress cancel"])
async def test_never_once_cancelled(gateway, device, alarm_body, pin):
    await gateway.put("/v1/devices/me/pins", json={"cancel_pin": "1234", "duress_pin": "9876"}, headers=device)
    alarm_id = await _raise(gateway, device, alarm_body)
    cancelled = await gateway.post(f"/v1/alarms/{alarm_id}/cancel", json={"reason": "aman", "pin": pin},
                                   headers=device)
    assert cancelled.status_code == 200
    assert await _contact_messages_when_placed(gateway, alarm_id) == []


async def test_no_profile_no_message(gateway, device, alarm_body):
    body = alarm_body()
    await gateway.post("/v1/alarms", json=body, headers=device)
    assert await _contact_messages_when_placed(gateway, body["id"]) == []
